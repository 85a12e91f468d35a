"""The ribbon entry points on the fake book: what the user sees, and that nothing of theirs changes.

The workbooks are the bundled samples written in the official layout (``seed_xlsx``), loaded into
``fake_xlwings.FakeBook`` as Excel would hold them.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal

import pytest
import xlwings as xw

from pytoolkit.derived import derived_figures
from pytoolkit.errors import InputError
from pytoolkit.excel import ribbon, udfs, workbook
from pytoolkit.findings import Severity
from pytoolkit.io.annotate import annotate
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.metrics import change, completion_rate
from pytoolkit.rules import validate_book
from pytoolkit.samples.data import DEPARTMENT, SEED
from pytoolkit.tables import derived_columns

from .fake_xlwings import FakeBook

SEED_ERRORS = {"XP.general_budget", "XP.gov_fund", "XP.sangong", "XP.reception"}
PE_SHEET = "整体支出绩效自评表"
T1_SHEET = "01收入支出决算总表"
T5_SHEET = "05一般公共预算财政拨款支出决算表"
T7_SHEET = "07一般公共预算财政拨款“三公”经费支出决算表"
HYPERLINK = re.compile(r"""^=HYPERLINK\("#'(.+)'!([A-Z]+\d+)","(.+)"\)$""")
YELLOW = (255, 255, 0)


def user_names(book: FakeBook) -> list[str]:
    return [s.name for s in book.sheets if not workbook.is_toolkit_sheet(s)]


def values(book: FakeBook) -> dict:
    """Every value and formula of every user sheet."""
    return {
        name: {key: cell[:3] for key, cell in sheet["cells"].items() if cell[0] is not None or cell[1] or cell[2]}
        for name, sheet in book.snapshot(user_names(book)).items()
    }


def rows_of(sheet) -> list[list]:
    return sheet.used_range.options(ndim=2).value


def seed_errors(seed_xlsx) -> list:
    return [f for f in validate_book(read_book(seed_xlsx)) if f.severity is Severity.ERROR]


# --- help ------------------------------------------------------------------------------------------------


def test_help_shows_the_buttons_and_functions_in_chinese(book):
    before = copy.deepcopy(book.snapshot())
    ribbon.help(book)
    (alert,) = book.app.alerts
    assert alert["title"] == "决算工具 帮助" and alert["mode"] == "info"
    for entry in ribbon.ENTRY_POINTS.values():
        assert entry.label in alert["prompt"] and entry.description in alert["prompt"]
    for udf in udfs.UDFS:
        assert udf.__name__ in alert["prompt"]
    assert "后续版本提供" not in alert["prompt"]  # every button works
    assert book.snapshot() == before


def test_every_button_is_ready():
    assert all(entry.ready for entry in ribbon.ENTRY_POINTS.values())
    assert set(ribbon.ENTRY_POINTS) == {"validate", "compare_previous", "clear_marks", "consolidate", "fill_derived",
                                        "narrative_check", "narrative_write", "help"}


def test_entry_point_uses_the_calling_book(book, monkeypatch):
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    ribbon.help()  # as RunPython calls it
    assert len(book.app.alerts) == 1


def test_toolkit_errors_become_a_message_box(seed_book, monkeypatch):
    def fails(book):
        raise InputError("工作簿中找不到收入支出决算总表")

    before = copy.deepcopy(seed_book.snapshot())
    monkeypatch.setattr(workbook, "read_book", fails)
    ribbon.validate(seed_book)
    (alert,) = seed_book.app.alerts
    assert alert == {"prompt": "工作簿中找不到收入支出决算总表", "title": "决算工具", "buttons": "ok",
                     "mode": "critical"}
    assert seed_book.snapshot() == before


def test_programming_errors_propagate(seed_book, monkeypatch):
    def fails(book, *args):
        raise KeyError("bug")

    monkeypatch.setattr(ribbon, "validate_book", fails)
    with pytest.raises(KeyError):
        ribbon.validate(seed_book)


# --- reading the open workbook -------------------------------------------------------------------------


def trimmed(cells: list[list]) -> list[list]:
    rows = [list(row) for row in cells]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def test_the_open_book_reads_as_the_file_reader_reads_the_file(seed_book, seed_xlsx):
    ours = workbook.read_book(seed_book)
    theirs = read_book(seed_xlsx, recognise=False)
    assert [s.name for s in ours.sheets] == [s.name for s in theirs.sheets]
    for mine, file in zip(ours.sheets, theirs.sheets, strict=True):
        assert trimmed(mine.cells) == trimmed(file.cells), mine.name
        assert sorted(mine.merged) == sorted(tuple(map(tuple, m)) for m in file.merged), mine.name


def test_used_range_away_from_a1_errors_and_empty_sheets(book):
    sheet = book.add_sheet("草稿")
    sheet["C3"].value = "说明"
    sheet["D4"].value = 1.5
    sheet.cell(4, 5).error = "#DIV/0!"
    sheet.merged.append((3, 3, 3, 4))
    book.add_sheet("空表")
    model = workbook.read_book(book)
    draft = model.sheet("草稿")
    assert draft.cells[2][2] == "说明" and draft.cells[3][3] == 1.5 and draft.cells[0] == ["", "", "", "", ""]
    assert draft.cells[3][4] == "" and draft.errors == frozenset({(3, 4)})
    assert draft.merged == [((2, 2), (2, 3))]
    assert model.sheet("空表").cells == []


def test_merged_areas_are_found_without_asking_every_cell(seed_book, monkeypatch):
    from .fake_xlwings import FakeSheet

    calls = []
    original = FakeSheet.range

    def counting(self, *args):
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(FakeSheet, "range", counting)
    sheet = seed_book.sheet("06一般公共预算财政拨款基本支出决算表")
    used = sheet.used_range
    workbook.merged_areas(sheet, used.row, used.column, used.last_cell.row, used.last_cell.column)
    cells = used.shape[0] * used.shape[1]
    assert len(calls) < cells / 2


# --- 校验勾稽关系 ----------------------------------------------------------------------------------------


def test_validate_marks_the_seed_errors_at_their_cells(seed_book, seed_xlsx):
    expected = seed_errors(seed_xlsx)
    assert {f.rule for f in expected} == SEED_ERRORS
    ribbon.validate(seed_book)
    record = workbook.read_record(seed_book)
    assert {(e.sheet, e.cell) for e in record} == {(f.location.sheet, f.location.cell) for f in expected}
    for f in expected:
        cell = seed_book.sheet(f.location.sheet)[f.location.cell]
        assert cell.color == ribbon.MARK_COLORS[Severity.ERROR]
        assert f.message in cell.note.text and cell.note.text.startswith(ribbon.NOTE_HEAD)
    assert {(e.sheet, e.cell) for e in record} == {(PE_SHEET, "D6"), (PE_SHEET, "E6"), (PE_SHEET, "B21"),
                                                    (PE_SHEET, "C21")}
    (alert,) = seed_book.app.alerts
    assert "错误 4 条" in alert["prompt"] and alert["mode"] == "info"


def test_validate_writes_the_result_sheet_with_links(seed_book, seed_xlsx):
    ribbon.validate(seed_book)
    results = seed_book.sheet(workbook.RESULT_SHEET)
    assert workbook.is_toolkit_sheet(results) and results.visible
    assert seed_book.sheets.active is results
    rows = rows_of(results)
    assert "错误4条" in rows[0][0] and rows[1] == ["序号", "级别", "位置", "说明", "应为", "实为", "差额", "相关单元格",
                                                  "规则编号"]  # the rule's id last, out of the way
    found = rows[2:]
    assert {row[8] for row in found} == SEED_ERRORS
    by_rule = {f.rule: f for f in seed_errors(seed_xlsx)}
    for row in found:
        f = by_rule[row[8]]
        sheet, cell, text = HYPERLINK.match(results.range((found.index(row) + 3, 3)).formula).groups()
        assert (sheet, cell, text) == (f.location.sheet, f.location.cell, str(f.location))
        assert row[1] == "错误" and row[3] == f.message
        assert (row[4], row[5]) == (float(f.expected), float(f.actual))


def test_validate_changes_no_value_and_only_the_marked_cells(seed_book):
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.validate(seed_book)
    after = seed_book.snapshot()
    assert [n for n in after if n in before] == list(before)  # no user sheet lost, order kept
    for name, sheet in before.items():
        changed = {key for key in sheet["cells"] if after[name]["cells"].get(key) != sheet["cells"][key]}
        added = set(after[name]["cells"]) - set(sheet["cells"])
        if name == PE_SHEET:
            assert changed | added == {(6, 4), (6, 5), (21, 2), (21, 3)}
        else:
            assert not changed and not added, name
        for key in changed:
            assert after[name]["cells"][key][:3] == sheet["cells"][key][:3]  # value, formula, error kept
        assert after[name]["merged"] == sheet["merged"]


def test_clear_marks_restores_the_users_colours_and_notes(seed_book):
    pe = seed_book.sheet(PE_SHEET)
    pe["D6"].color = YELLOW
    pe["D6"].add_note("请财务科核对")
    pe["B21"].color = (200, 230, 200)
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.validate(seed_book)
    assert pe["D6"].color == ribbon.MARK_COLORS[Severity.ERROR]
    assert pe["D6"].note.text.startswith("请财务科核对")  # the user's note stays readable
    ribbon.validate(seed_book)  # twice: the record must still hold the user's own colours
    ribbon.clear_marks(seed_book)
    assert seed_book.snapshot() == before
    assert workbook.find_sheet(seed_book, workbook.RESULT_SHEET) is None
    assert workbook.find_sheet(seed_book, workbook.RECORD_SHEET) is None
    assert "已清除 4 个单元格" in seed_book.app.alerts[-1]["prompt"]


def test_clear_marks_keeps_what_the_user_changed_after_validating(seed_book):
    ribbon.validate(seed_book)
    pe = seed_book.sheet(PE_SHEET)
    pe["E6"].color = YELLOW
    pe["C21"].note.text = "已核实，见说明"
    ribbon.clear_marks(seed_book)
    assert pe["E6"].color == YELLOW
    assert pe["C21"].note.text == "已核实，见说明"
    assert pe["D6"].color is None and pe["D6"].note is None
    assert "2 个单元格的底色或批注在校验后被改动过" in seed_book.app.alerts[-1]["prompt"]


def test_clear_marks_with_nothing_to_clear_changes_nothing(seed_book):
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.clear_marks(seed_book)
    assert seed_book.snapshot() == before
    assert "没有找到" in seed_book.app.alerts[-1]["prompt"]


@pytest.mark.parametrize("name", [workbook.RESULT_SHEET, workbook.RECORD_SHEET])
def test_a_user_sheet_with_a_toolkit_name_is_never_overwritten(seed_book, name):
    mine = seed_book.add_sheet(name)
    mine["A1"].value = "我自己的表"
    mine["B2"].value = 12.5
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.validate(seed_book)
    assert seed_book.snapshot() == before  # refused before anything changed
    (alert,) = seed_book.app.alerts
    assert alert["mode"] == "critical" and f"“{name}”" in alert["prompt"] and "没有做任何改动" in alert["prompt"]


def test_the_result_sheet_of_an_annotated_copy_is_recognised_as_the_toolkits(seed_xlsx, tmp_path):
    copy_path = tmp_path / "标注.xlsx"
    annotate(seed_xlsx, seed_errors(seed_xlsx), copy_path)  # pytoolkit validate --annotate
    book = FakeBook.from_xlsx(copy_path)
    assert workbook.is_toolkit_sheet(book.sheet(workbook.RESULT_SHEET))
    ribbon.validate(book)
    assert [s.name for s in book.sheets].count(workbook.RESULT_SHEET) == 1
    assert {row[8] for row in rows_of(book.sheet(workbook.RESULT_SHEET))[2:]} == SEED_ERRORS


@pytest.mark.parametrize("unit", DEPARTMENT, ids=lambda u: u.name)
def test_every_entry_point_on_the_department_samples(unit, tmp_path):
    path = tmp_path / "unit.xlsx"
    write_book(path, unit)
    book = FakeBook.from_xlsx(path)
    before = copy.deepcopy(book.snapshot())
    ribbon.validate(book)
    assert "错误 0 条" in book.app.alerts[-1]["prompt"]  # the department samples are consistent
    assert workbook.read_record(book) == []
    ribbon.fill_derived(book)
    rows = rows_of(book.sheet(workbook.DERIVED_SHEET))[2:]
    assert [r[3] for r in rows] == [f.text for f in derived_figures(read_book(path))]
    ribbon.clear_marks(book)
    assert workbook.find_sheet(book, workbook.RESULT_SHEET) is None
    assert {n: s for n, s in book.snapshot().items() if n in before} == before


# --- 填充完成率与增减率 ---------------------------------------------------------------------------------


def test_fill_derived_writes_the_core_figures(seed_book, seed_xlsx):
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.fill_derived(seed_book)
    sheet = seed_book.sheet(workbook.DERIVED_SHEET)
    assert workbook.is_toolkit_sheet(sheet)
    rows = rows_of(sheet)[2:]
    expected = derived_figures(read_book(seed_xlsx))
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        (f.group, f.subject, f.text, None if f.value is None else float(f.value)) for f in expected
    ]
    assert {n: s for n, s in seed_book.snapshot().items() if n in before} == before  # no derived columns
    assert workbook.find_sheet(seed_book, workbook.RECORD_SHEET) is None
    assert seed_book.sheets.active is seed_book.sheets[0]  # the user stays where they were
    assert "没有“完成率”“增减额”“增减率”" in seed_book.app.alerts[-1]["prompt"]


def add_derived_columns(book: FakeBook) -> None:
    """Headers of derived columns, as a province's form prints them, beside the seed's tables."""
    t1 = book.sheet(T1_SHEET)
    for column, text in (("K", "增减额"), ("L", "增减率(%)"), ("M", "完成年初预算%")):
        t1[f"{column}4"].value = text
    t5 = book.sheet(T5_SHEET)
    t5["G3"].value = "完成年初预算%"
    t5.merged.append((3, 7, 4, 7))
    t7 = book.sheet(T7_SHEET)
    t7["S3"].value = "完成率"
    t7["T3"].value = "增减率"
    t7["S4"].value = "合计"
    t7["T4"].value = "公务接待费"


def expected_t1_t5() -> dict[tuple[str, str], Decimal | None]:
    t1, t5 = SEED.values["T1"], SEED.values["T5"]
    rows_t1 = {"201": 5, "208": 6, "本年支出合计": 13, "结余分配": 14, "年末结转和结余": 15, "支出总计": 16}
    out: dict[tuple[str, str], Decimal | None] = {}
    for key, row in rows_t1.items():
        v = t1[key]
        previous = v.get("上年决算数")
        out[(T1_SHEET, f"K{row}")] = change(v["决算数"], previous).amount if previous else None
        out[(T1_SHEET, f"L{row}")] = change(v["决算数"], previous).rate if previous else None
        out[(T1_SHEET, f"M{row}")] = completion_rate(v["决算数"], v.get("年初预算数"))
    order = ["合计", "201", "20103", "2010301", "2010302", "2010306", "20107", "2010799", "20136", "2013699",
             "208", "20805", "2080505"]
    for row, key in enumerate(order, 5):
        out[(T5_SHEET, f"G{row}")] = completion_rate(t5[key]["合计"], t5[key]["年初预算数"])
    return out


def test_derived_columns_are_found_and_computed_by_the_core(seed_book):
    add_derived_columns(seed_book)
    model = ribbon._recognised(seed_book)
    found = {(t.ref.sheet, t.ref.a1): t.value for t in derived_columns.targets(model)}
    expected = expected_t1_t5()
    expected[(T7_SHEET, "S6")] = completion_rate("4.50", "4.70")
    expected[(T7_SHEET, "T6")] = change("4.50", "4.95").rate
    assert found == expected
    assert found[(T1_SHEET, "L13")] == Decimal("47.04") and found[(T5_SHEET, "G5")] == Decimal("169.06")
    assert found[(T7_SHEET, "T6")] == Decimal("-9.09")


def test_fill_derived_fills_only_empty_cells_and_its_own(seed_book):
    add_derived_columns(seed_book)
    t5 = seed_book.sheet(T5_SHEET)
    t5["G6"].value = "见说明"  # the user's own entry
    t5["G7"].number_format = "0.00%"
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.fill_derived(seed_book)
    expected = expected_t1_t5()
    assert t5["G6"].value == "见说明"
    assert t5["G5"].value == 169.06 and t5["G7"].value == pytest.approx(float(expected[(T5_SHEET, "G7")]) / 100)
    for (sheet, cell), value in expected.items():
        if (sheet, cell) in ((T5_SHEET, "G6"), (T5_SHEET, "G7")):
            continue
        assert seed_book.sheet(sheet)[cell].value == (None if value is None else float(value)), (sheet, cell)
    assert seed_book.sheet(T7_SHEET)["T6"].value == -9.09
    # nothing else of the user's changed
    after = seed_book.snapshot()
    targets = {(sheet, cell) for sheet, cell in expected} | {(T7_SHEET, "S6"), (T7_SHEET, "T6")}
    for name, sheet in before.items():
        for key, cell in after[name]["cells"].items():
            if (name, f"{chr(64 + key[1])}{key[0]}") not in targets:
                assert sheet["cells"].get(key) == cell, (name, key)
    assert "1 个单元格已有您填写的内容" in seed_book.app.alerts[-1]["prompt"]


def test_fill_derived_again_updates_its_own_figures_and_keeps_user_edits(seed_book):
    add_derived_columns(seed_book)
    ribbon.fill_derived(seed_book)
    t5 = seed_book.sheet(T5_SHEET)
    assert t5["G8"].value == float(completion_rate("43.93", "31.92"))
    t5["G9"].value = 99.0  # the user overwrites a figure: now it is theirs
    t5["C8"].value = 40.0  # and corrects a 年初预算数
    ribbon.fill_derived(seed_book)
    assert t5["G8"].value == float(completion_rate("43.93", "40"))
    assert t5["G9"].value == 99.0
    t5["C8"].value = 0.0  # no budget: no percentage (docs/rules.md §4), the toolkit's old figure goes
    ribbon.fill_derived(seed_book)
    assert t5["G8"].value is None
    assert "已清空此前填入的数" in seed_book.app.alerts[-1]["prompt"]


def test_fill_and_marks_share_the_record(seed_book):
    add_derived_columns(seed_book)
    ribbon.fill_derived(seed_book)
    fills = [e for e in workbook.read_record(seed_book) if e.kind == workbook.FILL]
    ribbon.validate(seed_book)
    ribbon.clear_marks(seed_book)
    assert [e for e in workbook.read_record(seed_book) if e.kind == workbook.FILL] == fills
    assert not seed_book.sheet(workbook.RECORD_SHEET).visible


def test_fill_derived_refuses_a_user_sheet_named_like_its_output(seed_book):
    mine = seed_book.add_sheet(workbook.DERIVED_SHEET)
    mine["A1"].value = "我算的派生数"
    before = copy.deepcopy(seed_book.snapshot())
    ribbon.fill_derived(seed_book)
    assert seed_book.snapshot() == before
    assert seed_book.app.alerts[-1]["mode"] == "critical"


def test_fill_derived_without_tables_says_so(book):
    before = copy.deepcopy(book.snapshot())
    ribbon.fill_derived(book)
    assert book.snapshot() == before
    assert "没有识别出任何标准决算表" in book.app.alerts[-1]["prompt"]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (["完成年初预算%"], derived_columns.COMPLETION),
        (["完成率(%)"], derived_columns.COMPLETION),
        (["增减额"], derived_columns.CHANGE_AMOUNT),
        (["比上年增减"], derived_columns.CHANGE_AMOUNT),
        (["比上年增减%"], derived_columns.CHANGE_RATE),
        (["增减率(%)"], derived_columns.CHANGE_RATE),
        (["比上年增减", "金额"], derived_columns.CHANGE_AMOUNT),
        (["比上年增减", "%"], derived_columns.CHANGE_RATE),
        (["决算数"], None),
        (["年初预算数"], None),
        ([], None),
    ],
)
def test_derived_header_texts(path, kind):
    assert derived_columns.derived_kind(path) == kind


def test_text_is_stored_as_text_not_parsed(book):
    sheet = book.add_sheet("2018")  # a sheet name that Excel would read back as a number
    sheet["A1"].value = "=SUM(1)"
    sheet["A1"].add_note("=不是公式")
    entry = workbook.Entry(workbook.MARK, "2018", "A1", "", "=不是公式", "#FFC7CE", "001")
    workbook.write_record(book, [entry])
    assert workbook.read_record(book) == [entry]
    assert workbook.hyperlink("它's", "C7", 'a"b') == '=HYPERLINK("#\'它\'\'s\'!C7","a""b")'


def test_a_filled_derived_column_is_not_reported_as_unknown(seed_book):
    add_derived_columns(seed_book)
    ribbon.fill_derived(seed_book)
    findings = validate_book(ribbon._recognised(seed_book))
    assert [f for f in findings if f.rule == "recognise.unmapped_amounts"] == []


def test_a_cell_excel_refuses_half_way_leaves_a_clearable_record(seed_book, monkeypatch):
    from .fake_xlwings import FakeRange

    before = copy.deepcopy(seed_book.snapshot())
    original = FakeRange.add_note

    def protected(self, text):
        if (self.sheet.name, self.row, self.column) == (PE_SHEET, 21, 3):  # C21 on a protected sheet
            raise RuntimeError("COM error: the cell is protected")
        return original(self, text)

    monkeypatch.setattr(FakeRange, "add_note", protected)
    with pytest.raises(RuntimeError):
        ribbon.validate(seed_book)
    assert len(workbook.read_record(seed_book)) == 4
    monkeypatch.setattr(FakeRange, "add_note", original)
    ribbon.clear_marks(seed_book)
    assert seed_book.snapshot() == before


# --- 与上年核对 --------------------------------------------------------------------------------------------


def _hex(path) -> str:
    return str(path).encode("utf-16-be").hex().upper()  # what the VBA's HexUtf16 sends


@pytest.fixture(scope="module")
def seed_2017(tmp_path_factory):
    from pytoolkit.samples.previous import SEED_PREVIOUS

    path = tmp_path_factory.mktemp("上年 文件夹") / "汨罗市政务服务中心 2017年度.xlsx"
    write_book(path, SEED_PREVIOUS)
    return path


def test_compare_previous_marks_this_years_cells_and_writes_the_comparison(seed_book, seed_2017, tmp_path):
    from dataclasses import replace

    from pytoolkit.samples.previous import SEED_PREVIOUS

    # Last year's 三公 决算 differs from the 4.95 this year's book states as 上年.
    last_values = {**SEED_PREVIOUS.values, "T7": {"预算数": SEED_PREVIOUS.values["T7"]["预算数"],
                                                  "决算数": {**SEED_PREVIOUS.values["T7"]["决算数"], "合计": "5.00",
                                                             "公务接待费": "5.00"}}}
    last = tmp_path / "上年 三公5.00.xlsx"
    write_book(last, replace(SEED_PREVIOUS, values=last_values))
    before = values(seed_book)
    ribbon.compare_previous(_hex(last), seed_book)
    record = {(e.sheet, e.cell) for e in workbook.read_record(seed_book)}
    t7 = seed_book.sheet(T7_SHEET)
    wrong = [c for (s, c) in record if s == T7_SHEET]
    assert wrong, record
    for cell in wrong:
        assert "Y.previous_actual" not in t7[cell].note.text  # the note shows messages, not ids
        assert "上年决算" in t7[cell].note.text
    names = [s.name for s in seed_book.sheets]
    assert "上年对比" in names and "校验结果" in names
    rows = rows_of(seed_book.sheet("上年对比"))
    assert any(r[1] == "“三公”经费合计" and r[2] == 5.0 and r[3] == 4.5 for r in rows if r and len(r) > 3)
    (alert,) = seed_book.app.alerts
    assert "已与上年工作簿" in alert["prompt"] and "上年 三公5.00.xlsx" in alert["prompt"]
    assert values(seed_book) == before  # marks and new sheets only: no value of the user's changed


def test_compare_previous_with_a_clean_year_adds_no_year_finding(seed_book, seed_2017):
    ribbon.compare_previous(_hex(seed_2017), seed_book)
    results = rows_of(seed_book.sheet("校验结果"))
    ids = {r[-1] for r in results[2:] if r and r[-1]}
    assert not {i for i in ids if str(i).startswith("Y.") and i != "Y.previous_actual"}, ids


@pytest.mark.parametrize("case", ["missing", "folder", "same", "garbled"])
def test_compare_previous_refuses_a_wrong_choice_with_a_message(seed_book, seed_xlsx, tmp_path, case):
    path = {"missing": tmp_path / "无此文件.xlsx", "folder": tmp_path, "same": seed_xlsx}.get(case)
    before = values(seed_book)
    seed_book.fullname = str(seed_xlsx)
    ribbon.compare_previous("ZZ" if case == "garbled" else _hex(path), seed_book)
    (alert,) = seed_book.app.alerts
    assert alert["mode"] == "critical" and re.search(r"[\u4e00-\u9fff]", alert["prompt"])
    assert values(seed_book) == before
    assert "上年对比" not in [s.name for s in seed_book.sheets]
