"""Core layer (render): the 校验结果 sheet, one design for the annotated copy and the ribbon.

One row per finding, worst first: 序号, 级别 (coloured as the marked cell), 位置 (a link to the
cell when the workbook has that sheet), 说明, 应为 / 实为 / 差额, 相关单元格, and last, in a narrow
grey column, the rule's id (规则编号) for whoever compares with the JSON output. Printed A4
landscape on pages as wide as the sheet, the header row repeated.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from ..findings import Finding, Severity
from .grid import Grid
from .look import (
    AMOUNT,
    HEAD,
    LINK,
    RULE_ID,
    SEVERITY_FILL,
    SEVERITY_RANK,
    TEXT,
    TITLE,
    WRAP,
    report_page,
    severity_style,
)

RESULT_SHEET = "校验结果"
HEADERS = ("序号", "级别", "位置", "说明", "应为", "实为", "差额", "相关单元格", "规则编号")
WIDTHS = (6, 6, 26, 70, 12, 12, 12, 22, 12)


def counts_text(findings: Iterable[Finding]) -> str:
    findings = list(findings)
    return "，".join(f"{s.label}{sum(f.severity is s for f in findings)}条" for s in Severity)


def result_grid(findings: Iterable[Finding], *, source: str, sheets: Collection[str], note: str = "",
                name: str = RESULT_SHEET) -> Grid:
    """The 校验结果 sheet for ``findings`` of the workbook ``source``.

    ``sheets``: the workbook's sheet names (a 位置 on one of them becomes a link); ``note``: what
    the channel adds to the title (the annotated copy says its formulas were replaced by values,
    the ribbon how to clear the marks).
    """
    findings = sorted(findings, key=lambda f: SEVERITY_RANK[f.severity])
    g = Grid(name, toolkit=True)
    width = len(HEADERS)
    g.box(1, 1, 1, width, f"{source} 校验结果：{counts_text(findings)}。{note}", TITLE)
    g.row(2, HEADERS, HEAD)
    for i, f in enumerate(findings, 1):
        r = i + 2
        where = str(f.location)
        linked = bool(f.location.sheet and f.location.cell and f.location.sheet in sheets
                      and f.location.file in ("", source))
        values = (i, f.severity.label, where, f.message, f.expected, f.actual, f.difference,
                  "、".join(f.related) or None, f.rule)
        styles = (TEXT, severity_style(f.severity), LINK if linked else TEXT, WRAP, AMOUNT, AMOUNT, AMOUNT, WRAP,
                  RULE_ID)
        for c, (value, style) in enumerate(zip(values, styles, strict=True), 1):
            g.put(r, c, value, style)
        if linked:
            g.link(r, 3, f.location.sheet, f.location.cell)
    if not findings:
        g.box(3, 1, 3, width, "未发现问题。", WRAP)
    g.column_widths(WIDTHS)
    g.page = report_page(2)
    g.freeze = (3, 1)
    g.fit_rows()
    return g


# ---------------------------------------------------------------------------------------------
# The marks on the user's own cells (annotated copy and ribbon alike)

NOTE_HEAD = "决算工具校验："


def by_cell(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """The findings that point at a cell, by (sheet, cell)."""
    out: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.location.sheet and f.location.cell:
            out.setdefault((f.location.sheet, f.location.cell), []).append(f)
    return out


def mark(items: Iterable[Finding]) -> tuple[str, str]:
    """How a cell with these findings is marked: its fill (“RRGGBB”, the worst severity's) and
    its note (the toolkit's heading, then one line per finding)."""
    items = list(items)
    worst = min((f.severity for f in items), key=SEVERITY_RANK.__getitem__)
    note = NOTE_HEAD + "\n" + "\n".join(f"[{f.severity.label}] {f.message}" for f in items)
    return SEVERITY_FILL[worst], note
