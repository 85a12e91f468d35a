"""Tests for pytoolkit.io.layout: the standard tables rendered in the official layout.

Every sheet is written with openpyxl, saved, and read back with both openpyxl and
python-calamine: what a reader sees is what the recogniser will see.
"""

from __future__ import annotations

import itertools
import os
import zipfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import python_calamine
from openpyxl import Workbook, load_workbook
from openpyxl.utils import coordinate_to_tuple, get_column_letter

from pytoolkit.errors import ValueParseError
from pytoolkit.io import layout
from pytoolkit.io.layout import TableLayout, chinese_ordinal, parse_amount, write_book, write_table
from pytoolkit.tables import catalog

UNIT = "汨罗市人民政府政务服务中心"
YEAR = 2018

# A tiny, real-shaped set of values (万元) for every table; not necessarily balanced.
VALUES: dict[str, dict[str, dict[str, str]]] = {
    "T1": {
        "一般公共预算财政拨款收入": {"决算数": "686.97"},
        "政府性基金预算财政拨款收入": {"决算数": "159.8"},
        "本年收入合计": {"决算数": "846.77"},
        "收入总计": {"决算数": "846.77"},
        "201": {"决算数": "824.83"},
        "208": {"决算数": "21.94"},
        "本年支出合计": {"决算数": "846.77"},
        "支出总计": {"决算数": "846.77"},
    },
    "T2": {
        "合计": {"本年收入合计": "846.77", "财政拨款收入": "846.77"},
        "201": {"本年收入合计": "824.83", "财政拨款收入": "824.83"},
        "20103": {"本年收入合计": "803.83", "财政拨款收入": "803.83"},
        "2010301": {"本年收入合计": "43.93", "财政拨款收入": "43.93"},
        "2010306": {"本年收入合计": "658.9", "财政拨款收入": "658.9"},
        "208": {"本年收入合计": "21.94", "财政拨款收入": "21.94"},
    },
    "T3": {
        "合计": {"本年支出合计": "846.77", "基本支出": "307.55", "项目支出": "539.22"},
        "201": {"本年支出合计": "824.83", "基本支出": "285.61", "项目支出": "539.22"},
        "20103": {"本年支出合计": "803.83", "基本支出": "285.61", "项目支出": "518.22"},
        "2010301": {"本年支出合计": "43.93", "基本支出": "43.93"},
        "2080505": {"本年支出合计": "21.94", "基本支出": "21.94"},
    },
    "T4": {
        "一般公共预算财政拨款": {"金额": "686.97"},
        "政府性基金预算财政拨款": {"金额": "159.8"},
        "本年收入合计": {"金额": "846.77"},
        "年初财政拨款结转和结余": {"金额": "0"},
        "年初财政拨款结转和结余/一般公共预算财政拨款": {"金额": "0"},
        "收入总计": {"金额": "846.77"},
        "201": {"合计": "824.83", "一般公共预算财政拨款": "664.03", "政府性基金预算财政拨款": "160.8"},
        "本年支出合计": {"合计": "846.77"},
        "支出总计": {"合计": "846.77", "一般公共预算财政拨款": "686.97"},
    },
    "T5": {
        "合计": {"年初预算数": "500.87", "合计": "846.77", "基本支出": "307.55", "项目支出": "539.22"},
        "201": {"年初预算数": "478.93", "合计": "824.83"},
        "2010302": {"年初预算数": "98", "合计": "101", "项目支出": "101"},
    },
    "T6": {
        "301": {"决算数": "256.23"},
        "30101": {"决算数": "120.5"},
        "30199": {"决算数": "135.73"},
        "302": {"决算数": "51.32"},
        "30201": {"决算数": "10"},
        "30217": {"决算数": "4.5"},
        "30299": {"决算数": "36.82"},
        "人员经费合计": {"决算数": "256.23"},
        "公用经费合计": {"决算数": "51.32"},
    },
    "T7": {
        "预算数": {"合计": "4.7", "公务接待费": "4.7", "因公出国(境)费": "0"},
        "决算数": {"合计": "4.5", "公务接待费": "4.5", "公务用车购置及运行维护费": "0",
                 "公务用车购置费": "0", "公务用车运行维护费": "0"},
    },
    "T8": {},
    "T9": {"合计": {}},
    "PE": {
        "局机关及二级机构汇总": {"收入合计": "846.77", "公共财政拨款": "686.97", "支出合计": "846.77",
                               "人员支出": "256.23", "三公经费合计": "4.54", "固定资产合计": "1073.35"},
        "局机关": {"收入合计": "846.77", "公共财政拨款": "686.97", "支出合计": "846.77", "结余": "0",
                 "公务接待费": "4.54", "在用固定资产": "1073.35"},
        "二级机构1": {},
        "二级机构2": {"其他": "1.5"},
    },
    "PP": {
        "合计": {"计划安排资金": "221", "实际到位资金": "221", "实际支出": "221", "结余": "0"},
        "县(市)财政": {"计划安排资金": "221", "实际到位资金": "221", "实际支出": "221", "结余": "0"},
        "政务大厅电费、水费、电话费": {"实际支出数": "45.8", "会计凭证号": "JZ-02-0004"},
        "政务大厅人员补助": {"实际支出数": "59.4"},
        "电子政务运行维护": {"实际支出数": "115.8", "备注": "含平台建设"},
        "支出合计": {"实际支出数": "221"},
    },
}
FIELDS = {
    "PE": {"绩效自评综合得分": "98分", "评价等次": "优秀"},
    "PP": {"项目名称": "政务大厅运行、人员补助、平台建设经费", "绩效自评综合得分": "98分", "评价等次": "优秀"},
}
TEXT_COLUMNS = ("会计凭证号", "备注")
_COUNTER = itertools.count()


# ---------------------------------------------------------------------------------------------
# helpers


class Readback:
    """One written sheet read back with openpyxl and with calamine."""

    def __init__(self, path: Path, sheet: str) -> None:
        self.path = path
        self.ws = load_workbook(path)[sheet]
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        cal = book.get_sheet_by_name(sheet)
        self.grid = cal.to_python()
        self.cal_merged = {
            f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
            for (r0, c0), (r1, c1) in (cal.merged_cell_ranges or [])
        }
        self.merged = {str(m) for m in self.ws.merged_cells.ranges}

    def cal(self, coordinate: str) -> object:
        r, c = coordinate_to_tuple(coordinate)
        if r - 1 >= len(self.grid) or c - 1 >= len(self.grid[r - 1]):
            return ""
        return self.grid[r - 1][c - 1]

    def value(self, coordinate: str) -> object:
        """The openpyxl value, checked to agree with calamine's."""
        v = self.ws[coordinate].value
        c = self.cal(coordinate)
        assert (c if c != "" else None) == v, (coordinate, v, c)
        return v

    def row(self, r: int) -> list[object]:
        return [self.ws.cell(row=r, column=c).value for c in range(1, self.ws.max_column + 1)]


def render(tmp_path: Path, table_id: str, values=..., *, name: str = UNIT, year: int = YEAR,
           **kwargs) -> tuple[TableLayout, Readback]:
    wb = Workbook()
    ws = wb.active
    ws.title = table_id
    if values is ...:
        values = VALUES[table_id]
    kwargs.setdefault("fields", FIELDS.get(table_id))
    lay = write_table(ws, catalog.BY_ID[table_id], values, unit_name=name, year=year, **kwargs)
    path = tmp_path / f"{table_id}-{next(_COUNTER)}.xlsx"
    wb.save(path)
    return lay, Readback(path, table_id)


def as_decimal(v: object) -> Decimal | None:
    if v is None or v == "":
        return None
    assert isinstance(v, float | int), v
    return Decimal(repr(v))


def expected_title(table_id: str, year: int = YEAR) -> str:
    return {"T7": "一般公共预算财政拨款“三公”经费支出决算表",
            "PE": f"{year}年度部门(单位)整体支出绩效自评表",
            "PP": f"{year}年度项目支出绩效自评表"}.get(table_id, catalog.BY_ID[table_id].title)


ALL_IDS = [t.id for t in catalog.ALL_TABLES]


# ---------------------------------------------------------------------------------------------
# every table


@pytest.mark.parametrize("table_id", ALL_IDS)
def test_every_table_title_unit_and_values(tmp_path, table_id):
    lay, rb = render(tmp_path, table_id)
    last = get_column_letter(lay.width)
    assert rb.value("A1") == expected_title(table_id)
    assert rb.ws["A1"].font.b and rb.ws["A1"].font.sz == 16
    assert rb.ws["A1"].alignment.horizontal == "center"
    assert f"A1:{last}1" in rb.merged and f"A1:{last}1" in rb.cal_merged
    assert lay.unit_cell == f"{last}2"
    assert rb.value(lay.unit_cell) == "单位：万元"
    assert rb.ws[lay.unit_cell].alignment.horizontal == "right"
    if table_id.startswith("T"):
        assert rb.value("A2") == f"部门：{UNIT}"
    # Every filled value of the fixture has a cell, and every cell reads back exactly.
    for row_key, cols in VALUES[table_id].items():
        for col_key in cols:
            if col_key in TEXT_COLUMNS:
                continue
            assert (row_key, col_key) in lay.cells, (row_key, col_key)
    for (row_key, col_key), coordinate in lay.cells.items():
        text = VALUES[table_id].get(row_key, {}).get(col_key)
        want = Decimal(text) if text else None
        assert as_decimal(rb.ws[coordinate].value) == want, (row_key, col_key, coordinate)
        assert as_decimal(rb.cal(coordinate)) == want, (row_key, col_key, coordinate)
        assert rb.ws[coordinate].number_format == "#,##0.00"
        assert rb.ws[coordinate].border.left.style == "thin"
    # Merged ranges agree between the two readers.
    assert rb.merged == rb.cal_merged


@pytest.mark.parametrize("table_id", [t.id for t in catalog.PUBLIC_TABLES])
def test_page_setup(tmp_path, table_id):
    lay, rb = render(tmp_path, table_id)
    ws = rb.ws
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    h0, h1 = lay.header_rows
    assert ws.print_title_rows == f"${h0}:${h1}"
    assert ws.freeze_panes == f"A{h1 + 1}"
    header_cells = [c for row in ws.iter_rows(min_row=h0, max_row=h1) for c in row if c.value is not None]
    assert header_cells
    for cell in header_cells:
        assert cell.font.b and cell.alignment.horizontal == "center" and cell.alignment.wrap_text
        assert cell.border.top.style == "thin"
    assert all(ws.column_dimensions[get_column_letter(c)].width >= 6 for c in range(1, lay.width + 1))


# ---------------------------------------------------------------------------------------------
# CODED tables


def test_coded_headers_single(tmp_path):
    lay, rb = render(tmp_path, "T2")
    keys = catalog.T2.column_keys
    assert rb.row(3) == ["项目", None, *keys]
    assert rb.row(4)[:2] == ["科目编码", "科目名称"]
    vertical = {f"{get_column_letter(c)}3:{get_column_letter(c)}4" for c in range(3, 3 + len(keys))}
    assert {"A3:B3", *vertical} <= rb.merged
    assert lay.header_rows == (3, 4) and lay.data_rows == (5, 10)
    assert lay.columns == keys
    # 合计 first, then code order (a 类 before its 款 before its 项), names from the year's code list.
    assert [rb.row(r)[:2] for r in range(5, 11)] == [
        [None, "合计"], ["201", "一般公共服务支出"], ["20103", "政府办公厅(室)及相关机构事务"],
        ["2010301", "行政运行"], ["2010306", "政务公开审批"], ["208", "社会保障和就业支出"]]
    assert rb.ws["A6"].data_type == "s"  # codes stay text
    assert lay.rows == {"合计": 5, "201": 6, "20103": 7, "2010301": 8, "2010306": 9, "208": 10}
    assert lay.labels["合计"] == "B5"


def test_coded_names_follow_year(tmp_path):
    values = {"合计": {"本年支出合计": "1"}, "20805": {"本年支出合计": "1"}}
    _, rb18 = render(tmp_path, "T3", values, year=2018)
    _, rb19 = render(tmp_path, "T3", values, year=2019)
    assert rb18.value("B6") == "行政事业单位离退休"
    assert rb19.value("B6") == "行政事业单位养老支出"


def test_split_code_layout(tmp_path):
    lay, rb = render(tmp_path, "T3", code_layout="split")
    assert rb.row(3)[:5] == ["项目", None, None, None, "本年支出合计"]
    assert rb.row(4)[:4] == ["科目编码", None, None, "科目名称"]
    assert rb.row(5)[:4] == ["类", "款", "项", None]
    assert {"A3:D3", "A4:C4", "D4:D5", "E3:E5", "J3:J5"} <= rb.merged
    assert lay.header_rows == (3, 5)
    rows = {r: rb.row(r)[:4] for r in range(6, 11)}
    assert rows[6] == [None, None, None, "合计"]
    assert rows[7] == ["201", None, None, "一般公共服务支出"]  # a 类 row: "201", "", ""
    assert rows[8] == ["201", "03", None, "政府办公厅(室)及相关机构事务"]  # a 款 row
    assert rows[9] == ["201", "03", "01", "行政运行"]  # a 项 row
    assert rows[10] == ["208", "05", "05", "机关事业单位基本养老保险缴费支出"]
    assert rb.ws["B8"].data_type == "s" and rb.cal("B8") == "03"
    assert lay.cell("2010301", "本年支出合计") == "E9"
    assert lay.extra["code_columns"] == 3


def test_optional_column_only_when_filled(tmp_path):
    lay, rb = render(tmp_path, "T5")
    assert rb.row(3) == ["项目", None, "年初预算数", "合计", "基本支出", "项目支出"]
    no_budget = {k: {c: v for c, v in cols.items() if c != "年初预算数"} for k, cols in VALUES["T5"].items()}
    lay2, rb2 = render(tmp_path, "T5", no_budget)
    assert rb2.row(3) == ["项目", None, "合计", "基本支出", "项目支出"]
    assert "年初预算数" not in lay2.columns
    assert not any(col == "年初预算数" for _, col in lay2.cells)


@pytest.mark.parametrize(("table_id", "year", "values", "note"), [
    ("T8", 2018, {}, "本单位2018年度无政府性基金预算财政拨款收入支出，故本表为空表。"),
    ("T8", 2018, {"合计": {"本年收入": "", "本年支出合计": "0"}},
     "本单位2018年度无政府性基金预算财政拨款收入支出，故本表为空表。"),
    ("T9", 2019, {"合计": {}}, "本单位2019年度无国有资本经营预算财政拨款支出，故本表为空表。"),
])
def test_empty_fund_table_note(tmp_path, table_id, year, values, note):
    lay, rb = render(tmp_path, table_id, values, year=year)
    assert rb.row(3) == ["项目", None, *catalog.BY_ID[table_id].column_keys]
    assert rb.row(5)[:2] == [None, "合计"]
    assert lay.data_rows == (5, 5)
    assert lay.note_cell == "A6"
    assert rb.value("A6") == note
    assert f"A6:{get_column_letter(lay.width)}6" in rb.merged


def test_fund_table_with_rows_has_no_note(tmp_path):
    values = {"合计": {"本年收入": "10", "本年支出合计": "10", "项目支出": "10"},
              "212": {"本年收入": "10", "本年支出合计": "10", "项目支出": "10"}}
    lay, rb = render(tmp_path, "T8", values)
    assert lay.note_cell is None
    assert rb.ws.max_row == 6


# ---------------------------------------------------------------------------------------------
# T1, T4: two-sided


def test_t1_layout(tmp_path):
    lay, rb = render(tmp_path, "T1")
    assert rb.row(3) == ["收入", None, None, "支出", None, None]
    assert rb.row(4) == ["项目", "行次", "决算数", "项目", "行次", "决算数"]
    assert {"A3:C3", "D3:F3"} <= rb.merged
    income = [rb.row(r)[0] for r in range(5, 17)]
    assert income == ["一、一般公共预算财政拨款收入", "二、政府性基金预算财政拨款收入",
                      "三、国有资本经营预算财政拨款收入", "四、上级补助收入", "五、事业收入", "六、经营收入",
                      "七、附属单位上缴收入", "八、其他收入",
                      "本年收入合计", "使用非财政拨款结余", "年初结转和结余", "总计"]
    assert [rb.row(r)[1] for r in range(5, 17)] == list(range(1, 13))
    spending = [rb.row(r)[3] for r in range(5, 17)]
    assert spending == ["一、一般公共服务支出", "二、社会保障和就业支出", *[None] * 6,
                        "本年支出合计", "结余分配", "年末结转和结余", "总计"]
    assert [rb.row(r)[4] for r in range(5, 17)] == [1, 2, *[None] * 6, 3, 4, 5, 6]
    # 合计 beside 合计, 总计 beside 总计
    assert lay.rows["本年收入合计"] == lay.rows["本年支出合计"] == 13
    assert lay.rows["收入总计"] == lay.rows["支出总计"] == 16
    assert lay.cell("收入总计", "决算数") == "C16" and lay.cell("支出总计", "决算数") == "F16"
    assert lay.cell("201", "决算数") == "F5"
    assert lay.extra["sides"] == {"收入": (1, 3), "支出": (4, 6)}


def test_t1_optional_columns_both_sides(tmp_path):
    values = {**VALUES["T1"], "201": {"决算数": "824.83", "上年决算数": "560.1"},
              "本年收入合计": {"决算数": "846.77", "年初预算数": "500.87"}}
    lay, rb = render(tmp_path, "T1", values)
    assert rb.row(4) == ["项目", "行次", "决算数", "年初预算数", "上年决算数"] * 2
    assert {"A3:E3", "F3:J3"} <= rb.merged
    assert as_decimal(rb.ws[lay.cell("201", "上年决算数")].value) == Decimal("560.1")
    assert rb.ws[lay.cell("201", "上年决算数")].column == 10


def test_t1_2019_class_names(tmp_path):
    lay, rb = render(tmp_path, "T1", {"210": {"决算数": "1"}, "207": {"决算数": "2"}}, year=2019)
    assert rb.value(lay.labels["207"]) == "一、文化旅游体育与传媒支出"
    assert rb.value(lay.labels["210"]) == "二、卫生健康支出"


def test_t4_layout(tmp_path):
    lay, rb = render(tmp_path, "T4")
    assert rb.row(3)[:4] == ["收入", None, None, "支出"]
    assert rb.row(4) == ["项目", "行次", "金额", "项目", "行次", "合计", *catalog.FUNDS]
    assert {"A3:C3", "D3:I3"} <= rb.merged
    income = [rb.row(r)[0] for r in range(5, 14)]
    assert income == ["一、一般公共预算财政拨款", "二、政府性基金预算财政拨款", "三、国有资本经营预算财政拨款",
                      "本年收入合计", "年初财政拨款结转和结余", "  一般公共预算财政拨款", "  政府性基金预算财政拨款",
                      "  国有资本经营预算财政拨款", "总计"]
    assert rb.cal("A10") == "  一般公共预算财政拨款"  # the indent survives in both readers
    spending = [rb.row(r)[3] for r in range(5, 14)]
    assert spending == ["一、一般公共服务支出", None, None, "本年支出合计", "年末财政拨款结转和结余", None, None, None,
                        "总计"]
    assert lay.rows["收入总计"] == lay.rows["支出总计"] == 13
    assert lay.cell("年初财政拨款结转和结余/一般公共预算财政拨款", "金额") == "C10"
    assert lay.cell("201", "政府性基金预算财政拨款") == "H5"
    assert ("201", "金额") not in lay.cells and ("收入总计", "合计") not in lay.cells


def test_blank_t1_lists_the_years_classes(tmp_path):
    lay, rb = render(tmp_path, "T1", None, year=2018)
    classes = [k for k in lay.rows if k.isdigit()]
    assert "201" in classes and "229" in classes and "224" not in classes  # 224 exists from 2019
    assert all(rb.ws[c].value is None for c in lay.cells.values())
    lay19, _ = render(tmp_path, "T1", None, year=2019)
    assert "224" in lay19.rows


# ---------------------------------------------------------------------------------------------
# T6, T7


def test_t6_layout(tmp_path):
    lay, rb = render(tmp_path, "T6")
    assert rb.row(3) == ["人员经费", None, None, "公用经费", None, None]
    assert rb.row(4) == ["科目编码", "科目名称", "决算数"] * 2
    assert {"A3:C3", "D3:F3"} <= rb.merged
    assert [rb.row(r) for r in range(5, 10)] == [
        ["301", "工资福利支出", 256.23, "302", "商品和服务支出", 51.32],
        ["30101", "基本工资", 120.5, "30201", "办公费", 10],
        ["30199", "其他工资福利支出", 135.73, "30217", "公务接待费", 4.5],
        [None, None, None, "30299", "其他商品和服务支出", 36.82],
        ["人员经费合计", None, 256.23, "公用经费合计", None, 51.32],
    ]
    assert {"A9:B9", "D9:E9"} <= rb.merged
    assert lay.cell("人员经费合计", "决算数") == "C9" and lay.cell("公用经费合计", "决算数") == "F9"
    assert lay.cell("30217", "决算数") == "F7"


def test_t7_layout(tmp_path):
    lay, rb = render(tmp_path, "T7")
    assert rb.row(3) == ["预算数", *[None] * 5, "决算数", *[None] * 5]
    assert rb.row(4) == ["合计", "因公出国(境)费", "公务用车购置及运行维护费", None, None, "公务接待费"] * 2
    assert rb.row(5) == [None, None, "小计", "公务用车购置费", "公务用车运行维护费", None] * 2
    assert rb.merged >= {"A3:F3", "G3:L3", "A4:A5", "B4:B5", "C4:E4", "F4:F5", "G4:G5", "H4:H5", "I4:K4", "L4:L5"}
    assert lay.header_rows == (3, 5) and lay.data_rows == (6, 6)
    assert lay.rows == {"预算数": 6, "决算数": 6}
    assert lay.cell("预算数", "公务用车购置及运行维护费") == "C6"
    assert lay.cell("决算数", "公务接待费") == "L6"


def test_t7_previous_year_group(tmp_path):
    values = {**VALUES["T7"], "上年决算数": {"合计": "4.95", "公务接待费": "4.95"}}
    lay, rb = render(tmp_path, "T7", values)
    assert rb.row(3)[12] == "上年决算数" and "M3:R3" in rb.merged
    assert lay.cell("上年决算数", "公务接待费") == "R6"
    assert as_decimal(rb.ws["R6"].value) == Decimal("4.95")


# ---------------------------------------------------------------------------------------------
# PE, PP


def test_pe_layout(tmp_path):
    lay, rb = render(tmp_path, "PE")
    assert rb.row(2) == ["部门(单位)名称", UNIT, None, None, None, None, "单位：万元"]
    captions = {r: rb.row(r)[0] for r in range(1, rb.ws.max_row + 1)}
    for caption in ("年度收入情况(万元)", "部门(单位)年度支出和结余情况(万元)", "三公经费情况(万元)",
                    "固定资产情况(万元)"):
        assert caption in captions.values()
    hr = lay.extra["block_header_rows"]
    r0, r1 = hr["收入"]
    assert rb.row(r0) == ["机构名称", "收入合计", "其中:", None, None, None, None]
    assert rb.row(r1) == [None, None, "上年结转", "公共财政拨款", "政府基金拨款", "纳入专户管理的非税收入拨款",
                          "其他收入"]
    r0, r1 = hr["支出"]
    assert r1 - r0 == 2
    assert rb.row(r0) == ["机构名称", "支出合计", "其中:", None, None, None, "结余"]
    assert rb.row(r0 + 1) == [None, None, "基本支出", "其中:", None, "项目支出", None]
    assert rb.row(r1) == [None, None, None, "人员支出", "公用支出", None, None]
    assert {f"A{r0}:A{r1}", f"C{r0}:F{r0}", f"D{r0 + 1}:E{r0 + 1}", f"G{r0}:G{r1}", f"C{r0 + 1}:C{r1}"} <= rb.merged
    r0, r1 = hr["资产"]
    assert rb.row(r0)[:5] == ["机构名称", "固定资产合计", "其中:", None, "其他"]
    assert rb.row(r1)[:5] == [None, None, "在用固定资产", "出租固定资产", None]
    r0, r1 = hr["三公"]
    assert rb.row(r1)[2:] == ["公务接待费", "公务用车运维费", "公务用车购置费", "因公出国费", "会议费"]
    # unit rows in every block
    labels = [rb.row(r)[0] for r in range(hr["收入"][1] + 1, hr["收入"][1] + 5)]
    assert labels == ["局机关及二级机构汇总", "1、局机关", "2、二级机构1", "3、二级机构2"]
    assert lay.cell("局机关", "结余") == f"G{hr['支出'][1] + 2}"
    # fields
    assert rb.value(lay.fields["绩效自评综合得分"]) == "98分"
    assert rb.value(lay.fields["评价等次"]) == "优秀"
    score_row = coordinate_to_tuple(lay.fields["绩效自评综合得分"])[0]
    assert rb.row(score_row)[0] == "绩效自评综合得分"
    assert rb.row(score_row + 1)[0] == "评价等次"


def test_pe_default_units_and_given_names(tmp_path):
    lay, rb = render(tmp_path, "PE", None)
    assert [k for k in lay.rows] == list(layout.PE_DEFAULT_UNITS)
    lay2, rb2 = render(tmp_path, "PE",
                       {"财政局": {"收入合计": "1"}, "局机关及二级机构汇总": {"收入合计": "1"}, "国库中心": {}})
    first = lay2.extra["block_header_rows"]["收入"][1] + 1
    assert [rb2.row(r)[0] for r in range(first, first + 3)] == ["局机关及二级机构汇总", "1、财政局", "2、国库中心"]


def test_pp_layout(tmp_path):
    lay, rb = render(tmp_path, "PP")
    assert rb.row(2)[:2] == ["项目名称", "政务大厅运行、人员补助、平台建设经费"]
    assert rb.row(3)[:2] == ["项目单位", UNIT]
    assert rb.row(4) == ["计划安排资金(万元)", 221, "实际到位资金(万元)", 221, "实际支出(万元)", 221, "结余(万元)", 0]
    assert rb.row(5) == ["其中:中央财政", None] * 4
    assert [rb.row(r)[0] for r in range(6, 10)] == ["省财政", "市财政", "县(市)财政", "其它"]
    assert rb.row(8)[6:] == ["县(市)财政", 0]
    assert rb.row(10)[0] == "二、项目支出明细情况"
    assert rb.row(11) == ["支出内容", None, "实际支出数", None, "会计凭证号", None, "备注", None]
    assert lay.extra["detail_header_row"] == 11
    assert rb.row(12)[:5] == ["政务大厅电费、水费、电话费", None, 45.8, None, "JZ-02-0004"]
    assert rb.row(14)[6] == "含平台建设"
    assert rb.row(15)[:3] == ["支出合计", None, 221]
    assert isinstance(rb.ws["C12"].value, float)  # a number, not "45.8万元"
    assert lay.cell("政务大厅人员补助", "实际支出数") == "C13"
    assert lay.cell("县(市)财政", "结余") == "H8"
    assert rb.value(lay.fields["评价等次"]) == "优秀"
    assert rb.row(16)[0] == "绩效自评综合得分" and rb.row(17)[0] == "评价等次"


# ---------------------------------------------------------------------------------------------
# 元, blank forms, bad input, text safety


@pytest.mark.parametrize("table_id", ALL_IDS)
def test_money_unit_yuan(tmp_path, table_id):
    lay, rb = render(tmp_path, table_id, money_unit="元")
    assert rb.value(lay.unit_cell) == "单位：元"
    for (row_key, col_key), coordinate in lay.cells.items():
        text = VALUES[table_id].get(row_key, {}).get(col_key)
        want = Decimal(text) * 10000 if text else None
        assert as_decimal(rb.ws[coordinate].value) == want
        assert as_decimal(rb.cal(coordinate)) == want


def test_yuan_is_exact():
    assert parse_amount("846.77", "元") == Decimal("8467700")
    assert parse_amount("0.01", "元") == Decimal("100")
    assert parse_amount("1,234.56") == Decimal("1234.56")
    assert parse_amount("") is None and parse_amount(None) is None and parse_amount("  ") is None
    assert parse_amount("-3.5", "元") == Decimal("-35000")


def test_pp_captions_follow_money_unit(tmp_path):
    _, rb = render(tmp_path, "PP", money_unit="元")
    assert rb.row(4)[0] == "计划安排资金(元)" and rb.row(4)[1] == 2210000


@pytest.mark.parametrize("table_id", ["T2", "T3", "T5", "T8", "T9"])
def test_blank_form_with_row_keys(tmp_path, table_id):
    lay, rb = render(tmp_path, table_id, None, row_keys=["2010301", "201", "合计", "20103"])
    assert [rb.row(r)[0] for r in range(5, 9)] == [None, "201", "20103", "2010301"]
    assert lay.note_cell is None
    assert lay.cells and all(rb.ws[c].value is None for c in lay.cells.values())
    assert rb.ws.max_row == 8


def test_blank_t7_with_previous_year(tmp_path):
    lay, rb = render(tmp_path, "T7", None, row_keys=["预算数", "决算数", "上年决算数"])
    assert lay.width == 18 and len(lay.cells) == 18
    assert all(rb.ws[c].value is None for c in lay.cells.values())


@pytest.mark.parametrize(("table_id", "values", "error"), [
    ("T2", {"合计": {"本年收入合计": "八百"}}, ValueParseError),
    ("T2", {"合计": {"本年收入合计": "NaN"}}, ValueParseError),
    ("T2", {"合计": {"本年收入合计": 1.5}}, ValueParseError),
    ("T2", {"合计": {"本年收入合计": "12345678901234567.89"}}, ValueParseError),
    ("T2", {"合计": {"基本支出": "1"}}, ValueError),
    ("T2", {"一般公共服务支出": {"本年收入合计": "1"}}, ValueError),
    ("T1", {"本年收入总计": {"决算数": "1"}}, ValueError),
    ("T1", {"999": {"决算数": "1"}}, ValueError),
    ("T4", {"201": {"金额": "1"}}, ValueError),
    ("T6", {"人员经费": {"决算数": "1"}}, ValueError),
    ("T7", {"执行数": {"合计": "1"}}, ValueError),
    ("PP", {"合计": {"实际支出数": "1"}}, ValueError),
])
def test_bad_values_raise(tmp_path, table_id, values, error):
    wb = Workbook()
    with pytest.raises(error):
        write_table(wb.active, catalog.BY_ID[table_id], values, unit_name=UNIT, year=YEAR)


def test_bad_arguments_raise():
    wb = Workbook()
    with pytest.raises(ValueError):
        write_table(wb.active, catalog.T2, {}, unit_name=UNIT, year=YEAR, money_unit="亿元")
    with pytest.raises(ValueError):
        write_table(wb.active, catalog.T2, {}, unit_name=UNIT, year=YEAR, code_layout="triple")
    wb.active["C3"] = "x"
    with pytest.raises(ValueError, match="不是空表"):
        write_table(wb.active, catalog.T2, {}, unit_name=UNIT, year=YEAR)


INJECTIONS = ["=HYPERLINK(\"http://example.com\",\"点击\")", "+SUM(A1:A9)", "-2+3", "@cmd", "#N/A"]


def test_text_never_becomes_a_formula(tmp_path):
    values = {"支出合计": {"实际支出数": "1"}, **{text: {"实际支出数": "1", "备注": text} for text in INJECTIONS}}
    fields = {"项目名称": INJECTIONS[0], "评价等次": INJECTIONS[1]}
    lay, rb = render(tmp_path, "PP", values, name=INJECTIONS[2], fields=fields)
    assert rb.value("B3") == INJECTIONS[2]
    assert rb.value(lay.fields["项目名称"]) == INJECTIONS[0]
    assert rb.value(lay.fields["评价等次"]) == INJECTIONS[1]
    for text in INJECTIONS:
        assert rb.value(lay.labels[text]) == text
        assert rb.ws[lay.labels[text]].data_type == "s"
    lay2, rb2 = render(tmp_path, "T2", name="=1+1")
    assert rb2.value("A2") == "部门：=1+1"
    for path in (rb.path, rb2.path):
        with zipfile.ZipFile(path) as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
            assert sheets and not any("<f>" in z.read(n).decode() for n in sheets)


def test_chinese_ordinal():
    got = [chinese_ordinal(n) for n in (1, 8, 10, 11, 20, 24, 99)]
    assert got == ["一", "八", "十", "十一", "二十", "二十四", "九十九"]


# ---------------------------------------------------------------------------------------------
# write_book


def sample(**overrides):
    base = dict(name=UNIT, year=YEAR, values=VALUES, fields=FIELDS,
                notes=("数值取自汨罗市政务服务中心2018年度部门决算公开。", "=不是公式"))
    base.update(overrides)
    return SimpleNamespace(**base)


def test_write_book(tmp_path):
    path = tmp_path / "book.xlsx"
    layouts = write_book(path, sample())
    assert path.exists() and sorted(os.listdir(tmp_path)) == ["book.xlsx"]
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    names = book.sheet_names
    assert names[0] == "封面" and names[-1] == "数据说明"
    # 2018 edition: T1–T8 (T9 also, because the sample has values for it), then the 绩效 forms.
    assert names[1:-1] == [layout.SHEET_NAMES[t] for t in ALL_IDS]
    assert names[1] == "01收入支出决算总表"
    assert list(layouts) == ALL_IDS
    cover = book.get_sheet_by_name("封面").to_python()
    flat = [v for row in cover for v in row if v != ""]
    assert "单位名称：" in flat and UNIT in flat and "年度：" in flat and YEAR in flat and "单位：万元" in flat
    notes = [row[0] for row in book.get_sheet_by_name("数据说明").to_python()]
    assert notes == ["数据说明", *sample().notes]
    wb = load_workbook(path)
    assert wb["数据说明"]["A3"].data_type == "s"
    for table_id, lay in layouts.items():
        ws = wb[lay.sheet]
        assert ws["A1"].value == expected_title(table_id)
        for (row_key, col_key), coordinate in lay.cells.items():
            text = VALUES[table_id].get(row_key, {}).get(col_key)
            assert as_decimal(ws[coordinate].value) == (Decimal(text) if text else None)


def test_write_book_tables_and_options(tmp_path):
    path = tmp_path / "book.xlsx"
    layouts = write_book(path, sample(values={"T2": VALUES["T2"]}, fields={}), tables=["T3", "T2"],
                         code_layout="split", money_unit="元")
    assert list(layouts) == ["T3", "T2"]
    wb = load_workbook(path)
    assert wb.sheetnames == ["封面", "03支出决算表", "02收入决算表", "数据说明"]
    assert wb["封面"]["A5"].value == "单位：元"
    ws = wb["02收入决算表"]
    assert ws["A5"].value == "类" and ws[layouts["T2"].cell("合计", "本年收入合计")].value == 8467700


def test_write_book_default_tables_by_edition():
    assert layout.default_tables(sample(values={}, fields={})) == [f"T{i}" for i in range(1, 9)]
    assert layout.default_tables(sample(year=2019, values={}, fields={})) == [f"T{i}" for i in range(1, 10)]
    assert layout.default_tables(sample(values={}, fields={"PP": {}})) == [*(f"T{i}" for i in range(1, 9)), "PP"]


def test_write_book_failure_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"

    def broken_save(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 partial")
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_book(path, sample())
    assert os.listdir(tmp_path) == []


def test_write_book_failure_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old")
    with pytest.raises(ValueParseError):
        write_book(path, sample(values={"T2": {"合计": {"本年收入合计": "abc"}}}))
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["book.xlsx"]

    def broken_save(self, filename):
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(OSError):
        write_book(path, sample())
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["book.xlsx"]


def test_write_book_replaces_existing(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old")
    write_book(path, sample())
    assert zipfile.is_zipfile(path) and os.listdir(tmp_path) == ["book.xlsx"]


# the real samples (SEED, DEPARTMENT), when pytoolkit.samples.data exists


def _data():
    try:
        from pytoolkit.samples import data
    except ImportError:
        return None
    return data


def _samples() -> list:
    data = _data()
    if data is None:
        return []
    found = [getattr(data, "SEED", None), *getattr(data, "DEPARTMENT", ())]
    return [s for s in found if s is not None]


SAMPLES = _samples()


def _check_book(path: Path, sample, layouts: dict[str, TableLayout], scale: Decimal) -> int:
    wb = load_workbook(path)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    checked = 0
    for table_id, values in sample.values.items():
        lay = layouts[table_id]
        ws = wb[lay.sheet]
        grid = book.get_sheet_by_name(lay.sheet).to_python()
        assert ws["A1"].value == expected_title(table_id, sample.year)
        for row_key, cols in values.items():
            for col_key, text in cols.items():
                if col_key in TEXT_COLUMNS or not str(text).strip():
                    continue
                coordinate = lay.cell(row_key, col_key)
                want = Decimal(text.replace(",", "")) * scale
                assert as_decimal(ws[coordinate].value) == want, (table_id, row_key, col_key)
                r, c = coordinate_to_tuple(coordinate)
                assert as_decimal(grid[r - 1][c - 1]) == want
                checked += 1
    return checked


@pytest.mark.skipif(not SAMPLES, reason="pytoolkit.samples.data not available yet")
@pytest.mark.parametrize(("code_layout", "money_unit"), [("single", "万元"), ("split", "元")])
@pytest.mark.parametrize("index", range(len(SAMPLES) or 1))
def test_sample_books(tmp_path, index, code_layout, money_unit):
    sample = SAMPLES[index]
    path = tmp_path / "sample.xlsx"
    layouts = write_book(path, sample, code_layout=code_layout, money_unit=money_unit)
    scale = Decimal(10000) if money_unit == "元" else Decimal(1)
    assert _check_book(path, sample, layouts, scale) > 50
    empty = {t for t in ("T8", "T9") if t in layouts and not any(k != "合计" for k in sample.values.get(t, {}))}
    for table_id in empty:
        assert layouts[table_id].note_cell is not None


@pytest.mark.skipif(getattr(_data(), "DEPARTMENT_PE", None) is None, reason="DEPARTMENT_PE not available yet")
def test_department_pe(tmp_path):
    data = _data()
    lay, rb = render(tmp_path, "PE", data.DEPARTMENT_PE["PE"], name=data.DEPARTMENT_NAME, year=2019,
                     fields=data.DEPARTMENT_PE_FIELDS)
    for unit, cols in data.DEPARTMENT_PE["PE"].items():
        for col_key, text in cols.items():
            assert as_decimal(rb.ws[lay.cell(unit, col_key)].value) == Decimal(text)
            assert as_decimal(rb.cal(lay.cell(unit, col_key))) == Decimal(text)
    assert rb.value(lay.fields["评价等次"]) == data.DEPARTMENT_PE_FIELDS["评价等次"]
