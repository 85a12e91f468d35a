"""Batches: the overview on screen, --detail, --unit, and the 问题清单 report (workbook and JSON).

The units are the bundled samples written by the layout writer (as the other CLI tests do), some
with amounts changed here, in the test, so that they carry a known number of broken linkages.
Rule titles are checked against the rule packs' YAML read here, not through the toolkit.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import python_calamine
import yaml
from openpyxl import load_workbook

import pytoolkit
from pytoolkit import cli
from pytoolkit.commands import common
from pytoolkit.commands.overview import OVERVIEW_FROM
from pytoolkit.findings import Finding, Location, Severity
from pytoolkit.io.layout import write_book
from pytoolkit.overview import UnitRow, build, rule_title
from pytoolkit.render.findings_report import FINDINGS_HEADERS, cell_location, link_target, unescape_target
from pytoolkit.samples.data import DEPARTMENT, SEED

FINDING_COLUMN = {h: i for i, h in enumerate(FINDINGS_HEADERS)}  # 问题清单: header → index in a row

PACKS = Path(pytoolkit.__file__).parent / "rules" / "packs"


def pack_titles() -> dict[str, str]:
    out = {}
    for pack in PACKS.glob("*.yaml"):
        out.update({r["id"]: r["title"] for r in yaml.safe_load(pack.read_text(encoding="utf-8"))["rules"]})
    return out


def raised(sample, changes: dict[tuple[str, str, str], str], name: str):
    """``sample`` renamed, with the amounts at (table, row, column) raised by the given delta."""
    values = {t: {r: dict(c) for r, c in rows.items()} for t, rows in sample.values.items()}
    for (t, r, c), delta in changes.items():
        values[t][r][c] = format(Decimal(values[t][r][c]) + Decimal(delta), "f")
    return replace(sample, name=name, values=values)


# Broken linkages per unit: none, one amount, two amounts. A raised 本年收入合计 of T1 breaks the
# T1 sums it takes part in (and T1 against T2/T4); a raised T3 row breaks T3's sums.
BREAKS = {
    0: {},
    1: {("T1", "本年收入合计", "决算数"): "1.00"},
    2: {("T1", "本年收入合计", "决算数"): "1.00", ("T3", "201", "本年支出合计"): "2.00"},
}


@pytest.fixture(scope="module")
def units(tmp_path_factory) -> Path:
    """A folder of seven department units: 0, 1 or 2 amounts raised, names 单位甲…单位庚; 单位戊
    prints its tables in 元 (its findings then read 元)."""
    folder = tmp_path_factory.mktemp("批量") / "各单位"
    folder.mkdir()
    names = "甲乙丙丁戊己庚"
    for i, ch in enumerate(names):
        base = DEPARTMENT[i % 3]
        sample = raised(base, BREAKS[i % 3], f"测试局单位{ch}")
        write_book(folder / f"{i + 1:02d}_单位{ch}.xlsx", sample, money_unit="元" if ch == "戊" else "万元")
    assert len(names) >= OVERVIEW_FROM
    return folder


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def detail_lines(text: str) -> list[str]:
    """The lines of a full listing that show one finding each (“    错误 Sheet!C7  … [T1.x]”)."""
    return [line for line in text.splitlines() if re.match(r"^\s{4}(错误|核实|提示) ", line)]


@pytest.fixture(scope="module")
def reference(units) -> dict:
    """The findings of the batch as ``validate --format json`` reports them (one run)."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli.main(["validate", str(units), "--format", "json"])
    assert code == cli.EXIT_FINDINGS
    return json.loads(buf.getvalue())


# -- the overview (core) -------------------------------------------------------------------------
def _f(rule: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(rule, severity, "问题", Location(file="x.xlsx", sheet="表", cell="C7"))


def test_overview_orders_worst_first_and_counts_rules():
    rows = [
        UnitRow("干净", "a.xlsx", (), index=0),
        UnitRow("两错", "b.xlsx", (_f("T1.balance"), _f("T1.income_total")), index=1),
        UnitRow("一错三提示", "c.xlsx", (_f("T1.balance"),) + (_f("T1.income_total", Severity.INFO),) * 3, index=2),
        UnitRow("读不了", "d.xlsx", (), problem="文件已损坏", index=3),
        UnitRow("一核实", "e.xlsx", (_f("book.missing_tables", Severity.WARNING),), index=4),
        UnitRow("两错之二", "f.xlsx", (_f("T1.balance"), _f("T2.row_sum")), index=5),
    ]
    ov = build(rows)
    assert [u.name for u in ov.units] == ["读不了", "两错", "两错之二", "一错三提示", "一核实", "干净"]
    assert [u.verdict for u in ov.units] == ["无法读取", "有错误", "有错误", "有错误", "需核实", "无问题"]
    assert ov.units[3].counts == (1, 0, 3)
    assert ov.totals == {"error": 5, "warning": 1, "info": 3}
    by_rule = {r.rule: r for r in ov.rules}
    assert [r.rule for r in ov.rules][:2] == ["T1.balance", "T1.income_total"]
    assert (by_rule["T1.balance"].units, by_rule["T1.balance"].findings) == (3, 3)
    # the most severe occurrence names a rule's severity; units count once however often it fired
    assert (by_rule["T1.income_total"].units, by_rule["T1.income_total"].findings) == (2, 4)
    assert by_rule["T1.income_total"].severity is Severity.ERROR
    titles = pack_titles()
    for r in ov.rules:
        assert r.title == titles[r.rule], r.rule
    assert ov.matching(["两错"]) == [ov.units[1], ov.units[2]]
    assert ov.matching(["d.xlsx"]) == [ov.units[0]]


def test_findings_survive_pickling_field_by_field():
    """Batches send findings between processes as plain tuples (``Finding.__reduce__``): every
    field comes back. A new field must be added here, and to ``__reduce__``."""
    import dataclasses
    import pickle

    samples = {"rule": "T1.balance", "severity": Severity.WARNING, "message": "问题",
               "location": Location("a.xlsx", "表", "C7", 3, "原文"), "expected": Decimal("1.50"),
               "actual": Decimal("-2"), "table": "T1", "related": ("表!C8",), "unit": "元",
               "group": "Y"}
    fields = [f.name for f in dataclasses.fields(Finding)]
    assert set(fields) == set(samples), "a new Finding field: pickle it in Finding.__reduce__ and list it here"
    f = Finding(**samples)
    back = pickle.loads(pickle.dumps(f))
    assert back == f and all(getattr(back, name) == samples[name] for name in fields)
    assert back.severity is Severity.WARNING


def test_rule_titles_come_from_the_registry_a_users_pack_or_the_family(tmp_path):
    from pytoolkit.rules import finding_ids
    from pytoolkit.rules.loader import load_pack

    titles = pack_titles()
    assert titles and all(rule_title(rule) == title for rule, title in titles.items())
    registered = finding_ids()
    assert len(registered) > len(titles) and all(rule_title(i.id) == i.title for i in registered)
    assert rule_title("recognise.no_unit") and rule_title("recognise.no_unit") != "表格识别"
    pack = tmp_path / "本地规则.yaml"
    pack.write_text("rules:\n  - id: MY.own\n    title: 本地自定义规则\n    severity: warning\n"
                    "    check: T1[收入总计].决算数 == T1[支出总计].决算数\n", encoding="utf-8")
    load_pack(pack)
    assert rule_title("MY.own") == "本地自定义规则"
    assert rule_title("T3.no_such_rule") == "支出决算表"  # unregistered: its table's name
    assert rule_title("zz.unknown") == ""


# -- validate: the overview on screen ------------------------------------------------------------
def test_validate_batch_prints_the_overview_not_every_finding(units, reference, capsys):
    code, out, err = run(capsys, "validate", units, "--force")
    assert code == cli.EXIT_FINDINGS
    assert not detail_lines(out), "a batch lists no single finding on screen"
    per_file = Counter(Path(f["location"]["file"]).name for f in reference["findings"])
    n = len(reference["findings"])
    s = reference["summary"]
    assert "共 7 个工作簿" in out and f"错误 {s['error']} 条" in out
    # one row per unit, worst first (errors, then 核实, then 提示; file order among equals)
    table = [line for line in out.splitlines() if line.startswith("│") and ".xlsx" in line]
    shown = [re.search(r"(\d\d_单位.\.xlsx)", line).group(1) for line in table]
    by_file = {b["file"]: b["summary"] for b in reference["inputs"]}
    expected = sorted(by_file, key=lambda f: (-by_file[f]["error"], -by_file[f]["warning"], -by_file[f]["info"], f))
    assert shown == [Path(f).name for f in expected]
    for line in table:
        name = re.search(r"(\d\d_单位.\.xlsx)", line).group(1)
        cells = [c.strip() for c in line.strip("│").split("│")]
        summary = by_file[str(units / name)]
        assert cells[2:5] == [str(summary["error"]), str(summary["warning"]), str(summary["info"])]
        assert per_file.get(name, 0) == sum(summary.values())
    # the rules that fired in most units, with their titles
    titles = pack_titles()
    units_per_rule = Counter(rule for rule, _ in {(f["rule"], f["location"]["file"]) for f in reference["findings"]})
    top = max(units_per_rule.values())
    leaders = [r for r, k in units_per_rule.items() if k == top]
    assert any(r in out and titles.get(r, "") in out for r in leaders)
    report = units.parent / "各单位_问题清单.xlsx"
    assert f"问题清单已写出：{report}" in out
    assert report.exists() and report.with_suffix(".json").exists()
    assert n > 0 and "Traceback" not in out + err


def test_the_overview_at_80_columns_never_breaks_a_number(units, tmp_path, capsys, monkeypatch):
    """An 80-column console (a default cmd.exe window): the tables narrow their text columns and
    wrap between numbers; every number of the wide overview is whole in the narrow one."""
    from rich.cells import cell_len

    code, wide, _ = run(capsys, "validate", units, "--report", tmp_path / "宽.xlsx")
    monkeypatch.setattr(common, "_isatty", lambda stream: True)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    code, narrow, _ = run(capsys, "validate", units, "--report", tmp_path / "窄.xlsx")
    assert code == cli.EXIT_FINDINGS
    start = narrow.index("共 7 个工作簿")
    numbers = set(re.findall(r"\d+", wide[wide.index("共 7 个工作簿"):wide.index("问题清单已写出")]))
    assert len(numbers) > 10
    body = narrow[start:narrow.index("问题清单已写出")]
    for number in numbers:
        assert re.search(rf"(?<!\d){number}(?!\d)", body), number
    assert all(cell_len(line) <= 80 for line in body.splitlines())


def test_validate_batch_detail_prints_every_finding(units, reference, capsys):
    code, out, _ = run(capsys, "validate", units, "--detail", "--report", units.parent / "详细.xlsx")
    assert code == cli.EXIT_FINDINGS
    assert len(detail_lines(out)) == len(reference["findings"])
    assert "共 7 个工作簿" in out  # the overview follows the listing


def test_validate_unit_prints_that_units_findings(units, reference, capsys):
    code, out, err = run(capsys, "validate", units, "--unit", "单位丙", "--report", units.parent / "丙.xlsx")
    assert code == cli.EXIT_FINDINGS
    mine = [f for f in reference["findings"] if f["location"]["file"] == "03_单位丙.xlsx"]
    assert mine and len(detail_lines(out)) == len(mine)
    assert all(f"[{f['rule']}]" in out for f in mine)
    assert "单位甲" not in out
    code, out, err = run(capsys, "validate", units, "--unit", "不存在的单位", "--report", units.parent / "无.xlsx")
    assert code == cli.EXIT_FINDINGS and "没有名称或文件名含“不存在的单位”的单位" in err
    assert not detail_lines(out)


def test_a_few_books_keep_the_full_listing_and_write_no_report(units, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    books = sorted(units.glob("*.xlsx"))[:2]
    code, out, _ = run(capsys, "validate", *books)
    assert detail_lines(out) and "问题清单" not in out
    assert not list(tmp_path.iterdir())
    code, out, _ = run(capsys, "validate", *books, "--report", tmp_path)
    assert (tmp_path / "校验_问题清单.xlsx").exists() and (tmp_path / "校验_问题清单.json").exists()


def test_json_output_writes_no_report_unless_asked(units, tmp_path, capsys):
    import shutil

    folder = tmp_path / "副本"
    shutil.copytree(units, folder)
    code, out, _ = run(capsys, "validate", folder, "--format", "json")
    assert code == cli.EXIT_FINDINGS and json.loads(out)["findings"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["副本"]


def test_the_report_follows_the_output_rule(units, tmp_path, capsys):
    target = tmp_path / "清单.xlsx"
    target.write_bytes(b"earlier report")
    code, out, err = run(capsys, "validate", units, "--report", target)
    assert code == cli.EXIT_INPUT and "--force" in err and target.read_bytes() == b"earlier report"
    assert not (tmp_path / "清单.json").exists()
    code, out, err = run(capsys, "validate", units, "--report", tmp_path / "清单.csv")
    assert code == cli.EXIT_INPUT and "扩展名应为" in err
    code, out, err = run(capsys, "validate", units, "--report", target, "--force")
    assert code == cli.EXIT_FINDINGS and load_workbook(target).sheetnames == ["单位概览", "问题清单", "规则统计"]
    assert not list(tmp_path.glob(".~*"))


def test_the_default_report_is_refused_with_a_hint_at_report(units, capsys):
    default = units.parent / "各单位_问题清单.xlsx"
    run(capsys, "validate", units, "--force")
    before = default.read_bytes()
    code, out, err = run(capsys, "validate", units)
    assert code == cli.EXIT_INPUT and "--report" in err and "--force" in err
    assert default.read_bytes() == before


# -- the report workbook --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report(units, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("报告") / "清单 #1.xlsx"  # a space and a # in the name
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["validate", str(units), "--report", str(out)]) == cli.EXIT_FINDINGS
    return out


def test_report_lists_every_finding_with_a_link_to_its_cell(report, reference, units):
    wb = load_workbook(report)
    assert wb.sheetnames == ["单位概览", "问题清单", "规则统计"]
    ws = wb["问题清单"]
    header = [c.value for c in ws[3]]
    assert header == ["序号", "单位", "严重性", "规则标题", "表", "位置", "问题说明", "应为", "实为", "差额",
                      "金额单位", "文件", "规则编号"]  # the rule id last (kept for the filter), narrow
    c = FINDING_COLUMN
    rows = list(ws.iter_rows(min_row=4))
    assert len(rows) == len(reference["findings"])
    titles = pack_titles()
    sheets: dict[Path, list[str]] = {}
    for row, f in zip(rows, reference["findings"], strict=True):  # units in file order, as the JSON
        loc = f["location"]
        assert row[c["规则编号"]].value == f["rule"]
        assert row[c["严重性"]].value == {"error": "错误", "warning": "核实", "info": "提示"}[f["severity"]]
        assert row[c["规则标题"]].value == titles.get(f["rule"], row[c["规则标题"]].value) and row[c["规则标题"]].value
        assert row[c["问题说明"]].value == f["message"] and row[c["文件"]].value == loc["file"]
        assert row[c["位置"]].value == f"{loc['sheet']}!{loc['cell']}"
        link = row[c["位置"]].hyperlink
        assert link is not None and link.location == cell_location(loc["sheet"], loc["cell"])
        # the target, resolved from the report's folder, is the unit's workbook
        source = Path(os.path.normpath(report.parent / unescape_target(link.target)))
        assert source == units / loc["file"] and source.exists()
        assert not link.target.startswith("file:") and "\\" in link.target  # relative, as Excel writes it
        names = sheets.setdefault(source, python_calamine.CalamineWorkbook.from_path(str(source)).sheet_names)
        assert loc["sheet"] in names
        if f["expected"] is not None:  # in the table's own unit, as the message says it
            scale = Decimal(10000) if row[c["金额单位"]].value == "元" else Decimal(1)
            assert row[c["金额单位"]].value in ("元", "万元")
            for value, key in ((row[c["应为"]].value, "expected"), (row[c["实为"]].value, "actual")):
                assert abs(Decimal(str(value)) - Decimal(f[key]) * scale) < Decimal("0.000001") * scale
    assert {r[c["金额单位"]].value for r in rows} >= {"元", "万元"}
    assert ws.auto_filter.ref == f"A3:M{3 + len(rows)}"
    for name in wb.sheetnames:
        s = wb[name]
        assert s.freeze_panes == "A4" and s.print_title_rows == "$3:$3"
        assert s.page_setup.orientation == "landscape" and str(s.page_setup.paperSize) == "9"
        assert s.sheet_properties.pageSetUpPr.fitToPage and s.page_setup.fitToWidth == 1
        assert s.page_setup.fitToHeight == 0


def test_report_units_sheet_is_worst_first_and_links_to_each_units_first_row(report, reference, units):
    wb = load_workbook(report)
    overview, findings = wb["单位概览"], wb["问题清单"]
    rows = list(overview.iter_rows(min_row=4))
    assert len(rows) == 7
    keys = [(-r[3].value, -r[4].value, -r[5].value) for r in rows]
    assert keys == sorted(keys)
    for r in rows:
        file_link = r[2].hyperlink
        assert Path(os.path.normpath(report.parent / unescape_target(file_link.target))) == units / r[2].value
        if r[3].value + r[4].value + r[5].value:
            sheet, cell = r[7].hyperlink.location.split("!")
            assert sheet == "'问题清单'"
            first = int(cell[1:])
            assert findings.cell(first, 2).value == r[1].value
            assert findings.cell(first - 1, 2).value != r[1].value
        else:
            assert r[7].hyperlink is None
    rules = wb["规则统计"]
    per_rule = Counter(f["rule"] for f in reference["findings"])
    listed = {r[1].value: r[5].value for r in rules.iter_rows(min_row=4)}
    assert listed == dict(per_rule)


def test_json_report_is_the_json_output(report, reference):
    doc = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    assert doc == reference


def test_report_prints_on_a4_landscape_with_the_header_on_every_page(tmp_path):
    """Three sheets of a 200-finding report through LibreOffice to PDF: A4 landscape pages, the
    header row on every page of 问题清单."""
    from templates import lo

    from pytoolkit.commands.overview import write_report

    soffice = lo.find_soffice()
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    import subprocess

    message = "收入总计应等于支出总计：收入总计846.77，支出总计845.77，相差1.00"
    rows = [UnitRow(f"单位{i}", str(tmp_path / f"单位{i}.xlsx"),
                    tuple(Finding("T1.balance", Severity.ERROR, message,
                                  Location(file=f"单位{i}.xlsx", sheet="收入支出决算总表", cell=f"C{k + 7}"),
                                  Decimal("845.77"), Decimal("846.77"), "T1") for k in range(20)), index=i)
            for i in range(10)]
    report = tmp_path / "report.xlsx"
    write_report((report, report.with_suffix(".json")), build(rows), {"findings": []}, "测试")
    [pdf] = lo.convert([report], "pdf", tmp_path / "pdf", lo.make_profile(tmp_path / "profile"), soffice)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    texts = [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"], capture_output=True,
                            text=True).stdout for p in range(1, pages + 1)]
    findings_pages = [t for t in texts if "收入总计应等于支出总计：" in t]
    assert len(findings_pages) >= 2, "200 findings run over several pages"
    assert all("问题说明" in t and "规则编号" in t for t in findings_pages)  # the header on every page
    assert sum(t.count("收入总计应等于支出总计：") for t in texts) == 200  # every row printed, none cut off


# -- links ------------------------------------------------------------------------------------------
def test_link_targets(tmp_path, monkeypatch):
    report_folder = tmp_path / "报告"
    source = tmp_path / "各 单位" / "50%#单位.xlsx"
    target = link_target(str(source), str(report_folder))
    assert target == "..\\各%20单位\\50%25%23单位.xlsx"
    assert Path(os.path.normpath(report_folder / unescape_target(target))) == source
    assert cell_location("O'Brien 表", "C7") == "'O''Brien 表'!C7"

    def other_drive(path, start=None):
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr(os.path, "relpath", other_drive)
    absolute = link_target(str(source), str(report_folder))
    assert absolute.startswith("file:///") and Path(unescape_target(absolute)) == source


# -- consolidate --------------------------------------------------------------------------------
def test_consolidate_batch_prints_the_overview_and_writes_the_report(units, tmp_path, capsys):
    """Seven units and one of another year: the year's finding, raised when the units are put
    together, is the unit's in the overview and in 问题清单 (after the units' own findings); the
    report's JSON is the JSON output."""
    import shutil

    folder = tmp_path / "各单位"
    shutil.copytree(units, folder)
    write_book(folder / "08_上年单位.xlsx", replace(SEED, name="测试局上年单位"))
    out_path = tmp_path / "汇总.xlsx"
    code, out, err = run(capsys, "consolidate", folder, "-o", out_path)
    assert code == cli.EXIT_FINDINGS
    assert not detail_lines(out) and "共 " in out and "个单位" in out
    report = tmp_path / "汇总_问题清单.xlsx"
    assert f"问题清单已写出：{report}" in out and report.exists()
    doc = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    code, json_out, _ = run(capsys, "consolidate", folder, "-o", tmp_path / "另一份.xlsx", "--format", "json")
    reference = json.loads(json_out)
    assert doc["findings"] == reference["findings"] and doc["summary"] == reference["summary"]
    wb = load_workbook(report)
    rows = list(wb["问题清单"].iter_rows(min_row=4))
    assert len(rows) == len(doc["findings"]) == sum(doc["summary"].values())
    c = FINDING_COLUMN
    assert sorted(r[c["问题说明"]].value for r in rows) == sorted(f["message"] for f in doc["findings"])
    overview = {r[1].value: r for r in wb["单位概览"].iter_rows(min_row=4)}
    assert {f"测试局单位{ch}" for ch in "甲乙丙丁戊己庚"} <= set(overview)
    year = [r for r in rows if r[c["规则编号"]].value == "consolidate.year_mismatch"]
    assert year and all(r[1].value == "测试局上年单位" for r in year)
    mine = [r for r in rows if r[1].value == "测试局上年单位"]
    assert overview["测试局上年单位"][3].value == sum(r[c["严重性"]].value == "错误" for r in mine)
    for r in rows:
        link = r[c["位置"]].hyperlink
        if link is not None and link.target:
            assert Path(os.path.normpath(report.parent / unescape_target(link.target))).exists()
    code, out, err = run(capsys, "consolidate", folder, "-o", out_path, "--force", "--detail")
    assert len(detail_lines(out)) == len(doc["findings"])


def test_progress_is_quiet_when_stderr_is_not_a_terminal(monkeypatch):
    assert common.progress(100).disable
    monkeypatch.setattr(common, "console", lambda stderr=False: common.Console(force_terminal=True, stderr=stderr))
    bar = common.progress(100)
    assert not bar.disable
    assert any("TimeRemaining" in type(c).__name__ for c in bar.columns)


def test_a_folder_expands_in_the_order_explorer_shows(tmp_path):
    """单位2 before 单位10, folder by folder, case ignored; lock and hidden files left out."""
    names = ["单位10.xlsx", "单位2.xlsx", "单位1.xlsx", "b/单位3.xlsx", "a/单位20.xlsx", "a/单位3.xlsx",
             "B 表.xlsx", "a 表.xlsx", "~$单位1.xlsx", ".单位0.xlsx", "说明.txt"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    got = [p.relative_to(tmp_path).as_posix() for p in common.expand_inputs([tmp_path])]
    assert got == ["a/单位3.xlsx", "a/单位20.xlsx", "a 表.xlsx", "b/单位3.xlsx", "B 表.xlsx",
                   "单位1.xlsx", "单位2.xlsx", "单位10.xlsx"]
