"""The published variants of the public tables, each built here from a real layout's wording.

Every book is small and written in the test, next to its assertions; the wording and the shape
come from published disclosures, cited beside each builder:

- the central 2018/2019 template (T1 with 行次 and 栏次, classes named "一、一般公共服务支出" without
  codes): the disclosures built on it, e.g. 柞水县审计局 2020 部门决算
  (http://219.145.244.73:88/html/zwgk/czysjs/118395.html), whose T2/T3 are titled 收入决算总表 /
  支出决算总表 and whose T7 is …“三公”经费及会议费、培训费支出决算表;
- 岳阳县 “三公”经费决算情况表 in the vertical layout with a block of counts
  (https://www.sgf2.com/37584/38154/38157/38160/38177/38192/40042/content_1191766.html);
- the three 公开07 layouts (one row per unit, 接待 before 用车; the 栏次 run 1 … 12 under the
  header) described by hulelan/china-governance, docs/working/sangong-dataset.md;
- the 类|款|项 header with merged full codes and the two-sided T6 with split codes, described by
  zxj6827111-blip/GovBudgetChecker's rule tests (上海 2025 disclosures).
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from pytoolkit.findings import Severity
from pytoolkit.io.reader import read_book
from pytoolkit.model import Book

_COUNTER = itertools.count()


def build(tmp_path: Path, sheets: dict[str, list[list]], merge: dict[str, list[str]] | None = None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for i, row in enumerate(rows, 1):
            for j, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(row=i, column=j, value=v)
        for ref in (merge or {}).get(name, ()):
            ws.merge_cells(ref)
    path = tmp_path / f"variant{next(_COUNTER)}.xlsx"
    wb.save(path)
    return path


def read(tmp_path: Path, sheets: dict[str, list[list]], merge=None) -> Book:
    return read_book(build(tmp_path, sheets, merge))


def cell(book: Book, tid: str, row: str, col: str) -> tuple[Decimal | None, str]:
    t = book.table(tid)
    assert t is not None, (tid, [(f.rule, f.message) for f in book.findings])
    c = t.cell(row, col)
    assert c is not None, (tid, row, col, list(t.rows))
    return c.value, c.ref.a1


def rules(book: Book) -> list[str]:
    return [f.rule for f in book.findings]


# ---------------------------------------------------------------------------------------------
# T1 as in the central template: two sides, 行次, a 栏次 row, classes named without codes


def central_t1() -> list[list]:
    return [
        ["收入支出决算总表"],
        [None, None, None, None, None, "公开01表"],
        ["部门：某县审计局", None, None, None, None, "金额单位：万元"],
        ["收入", None, None, "支出"],
        ["项目", "行次", "金额", "项目", "行次", "金额"],
        ["栏次", None, 1, "栏次", None, 2],
        ["一、一般公共预算财政拨款收入", 1, 300.5, "一、一般公共服务支出", 32, 250.25],
        ["二、政府性基金预算财政拨款收入", 2, 0, "二、外交支出", 33, None],
        ["三、国有资本经营预算财政拨款收入", 3, 0, "三、国防支出", 34, None],
        ["四、上级补助收入", 4, 0, "十五、资源勘探工业信息等支出", 35, 10],
        ["五、事业收入", 5, 20, "二十二、国有资本经营预算支出", 36, 0],
        ["六、经营收入", 6, 0, "二十六、抗疫特别国债安排的支出", 37, 40.25],
        ["七、附属单位上缴收入", 7, 0, "社会保障和就业支出", 38, 20],
        ["八、其他收入", 8, 0, None, None, None],
        ["本年收入合计", 9, 320.5, "本年支出合计", 39, 320.5],
        ["使用非财政拨款结余", 10, 0, "结余分配", 40, 0],
        ["年初结转和结余", 11, 5, "年末结转和结余", 41, 5],
        ["总计", 12, 325.5, "总计", 42, 325.5],
        ["注：本表反映部门本年度的总收支和年末结转结余情况。"],
        [None, None, None, None, None, 999],  # a number after the note is outside the table
    ]


def test_central_t1_two_sides_without_codes(tmp_path):
    book = read(tmp_path, {"表1": central_t1()}, {"表1": ["A4:C4", "D4:F4"]})
    assert rules(book) == []
    t1 = book.table("T1")
    assert set(t1.rows) == {
        "一般公共预算财政拨款收入", "政府性基金预算财政拨款收入", "国有资本经营预算财政拨款收入", "上级补助收入",
        "事业收入", "经营收入", "附属单位上缴收入", "其他收入", "本年收入合计", "使用非财政拨款结余",
        "年初结转和结余", "收入总计", "201", "202", "203", "215", "223", "234", "208", "本年支出合计", "结余分配",
        "年末结转和结余", "支出总计"}
    assert cell(book, "T1", "收入总计", "决算数") == (Decimal("325.5"), "C18")
    assert cell(book, "T1", "支出总计", "决算数") == (Decimal("325.5"), "F18")
    assert cell(book, "T1", "234", "决算数") == (Decimal("40.25"), "F12")
    assert cell(book, "T1", "215", "决算数") == (Decimal(10), "F10")
    rec = t1.record
    assert rec.amounts == 21  # every number of the two 金额 columns; 行次 and 栏次 are not amounts
    assert rec.unmapped == []
    assert "注释" in rec.ended_by
    assert any("栏次" in why for _, why in rec.skipped) or rec.header_rows[1] == 6
    assert {n.col for n in rec.columns if "行次" in n.note or "栏次" in n.note} == {1, 4}
    assert book.unit_name == "某县审计局"


def test_t1_validates_clean(tmp_path):
    from pytoolkit.rules import validate_book

    path = build(tmp_path, {"表1": central_t1()}, {"表1": ["A4:C4", "D4:F4"]})
    findings = [f for f in validate_book(read_book(path)) if f.table == "T1" and f.severity is Severity.ERROR]
    assert findings == []


# ---------------------------------------------------------------------------------------------
# Titles of the provinces


T2_ROWS = [
    ["项目", None, "本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入",
     "其他收入"],
    ["功能分类科目编码", "科目名称"],
    ["栏次", None, 1, 2, 3, 4, 5, 6, 7],
    [None, "合计", 100, 100, 0, 0, 0, 0, 0],
    ["201", "一般公共服务支出", 100, 100],
]
T3_ROWS = [
    ["项目", None, "本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"],
    ["功能分类科目编码", "科目名称"],
    ["栏次", None, 1, 2, 3, 4, 5, 6],
    [None, "合计", 100, 60, 40],
    ["201", "一般公共服务支出", 100, 60, 40],
]


@pytest.mark.parametrize(("title", "rows", "tid"), [
    ("收入决算总表", T2_ROWS, "T2"),
    ("支出决算总表", T3_ROWS, "T3"),
    ("2020年度收入决算表", T2_ROWS, "T2"),
])
def test_titles_of_t2_and_t3(tmp_path, title, rows, tid):
    book = read(tmp_path, {"Sheet1": [[title], ["单位：万元"], *rows]})
    assert [t.id for t in book.tables] == [tid]
    assert rules(book) == []
    assert book.table(tid).record.amounts == (9 if tid == "T2" else 6)


EMPTY_T9 = [
    ["国有资本经营预算财政拨款收入支出决算表"],
    ["公开09表"],
    ["部门：某县审计局", None, None, None, None, "金额单位：万元"],
    ["项目", None, None, None, "本年收入", "本年支出"],
    ["功能分类科目编码", None, None, "科目名称"],
    ["类", "款", "项"],
    [None, None, None, "合计"],
    ["注：本单位2020年度没有国有资本经营预算财政拨款收入，也没有使用国有资本经营预算财政拨款安排的支出，故本表无数据。"],
]


def test_t9_title_with_income_is_t9_not_t3(tmp_path):
    book = read(tmp_path, {"表9": EMPTY_T9}, {"表9": ["A4:D4", "A5:C5"]})
    assert [t.id for t in book.tables] == ["T9"]
    assert [f.rule for f in book.findings if f.rule != "recognise.missing_column"] == []


@pytest.mark.parametrize("statement", [
    "本表为空",
    "本单位2020年度没有政府性基金预算财政拨款收入，也没有使用政府性基金预算财政拨款安排的支出，故本表无数据。",
    "本单位本年度无政府性基金预算财政拨款收入支出",
])
def test_empty_statement_marks_the_table_empty(tmp_path, statement):
    rows = [["政府性基金预算财政拨款收入支出决算表"], ["单位：万元"],
            ["项目", None, None, None, "年初结转和结余", "本年收入", "本年支出", None, None, "年末结转和结余"],
            ["功能分类科目编码", None, None, "科目名称", None, None, "小计", "基本支出", "项目支出"],
            ["类", "款", "项"],
            [statement]]
    book = read(tmp_path, {"表8": rows}, {"表8": ["A3:D3", "A4:C4", "G3:I3"]})
    t8 = book.table("T8")
    assert t8.is_empty_note
    assert t8.record.unmapped == []
    assert "空表" in t8.record.ended_by


# ---------------------------------------------------------------------------------------------
# T6 in its layouts


def test_t6_detail_title_two_sided_split_codes_with_total_rows(tmp_path):
    rows = [
        ["一般公共预算财政拨款基本支出决算明细表"],
        ["单位：元"],
        ["人员经费", None, None, None, "公用经费"],
        ["科目编码", None, "科目名称", "决算数", "科目编码", None, "科目名称", "决算数"],
        ["类", "款", None, None, "类", "款"],
        ["301", None, "工资福利支出", 1000, "302", None, "商品和服务支出", 300],
        [None, "01", "基本工资", 600, None, "01", "办公费", 100],
        [None, "02", "津贴补贴", 400, None, "17", "公务接待费", 200],
        ["303", None, "对个人和家庭的补助", 50, "310", None, "资本性支出", 0],
        ["人员经费合计", None, None, 1050, "公用经费合计", None, None, 300],
    ]
    merged = ["A3:D3", "E3:H3", "A4:B4", "E4:F4", "A10:C10", "E10:G10"]
    book = read(tmp_path, {"表6": rows}, {"表6": merged})
    assert rules(book) == []
    assert cell(book, "T6", "30217", "决算数") == (Decimal("0.02"), "H8")
    assert cell(book, "T6", "人员经费合计", "决算数") == (Decimal("0.105"), "D10")
    assert cell(book, "T6", "公用经费合计", "决算数") == (Decimal("0.03"), "H10")
    assert book.table("T6").record.amounts == 10


def test_t6_columns_total_personnel_public_use(tmp_path):
    rows = [
        ["一般公共预算财政拨款基本支出决算表"],
        ["单位：万元"],
        ["科目编码", "科目名称", "合计", "人员经费", "公用经费"],
        [None, "合计", 130, 100, 30],
        ["301", "工资福利支出", 100, 100, None],
        ["302", "商品和服务支出", 30, None, 30],
    ]
    book = read(tmp_path, {"表6": rows})
    assert rules(book) == []
    assert cell(book, "T6", "人员经费合计", "决算数") == (Decimal(100), "D4")
    assert cell(book, "T6", "公用经费合计", "决算数") == (Decimal(30), "E4")
    assert cell(book, "T6", "302", "决算数") == (Decimal(30), "C6")
    from pytoolkit.rules import validate_book

    assert [f.rule for f in validate_book(book) if f.table == "T6" and f.severity is Severity.ERROR] == []


# ---------------------------------------------------------------------------------------------
# T7 in every layout


T7_ITEMS = ["合计", "因公出国（境）费", "公务用车购置及运行费", None, None, "公务接待费"]
T7_SUB = [None, None, "小计", "公务用车购置费", "公务用车运行费", None]


def test_t7_budget_and_final_blocks_with_unlabelled_column_numbers(tmp_path):
    rows = [
        ["一般公共预算财政拨款“三公”经费支出决算表"],
        ["公开07表"],
        ["部门：某县审计局", None, None, None, None, None, None, None, None, None, None, "金额单位：万元"],
        ["预算数", None, None, None, None, None, "决算数"],
        [*T7_ITEMS, *T7_ITEMS],
        [*T7_SUB, *T7_SUB],
        list(range(1, 13)),  # the 栏次 run under the header, with no label
        [10, 0, 8, 0, 8, 2, 9.5, 0, 7.5, 0, 7.5, 2],
        ["注：本表反映部门本年度“三公”经费支出预决算情况。"],
    ]
    merged = ["A4:F4", "G4:L4", "C5:E5", "I5:K5", "A5:A6", "B5:B6", "F5:F6", "G5:G6", "H5:H6", "L5:L6"]
    book = read(tmp_path, {"表7": rows}, {"表7": merged})
    assert rules(book) == []
    assert cell(book, "T7", "预算数", "合计") == (Decimal(10), "A8")
    assert cell(book, "T7", "决算数", "公务用车运行维护费") == (Decimal("7.5"), "K8")
    assert cell(book, "T7", "决算数", "公务用车购置及运行维护费") == (Decimal("7.5"), "I8")
    rec = book.table("T7").record
    assert rec.amounts == 12 and rec.unmapped == []
    assert any("栏次" in why for _, why in rec.skipped)


def test_t7_pairs_under_each_item_with_meeting_and_training(tmp_path):
    rows = [
        ["一般公共预算财政拨款“三公”经费及会议费、培训费支出决算表"],
        ["单位：万元"],
        ["合计", None, "因公出国(境)费", None, "公务用车购置及运行费", None, None, None, None, None,
         "公务接待费", None, "会议费", None, "培训费", None],
        [None, None, None, None, "小计", None, "公务用车购置费", None, "公务用车运行费"],
        ["预算数", "决算数"] * 8,
        [10, 9, 0, 0, 8, 7, 0, 0, 8, 7, 2, 2, 3, 2.5, 1, 0.5],
    ]
    merged = ["A3:B4", "C3:D4", "E3:J3", "E4:F4", "G4:H4", "I4:J4", "K3:L4", "M3:N4", "O3:P4"]
    book = read(tmp_path, {"表7": rows}, {"表7": merged})
    assert rules(book) == []
    assert cell(book, "T7", "决算数", "合计") == (Decimal(9), "B6")
    assert cell(book, "T7", "预算数", "公务用车购置及运行维护费") == (Decimal(8), "E6")
    assert cell(book, "T7", "决算数", "会议费") == (Decimal("2.5"), "N6")
    assert cell(book, "T7", "决算数", "培训费") == (Decimal("0.5"), "P6")
    assert book.table("T7").record.amounts == 16


def test_t7_vertical_with_counts(tmp_path):
    rows = [
        ["岳阳县2015年度移民局“三公”经费决算情况表"],
        [None, "单位：万元"],
        ["项目", "本年决算数"],
        ["一、支出合计", 9.28],
        ["1、因公出国(境)费用", None],
        ["2、公务接待费", 9.28],
        ["3、公务用车费", None],
        ["其中:(1)公务用车运行维护费", None],
        ["(2)公务用车购置", None],
        ["二、相关统计数", None],
        ["1.因公出国(境)团组数(个)", None],
        ["4.公务用车保有量(辆)", 2],
        ["5.公务接待批次(批)", 186],
        ["6.公务接待人数(人)", 2856],
        ["三、“三公”经费增减变化原因等说明", "三公经费比上年略有减少。"],
        ["备注:1、“三公”经费包括因公出国(境)费、公务用车购置及运行费和公务接待费。"],
    ]
    book = read(tmp_path, {"Sheet1": rows})
    assert rules(book) == []
    assert cell(book, "T7", "决算数", "合计") == (Decimal("9.28"), "B4")
    assert cell(book, "T7", "决算数", "公务接待费") == (Decimal("9.28"), "B6")
    assert cell(book, "T7", "决算数", "公务用车运行维护费") == (None, "B8")
    rec = book.table("T7").record
    assert rec.amounts == 2 and rec.unmapped == []
    assert sum("数量" in why for _, why in rec.skipped) >= 3  # the counts are never amounts


def test_t7_one_row_per_unit_reception_before_vehicles(tmp_path):
    rows = [
        ["财政拨款“三公”经费支出决算表"],
        ["单位：万元"],
        ["单位名称", "合计", "因公出国（境）费", "公务接待费", "公务用车购置及运行维护费", None, None],
        [None, None, None, None, "小计", "购置费", "运行维护费"],
        ["合计", 30.5, 0, 5.5, 25, 0, 25],
        ["某局机关", 20.5, 0, 3.5, 17, 0, 17],
        ["某局信息中心", 10, 0, 2, 8, 0, 8],
    ]
    merged = ["A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:G3"]
    book = read(tmp_path, {"Sheet1": rows}, {"Sheet1": merged})
    assert rules(book) == []
    assert cell(book, "T7", "决算数", "公务接待费") == (Decimal("5.5"), "D5")
    assert cell(book, "T7", "决算数", "公务用车运行维护费") == (Decimal(25), "G5")
    assert cell(book, "T7", "某局信息中心", "合计") == (Decimal(10), "B7")
    assert book.table("T7").record.unmapped == []


# ---------------------------------------------------------------------------------------------
# Codes, totals, notes, stacking


def test_merged_full_codes_under_class_item_header_and_total_in_code_column(tmp_path):
    rows = [
        ["一般公共预算财政拨款支出决算表"],
        ["单位：万元"],
        ["科目编码", None, None, "科目名称", "合计", "基本支出", "项目支出"],
        ["类", "款", "项"],
        ["合计", None, None, None, 100, 60, 40],
        ["201", None, None, "一般公共服务支出", 100, 60, 40],
        ["20103", None, None, "政府办公厅(室)及相关机构事务", 100, 60, 40],
        ["2010301", None, None, "行政运行", 60, 60, 0],
        ["2010302", None, None, "一般行政管理事务", 40, 0, 40],
    ]
    merged = ["A3:C3", "D3:D4", "E3:E4", "F3:F4", "G3:G4", "A5:D5", *(f"A{r}:C{r}" for r in range(6, 10))]
    book = read(tmp_path, {"Sheet1": rows}, {"Sheet1": merged})
    assert rules(book) == []
    assert list(book.table("T5").rows) == ["合计", "201", "20103", "2010301", "2010302"]
    assert cell(book, "T5", "2010302", "项目支出") == (Decimal(40), "G9")


def test_total_at_the_bottom_and_unknown_column_reported_once(tmp_path):
    rows = [
        ["支出决算表"], ["单位：万元"],
        ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出", "其他调整数"],
        ["201", "一般公共服务支出", 100, 60, 40, 5],
        ["2010301", "行政运行", 100, 60, 40, 5],
        [None, "合计", 100, 60, 40, 5],
    ]
    book = read(tmp_path, {"Sheet1": rows})
    [f] = [f for f in book.findings if f.rule == "recognise.unmapped_amounts"]
    assert f.severity is Severity.WARNING
    assert f.related == ("Sheet1!F4", "Sheet1!F5", "Sheet1!F6")
    assert "其他调整数" in f.message and "3个" in f.message
    assert cell(book, "T3", "合计", "本年支出合计") == (Decimal(100), "C6")


def test_tables_stacked_on_one_sheet_under_a_book_title(tmp_path):
    rows = [
        ["某县审计局2020年度部门决算公开报表"],
        ["收入决算总表"], ["单位：万元"], *T2_ROWS, [],
        ["支出决算总表"], ["单位：万元"], *T3_ROWS,
    ]
    book = read(tmp_path, {"Sheet1": rows})
    assert [t.id for t in book.tables] == ["T2", "T3"]
    assert rules(book) == []
    assert book.year == 2020
    assert cell(book, "T3", "201", "项目支出") == (Decimal(40), "E16")


# ---------------------------------------------------------------------------------------------
# Messages in the table's own unit


def test_a_cent_break_in_a_yuan_table_reads_in_yuan(tmp_path, capsys):
    from pytoolkit.cli import main
    from pytoolkit.rules import validate_book

    rows = [["支出决算表"], ["单位：元"], T3_ROWS[0], T3_ROWS[1],
            [None, "合计", 1000000.01, 600000, 400000],  # 0.01 元 more than 基本 + 项目
            ["201", "一般公共服务支出", 1000000, 600000, 400000]]
    path = build(tmp_path, {"Sheet1": rows}, {"Sheet1": ["A3:B3"]})
    [f] = [f for f in validate_book(read_book(path)) if f.rule == "T3.row_sum"]
    assert "相差0.01元" in f.message and "0.00" not in f.message.split("相差")[1]
    assert f.unit == "元" and f.actual - f.expected == Decimal("0.000001")  # the values stay in 万元
    main(["validate", str(path)])
    out = capsys.readouterr().out
    assert "相差0.01元" in out and "差额 0.00" not in out
