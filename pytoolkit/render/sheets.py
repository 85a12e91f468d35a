"""Core layer (render): the ribbon's other report sheets — 派生数, 情况说明核对, 情况说明(初稿).

Each is one design (a grid) as the other reports are; the ribbon paints it into the open workbook
(``excel.workbook.paint``). A file path that wants one of them paints the same grid with
``io.paint``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..derived import Figure
from ..findings import Finding
from ..narrative.writer import BLANK
from ..narrative.writer import FILL as DRAFT_FILL
from .grid import Grid, Page
from .look import (
    AMOUNT,
    CENTER,
    HEAD,
    LINK,
    NOTE,
    RULE_ID,
    SEVERITY_RANK,
    TEXT,
    TITLE,
    WRAP,
    report_page,
    severity_style,
)
from .results import counts_text

DERIVED_SHEET = "派生数"
NARRATIVE_RESULT_SHEET = "情况说明核对"
DRAFT_SHEET = "情况说明(初稿)"
BLANK_FILL = "FFF2CC"  # light yellow behind a draft paragraph with a 【请填写…】 blank
DRAFT_WIDTH = 100


def derived_grid(figures: Sequence[Figure], name: str = DERIVED_SHEET) -> Grid:
    """派生数: every derived figure (完成率, 增减, 占比, 等次) with the phrase the narrative uses."""
    g = Grid(name, toolkit=True)
    heads = ("序号", "类别", "项目", "表述", "数值")
    g.box(1, 1, 1, len(heads), "派生数：决算工具按识别出的表计算。“数值”为金额（万元）、百分数（完成率、占比）或得分；"
                               "四舍五入保留2位小数。", TITLE.but(size=11))
    g.row(2, heads, HEAD)
    for i, f in enumerate(figures, 1):
        for c, (value, style) in enumerate(((i, CENTER), (f.group, TEXT), (f.subject, WRAP), (f.text, WRAP),
                                            (f.value, AMOUNT)), 1):
            g.put(i + 2, c, value, style)
    g.column_widths([6, 10, 30, 80, 12])
    g.page = report_page(2)
    g.fit_rows()
    return g


def narrative_result_grid(findings: Iterable[Finding], *, source: str, paragraph_cell: Callable[[int], str],
                          text_sheet: str, note: str = "", name: str = NARRATIVE_RESULT_SHEET) -> Grid:
    """情况说明核对: one row per finding on the 情况说明 text, in the text's order, each linked to
    its paragraph (``paragraph_cell(line)`` on ``text_sheet``)."""
    findings = sorted(findings, key=lambda f: (f.location.line or 0, SEVERITY_RANK[f.severity]))
    g = Grid(name, toolkit=True)
    heads = ("序号", "级别", "段落", "原文", "说明", "应为", "实为", "差额", "规则编号")
    g.box(1, 1, 1, len(heads), f"{source} 核对结果：{counts_text(findings)}。{note}", TITLE)
    g.row(2, heads, HEAD)
    for i, f in enumerate(findings, 1):
        r = i + 2
        line = f.location.line
        where = f"第{line}行" if line else (str(f.location) or None)
        values = ((i, CENTER), (f.severity.label, severity_style(f.severity)), (where, LINK if line else TEXT),
                  (f.location.text or None, WRAP), (f.message, WRAP), (f.expected, AMOUNT), (f.actual, AMOUNT),
                  (f.difference, AMOUNT), (f.rule, RULE_ID))
        for c, (value, style) in enumerate(values, 1):
            g.put(r, c, value, style)
        if line:
            g.link(r, 3, text_sheet, paragraph_cell(line))
    g.column_widths([6, 6, 10, 40, 60, 12, 12, 12, 12])
    g.page = report_page(2)
    g.freeze = (3, 1)
    g.fit_rows()
    return g


def draft_grid(paragraphs: Sequence[str], name: str = DRAFT_SHEET) -> Grid:
    """情况说明(初稿): one paragraph per row in column A (the layout 核对情况说明 reads); paragraphs
    still holding a blank to fill (【请填写…】) on a light yellow fill."""
    g = Grid(name, toolkit=True)
    for r, text in enumerate(paragraphs, 1):
        blank = BLANK in text or DRAFT_FILL in text
        g.put(r, 1, text, NOTE.but(fill=BLANK_FILL) if blank else NOTE)
    g.widths[1] = DRAFT_WIDTH
    g.page = Page(fit_width=1, fit_height=0)
    g.fit_rows()
    return g


def blank_rows(paragraphs: Sequence[str]) -> list[int]:
    """The rows of ``draft_grid`` whose paragraph still holds a blank to fill."""
    return [r for r, text in enumerate(paragraphs, 1) if BLANK in text or DRAFT_FILL in text]
