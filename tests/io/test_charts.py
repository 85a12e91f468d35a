"""The 预算与决算 sheet of an annotated copy (io.charts): budget against actual as data and charts."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from pytoolkit.io.annotate import annotate
from pytoolkit.io.charts import BUDGET_SHEET, add_budget_sheet, budget_rows
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.metrics import completion_rate
from pytoolkit.rules import validate_book
from pytoolkit.samples.data import SEED


def test_seed_budget_rows_come_from_t5_classes_and_t7(tmp_path):
    path = tmp_path / "seed.xlsx"
    write_book(path, SEED)
    classes, items = budget_rows(read_book(path))
    assert classes[0] == ("合计", Decimal("500.87"), Decimal("846.77"))
    assert [label for label, *_ in classes[1:]] == ["201 一般公共服务支出", "208 社会保障和就业支出"]
    assert ("公务接待费", Decimal("4.70"), Decimal("4.50")) in items


def test_annotated_copy_carries_the_budget_sheet_with_two_charts(tmp_path):
    path = tmp_path / "seed.xlsx"
    write_book(path, SEED)
    book = read_book(path)
    out = tmp_path / "标注.xlsx"
    annotate(path, validate_book(book), out, book)
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["校验结果", BUDGET_SHEET]
    ws = wb[BUDGET_SHEET]
    assert len(ws._charts) == 2
    rows = [r[:4] for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    assert rows[0] == ("科目", "年初预算数", "决算数", "完成率(%)")
    assert rows[1] == ("合计", 500.87, 846.77, 169.06)  # the seed's text: 完成年初预算的169.06%
    assert float(completion_rate(Decimal("846.77"), Decimal("500.87"))) == 169.06
    t7 = {r[0]: r[1:] for r in rows[rows.index(("项目", "预算数", "决算数", "完成率(%)")):]}
    assert t7["合计"] == (4.7, 4.5, 95.74)
    assert t7["因公出国(境)费"][2] == "无预算"  # a zero budget is no base (docs/rules.md §4), never 0% or 100%


def test_no_budget_no_sheet_and_a_user_sheet_is_left_alone(tmp_path):
    no_budget = replace(SEED, values={k: v for k, v in SEED.values.items() if k not in ("T5", "T7")})
    path = tmp_path / "无预算.xlsx"
    write_book(path, no_budget)
    assert add_budget_sheet(Workbook(), read_book(path)) is False

    path = tmp_path / "seed.xlsx"
    write_book(path, SEED)
    wb = Workbook()
    wb.active.title = BUDGET_SHEET
    wb.active["A1"] = "我的数据"
    assert add_budget_sheet(wb, read_book(path)) is True
    assert wb[BUDGET_SHEET]["A1"].value == "我的数据"
    assert f"{BUDGET_SHEET}(决算工具)" in wb.sheetnames  # the toolkit's, named without an English word
