"""The ribbon's 汇总局机关与二级机构, 核对情况说明 and 生成情况说明 on the fake book.

The department workbook is the bundled department (``DEPARTMENT``): each unit's tables stacked in
one sheet named 局机关 / 二级机构1 (in 元) / 二级机构2, plus the department's 整体支出绩效自评表 with
its 汇总 row blank, as ``tests/consolidate`` builds it. The narrative workbook is the seed
(``SEED``) with a 情况说明 sheet holding the seed's text, one paragraph per row.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from pytoolkit.consolidate import consolidate_open_book
from pytoolkit.excel import ribbon, workbook
from pytoolkit.findings import Severity
from pytoolkit.io.layout import default_tables, write_book, write_stacked, write_table
from pytoolkit.io.reader import read_book
from pytoolkit.narrative import check, from_book, from_text
from pytoolkit.narrative.seed import seed_narrative_text
from pytoolkit.narrative.writer import BLANK, FILL, draft
from pytoolkit.samples.data import DEPARTMENT, DEPARTMENT_PE, SEED
from pytoolkit.tables import catalog
from pytoolkit.tables.catalog import SUMMARY_UNIT
from pytoolkit.tables.recognise import recognise_book

from .fake_xlwings import FakeBook

UNIT_SHEETS = ("局机关", "二级机构1", "二级机构2")
MONEY = ("万元", "元", "万元")
PE_SHEET = "整体支出绩效自评表"
HYPERLINK = re.compile(r"""^=HYPERLINK\("#'(.+)'!([A-Z]+\d+)","(.+)"\)$""")


# --- workbooks --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def department_xlsx(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("department") / "部门决算.xlsx"
    wb = Workbook()
    wb.active.title = "封面"
    wb.active["A1"] = "部门决算（各单位）"
    for name, unit, money in zip(UNIT_SHEETS, DEPARTMENT, MONEY, strict=True):
        write_stacked(wb.create_sheet(name), unit, [t for t in default_tables(unit) if t not in ("PE", "PP")],
                      money_unit=money)
    pe = {k: dict(v) for k, v in DEPARTMENT_PE["PE"].items()}
    pe[SUMMARY_UNIT] = {}  # the department's form: its 汇总 row is what the button fills
    write_table(wb.create_sheet(PE_SHEET), catalog.PE, pe, unit_name="汨罗市示例局", year=2019)
    wb.save(path)
    return path


@pytest.fixture
def department(department_xlsx) -> FakeBook:
    return FakeBook.from_xlsx(department_xlsx)


@pytest.fixture
def seed_with_text(seed_book) -> FakeBook:
    """The seed workbook with its 情况说明 pasted into a sheet: column A, one paragraph per row."""
    sheet = seed_book.add_sheet(workbook.NARRATIVE_SHEET)
    for row, text in enumerate(seed_narrative_text().split("\n"), 1):
        if text:
            sheet.range((row, 1)).value = workbook.text_cell(text)
    return seed_book


@pytest.fixture(scope="session")
def unit_xlsx(tmp_path_factory) -> Path:
    """A clean unit: 汨罗市示例局机关, whose tables are consistent."""
    path = tmp_path_factory.mktemp("unit") / "局机关.xlsx"
    write_book(path, DEPARTMENT[0])
    return path


def user_names(book: FakeBook) -> list[str]:
    return [s.name for s in book.sheets if not workbook.is_toolkit_sheet(s)]


def rows_of(sheet) -> list[list]:
    return sheet.used_range.options(ndim=2).value


def grid(sheet, width: int) -> list[list]:
    """A sheet's values from A1, ``width`` columns, trailing blank rows dropped (the marker left out)."""
    rows = [row[:width] for row in sheet.range((1, 1), (sheet.used_range.last_cell.row, width)).options(ndim=2).value]
    while rows and not any(v is not None for v in rows[-1]):
        rows.pop()
    return rows


def core_result(path: Path):
    return consolidate_open_book(workbook.read_book(FakeBook.from_xlsx(path)), eliminate=True)


# --- 汇总局机关与二级机构 ------------------------------------------------------------------------------------


def test_consolidate_writes_the_core_summary_sheets(department, department_xlsx):
    ribbon.consolidate(department)
    expected = core_result(department_xlsx)
    try:
        assert len(expected.sheets) >= 9 and expected.result.eliminations
        names = [s.name for s in department.sheets]
        for table in expected.sheets:
            assert table.name.startswith(workbook.SUMMARY_PREFIX)
            sheet = department.sheet(table.name)
            assert workbook.is_toolkit_sheet(sheet) and sheet.visible
            design = table.grid  # what the core laid out, painted as it is
            width = design.max_column
            cells = [[float(v) if isinstance(v, Decimal) else v for v in row] + [None] * (width - len(row))
                     for row in design.values()]
            while cells and not any(v is not None for v in cells[-1]):
                cells.pop()
            assert grid(sheet, width) == cells, table.name
            assert sorted(sheet.merged) == sorted(design.merges), table.name
            for (r, c), (_, style) in design.cells.items():
                if style is not None and style.number_format != "General":
                    assert sheet.range((r, c)).number_format == style.number_format, (table.name, r, c)
            for c, width_ in design.widths.items():
                assert sheet.range((1, c)).column_width == width_
            for row_key, columns in expected.result.values[table.table_id].items():  # exact amounts, laid out
                for column, value in columns.items():
                    address = table.layout.cells.get((row_key, column))
                    if address:
                        assert sheet[address].value == float(value), (table.name, row_key, column)
            setup = sheet.api.PageSetup  # printed as the form: A4 landscape, one page wide
            assert (setup.Orientation, setup.PaperSize, setup.FitToPagesWide) == (2, 9, 1)
        assert names.index(expected.sheets[0].name) < names.index(workbook.CONSOLIDATION_SHEET)
        assert department.sheets.active is department.sheet(expected.sheets[0].name)
    finally:
        expected.result.close()


def test_the_wide_sangong_table_keeps_its_title_merged_and_its_mark_out_of_sight(department):
    ribbon.consolidate(department)
    sheet = next(s for s in department.sheets if s.name.startswith("汇总-07"))
    assert (1, 1, 1, 18) in sheet.merged  # the title across A1:R1
    assert workbook.is_toolkit_sheet(sheet) and sheet.used_range.last_cell.column == 18
    assert not any(cell.value == "pytoolkit" for cell in sheet.cells.values())  # no cell shows the mark
    assert sheet.name not in [s.name for s in workbook.user_sheets(department)]


def test_consolidate_changes_no_user_value_but_the_empty_summary_row(department, department_xlsx):
    before = copy.deepcopy(department.snapshot())
    ribbon.consolidate(department)
    after = department.snapshot()
    assert [n for n in after if n in before] == list(before)  # nothing lost, order kept
    expected = core_result(department_xlsx)
    expected.result.close()
    fills = {(ref.row + 1, ref.col + 1): float(v) for ref, v in expected.form_fills}
    assert fills and all(ref.sheet == PE_SHEET for ref, _ in expected.form_fills)
    for name, sheet in before.items():
        changed = {key for key, cell in after[name]["cells"].items() if sheet["cells"].get(key) != cell}
        if name == PE_SHEET:
            assert changed == set(fills)
            for key, value in fills.items():
                assert after[name]["cells"][key][0] == value
                assert sheet["cells"].get(key, (None,))[0] is None  # it was empty
        else:
            assert not changed, name
        assert after[name]["merged"] == sheet["merged"]
    record = workbook.read_record(department)
    assert {(e.sheet, e.cell) for e in record if e.kind == workbook.SUM_FILL} == {
        (PE_SHEET, workbook.a1(r - 1, c - 1)) for r, c in fills}
    assert not department.sheet(workbook.RECORD_SHEET).visible


def test_consolidate_says_units_and_eliminations(department):
    ribbon.consolidate(department)
    (alert,) = department.app.alerts
    prompt = alert["prompt"]
    assert alert["mode"] == "info" and "参与汇总的单位 3 个" in prompt
    # units are named as their tables' 部门 lines print them, not after their sheets
    assert f"{DEPARTMENT[0].name}（万元）" in prompt and f"{DEPARTMENT[1].name}（元）" in prompt
    assert "对附属单位补助支出与上级补助收入：抵销 15.00 万元" in prompt
    assert "上缴上级支出与附属单位上缴收入：抵销 12.00 万元" in prompt
    assert "填入 20 个单元格" in prompt


def test_the_notes_sheet_lists_units_eliminations_and_findings_with_links(department, department_xlsx):
    ribbon.consolidate(department)
    notes = department.sheet(workbook.CONSOLIDATION_SHEET)
    assert workbook.is_toolkit_sheet(notes)
    rows = rows_of(notes)
    texts = [row[1] for row in rows if row[1] is not None]
    assert texts[:5] == ["单位", *(u.name for u in DEPARTMENT), PE_SHEET]
    expected = core_result(department_xlsx)
    expected.result.close()
    head = next(i for i, row in enumerate(rows) if row[:3] == ["序号", "级别", "文件"])
    assert rows[head][8] == "规则编号"  # the rule's id last, out of the way
    found = rows[head + 1:]
    assert sorted((r[8], r[4]) for r in found) == sorted((f.rule, f.message) for f in expected.findings)
    summary_sheets = {s.name for s in expected.sheets}
    targets = set()
    for offset in range(head + 2, head + 2 + len(found)):
        formula = notes.range((offset, 4)).formula
        match = HYPERLINK.match(formula)
        assert match, formula
        targets.add(match.group(1))
    assert targets <= summary_sheets | {PE_SHEET} and targets & summary_sheets


def test_consolidate_again_replaces_its_sheets_and_keeps_user_numbers(department):
    ribbon.consolidate(department)
    pe = department.sheet(PE_SHEET)
    sums = {e.cell: e.value for e in workbook.read_record(department) if e.kind == workbook.SUM_FILL}
    first, second = sorted(sums)[:2]
    pe[first].value = 1.0  # the user corrects one sum: theirs now
    stale = department.sheets.add("汇总-旧表", after=list(department.sheets)[-1])
    workbook.mark_sheet(stale)  # a 汇总 table of an earlier run the book no longer has
    count = len(department.sheets)
    ribbon.consolidate(department)
    assert len(department.sheets) == count - 1 and workbook.find_sheet(department, "汇总-旧表") is None
    assert pe[first].value == 1.0 and pe[second].value == sums[second]
    prompt = department.app.alerts[-1]["prompt"]
    assert "1 个单元格已有您填写的数，未改动，其中 1 个与各单位之和不同" in prompt
    notes = rows_of(department.sheet(workbook.CONSOLIDATION_SHEET))
    kept = [row for row in notes if row[4] == "与各单位之和不同，请核对"]
    assert len(kept) == 1 and kept[0][2] == 1.0 and kept[0][3] == sums[first]
    record = {e.cell: e.value for e in workbook.read_record(department) if e.kind == workbook.SUM_FILL}
    assert first not in record and record[second] == sums[second]


def test_a_number_already_in_the_summary_row_is_never_overwritten(department):
    pe = department.sheet(PE_SHEET)
    pe["B6"].value = 654.29  # typed by the user, equal to the sum
    pe["C6"].value = "=SUM(C7:C9)"  # a formula of the user's
    ribbon.consolidate(department)
    assert pe["B6"].value == 654.29 and pe["C6"].formula == "=SUM(C7:C9)"
    record = {e.cell for e in workbook.read_record(department) if e.kind == workbook.SUM_FILL}
    assert "B6" not in record and "C6" not in record
    assert "2 个单元格已有您填写的数，未改动，其中 1 个与各单位之和不同" in department.app.alerts[-1]["prompt"]


def test_a_user_sheet_named_like_a_summary_sheet_is_refused(department):
    mine = department.add_sheet("汇总-01收入支出决算总表")
    mine["A1"].value = "我自己汇总的"
    before = copy.deepcopy(department.snapshot())
    ribbon.consolidate(department)
    assert department.snapshot() == before
    (alert,) = department.app.alerts
    assert alert["mode"] == "critical" and "“汇总-01收入支出决算总表”" in alert["prompt"]
    assert "没有做任何改动" in alert["prompt"]


def test_a_user_sheet_named_like_the_notes_is_refused(department):
    mine = department.add_sheet(workbook.CONSOLIDATION_SHEET)
    mine["A1"].value = "我的说明"
    before = copy.deepcopy(department.snapshot())
    ribbon.consolidate(department)
    assert department.snapshot() == before
    assert department.app.alerts[-1]["mode"] == "critical"


def test_a_single_unit_book_is_not_consolidated(seed_book):
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.consolidate(seed_book)
    assert seed_book.snapshot() == before
    (alert,) = seed_book.app.alerts
    assert alert["mode"] == "critical" and "只识别出一个单位" in alert["prompt"] and "局机关" in alert["prompt"]


def test_the_summary_sheets_are_not_read_as_user_tables(department):
    names = [s.name for s in workbook.read_book(department).sheets]
    ribbon.consolidate(department)
    assert [s.name for s in workbook.read_book(department).sheets] == names
    ribbon.validate(department)  # the other buttons still see only the user's sheets
    assert "汇总-" not in "".join(r[3] or "" for r in rows_of(department.sheet(workbook.RESULT_SHEET))[2:])


# --- 核对情况说明 ------------------------------------------------------------------------------------------


def seed_findings(book: FakeBook):
    model = recognise_book(workbook.read_book(book))
    return check(from_book(model), model)


def test_narrative_check_gives_the_core_findings_and_marks_their_paragraphs(seed_with_text):
    expected = seed_findings(seed_with_text)
    assert expected and {f.rule for f in expected} >= {"N.pe"}
    ribbon.narrative_check(seed_with_text)
    results = seed_with_text.sheet(workbook.NARRATIVE_RESULT_SHEET)
    assert workbook.is_toolkit_sheet(results) and seed_with_text.sheets.active is results
    rows = rows_of(results)[2:]
    assert sorted((r[8], r[4]) for r in rows) == sorted((f.rule, f.message) for f in expected)
    for offset in range(3, 3 + len(rows)):
        sheet, cell, text = HYPERLINK.match(results.range((offset, 3)).formula).groups()
        line = int(text[1:-1])
        assert (sheet, cell) == (workbook.NARRATIVE_SHEET, f"A{line}")
    lines = {f.location.line for f in expected}
    record = workbook.read_record(seed_with_text)
    assert {(e.kind, e.sheet, e.cell) for e in record} == {
        (workbook.TEXT_MARK, workbook.NARRATIVE_SHEET, f"A{line}") for line in lines}
    text = seed_with_text.sheet(workbook.NARRATIVE_SHEET)
    for f in expected:
        cell = text[f"A{f.location.line}"]
        worst = min((g.severity for g in expected if g.location.line == f.location.line),
                    key=list(Severity).index)
        assert cell.color == ribbon.MARK_COLORS[worst] and f.message in cell.note.text
    counts = {s: sum(f.severity is s for f in expected) for s in Severity}
    assert (f"错误 {counts[Severity.ERROR]} 条，核实 {counts[Severity.WARNING]} 条"
            in seed_with_text.app.alerts[-1]["prompt"])


def test_narrative_findings_are_those_of_the_file_path(seed_with_text, tmp_path):
    """The open book gives what ``pytoolkit narrative check`` gives on the saved file."""
    path = tmp_path / "seed_with_text.xlsx"
    write_book(path, SEED)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.create_sheet(workbook.NARRATIVE_SHEET)
    for row, text in enumerate(seed_narrative_text().split("\n"), 1):
        if text:
            ws.cell(row=row, column=1, value=text)
    wb.save(path)
    book = read_book(path)
    theirs = check(from_book(book), book)
    ours = seed_findings(seed_with_text)
    assert [(f.rule, f.location.line, f.message) for f in ours] == [
        (f.rule, f.location.line, f.message) for f in theirs]


def test_clear_marks_restores_the_text_sheet(seed_with_text):
    text = seed_with_text.sheet(workbook.NARRATIVE_SHEET)
    line = seed_findings(seed_with_text)[0].location.line
    text[f"A{line}"].color = (200, 230, 200)
    text[f"A{line}"].add_note("待科长确认")
    before = copy.deepcopy(seed_with_text.snapshot())
    ribbon.narrative_check(seed_with_text)
    ribbon.narrative_check(seed_with_text)  # twice: the record keeps the user's own colour and note
    assert text[f"A{line}"].note.text.startswith("待科长确认")
    ribbon.clear_marks(seed_with_text)
    assert seed_with_text.snapshot() == before
    assert workbook.find_sheet(seed_with_text, workbook.NARRATIVE_RESULT_SHEET) is None
    assert "“情况说明核对”表已删除" in seed_with_text.app.alerts[-1]["prompt"]


def test_table_marks_and_paragraph_marks_live_side_by_side(seed_with_text):
    before = copy.deepcopy(seed_with_text.snapshot())
    ribbon.narrative_check(seed_with_text)
    text_marks = [e for e in workbook.read_record(seed_with_text) if e.kind == workbook.TEXT_MARK]
    ribbon.validate(seed_with_text)  # a new validation keeps the paragraph marks
    assert [e for e in workbook.read_record(seed_with_text) if e.kind == workbook.TEXT_MARK] == text_marks
    assert any(e.kind == workbook.MARK for e in workbook.read_record(seed_with_text))
    ribbon.narrative_check(seed_with_text)  # and a new text check keeps the table marks
    assert any(e.kind == workbook.MARK for e in workbook.read_record(seed_with_text))
    ribbon.clear_marks(seed_with_text)
    assert seed_with_text.snapshot() == before
    assert "“校验结果”、“情况说明核对”表已删除" in seed_with_text.app.alerts[-1]["prompt"]


def test_without_a_text_sheet_the_user_is_told_how_to_paste_it(seed_book):
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.narrative_check(seed_book)
    assert seed_book.snapshot() == before
    (alert,) = seed_book.app.alerts
    assert alert["mode"] == "info" and "命名为“情况说明”" in alert["prompt"] and "A列每行一段" in alert["prompt"]


def test_an_empty_text_sheet_is_said_so(seed_book):
    seed_book.add_sheet(workbook.NARRATIVE_SHEET)
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.narrative_check(seed_book)
    assert seed_book.snapshot() == before
    assert "是空的" in seed_book.app.alerts[-1]["prompt"]


def test_a_user_sheet_named_like_the_check_result_is_refused(seed_with_text):
    mine = seed_with_text.add_sheet(workbook.NARRATIVE_RESULT_SHEET)
    mine["A1"].value = "我的核对记录"
    before = copy.deepcopy(seed_with_text.snapshot())
    ribbon.narrative_check(seed_with_text)
    assert seed_with_text.snapshot() == before
    assert seed_with_text.app.alerts[-1]["mode"] == "critical"


# --- 生成情况说明 ------------------------------------------------------------------------------------------


def test_narrative_write_writes_the_core_draft(unit_xlsx):
    book = FakeBook.from_xlsx(unit_xlsx)
    before = copy.deepcopy(book.snapshot())
    ribbon.narrative_write(book)
    sheet = book.sheet(workbook.DRAFT_SHEET)
    assert workbook.is_toolkit_sheet(sheet) and book.sheets.active is sheet
    d = draft(read_book(unit_xlsx))
    paragraphs = [d.title, *(text for _, text in d.blocks)]
    assert [row[0] for row in grid(sheet, 1)] == paragraphs
    for row, text in enumerate(paragraphs, 1):
        blank = BLANK in text or FILL in text
        assert (sheet.range((row, 1)).color == ribbon.BLANK_COLOR) is blank
        assert sheet.range((row, 1)).wrap_text
    assert any(BLANK in t or FILL in t for t in paragraphs)
    assert {n: s for n, s in book.snapshot().items() if n in before} == before
    assert "需要您补充原因和说明" in book.app.alerts[-1]["prompt"]


def test_the_draft_checks_clean_round_trip(unit_xlsx):
    book = FakeBook.from_xlsx(unit_xlsx)
    ribbon.narrative_write(book)
    sheet = book.sheet(workbook.DRAFT_SHEET)
    text = "\n".join(row[0] or "" for row in grid(sheet, 1))
    assert check(from_text(text, "初稿"), read_book(unit_xlsx)) == []
    # The accountant's way: rename the draft 情况说明 and press 核对情况说明.
    sheet.name = workbook.NARRATIVE_SHEET
    ribbon.narrative_check(book)
    prompt = book.app.alerts[-1]["prompt"]
    assert "错误 0 条，核实 0 条，提示 0 条" in prompt and "未发现问题" in prompt
    assert "作为您自己的表对待" in prompt
    assert not workbook.is_toolkit_sheet(sheet) and sheet["J1"].value is None  # handed over
    assert workbook.NARRATIVE_SHEET in [s.name for s in workbook.user_sheets(book)]
    assert [e for e in workbook.read_record(book) if e.kind == workbook.TEXT_MARK] == []


def test_narrative_write_never_touches_the_users_text(seed_with_text):
    before = copy.deepcopy(seed_with_text.snapshot())
    ribbon.narrative_write(seed_with_text)
    ribbon.narrative_write(seed_with_text)  # again: its own sheet is replaced, nothing else
    after = seed_with_text.snapshot()
    assert {n: s for n, s in after.items() if n in before} == before
    assert [s.name for s in seed_with_text.sheets].count(workbook.DRAFT_SHEET) == 1
    assert "您自己的“情况说明”表未改动" in seed_with_text.app.alerts[-1]["prompt"]


def test_a_user_sheet_named_like_the_draft_is_refused(seed_book):
    mine = seed_book.add_sheet(workbook.DRAFT_SHEET)
    mine["A1"].value = "我自己写的初稿"
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.narrative_write(seed_book)
    assert seed_book.snapshot() == before
    assert seed_book.app.alerts[-1]["mode"] == "critical" and "没有做任何改动" in seed_book.app.alerts[-1]["prompt"]


def test_narrative_write_without_tables_says_so(book):
    before = copy.deepcopy(book.snapshot())
    ribbon.narrative_write(book)
    assert book.snapshot() == before
    assert "没有识别出任何标准决算表" in book.app.alerts[-1]["prompt"]


def test_the_draft_of_a_department_book_says_which_unit_it_follows(department):
    ribbon.narrative_write(department)
    assert "初稿按工作表“局机关”中的一张写成" in department.app.alerts[-1]["prompt"]


# --- the record -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", workbook.KINDS)
def test_every_record_kind_survives_the_sheet(book, kind):
    entry = workbook.Entry(kind, "收入支出决算总表", "C7", "#FFFFFF", None, "#FFC7CE", "说明", 1.5)
    workbook.write_record(book, [entry])
    assert workbook.read_record(book) == [entry]


# --- what the core does not give yet -----------------------------------------------------------------------


def test_core_summary_findings_point_at_the_sheets_it_returns(department_xlsx):
    out = core_result(department_xlsx)
    out.result.close()
    names = {s.name for s in out.sheets}
    located = [f for f in out.result.summary_findings if f.location.sheet]
    assert located and all(f.location.sheet in names for f in located)
