"""The render layer: grids, the model of the 汇总 built from its layout, the designs' content, and
the two painters (openpyxl for files, xlwings for the open workbook) showing the same grid."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from excel.fake_xlwings import FakeBook
from openpyxl import Workbook, load_workbook

from pytoolkit.consolidate import Consolidator, UnitData, consolidate_paths, validate_summary
from pytoolkit.excel import workbook as xl
from pytoolkit.findings import Finding, Location, Severity
from pytoolkit.io.annotate import annotate
from pytoolkit.io.consolidated import write_consolidated
from pytoolkit.io.layout import write_book
from pytoolkit.io.paint import paint
from pytoolkit.io.reader import read_book
from pytoolkit.model import TOOLKIT_MARKER, Book, Sheet
from pytoolkit.render.consolidation import DETAIL_SHEET, detail_grid, explain_grid, line_label
from pytoolkit.render.grid import Grid, Style, line_height_for, text_lines
from pytoolkit.render.results import HEADERS, result_grid
from pytoolkit.render.tables import table_grid, table_model
from pytoolkit.rules import validate_book
from pytoolkit.samples.data import DEPARTMENT, SEED
from pytoolkit.tables import catalog
from pytoolkit.tables.recognise import recognise_book


def painted(tmp_path: Path, grids: list[Grid], name: str = "painted.xlsx") -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for g in grids:
        paint(wb.create_sheet(g.name), g)
    path = tmp_path / name
    wb.save(path)
    return path


def rows_of(table) -> dict:
    return {key: (row.label, row.ref_row, row.side, row.code,
                  {c: (cell.value, cell.ref) for c, cell in row.values.items()}) for key, row in table.rows.items()}


# ---------------------------------------------------------------------------------------------
# The model of a table built from its layout is what the recogniser reads from the painted sheet


def assert_same_table(model, read) -> None:
    assert (model.id, model.sheet, model.title_ref, model.money_unit) == (read.id, read.sheet, read.title_ref,
                                                                          read.money_unit)
    assert list(model.rows) == list(read.rows), model.id
    assert rows_of(model) == rows_of(read), model.id
    assert {k: v for k, v in model.columns.items()} == read.columns, model.id
    assert model.is_empty_note == read.is_empty_note
    assert model.fields == read.fields, model.id


@pytest.mark.parametrize("code_layout", ["single", "split"])
def test_table_model_of_every_seed_table_is_what_the_recogniser_reads(tmp_path, code_layout):
    built = []
    for tdef in catalog.ALL_TABLES:
        if tdef.id not in SEED.values:
            continue
        grid, layout = table_grid(tdef.id, tdef, SEED.values[tdef.id], unit_name=SEED.name, year=SEED.year,
                                  code_layout=code_layout, fields=(SEED.fields or {}).get(tdef.id))
        built.append((grid, layout, tdef))
    book = read_book(painted(tmp_path, [g for g, _, _ in built]))
    read = {t.sheet: t for t in book.tables}
    assert len(read) == len(built) >= 8
    for grid, layout, tdef in built:
        assert_same_table(table_model(grid, layout, tdef, SEED.year), read[grid.name])


def test_the_summary_model_is_what_the_recogniser_reads_from_the_output(merged, tmp_path):
    out = write_consolidated(tmp_path / "合并.xlsx", merged)
    read = {t.sheet: t for t in read_book(out).tables}
    assert len(merged.tables) == len(read) == 9  # T1–T9
    for t in merged.tables:
        assert_same_table(table_model(t.grid, t.layout, catalog.BY_ID[t.table_id], merged.year), read[t.name])


def broken_department(folder: Path) -> list[Path]:
    """The department with one unit's totals changed: the 汇总 then fails its own checks."""
    paths = []
    for i, unit in enumerate(DEPARTMENT):
        values = dict(unit.values)
        if i == 1:
            values["T1"] = {**values["T1"], "收入总计": {"决算数": "999.99"}}
            values["T3"] = {**values["T3"], "合计": {**values["T3"]["合计"], "基本支出": "1"}}
        path = folder / f"u{i}.xlsx"
        write_book(path, type(unit)(unit.name, unit.year, values), money_unit=("万元", "元")[i % 2])
        paths.append(path)
    return paths


@pytest.mark.parametrize("eliminate", [False, True])
def test_summary_findings_are_those_of_the_painted_and_reread_output(tmp_path, eliminate):
    """The 汇总 is checked on its own model; the same rules on the painted output find the same
    problems at the same cells (the old render-and-reread, done here as the reference)."""
    with consolidate_paths(broken_department(tmp_path), eliminate=eliminate) as result:
        ours = [f for f in result.summary_findings if not f.rule.startswith("consolidate.")]
        book = read_book(painted(tmp_path, [t.grid for t in result.tables], "汇总.xlsx"))
        book.path = Path("汇总")
        if eliminate:  # the 绩效自评表 (plain sums) is checked on its own, as validate_summary does
            groups = [[t for t in book.tables if t.id != "PE"], [t for t in book.tables if t.id == "PE"]]
            theirs = [f for g in groups for f in validate_book(Book(Path("汇总"), book.sheets, g, year=book.year))]
        else:
            theirs = validate_book(book)
    def key(f: Finding):
        return f.rule, f.location.file, f.location.sheet, f.location.cell, f.message, f.expected, f.actual

    assert ours and sorted(map(key, ours)) == sorted(map(key, theirs))
    assert all(f.location.sheet in {t.name for t in result.tables} for f in ours if f.location.sheet)


def test_validating_the_summary_twice_gives_the_same_findings(merged):
    assert validate_summary(merged) == validate_summary(merged)


# ---------------------------------------------------------------------------------------------
# What users read


def test_the_result_sheet_shows_rule_ids_only_in_its_last_column():
    findings = [Finding("XP.general_budget", Severity.ERROR, "整体支出自评表公共财政拨款应与……一致",
                        Location("a.xlsx", "整体支出绩效自评表", "D6"), Decimal("846.77"), Decimal("686.97"),
                        related=("01收入支出决算总表!C5",)),
                Finding("T1.balance", Severity.WARNING, "收支不平衡", Location("a.xlsx", "别的表", "C7"))]
    g = result_grid(findings, source="a.xlsx", sheets={"整体支出绩效自评表"})
    assert [g.value(2, c) for c in range(1, len(HEADERS) + 1)] == list(HEADERS) and HEADERS[-1] == "规则编号"
    ids = {f.rule for f in findings}
    assert {(r, c) for (r, c), (v, _) in g.cells.items() if v in ids} == {(3, 9), (4, 9)}
    assert g.links == {(3, 3): ("整体支出绩效自评表", "D6")}  # a sheet not in the workbook is not linked
    assert g.value(3, 5) == Decimal("846.77") and g.value(3, 7) == Decimal("-159.80")
    assert g.page.title_rows == (2, 2) and g.page.fit_width == 1 and g.page.orientation == "landscape"


def test_detail_labels_come_from_the_code_and_the_year_not_from_a_unit():
    """Two units number their 支出 classes differently (“四、住房保障支出”, “四、城乡社区支出”):
    分户明细 names each line by its code in the year's list."""
    cons = Consolidator(validate_summary=False)
    for name, code, printed in (("甲单位", "221", "四、住房保障支出"), ("乙单位", "212", "四、城乡社区支出")):
        cons.add(UnitData(name=name, source=f"{name}.xlsx", year=2019, values={"T1": {code: {"决算数": Decimal(1)}}},
                          labels={"T1": {code: printed}}))
    with cons.finish() as result:
        g = detail_grid(result)
    lines = {g.value(r, 1): g.value(r, 2) for r in range(3, g.max_row + 1) if g.value(r, 3)}
    assert lines == {"212": "城乡社区支出", "221": "住房保障支出"}
    texts = [v for v, _ in g.cells.values() if isinstance(v, str)]
    assert not [t for t in texts if re.search(r"(?<![A-Za-z])T\d(?!\d)", t)]  # no table ids
    assert not [t for t in texts if t.startswith("四、")]


def test_line_labels():
    assert line_label("T3", "2080505", 2019, "") == ("2080505", "机关事业单位基本养老保险缴费支出")
    assert line_label("T1", "208", 2018, "三、社会保障和就业") == ("208", "社会保障和就业支出")
    assert line_label("T6", "30101", 2019) == ("30101", "基本工资")
    assert line_label("T3", "2019999", 2019, "（一）其他自定义支出") == ("2019999", "其他自定义支出")
    assert line_label("T4", "年初财政拨款结转和结余/一般公共预算财政拨款", 2019) == ("", "其中：一般公共预算财政拨款")
    assert line_label("T1", "收入总计", 2019) == ("", "收入总计")


def test_no_cell_of_any_output_shows_the_word_pytoolkit(merged, seed_file, tmp_path):
    out = write_consolidated(tmp_path / "合并.xlsx", merged)
    book = read_book(seed_file)
    copy = annotate(seed_file, validate_book(book), tmp_path / "标注.xlsx", book)
    for path in (out, copy):
        wb = load_workbook(path)
        assert not [(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                    if isinstance(c.value, str) and "pytoolkit" in c.value.lower()]
        assert not [n for n in wb.sheetnames if "pytoolkit" in n.lower()]


def test_the_toolkit_mark_is_read_back_and_its_sheets_are_not_recognised(merged, seed_file, tmp_path):
    out = write_consolidated(tmp_path / "合并.xlsx", merged)
    book = read_book(out)
    marked = {s.name for s in book.sheets if s.toolkit}
    assert marked == {"汇总说明", DETAIL_SHEET, "分户主要指标", "分户对比图"}  # the 汇总 tables are tables
    assert {t.sheet for t in book.tables} == {t.name for t in merged.tables}
    assert not [f for f in book.findings if f.rule == "recognise.unknown_sheet"]
    # an earlier version's sheet (“pytoolkit” in row 1) is still told apart
    old = Sheet("校验结果", [["x", "", TOOLKIT_MARKER], ["收入支出决算总表"], ["项目", "金额"], ["收入总计", 1.0]])
    assert recognise_book(Book(Path("old.xlsx"), [old])).tables == []


def test_an_earlier_result_sheet_is_replaced_and_a_users_is_kept(seed_file, tmp_path):
    book = read_book(seed_file)
    findings = validate_book(book)
    first = annotate(seed_file, findings, tmp_path / "一.xlsx", book)
    wb = load_workbook(first)
    for ws in wb.worksheets:  # an earlier version's copy: marked by a cell, not by a name
        ws.defined_names.clear()
    wb["校验结果"]["J1"] = TOOLKIT_MARKER
    wb.create_sheet("预算与决算").title = "预算与决算"
    wb.save(tmp_path / "old.xlsx")
    again = load_workbook(annotate(tmp_path / "old.xlsx", findings, tmp_path / "二.xlsx", book))
    assert again.sheetnames.count("校验结果") == 1 and "校验结果(决算工具)" not in again.sheetnames


# ---------------------------------------------------------------------------------------------
# Row heights of wrapped text


def test_rows_of_wrapped_text_get_the_height_their_lines_need():
    g = Grid("x")
    long = "整体支出自评表公共财政拨款应与一般公共预算财政拨款收入一致：自评表686.97，决算总表846.77，相差-159.80"
    g.put(1, 1, long, Style(wrap=True))
    g.put(2, 1, long, Style())  # not wrapped: one line, the row keeps its height
    g.box(3, 1, 3, 2, long, Style(wrap=True))  # merged: the two columns' width
    g.column_widths([20, 40])
    g.fit_rows()
    lines = text_lines(long, 20)
    assert lines >= 4 and g.heights[1] >= lines * line_height_for(10)
    assert 2 not in g.heights
    assert text_lines(long, 60) < lines and g.heights[3] < g.heights[1]
    g.heights[1] = 300  # a taller row the design asked for is kept
    g.fit_rows()
    assert g.heights[1] == 300


# ---------------------------------------------------------------------------------------------
# Both painters show the same grid


def test_the_xlwings_painter_shows_what_the_openpyxl_painter_shows(merged, tmp_path):
    sheets = {"汇总说明", *(t.name for t in merged.tables), "整体支出绩效自评表"}
    grid = explain_grid(merged, [*merged.all_findings, Finding(
        "X.demo", Severity.WARNING, "=说明以等号开头也是文字", Location("x.xlsx", merged.tables[0].name, "C7"))],
        sheets=sheets)
    wb = load_workbook(painted(tmp_path, [grid]))
    ws = wb[grid.name]
    book = FakeBook("部门.xlsx")
    book.add_sheet("Sheet1")
    sheet = xl.paint(book, grid)
    assert xl.is_toolkit_sheet(sheet)
    for r in range(1, grid.max_row + 1):
        for c in range(1, grid.max_column + 1):
            mine, theirs = ws.cell(r, c), sheet.range((r, c))
            if (r, c) in grid.links:
                target, cell = grid.links[(r, c)]
                assert mine.hyperlink.location == f"'{target}'!{cell}"
                assert theirs.formula == xl.hyperlink(target, cell, mine.value)
                continue
            if mine.coordinate in ws.merged_cells and not any(
                    m.min_row == r and m.min_col == c for m in ws.merged_cells.ranges):
                continue
            assert theirs.value == mine.value, (r, c)
            assert theirs.number_format == mine.number_format, (r, c)
            assert (theirs.color is not None) == (mine.fill.fill_type == "solid"), (r, c)
    assert sorted(sheet.merged) == sorted((m.min_row, m.min_col, m.max_row, m.max_col)
                                          for m in ws.merged_cells.ranges)
    assert {c: sheet.range((1, c)).column_width for c in grid.widths} == grid.widths
    assert {r: sheet.range((r, 1)).row_height for r in grid.heights} == grid.heights
    setup = sheet.api.PageSetup
    assert (setup.Orientation, setup.PaperSize, setup.FitToPagesWide, setup.FitToPagesTall) == (2, 9, 1, False)
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.fitToWidth) == 1
