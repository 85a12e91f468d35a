"""Core layer (render): the 预算与决算 sheet of a checked book (annotated copy).

Figures people compare rather than read (budget against actual) go into the output as native
column charts over a small data table on the same sheet, so the numbers stay visible and a chart
follows the accountant's edits. The grid carries each chart as a :class:`~.grid.Chart` spec over
its own cells; ``io.paint`` draws it with openpyxl. The ribbon writes no such sheet (xlwings'
open-source API cannot title a chart or its axis without the platform's native object).
"""

from __future__ import annotations

from decimal import Decimal

from ..metrics import completion_rate
from ..model import Book
from ..tables import codes
from .grid import Chart, Grid, Page
from .look import AMOUNT, HEAD, TEXT, TITLE

BUDGET_SHEET = "预算与决算"
NO_BUDGET = "无预算"


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


def budget_grid(book: Book, name: str = BUDGET_SHEET) -> Grid | None:
    """The 预算与决算 sheet (data and charts), or None when ``book`` states no budget."""
    classes, items = budget_rows(book)
    if not classes and not items:
        return None
    g = Grid(name, toolkit=True)
    g.box(1, 1, 1, 4, f"{book.unit_name}{book.year or ''}年度 年初预算与决算（单位：万元；完成率四舍五入保留两位）",
          TITLE)
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
        g.row(header, heads, HEAD)
        for label, budget, actual in rows:
            row += 1
            rate = completion_rate(actual, budget)
            g.put(row, 1, label, TEXT)
            g.put(row, 2, budget, AMOUNT)
            g.put(row, 3, actual, AMOUNT)
            g.put(row, 4, NO_BUDGET if rate is None else rate, AMOUNT if rate is not None else TEXT)
        top = max(header, next_chart)
        g.charts.append(Chart(title=title, categories=(1, header + 1, row), series=(2, 3), header_row=header,
                              anchor=f"F{top}", width=max(14, 2.2 * len(rows))))
        next_chart = top + 20
        row += 3
    # Printed on one landscape page: the tables on the left, the charts beside them.
    g.page = Page(fit_width=1, fit_height=1)
    g.column_widths([34, 13, 13, 13])
    g.fit_rows()
    return g
