"""Tests for pytoolkit.tables.recognise: the standard tables found by title and headers alone.

Two kinds of input: the bundled samples rendered by ``io.layout.write_book`` in both layouts
(code in one column and 万元; 类/款/项 split and 元), read back value by value against the
workbook itself; and small books built here with openpyxl, the input next to the assertion,
for the shapes accountants really send (odd sheet names, offsets, 栏次 rows, text numbers, …).
"""

from __future__ import annotations

import itertools
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from pytoolkit.findings import Finding, Severity
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.model import Book, Cell
from pytoolkit.samples.data import DEPARTMENT, SEED, UnitSample
from pytoolkit.tables import catalog

WAN = Decimal(10000)
_COUNTER = itertools.count()

# ---------------------------------------------------------------------------------------------
# The bundled samples, both layouts

SAMPLES = [pytest.param(SEED, id="seed"),
           *(pytest.param(unit, id=f"department{i}") for i, unit in enumerate(DEPARTMENT, 1))]
LAYOUTS = [pytest.param(("single", "万元"), id="single-wan"), pytest.param(("split", "元"), id="split-yuan")]
EXPECTED_IDS = {
    SEED.name: ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "PE", "PP"),
    **{unit.name: ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9") for unit in DEPARTMENT},
}


class Written:
    """A sample written with write_book, read back by the recogniser and by openpyxl."""

    def __init__(self, path: Path, sample: UnitSample, code_layout: str, money_unit: str) -> None:
        self.sample = sample
        self.money_unit = money_unit
        self.layouts = write_book(path, sample, code_layout=code_layout, money_unit=money_unit)
        self.book = read_book(path)
        self.wb = load_workbook(path)

    def workbook_value(self, cell: Cell) -> object:
        return self.wb[cell.ref.sheet].cell(row=cell.ref.row + 1, column=cell.ref.col + 1).value


@pytest.fixture(scope="module", params=LAYOUTS)
def layout(request):
    return request.param


@pytest.fixture(scope="module", params=SAMPLES)
def written(request, layout, tmp_path_factory) -> Written:
    code_layout, money_unit = layout
    path = tmp_path_factory.mktemp("samples") / f"{code_layout}.xlsx"
    return Written(path, request.param, code_layout, money_unit)


def test_sample_every_table_found_once_without_findings(written):
    ids = [t.id for t in written.book.tables]
    assert sorted(ids) == sorted(EXPECTED_IDS[written.sample.name])
    assert written.book.findings == []


def test_sample_unit_name_and_year(written):
    assert written.book.unit_name == written.sample.name
    assert written.book.year == written.sample.year
    for table in written.book.tables:
        assert table.year == written.sample.year, table.id


def test_sample_money_unit_and_sheet_follow_the_layout(written):
    for table in written.book.tables:
        assert table.money_unit == written.money_unit, table.id
        assert table.sheet == written.layouts[table.id].sheet


def test_sample_every_value_read_back_at_its_cell(written):
    factor = WAN if written.money_unit == "元" else Decimal(1)
    checked = 0
    for table_id, rows in written.sample.values.items():
        table = written.book.table(table_id)
        assert table is not None, table_id
        layout = written.layouts[table_id]
        for row_key, columns in rows.items():
            for column_key, text in columns.items():
                where = f"{table_id}[{row_key}].{column_key}"
                cell = table.cell(row_key, column_key)
                assert cell is not None, where
                # Exact: the Decimal in 万元, 元 divided by 10000 with no float step.
                assert isinstance(cell.value, Decimal), where
                assert cell.value == Decimal(text), (where, cell.value)
                # The reference points at the cell that holds the printed number.
                assert cell.ref.sheet == layout.sheet, where
                assert cell.ref.a1 == layout.cell(row_key, column_key), where
                held = written.workbook_value(cell)
                assert isinstance(held, int | float), (where, held)
                assert Decimal(repr(held)) == Decimal(text) * factor, (where, held)
                checked += 1
    assert checked > 50


def test_sample_cells_not_in_values_read_as_blank(written):
    for table in written.book.tables:
        values = written.sample.values.get(table.id, {})
        for row_key, row in table.rows.items():
            for column_key, cell in row.values.items():
                if column_key not in values.get(row_key, {}):
                    assert cell.value is None, (table.id, row_key, column_key, cell.value)
                    assert written.workbook_value(cell) is None


def test_sample_rows_are_exactly_those_of_the_values(written):
    for table in written.book.tables:
        expected = set(written.sample.values.get(table.id, {}))
        if table.tdef.kind == catalog.CODED and table.id != "T6":
            expected.add("合计")  # printed (blank) on an empty T8/T9 too
        assert set(table.rows) == expected, table.id


def test_seed_form_fields(tmp_path):
    book = Written(tmp_path / "seed.xlsx", SEED, "single", "万元").book
    pe, pp = book.table("PE"), book.table("PP")
    assert pe.fields["绩效自评综合得分"].value == Decimal(98)
    assert pe.fields["评价等次"].raw == "优秀"
    assert pp.fields["绩效自评综合得分"].value == Decimal(98)
    assert pp.fields["项目名称"].raw == SEED.fields["PP"]["项目名称"]


def test_empty_fund_table_is_found_with_its_note(tmp_path):
    book = Written(tmp_path / "seed.xlsx", SEED, "single", "万元").book
    t8 = book.table("T8")
    assert t8.is_empty_note
    assert not any(c.value for r in t8.rows.values() for c in r.values.values())


# ---------------------------------------------------------------------------------------------
# Books built here


def build(tmp_path: Path, sheets: dict[str, list[list]], *, at: dict[str, str] | None = None,
          merge: dict[str, list[str]] | None = None, edit=None) -> Path:
    """Write ``sheets`` (name → rows, None = empty cell) with openpyxl; ``at`` moves a sheet's
    first cell, ``merge`` merges ranges, ``edit(wb)`` changes anything else before saving."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        origin = ws[(at or {}).get(name, "A1")]
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is not None:
                    cell = ws.cell(row=origin.row + i, column=origin.column + j, value=value)
                    if isinstance(value, str):
                        cell.data_type = "s"  # text stays text (#DIV/0!, =…) unless edit() says otherwise
        for ref in (merge or {}).get(name, ()):
            ws.merge_cells(ref)
    if edit:
        edit(wb)
    path = tmp_path / f"book{next(_COUNTER)}.xlsx"
    wb.save(path)
    return path


def recognise(tmp_path: Path, sheets: dict[str, list[list]], **kwargs) -> Book:
    return read_book(build(tmp_path, sheets, **kwargs))


def found(book: Book, rule: str) -> list[Finding]:
    return [f for f in book.findings if f.rule == rule]


def value(book: Book, table_id: str, row_key: str, column_key: str) -> tuple[Decimal | None, str]:
    table = book.table(table_id)
    assert table is not None, (table_id, book.findings)
    cell = table.cell(row_key, column_key)
    assert cell is not None, (table_id, row_key, column_key, list(table.rows))
    return cell.value, str(cell.ref)


T3_HEADER = ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出",
             "对附属单位补助支出"]


def t3(*data: list, unit: str = "单位：万元", title: str = "支出决算表") -> list[list]:
    return [[title], [unit], T3_HEADER, *data]


def test_meaningless_sheet_name_offset_blank_rows_yuan(tmp_path):
    rows = [
        ["2018年度支出决算表"],
        [],
        ["部门：汨罗市某单位", None, None, None, None, None, None, "金额单位：元"],
        [],
        T3_HEADER,
        [],
        [None, "合计", 8467700, 3075500, 5392200],
        [],
        ["201", "一般公共服务支出", 8248300, 2856100, 5392200],
        [],
        [],
        ["2010301", "行政运行", 439300, 439300],
    ]
    book = recognise(tmp_path, {"Sheet1": rows}, at={"Sheet1": "C5"})
    assert [(t.id, t.sheet, t.money_unit, t.year) for t in book.tables] == [("T3", "Sheet1", "元", 2018)]
    assert book.unit_name == "汨罗市某单位"
    assert book.findings == []
    assert value(book, "T3", "合计", "本年支出合计") == (Decimal("846.77"), "Sheet1!E11")
    assert value(book, "T3", "201", "项目支出") == (Decimal("539.22"), "Sheet1!G13")
    assert value(book, "T3", "2010301", "基本支出") == (Decimal("43.93"), "Sheet1!F16")
    assert value(book, "T3", "2010301", "项目支出") == (None, "Sheet1!G16")
    assert list(book.table("T3").rows) == ["合计", "201", "2010301"]


def test_merged_two_row_header(tmp_path):
    rows = [
        ["支出决算表"],
        ["部门：某单位", None, None, None, None, None, None, "单位：万元"],
        ["项目", None, "本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"],
        ["科目编码", "科目名称"],
        [None, "合计", 100, 60, 40],
        ["201", "一般公共服务支出", 100, 60, 40],
    ]
    merged = ["A3:B3", *(f"{c}3:{c}4" for c in "CDEFGH")]
    book = recognise(tmp_path, {"Sheet1": rows}, merge={"Sheet1": merged})
    assert book.findings == []
    assert value(book, "T3", "201", "基本支出") == (Decimal(60), "Sheet1!D6")
    assert value(book, "T3", "合计", "项目支出") == (Decimal(40), "Sheet1!E5")


LANCI_MERGED = ["A3:B3", *(f"{c}3:{c}4" for c in "CDEFGH"), "A5:B5"]


def test_lanci_row_under_merged_header(tmp_path):
    rows = [
        ["支出决算表"],
        ["部门：某单位", None, None, None, None, None, None, "单位：万元"],
        ["项目", None, "本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"],
        ["科目编码", "科目名称"],
        ["栏次", None, 1, 2, 3, 4, 5, 6],
        [None, "合计", 100, 60, 40],
        ["201", "一般公共服务支出", 100, 60, 40],
    ]
    book = recognise(tmp_path, {"Sheet1": rows}, merge={"Sheet1": LANCI_MERGED})
    assert book.findings == []
    assert value(book, "T3", "合计", "本年支出合计") == (Decimal(100), "Sheet1!C6")
    assert value(book, "T3", "201", "项目支出") == (Decimal(40), "Sheet1!E7")


@pytest.mark.parametrize("lanci_col", [0, 1], ids=["in-code-column", "in-name-column"])
def test_lanci_row_in_one_column(tmp_path, lanci_col):
    lanci = [None, None, 1, 2, 3, 4, 5, 6]
    lanci[lanci_col] = "栏次"
    book = recognise(tmp_path, {"Sheet1": t3(lanci, [None, "合计", 100, 60, 40],
                                             ["201", "一般公共服务支出", 100, 60, 40])})
    assert book.findings == []
    assert set(book.table("T3").rows) == {"合计", "201"}
    assert value(book, "T3", "201", "本年支出合计") == (Decimal(100), "Sheet1!C6")


def test_codes_as_numbers_and_as_text_with_spaces_or_apostrophe(tmp_path):
    rows = t3(
        [None, "合计", 100],
        [201.0, "一般公共服务支出", 100],  # what Excel stores for a typed 201
        [" 201 03 ", "政府办公厅(室)及相关机构事务", 100],
        ["'2010301", "行政运行", 60],  # an apostrophe typed into the value by an export
        ["2010306", "政务公开审批", 40],  # quoted in Excel's way: quotePrefix style, set below
        [2080505, "机关事业单位基本养老保险缴费支出", 0],
    )

    def quote(wb):
        wb["Sheet1"]["A8"].quotePrefix = True

    book = recognise(tmp_path, {"Sheet1": rows}, edit=quote)
    assert book.findings == []
    assert list(book.table("T3").rows) == ["合计", "201", "20103", "2010301", "2010306", "2080505"]
    assert value(book, "T3", "201", "本年支出合计") == (Decimal(100), "Sheet1!C5")
    assert value(book, "T3", "20103", "本年支出合计") == (Decimal(100), "Sheet1!C6")
    assert value(book, "T3", "2010301", "本年支出合计") == (Decimal(60), "Sheet1!C7")
    assert value(book, "T3", "2010306", "本年支出合计") == (Decimal(40), "Sheet1!C8")
    assert value(book, "T3", "2080505", "本年支出合计") == (Decimal(0), "Sheet1!C9")


SPLIT_HEADER = [["科目编码", None, None, "科目名称", "本年支出合计", "基本支出", "项目支出", "上缴上级支出",
                 "经营支出", "对附属单位补助支出"], ["类", "款", "项"]]
SPLIT_MERGED = ["A3:C3", *(f"{c}3:{c}4" for c in "DEFGHIJ")]


def test_split_codes_as_text_with_parent_parts_left_blank(tmp_path):
    rows = [["支出决算表"], ["单位：万元"], *SPLIT_HEADER,
            [None, None, None, "合计", 100],
            ["201", None, None, "一般公共服务支出", 100],
            [None, "03", None, "政府办公厅(室)及相关机构事务", 100],
            [None, None, "01", "行政运行", 60],
            [None, None, "06", "政务公开审批", 40]]
    book = recognise(tmp_path, {"Sheet1": rows}, merge={"Sheet1": SPLIT_MERGED})
    assert book.findings == []
    assert list(book.table("T3").rows) == ["合计", "201", "20103", "2010301", "2010306"]
    assert value(book, "T3", "2010306", "本年支出合计") == (Decimal(40), "Sheet1!E9")


def test_split_codes_as_numbers(tmp_path):
    rows = [["支出决算表"], ["单位：万元"], *SPLIT_HEADER,
            [None, None, None, "合计", 100],
            [201, None, None, "一般公共服务支出", 100],
            [201, 3, None, "政府办公厅(室)及相关机构事务", 100],
            [201, 3, 1, "行政运行", 100]]
    book = recognise(tmp_path, {"Sheet1": rows}, merge={"Sheet1": SPLIT_MERGED})
    assert book.findings == []
    assert list(book.table("T3").rows) == ["合计", "201", "20103", "2010301"]


T7_ITEMS = ["合计", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费", "公务接待费"]


def test_t7_transposed_rows_budget_and_final(tmp_path):
    rows = [
        ["2018年度一般公共预算财政拨款“三公”经费支出决算表"],
        ["单位：元"],
        ["项目", "合计", "因公出国（境）费", "公务用车购置及运行维护费", None, None, "公务接待费"],
        [None, None, None, "小计", "公务用车购置费", "公务用车运行维护费"],
        ["预算数", 47000, 0, 0, 0, 0, 47000],
        [],
        ["决算数", 45000, 0, 0, 0, 0, 45000],
    ]
    merged = ["B4:B5", "C4:C5", "D4:D5", "E4:G4", "H4:H5"]
    book = recognise(tmp_path, {"Sheet1": rows}, at={"Sheet1": "B2"}, merge={"Sheet1": merged})
    assert book.findings == []
    t7 = book.table("T7")
    assert (t7.money_unit, t7.year) == ("元", 2018)
    assert set(t7.rows) == {"预算数", "决算数"}
    assert value(book, "T7", "预算数", "合计") == (Decimal("4.7"), "Sheet1!C6")
    assert value(book, "T7", "决算数", "公务接待费") == (Decimal("4.5"), "Sheet1!H8")
    assert value(book, "T7", "决算数", "公务用车购置及运行维护费") == (Decimal(0), "Sheet1!E8")
    assert set(t7.rows["决算数"].values) == set(T7_ITEMS)


GOOD_T3 = t3([None, "合计", 1], ["201", "一般公共服务支出", 1])


def test_title_without_usable_headers_is_an_error_naming_the_sheet(tmp_path):
    book = recognise(tmp_path, {"收入": [["收入决算表"], ["单位：万元"], ["甲", "乙", "丙"], ["一", "二", "三"]],
                                "支出": GOOD_T3})
    assert [t.id for t in book.tables] == ["T3"]
    errors = [f for f in book.findings if f.severity is Severity.ERROR]
    assert [(f.rule, f.location.sheet) for f in errors] == [("recognise.unrecognised", "收入")]
    assert "收入" in errors[0].message and "收入决算表" in errors[0].message


def test_title_with_unknown_numeric_columns_is_an_error_naming_the_sheet(tmp_path):
    book = recognise(tmp_path, {"收入": [["收入决算表"], ["单位：万元"], ["甲", "乙", "丙"], [1, 2, 3]],
                                "支出": GOOD_T3})
    assert [t.id for t in book.tables] == ["T3"]
    errors = [f for f in book.findings if f.severity is Severity.ERROR]
    assert [f.location.sheet for f in errors] == ["收入"]


def test_numbers_without_title_is_a_warning_naming_the_sheet(tmp_path):
    book = recognise(tmp_path, {"数据": [["a", "b"], [1, 2], [3, 4], [5, 6]], "Sheet1": GOOD_T3})
    assert [t.id for t in book.tables] == ["T3"]
    assert [(f.rule, f.severity, str(f.location)) for f in book.findings] == [
        ("recognise.unknown_sheet", Severity.WARNING, "数据!A1")]
    assert "数据" in book.findings[0].message


def test_table_of_contents_gives_no_findings_and_no_tables(tmp_path):
    toc = [["目录"], *([f"{i}、{t.title}"] for i, t in enumerate(catalog.PUBLIC_TABLES, 1))]
    book = recognise(tmp_path, {"目录": toc, "Sheet1": GOOD_T3})
    assert [(t.id, t.sheet) for t in book.tables] == [("T3", "Sheet1")]
    assert book.findings == []


def test_table_of_contents_alone_names_no_sheet(tmp_path):
    toc = [["目录"], *([f"{t.title}"] for t in catalog.ALL_TABLES)]
    book = recognise(tmp_path, {"目录": toc})
    assert book.tables == []
    assert [f.location.sheet for f in book.findings] == [""]  # only the book-level 'no table'


def test_duplicate_code_is_an_error_naming_the_cell(tmp_path):
    book = recognise(tmp_path, {"Sheet1": t3([None, "合计", 3], ["201", "一般公共服务支出", 1],
                                             ["201", "一般公共服务支出", 2])})
    [f] = book.findings
    assert (f.rule, f.severity, f.location.sheet, f.location.cell) == (
        "recognise.duplicate_row", Severity.ERROR, "Sheet1", "B6")
    assert "201" in f.message
    assert value(book, "T3", "201", "本年支出合计") == (Decimal(1), "Sheet1!C5")  # the first one kept


def test_malformed_six_digit_code_is_an_error_naming_the_cell(tmp_path):
    book = recognise(tmp_path, {"Sheet1": t3([None, "合计", 3], ["201031", "行政运行", 3],
                                             ["2010301", "行政运行", 3])})
    [f] = book.findings
    assert (f.rule, f.severity, str(f.location)) == ("recognise.bad_code", Severity.ERROR, "Sheet1!A5")
    assert "201031" in f.message
    assert set(book.table("T3").rows) == {"合计", "2010301"}


@pytest.mark.parametrize(("text", "expected"), [
    ("1,234.56", Decimal("1234.56")),
    ("８４６．７７", Decimal("846.77")),
    ("(12.00)", Decimal("-12.00")),
    ("-", None),
    (" 12 ", Decimal(12)),
])
def test_number_stored_as_text(tmp_path, text, expected):
    """Read as the number it writes, and reported: Excel's SUM skips text, so the sheet's own
    totals may disagree with what the toolkit checks."""
    book = recognise(tmp_path, {"Sheet1": t3([None, "合计", text])})
    assert value(book, "T3", "合计", "本年支出合计") == (expected, "Sheet1!C4")
    if expected is None:  # “-” is the forms' way of writing nothing
        assert book.findings == []
        return
    [f] = book.findings
    assert (f.rule, f.severity, str(f.location)) == ("read.text_number", Severity.WARNING, "Sheet1!C4")
    assert "文本" in f.message and "C4" in f.message


def test_number_stored_as_text_in_yuan_is_divided_exactly(tmp_path):
    book = recognise(tmp_path, {"Sheet1": t3([None, "合计", "8,467,700.00"], unit="金额单位：元")})
    assert value(book, "T3", "合计", "本年支出合计") == (Decimal("846.77"), "Sheet1!C4")


def test_unreadable_text_is_a_finding_naming_the_cell(tmp_path):
    book = recognise(tmp_path, {"Sheet1": t3([None, "合计", 1, "约三十"])})
    [f] = book.findings
    assert (f.rule, f.severity, str(f.location)) == ("read.bad_number", Severity.ERROR, "Sheet1!D4")
    assert value(book, "T3", "合计", "基本支出") == (None, "Sheet1!D4")


def test_excel_error_as_text_is_a_finding_naming_the_cell(tmp_path):
    book = recognise(tmp_path, {"Sheet1": t3([None, "合计", 1, "#DIV/0!"])})
    [f] = book.findings
    assert (f.rule, f.severity, str(f.location)) == ("read.excel_error", Severity.ERROR, "Sheet1!D4")
    assert "#DIV/0!" in f.message
    assert value(book, "T3", "合计", "基本支出") == (None, "Sheet1!D4")


def _as_error(wb):
    wb["Sheet1"]["D4"].data_type = "e"  # <c t="e"><v>#DIV/0!</v></c>, as Excel stores the error


def _formula_with_cached_error(path: Path) -> None:
    """Rewrite D4 as Excel saves a formula whose cached result is #DIV/0!."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                old = b'<c r="D4" t="e"><v>#DIV/0!</v></c>'
                assert old in data
                data = data.replace(old, b'<c r="D4" t="e"><f>C4/0</f><v>#DIV/0!</v></c>')
            zout.writestr(info, data)
    tmp.replace(path)


@pytest.mark.parametrize("with_formula", [False, True], ids=["value", "formula"])
def test_excel_error_value_is_a_finding_naming_the_cell(tmp_path, with_formula):
    path = build(tmp_path, {"Sheet1": t3([None, "合计", 1, "#DIV/0!"])}, edit=_as_error)
    if with_formula:
        _formula_with_cached_error(path)
    book = read_book(path)
    assert [(f.rule, f.severity, str(f.location)) for f in book.findings] == [
        ("read.excel_error", Severity.ERROR, "Sheet1!D4")]


@pytest.mark.parametrize("year", ["2019", "2019年"])
def test_unit_name_and_year_from_cover_sheet(tmp_path, year):
    cover = [["部门决算"], [], ["单位名称：", "汨罗市某中心"], ["年度：", year]]
    book = recognise(tmp_path, {"封面": cover, "Sheet2": GOOD_T3})
    assert (book.unit_name, book.year) == ("汨罗市某中心", 2019)
    assert book.table("T3").year == 2019


def test_year_typed_as_a_number_on_the_cover(tmp_path):
    cover = [["部门决算"], [], ["单位名称：", "汨罗市某中心"], ["年度：", 2019]]
    book = recognise(tmp_path, {"封面": cover, "Sheet2": GOOD_T3})
    assert book.year == 2019


def test_no_unit_line_is_a_warning_and_read_as_wan(tmp_path):
    rows = [["支出决算表"], T3_HEADER, [None, "合计", 12.5]]
    book = recognise(tmp_path, {"Sheet1": rows})
    assert [(f.rule, f.severity, str(f.location)) for f in book.findings] == [
        ("recognise.no_unit", Severity.WARNING, "Sheet1!A1")]
    assert value(book, "T3", "合计", "本年支出合计") == (Decimal("12.5"), "Sheet1!C3")
