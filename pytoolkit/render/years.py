"""Core layer (render): the 上年对比 sheet of an annotated copy checked with ``--previous``.

One line per figure both years state (``rules.years.comparison_lines``: 收入支出决算总表's rows,
基本/项目支出, 人员/公用经费, the “三公” items; last year's under this year's codes): 项目, 上年决算数,
本年决算数, 增减额, 增减率(%) (``pytoolkit.metrics.change``: exact amount, rate rounded half up; no
rate from a zero base, docs/rules.md §4), and a column chart of the largest changes over its own small
table below. Printed A4 landscape, fit to the page width, the header row on every page.
"""

from __future__ import annotations

from decimal import Decimal

from ..model import Book
from ..rules.years import ComparisonLine, comparison_lines
from .grid import Chart, Grid
from .look import AMOUNT, CAPTION, HEAD, NOTE, TEXT, TITLE, report_page

COMPARISON_SHEET = "上年对比"
HEADERS = ("类别", "项目", "上年决算数", "本年决算数", "增减额", "增减率(%)")
WIDTHS = (16, 34, 14, 14, 14, 12)
CHART_LINES = 8  # the chart shows the lines with the largest changes (by amount)


def rate_cell(line: ComparisonLine) -> tuple[object, object]:
    """The 增减率 cell: the rate, or the word for a change that has none (上年为0, 持平)."""
    ch = line.change
    if ch is None:
        return "—", TEXT
    if ch.rate is not None:
        return ch.rate, AMOUNT
    return ("持平" if ch.amount == 0 else "上年为0"), TEXT


def comparison_grid(this: Book, last: Book, name: str = COMPARISON_SHEET) -> Grid | None:
    """The 上年对比 sheet, or None when the two books share no figure."""
    lines = comparison_lines(this, last)
    if not lines:
        return None
    g = Grid(name, toolkit=True)
    width = len(HEADERS)
    years = f"{last.year or '上年'}年度与{this.year or '本年'}年度" if (this.year or last.year) else "上年与本年"
    g.box(1, 1, 1, width, f"{this.unit_name}{years}决算对比（单位：万元；增减率四舍五入保留两位）", TITLE)
    g.box(2, 1, 2, width, f"上年数取自上年工作簿《{last.path.name}》；跨年度科目调整的，按本年科目换算后对比。", NOTE)
    header = 3
    g.row(header, HEADERS, HEAD)
    r = header
    for line in lines:
        r += 1
        ch = line.change
        g.put(r, 1, line.group, TEXT)
        g.put(r, 2, line.label, TEXT)
        g.put(r, 3, line.last if line.last is not None else "—", AMOUNT if line.last is not None else TEXT)
        g.put(r, 4, line.this if line.this is not None else "—", AMOUNT if line.this is not None else TEXT)
        g.put(r, 5, ch.amount if ch is not None else "—", AMOUNT if ch is not None else TEXT)
        value, style = rate_cell(line)
        g.put(r, 6, value, style)
    biggest = sorted((x for x in lines if x.change is not None and x.change.amount != 0),
                     key=lambda x: (-abs(x.change.amount), x.group, x.label))[:CHART_LINES]
    if biggest:
        top = r + 3
        g.put(top, 1, f"增减额最大的{len(biggest)}项（图表数据）", CAPTION)
        head = top + 1
        g.row(head, ("项目", "上年决算数", "本年决算数"), HEAD, first=2)
        for i, line in enumerate(biggest, 1):
            g.put(head + i, 2, line.label, TEXT)
            g.put(head + i, 3, line.last or Decimal(0), AMOUNT)
            g.put(head + i, 4, line.this or Decimal(0), AMOUNT)
        g.charts.append(Chart(title="增减额最大的项目：上年与本年决算数", categories=(2, head + 1, head + len(biggest)),
                              series=(3, 4), header_row=head, anchor=f"H{header}",
                              width=max(16, 2.4 * len(biggest))))
    g.column_widths(WIDTHS)
    g.page = report_page(header)
    g.freeze = (header + 1, 1)
    g.fit_rows()
    return g
