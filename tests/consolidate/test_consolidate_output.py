"""Tests for ``pytoolkit consolidate`` (adapter) and the 汇总 workbook (io.consolidated).

Exit status: 0 no error findings, 1 error findings or ``--strict`` stopped, 2 an input could not
be used. The output is read back with openpyxl and python-calamine.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import python_calamine
from openpyxl import load_workbook
from rich.console import Console

from pytoolkit import cli
from pytoolkit.commands.common import render_text
from pytoolkit.commands.consolidate import demo_section
from pytoolkit.consolidate import Consolidator, UnitData, consolidate_paths
from pytoolkit.errors import InputError
from pytoolkit.io.consolidated import CHART_SHEET, DETAIL_SHEET, EXPLAIN_SHEET, UNITS_SHEET, write_consolidated
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.samples.data import DEPARTMENT, DEPARTMENT_PE
from pytoolkit.tables.catalog import SUMMARY_UNIT

INCOME_TOTAL = Decimal(DEPARTMENT_PE["PE"][SUMMARY_UNIT]["收入合计"])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_text_writes_the_workbook_and_leaves_inputs_alone(unit_files, tmp_path, capsys):
    before = [sha256(p) for p in unit_files]
    out = tmp_path / "汇总.xlsx"
    code, stdout, stderr = run(capsys, "consolidate", *unit_files, "-o", out, "--eliminate")
    assert code == cli.EXIT_OK, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "抵销 15.00 万元" in stdout and "抵销 12.00 万元" in stdout and "627.29" in stdout
    assert out.exists() and [sha256(p) for p in unit_files] == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]  # no temporary file left


def test_cli_json_and_workers(unit_files, tmp_path, capsys):
    code, stdout, _ = run(capsys, "consolidate", unit_files[0].parent, "-o", tmp_path / "a.xlsx", "--format", "json",
                          "--workers", "2")
    assert code == cli.EXIT_OK
    doc = json.loads(stdout)
    assert doc["summary"] == {"error": 0, "warning": 0, "info": 0} and doc["findings"] == []
    assert [u["name"] for u in doc["consolidation"]["units"]] == [u.name for u in DEPARTMENT]
    assert doc["consolidation"]["totals"]["T1"]["收入总计"]["决算数"] == str(INCOME_TOTAL)
    code, stdout, _ = run(capsys, "consolidate", *unit_files, "-o", tmp_path / "b.xlsx", "--format", "json",
                          "--eliminate")
    doc = json.loads(stdout)
    assert {e["kind"]: e["amount"] for e in doc["consolidation"]["eliminations"]} == {"subsidy": "15", "remit": "12"}
    assert Decimal(doc["consolidation"]["totals"]["T1"]["收入总计"]["决算数"]) == INCOME_TOTAL - 27


def test_cli_refuses_output_equal_to_an_input(unit_files, capsys):
    before = sha256(unit_files[0])
    code, _, stderr = run(capsys, "consolidate", *unit_files, "-o", unit_files[0])
    assert code == cli.EXIT_INPUT and "不能与输入文件相同" in stderr
    assert sha256(unit_files[0]) == before
    with pytest.raises(InputError), consolidate_paths(unit_files[:1]) as result:
        write_consolidated(unit_files[0], result, unit_files)


def test_cli_exit_codes(unit_files, tmp_path, capsys):
    broken = tmp_path / "损坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 broken")
    code, stdout, _ = run(capsys, "consolidate", *unit_files, broken, "-o", tmp_path / "o1.xlsx")
    assert code == cli.EXIT_INPUT and "该文件未参与汇总" in stdout
    assert (tmp_path / "o1.xlsx").exists()  # the usable units are still consolidated
    # a unit with an error: 1; --strict: 1 and nothing written
    bad = tmp_path / "bad.xlsx"
    unit = DEPARTMENT[1]
    values = {**unit.values, "T1": {**unit.values["T1"], "收入总计": {"决算数": "999.99"}}}
    write_book(bad, type(unit)(unit.name, unit.year, values))
    code, stdout, _ = run(capsys, "consolidate", unit_files[0], bad, "-o", tmp_path / "o2.xlsx")
    assert code == cli.EXIT_FINDINGS and "错误" in stdout
    code, stdout, stderr = run(capsys, "consolidate", unit_files[0], bad, "-o", tmp_path / "o3.xlsx", "--strict")
    assert code == cli.EXIT_FINDINGS and "严格模式" in stderr
    assert not (tmp_path / "o3.xlsx").exists()
    code, _, _ = run(capsys, "consolidate", tmp_path / "nothing-here", "-o", tmp_path / "o4.xlsx")
    assert code == cli.EXIT_INPUT


def test_text_output_shows_lowercase_rule_ids():
    from pytoolkit.findings import Finding, Location, Severity

    console = Console(record=True, width=200)
    render_text(console, Path("x.xlsx"), [Finding("recognise.no_unit", Severity.WARNING, "没有单位行",
                                                      Location(file="x.xlsx"))])
    assert "recognise.no_unit" in console.export_text()


def test_consolidate_has_chinese_help():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert "consolidate" in sub.choices
    assert "汇总" in sub.choices["consolidate"].description


def test_output_workbook_reads_back(unit_files, tmp_path):
    out = tmp_path / "汇总.xlsx"
    with consolidate_paths(unit_files, eliminate=True) as result:
        write_consolidated(out, result, unit_files)
        expected = result.values
    wb = load_workbook(out)
    assert wb.sheetnames[0] == EXPLAIN_SHEET
    assert {DETAIL_SHEET, UNITS_SHEET, CHART_SHEET} <= set(wb.sheetnames)
    charts = wb[CHART_SHEET]._charts
    assert len(charts) == 2 and all(len(c.series) == 2 for c in charts)
    with zipfile.ZipFile(out) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())
    # the 汇总 tables are standard tables again: the recogniser reads the same amounts back
    book = read_book(out)
    t1 = book.table("T1")
    assert t1 is not None and t1.cell("收入总计", "决算数").value == expected["T1"]["收入总计"]["决算数"]
    for tid in ("T2", "T3", "T5"):
        got = {(r.key, c): cell.value for r in book.table(tid).rows.values() for c, cell in r.values.items()
               if cell.value is not None}
        want = {(r, c): v for r, cols in expected[tid].items() for c, v in cols.items()}
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}, tid
    # 分户主要指标 (streamed) and 分户明细, through calamine too
    rows = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(UNITS_SHEET).to_python()
    assert [r[1] for r in rows[1:]] == [u.name for u in DEPARTMENT]
    detail = list(wb[DETAIL_SHEET].iter_rows(min_row=2, max_row=2, values_only=True))[0]
    assert detail[:6] == ("编码", "项目", "栏目", "汇总数", "抵销", "合并数")
    assert detail[6:9] == tuple(u.name for u in DEPARTMENT)
    explain = [c for row in wb[EXPLAIN_SHEET].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("共抵销2项，合计27.00万元" in c for c in explain)
    assert any(c == "没有发现问题。" for c in explain)


def test_text_from_inputs_never_becomes_a_formula(tmp_path):
    cons = Consolidator(validate_summary=False)
    cons.add(UnitData(name="=HYPERLINK(\"http://x\")", source="+a.xlsx", year=2019,
                      values={"T7": {"决算数": {"合计": Decimal("1.50")}}}))
    cons.add(UnitData(name="@单位", source="-b.xlsx", year=2019, values={"T7": {"决算数": {"合计": Decimal("2")}}}))
    out = tmp_path / "o.xlsx"
    with cons.finish() as result:
        write_consolidated(out, result)
    wb = load_workbook(out)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate}"
    names = [r[1] for r in wb[UNITS_SHEET].iter_rows(min_row=2, values_only=True)]
    assert names == ["=HYPERLINK(\"http://x\")", "@单位"]


def test_many_units_stream_and_cap_the_side_by_side_columns(tmp_path):
    cons = Consolidator(validate_summary=False, detail_units=5)
    for i in range(40):
        cons.add(UnitData(name=f"单位{i:02d}", source=f"u{i}.xlsx", year=2019, money_units=("元",),
                          values={"T7": {"决算数": {"合计": Decimal(i) / 100}}}))
    out = tmp_path / "o.xlsx"
    with cons.finish() as result:
        write_consolidated(out, result)
    wb = load_workbook(out)
    head = next(wb[DETAIL_SHEET].iter_rows(min_row=2, max_row=2, values_only=True))
    assert head[-1] == "其余35个单位" and head[4] == "单位00"
    caption, line = wb[DETAIL_SHEET].iter_rows(min_row=3, max_row=4, values_only=True)
    assert caption[0] == "一般公共预算财政拨款“三公”经费支出决算表"  # the table's name, not its id
    assert line[1:3] == ("决算数", "合计") and line[3] == pytest.approx(7.8) and line[-1] == pytest.approx(7.8 - 0.1)
    units = list(wb[UNITS_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(units) == 40 and units[-1][:2] == (40, "单位39")


def test_demo_section(unit_files, tmp_path):
    for p in unit_files:
        (tmp_path / p.name).write_bytes(p.read_bytes())
    console = Console(record=True, width=160)
    demo_section(console, list(unit_files), tmp_path / "示例部门_汇总.xlsx")
    text = console.export_text()
    assert (tmp_path / "示例部门_汇总.xlsx").exists()
    assert "汨罗市示例局" in text and "627.29" in text


def test_batch_outputs_consolidate_again_to_the_same_result(unit_files, tmp_path):
    """README: a large batch is split, each part consolidated, and the parts' 汇总 consolidated again."""
    parts = []
    for i, group in enumerate(([unit_files[0]], unit_files[1:])):
        with consolidate_paths(group) as result:
            parts.append(write_consolidated(tmp_path / f"批次{i}.xlsx", result, group))
    with consolidate_paths(unit_files, eliminate=True) as direct, \
            consolidate_paths(parts, eliminate=True, parent=read_book(parts[0]).unit_name) as nested:
        assert nested.findings == [] and nested.summary_findings == []
        for tid in direct.totals:
            if tid != "PE":
                assert nested.values[tid] == direct.values[tid], tid
        assert [e.amount for e in nested.eliminations] == [e.amount for e in direct.eliminations]
