"""Core layer (render): the 识别说明 sheet, the recogniser's account of a book for people.

Per table: where it is (sheet and area), what each column and row was taken for (the standard
column or row it maps to), what was skipped and why (栏次/行次 numbers, notes, counts), and every
number of its area that maps to nothing. The rows come from ``tables.explain.explain_grid`` (the
same record ``validate --explain`` prints). Printed A4 landscape, the header row repeated.
"""

from __future__ import annotations

from ..findings import Severity
from ..model import Book
from ..tables.explain import explain_grid
from .grid import Grid
from .look import HEAD, SEVERITY_FILL, TITLE, WRAP, report_page

EXPLAIN_SHEET = "识别说明"
WIDTHS = (34, 14, 40, 26, 50)
_UNMAPPED = WRAP.but(fill=SEVERITY_FILL[Severity.WARNING])


def explain_sheet(book: Book, name: str = EXPLAIN_SHEET) -> Grid:
    """The 识别说明 sheet of ``book`` (recognised: its tables keep their records)."""
    rows = explain_grid(book)
    g = Grid(name, toolkit=True)
    width = len(rows[0])
    g.box(1, 1, 1, width, f"{book.path.name} 识别说明：每张表的位置、每行每列对应的标准行列、跳过的内容及原因", TITLE)
    g.row(2, rows[0], HEAD)
    for r, row in enumerate(rows[1:], 3):
        unmapped = "未能对应" in row[-1]
        for c, value in enumerate(row, 1):
            g.put(r, c, value or None, _UNMAPPED if unmapped and c == width else WRAP)
    g.column_widths(WIDTHS)
    g.page = report_page(2)
    g.freeze = (3, 1)
    g.fit_rows()
    return g
