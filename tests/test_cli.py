"""Tests for the command line (adapter): ``pytoolkit.cli.main([...])`` and ``python -m pytoolkit``.

Exit status (docs/architecture.md “Command line”): 0 no error findings, 1 error findings, 2 an input could
not be used. JSON (``--format json``): one object with ``findings`` (numbers as strings,
location as an object) and ``summary`` counts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import python_calamine
from openpyxl import load_workbook

from pytoolkit import cli
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.rules import validate_book
from pytoolkit.rules.loader import BUILTIN, builtin_pack
from pytoolkit.samples.data import DEPARTMENT, SEED

CJK = re.compile(r"[\u4e00-\u9fff]")
XP_ERRORS = {"XP.general_budget", "XP.gov_fund", "XP.sangong", "XP.reception"}
FINDING_KEYS = {"rule", "severity", "title", "message", "location", "table", "related", "expected", "actual",
                "difference", "unit", "group"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """The seed book and the three department units, written once for the module."""
    d = tmp_path_factory.mktemp("books")
    out = {"seed": d / "示例_政务服务中心_2018.xlsx"}
    write_book(out["seed"], SEED)
    for i, unit in enumerate(DEPARTMENT, 1):
        out[f"unit{i}"] = d / f"示例部门_{i}_{unit.name}.xlsx"
        write_book(out[f"unit{i}"], unit)
    return out


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert "Traceback" not in out + err
    return code, json.loads(out)


# ---------------------------------------------------------------------------------------------
# demo


def test_demo_writes_the_samples_and_the_annotated_copy(tmp_path, capsys):
    out_dir = tmp_path / "演示"
    code, out, err = run(capsys, "demo", "--out", out_dir)
    assert code == cli.EXIT_OK, err
    names = sorted(p.name for p in out_dir.iterdir())
    outputs = {"示例_校验标注.xlsx", "示例_与上年核对标注.xlsx", "示例部门_汇总.xlsx", "情况说明初稿.docx"}
    assert outputs <= set(names)
    samples = [n for n in names if n not in outputs]
    # the seed in two layouts, its invented year before, one book per unit
    assert len(samples) == 3 + len(DEPARTMENT)
    for name in samples:
        book = read_book(out_dir / name)
        assert book.tables and book.unit_name, name
    annotated = load_workbook(out_dir / "示例_校验标注.xlsx")
    assert annotated.sheetnames[0] == "校验结果"
    for rule in XP_ERRORS:
        assert rule in out
    # The narrative section finds the seed's text problems; the consolidation balances.
    for rule in ("N.pe", "N.pp", "N.table.change"):
        assert rule in out
    # The two-year section: the 4050元 statement against the invented 2017 book, said to be invented.
    assert "Y.narrative_previous" in out and "虚构" in out
    assert "上年对比" in load_workbook(out_dir / "示例_与上年核对标注.xlsx").sheetnames
    assert "抵销 15.00" in out and "抵销 12.00" in out
    assert "Traceback" not in out + err


# ---------------------------------------------------------------------------------------------
# validate


@pytest.mark.parametrize("unit", ["unit1", "unit2", "unit3"])
def test_validate_clean_department_book(books, capsys, unit):
    code, out, err = run(capsys, "validate", books[unit])
    assert code == cli.EXIT_OK, out + err
    assert "错误 0 条" in out and books[unit].name in out
    code, doc = run_json(capsys, "validate", books[unit])
    assert code == cli.EXIT_OK
    assert doc["findings"] == [] and doc["summary"] == {"error": 0, "warning": 0, "info": 0}


def test_validate_seed_text(books, capsys):
    code, out, err = run(capsys, "validate", books["seed"])
    assert code == cli.EXIT_FINDINGS
    assert "错误 4 条" in out
    for rule in XP_ERRORS:
        assert f"[{rule}]" in out
    for cell in ("整体支出绩效自评表!D6", "整体支出绩效自评表!E6"):
        assert cell in out
    assert "Traceback" not in out + err


def test_validate_seed_json(books, capsys):
    code, doc = run_json(capsys, "validate", books["seed"])
    assert code == cli.EXIT_FINDINGS
    assert {"findings", "summary"} <= set(doc)
    assert doc["summary"] == {"error": 4, "warning": 0, "info": 0}
    assert {f["rule"] for f in doc["findings"]} == XP_ERRORS
    for f in doc["findings"]:
        assert set(f) == FINDING_KEYS
        assert f["severity"] == "error"
        assert CJK.search(f["message"])
        # Numbers as strings, exact decimals.
        assert isinstance(f["expected"], str) and isinstance(f["actual"], str)
        Decimal(f["expected"]), Decimal(f["actual"])
        # Location as an object.
        loc = f["location"]
        assert isinstance(loc, dict)
        assert loc["file"] == books["seed"].name
        assert loc["sheet"] == "整体支出绩效自评表" and re.fullmatch(r"[A-Z]+\d+", loc["cell"])
    by_rule = {f["rule"]: f for f in doc["findings"]}
    assert Decimal(by_rule["XP.sangong"]["actual"]) == Decimal("4.54")
    assert Decimal(by_rule["XP.sangong"]["expected"]) == Decimal("4.50")
    assert Decimal(by_rule["XP.general_budget"]["expected"]) == Decimal("846.77")
    assert Decimal(by_rule["XP.general_budget"]["actual"]) == Decimal("686.97")


def _not_a_workbook(d: Path) -> Path:
    p = d / "坏文件.xlsx"
    p.write_text("这不是工作簿", encoding="utf-8")
    return p


def _missing(d: Path) -> Path:
    return d / "不存在的文件.xlsx"


def _empty(d: Path) -> Path:
    p = d / "空文件.xlsx"
    p.write_bytes(b"")
    return p


@pytest.mark.parametrize("make", [_not_a_workbook, _missing, _empty], ids=lambda f: f.__name__.strip("_"))
def test_validate_broken_file(tmp_path, capsys, make):
    path = make(tmp_path)
    code, out, err = run(capsys, "validate", path)
    assert code == cli.EXIT_INPUT
    assert path.name in err and CJK.search(err)
    assert "Traceback" not in out + err
    code, doc = run_json(capsys, "validate", path)
    assert code == cli.EXIT_INPUT
    [entry] = doc["inputs"]
    assert entry["usable"] is False and entry["file"].endswith(path.name)
    [finding] = doc["findings"]
    assert finding["rule"] == "read.unusable" and finding["severity"] == "error"
    assert path.name in finding["message"] and CJK.search(finding["message"])


def test_validate_folder_reports_every_book(books, capsys):
    folder = books["seed"].parent
    code, out, err = run(capsys, "validate", folder)
    assert code == cli.EXIT_FINDINGS
    for path in books.values():
        assert path.name in out
    assert out.count("错误 0 条") == len(DEPARTMENT)
    code, doc = run_json(capsys, "validate", folder)
    assert code == cli.EXIT_FINDINGS
    assert sorted(Path(b["file"]).name for b in doc["inputs"]) == sorted(p.name for p in books.values())
    assert doc["summary"] == {"error": 4, "warning": 0, "info": 0}


def test_validate_several_books_with_a_broken_one_reports_all(books, tmp_path, capsys):
    broken = _not_a_workbook(tmp_path)
    code, out, err = run(capsys, "validate", books["unit1"], broken, books["seed"])
    assert code == cli.EXIT_INPUT
    assert books["unit1"].name in out and books["seed"].name in out
    assert broken.name in err
    assert "Traceback" not in out + err


def test_validate_nothing_to_check(tmp_path, capsys):
    code, out, err = run(capsys, "validate", tmp_path)
    assert code == cli.EXIT_INPUT
    assert CJK.search(err)


# ---------------------------------------------------------------------------------------------
# --annotate


_NUMBER_CELL = re.compile(rb'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="n"><v>([^<]*)</v></c>')


def with_calculated_formulas(source: Path, target: Path) -> Path:
    """``source`` with every number turned into a formula with its cached value, as Excel saves."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _NUMBER_CELL.sub(rb'<c r="\1"\2><f>\3+0</f><v>\3</v></c>', data)
            zout.writestr(info, data)
    return target


def calamine_grids(path: Path) -> dict[str, list[list]]:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}
    finally:
        wb.close()


@pytest.fixture
def formula_seed(books, tmp_path) -> Path:
    path = with_calculated_formulas(books["seed"], tmp_path / "含公式.xlsx")
    wb = load_workbook(path)
    assert sum(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row) > 100
    return path


def test_annotate_writes_a_marked_copy_and_keeps_the_input(formula_seed, tmp_path, capsys):
    before = sha256(formula_seed)
    out_path = tmp_path / "标注.xlsx"
    code, out, err = run(capsys, "validate", formula_seed, "--annotate", out_path)
    assert code == cli.EXIT_FINDINGS
    assert sha256(formula_seed) == before
    findings = validate_book(read_book(formula_seed))
    assert {f.rule for f in findings} == XP_ERRORS

    wb = load_workbook(out_path)
    for f in findings:
        cell = wb[f.location.sheet][f.location.cell]
        assert cell.fill.fgColor.rgb.endswith("FFC7CE"), f.location
        assert cell.comment is not None and f.message in cell.comment.text
    untouched = wb["整体支出绩效自评表"]["B6"]
    assert untouched.comment is None and untouched.fill.fill_type is None

    # The 校验结果 sheet comes first, one row per finding, each linked to its cell.
    assert wb.sheetnames[0] == "校验结果"
    result = wb["校验结果"]
    links = {}
    assert [c.value for c in result[2]][-1] == "规则编号"  # the rule's id last, out of the way
    for row in result.iter_rows(min_row=3):
        if row[8].value:
            link = row[2].hyperlink
            links[row[8].value] = link.location or link.target
    assert set(links) == XP_ERRORS
    for f in findings:
        assert links[f.rule].lstrip("#") == f"'{f.location.sheet}'!{f.location.cell}"

    # Formulas replaced by the values Excel had calculated: the same numbers read back.
    assert not any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    grids_in, grids_out = calamine_grids(formula_seed), calamine_grids(out_path)
    # the seed states budgets (T5, T7); 识别说明 is the recogniser's account of every table
    assert set(grids_out) == set(grids_in) | {"校验结果", "预算与决算", "识别说明"}
    for name, grid in grids_in.items():
        assert grids_out[name] == grid, name
    again = validate_book(read_book(out_path))
    assert {(f.rule, f.location.sheet, f.location.cell, f.expected, f.actual) for f in again} == {
        (f.rule, f.location.sheet, f.location.cell, f.expected, f.actual) for f in findings}


def test_annotate_onto_the_input_is_refused(books, tmp_path, capsys):
    path = tmp_path / books["seed"].name
    path.write_bytes(books["seed"].read_bytes())
    before = sha256(path)
    code, out, err = run(capsys, "validate", path, "--annotate", path)
    assert code == cli.EXIT_INPUT
    assert CJK.search(err) and "Traceback" not in out + err
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temp file left


def test_annotate_several_books_into_a_folder(books, tmp_path, capsys):
    code, out, err = run(capsys, "validate", books["seed"], books["unit1"], "--annotate", tmp_path)
    assert code == cli.EXIT_FINDINGS
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"{p.stem}_校验{p.suffix}" for p in (books["seed"], books["unit1"]))
    for name in written:
        assert load_workbook(tmp_path / name).sheetnames[0] == "校验结果"


def test_annotate_several_books_needs_a_folder(books, tmp_path, capsys):
    code, out, err = run(capsys, "validate", books["seed"], books["unit1"], "--annotate", tmp_path / "x.xlsx")
    assert code == cli.EXIT_INPUT
    assert CJK.search(err)


# ---------------------------------------------------------------------------------------------
# python -m pytoolkit, help texts, rule titles


def test_python_dash_m(books):
    proc = subprocess.run([sys.executable, "-m", "pytoolkit", "validate", str(books["seed"]), "--format", "json"],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == cli.EXIT_FINDINGS, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert {f["rule"] for f in doc["findings"]} == XP_ERRORS


def test_no_command_prints_help_and_exits_2(capsys):
    code, out, err = run(capsys)
    assert code == cli.EXIT_INPUT
    assert CJK.search(err)


def _subcommands(parser: argparse.ArgumentParser, prefix: str = ""):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield f"{prefix}{name}", helps.get(name), sub
                yield from _subcommands(sub, f"{prefix}{name} ")


def test_every_subcommand_and_option_has_chinese_help():
    parser = cli.build_parser()
    assert CJK.search(parser.description or "")
    subs = list(_subcommands(parser))
    assert {"demo", "validate"} <= {name for name, _, _ in subs}
    for name, help_text, sub in subs:
        assert help_text and CJK.search(help_text), name
        assert sub.description and CJK.search(sub.description), name
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction | argparse._VersionAction | argparse._SubParsersAction):
                continue
            assert action.help and CJK.search(action.help), (name, action.dest)


def test_every_builtin_rule_has_a_chinese_title():
    seen = 0
    for pack in BUILTIN:
        for rule in builtin_pack(pack):
            assert rule.id and re.fullmatch(r"[A-Za-z0-9_.]+", rule.id), (pack, rule.id)
            if rule.enabled:
                assert rule.title and CJK.search(rule.title), (pack, rule.id)
            seen += 1
    assert seen > 20


def test_readme_opens_with_the_two_commands_ci_runs():
    """The README's first block holds exactly two commands: install + demo, install + tests; the
    latter is what .ci/run runs (kept in step)."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2
    assert block[0].endswith("pytoolkit demo") and "pip install ." in block[0]
    assert block[1].endswith("python -m pytest") and 'pip install -e ".[test]"' in block[1]
    ci = (root / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == block[1]


def test_demo_at_80_columns_never_breaks_a_number(tmp_path, capsys, monkeypatch):
    """An 80-column console (a default cmd.exe window): every number the demo prints at full
    width is whole in the 80-column output, and no line is wider than the console."""
    from rich.cells import cell_len

    from pytoolkit.commands import common

    code, wide, _ = run(capsys, "demo", "-o", tmp_path / "宽")
    assert code == cli.EXIT_OK
    monkeypatch.setattr(common, "_isatty", lambda stream: True)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    code, narrow, _ = run(capsys, "demo", "-o", tmp_path / "窄")
    assert code == cli.EXIT_OK
    numbers = set(re.findall(r"\d[\d,]*\.\d+%?", wide))
    assert len(numbers) > 30
    for number in numbers:
        assert number in narrow, number
    table_lines = [line for line in narrow.splitlines() if line[:1] in "│┃┏┡└"]
    assert table_lines and all(cell_len(line) <= 80 for line in table_lines)
