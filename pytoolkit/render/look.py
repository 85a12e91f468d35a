"""Core layer (render): the look of the toolkit's own report sheets, in one place.

The standard tables keep the look of the published forms (``render.tables``); the toolkit's own
sheets (校验结果, 汇总说明, 分户明细, …) share the styles below: the forms' font, a bold title,
blue header cells, bordered body cells, amounts with two decimals, and the severity colours that
also mark failing cells in the user's sheets (so a red cell and a red 错误 row mean the same).
"""

from __future__ import annotations

from ..findings import Severity
from .grid import NUMBER_FORMAT, Page, Style

TITLE = Style(size=14, bold=True, halign="left", valign="center", wrap=True)
CAPTION = Style(size=11, bold=True, halign="left", valign="center")
NOTE = Style(halign="left", valign="center", wrap=True)  # a paragraph under a title, no border
HEAD = Style(bold=True, halign="center", valign="center", wrap=True, border=True, fill="DDEBF7")
TEXT = Style(valign="center", border=True)
WRAP = Style(halign="left", valign="center", wrap=True, border=True)
CENTER = Style(halign="center", valign="center", border=True)
AMOUNT = Style(valign="center", border=True, number_format=NUMBER_FORMAT)
LINK = Style(valign="center", border=True, color="0563C1", underline=True)
RULE_ID = Style(size=8, valign="center", border=True, color="808080")  # the narrow last column
SEVERITY_FILL = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C", Severity.INFO: "DDEBF7"}
SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def severity_style(severity: Severity) -> Style:
    return CENTER.but(fill=SEVERITY_FILL[severity])


def report_page(header_row: int, title_columns: tuple[int, int] | None = None) -> Page:
    """A4 landscape, as wide as one page, the header row (and ``title_columns``) on every page."""
    return Page(fit_width=1, fit_height=0, title_rows=(header_row, header_row), title_columns=title_columns)
