"""Core layer: Excel charts in output workbooks, and the 预算与决算 sheet of a checked book.

Figures people compare rather than read (budget against actual, units side by side) go into the
output workbook as native Excel bar charts over a small data table on the same sheet, so the
numbers stay visible and the chart updates if the accountant edits them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..metrics import completion_rate
from ..model import TOOLKIT_MARKER, Book
from ..tables import codes
from .layout import BODY_FONT, BORDER, HEADER_FONT, NUMBER_FORMAT
from .output import set_text

BUDGET_SHEET = "预算与决算"


def bar_chart(ws: Worksheet, data: Worksheet, *, title: str, categories: tuple[int, int, int],
              series: Sequence[int], header_row: int, anchor: str, width: float = 16,
              height: float = 9) -> BarChart:
    """A column chart on ``ws`` of the ``series`` columns of ``data`` (titles in ``header_row``),
    over the categories (column, first row, last row) of ``data``; 万元 on the value axis."""
    col, first, last = categories
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = "万元"
    chart.height, chart.width = height, width
    for c in series:
        chart.add_data(Reference(data, min_col=c, min_row=header_row, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(data, min_col=col, min_row=first, max_row=last))
    ws.add_chart(chart, anchor)
    return chart


def budget_rows(book: Book) -> tuple[list[tuple[str, Decimal, Decimal]], list[tuple[str, Decimal, Decimal]]]:
    """(T5 合计 and 类 rows, T7 items) as (label, 年初预算数/预算数, 决算数), where both are stated."""
    classes = []
    t5 = book.table("T5")
    if t5 is not None:
        for row in t5.rows.values():
            if row.key != "合计" and not (row.code and codes.is_code(row.code) and codes.level(row.code) == 1):
                continue
            budget, actual = row.get("年初预算数"), row.get("合计")
            if budget is None or actual is None or budget.value is None or actual.value is None:
                continue
            label = "合计" if row.key == "合计" else f"{row.code} {row.label}"
            classes.append((label, budget.value, actual.value))
    items = []
    t7 = book.table("T7")
    if t7 is not None and t7.row("预算数") and t7.row("决算数"):
        for key, cell in t7.row("预算数").values.items():
            actual = t7.cell("决算数", key)
            if cell.value is not None and actual is not None and actual.value is not None:
                items.append((key, cell.value, actual.value))
    return classes, items


def add_budget_sheet(wb, book: Book) -> bool:
    """Add the 预算与决算 sheet (data and charts) when ``book`` states budgets; False when it does not.

    A user sheet of that name is left alone (the toolkit's sheet then takes a suffixed name).
    """
    classes, items = budget_rows(book)
    if not classes and not items:
        return False
    name = BUDGET_SHEET if BUDGET_SHEET not in wb.sheetnames else f"{BUDGET_SHEET}(pytoolkit)"
    ws = wb.create_sheet(name, 1)  # after the first sheet (the 校验结果 of an annotated copy)
    ws["H1"] = TOOLKIT_MARKER
    ws.column_dimensions["H"].hidden = True
    set_text(ws["A1"], f"{book.unit_name}{book.year or ''}年度 年初预算与决算（单位：万元；完成率四舍五入保留两位）")
    ws["A1"].font = Font(name=HEADER_FONT.name, size=13, bold=True)
    row = 3
    next_chart = 3  # a chart is about 20 rows tall: the second goes below the first
    for title, rows, heads in (
        ("一般公共预算财政拨款支出：年初预算数与决算数（按类）", classes,
         ("科目", "年初预算数", "决算数", "完成率(%)")),
        ("“三公”经费：预算数与决算数", items, ("项目", "预算数", "决算数", "完成率(%)")),
    ):
        if not rows:
            continue
        header = row
        for c, h in enumerate(heads, 1):
            cell = ws.cell(header, c, h)
            cell.font, cell.border = HEADER_FONT, BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for label, budget, actual in rows:
            row += 1
            set_text(ws.cell(row, 1), label)
            rate = completion_rate(actual, budget)
            for c, v in ((2, budget), (3, actual), (4, rate)):
                cell = ws.cell(row, c, None if v is None else float(v))
                cell.number_format = NUMBER_FORMAT
            if rate is None:
                set_text(ws.cell(row, 4), "无预算")
            for c in range(1, 5):
                ws.cell(row, c).font, ws.cell(row, c).border = BODY_FONT, BORDER
        top = max(header, next_chart)
        bar_chart(ws, ws, title=title, categories=(1, header + 1, row), series=(2, 3), header_row=header,
                  anchor=f"F{top}", width=max(14, 2.2 * len(rows)))
        next_chart = top + 20
        row += 3
    # Printed on one landscape page: the tables on the left, the charts beside them.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    ws.column_dimensions["A"].width = 34
    for letter in "BCD":
        ws.column_dimensions[letter].width = 13
    return True
