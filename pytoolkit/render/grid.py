"""Core layer (render): one output sheet as plain data, for any painter.

A :class:`Grid` is what a worksheet shows: cell values with a :class:`Style`, merged areas,
column widths and row heights, links to other cells of the workbook, comments, print setup,
frozen panes, and for templates the sheet protection and data validation; charts are
:class:`Chart` specs over the grid's own cells. The designs in ``pytoolkit.render`` build grids;
``pytoolkit.io.paint`` paints a grid with openpyxl into a file, ``pytoolkit.excel.workbook``
paints the same grid through xlwings into the open workbook. A painter decides nothing a user
sees: what a sheet shows is decided here, once.

Rows and columns are 1-based, as Excel counts them. A value is text (always shown as the text,
never taken for a formula), a number (``Decimal`` is the exact amount; painters convert it to the
spreadsheet's double at the last moment), ``None`` (an empty cell, styled if a style is given), or
a :class:`FormulaText` (a formula the toolkit wrote itself, such as a template's ``=SUM(…)``).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

FONT_NAME = "宋体"  # the font of the published 部门决算公开 forms
NUMBER_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00"
TEXT_FORMAT = "@"
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters of the default font
LANDSCAPE, PORTRAIT = "landscape", "portrait"
# The toolkit's mark on its own sheets: a hidden sheet-scoped defined name (no cell shows it).
TOOLKIT_NAME = "决算工具"
TOOLKIT_NOTE = "决算工具生成的工作表，再次运行时重写"


class FormulaText(str):
    """A formula the toolkit wrote (“=SUM(C7:C12)”); every other ``str`` value is plain text."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Style:
    """How a cell looks. Hashable: painters build each distinct style once per workbook.

    ``halign`` "left" | "center" | "right" | "" (the spreadsheet's default), ``valign`` "top" |
    "center" | "" ; ``fill`` and ``color`` are "RRGGBB" or ""; ``locked=False`` marks a template's
    input cell (it matters only on a protected sheet).
    """

    size: float = 10
    bold: bool = False
    color: str = ""
    underline: bool = False
    font: str = FONT_NAME
    halign: str = ""
    valign: str = ""
    wrap: bool = False
    border: bool = False
    fill: str = ""
    number_format: str = "General"
    locked: bool = True

    def but(self, **changes) -> Style:
        """This style with ``changes`` (cached: designs ask for the same variants many times)."""
        key = (self, tuple(sorted(changes.items())))
        hit = _VARIANTS.get(key)
        if hit is None:
            hit = _VARIANTS[key] = replace(self, **changes)
        return hit


_VARIANTS: dict[tuple, Style] = {}


@dataclass(frozen=True, slots=True)
class Page:
    """Print setup: A4, orientation, scaled to ``fit_width`` pages across (0 = not scaled) and
    ``fit_height`` pages down (0 = as many as needed); ``title_rows`` / ``title_columns`` (first,
    last) repeat on every printed page."""

    orientation: str = LANDSCAPE
    fit_width: int = 1
    fit_height: int = 0
    title_rows: tuple[int, int] | None = None
    title_columns: tuple[int, int] | None = None
    center: bool = False


@dataclass(frozen=True, slots=True)
class Validation:
    """A data validation on cells (templates): Excel's type/operator/formulas and its messages."""

    cells: tuple[str, ...]  # coordinates or ranges (“C7:C46”)
    type: str
    operator: str = "between"
    formula1: str = ""
    formula2: str = ""
    error_title: str = ""
    error: str = ""
    prompt_title: str = ""
    prompt: str = ""
    stop: bool = False


@dataclass(frozen=True, slots=True)
class Protection:
    """Sheet protection without a password (templates): formulas are kept from being overwritten
    by accident; users may still resize columns and rows, insert rows and delete rows."""

    format_columns: bool = True
    format_rows: bool = True
    insert_rows: bool = True
    delete_rows: bool = True


@dataclass(frozen=True, slots=True)
class Chart:
    """A clustered column chart over cells of a grid (this grid's own, or ``data_sheet``'s).

    ``categories`` (column, first row, last row); ``series`` columns whose title is in
    ``header_row`` and whose values are in the categories' rows; placed at ``anchor`` with
    ``width`` × ``height`` in centimetres; ``y_title`` names the value axis (“万元”).
    """

    title: str
    categories: tuple[int, int, int]
    series: tuple[int, ...]
    header_row: int
    anchor: str
    width: float = 16
    height: float = 9
    y_title: str = "万元"
    data_sheet: str | None = None


@dataclass(frozen=True, slots=True)
class FileLink:
    """A hyperlink to another file: ``target`` the file's address as the link holds it (relative
    to the linking workbook's folder, or ``file:///…``) and ``location`` the place in it
    (``'Sheet'!C12``; "" for the file itself)."""

    target: str
    location: str = ""


@dataclass(frozen=True, slots=True)
class StreamRow:
    """A streamed row with more than its values: cells styled unlike their column (``styles``,
    1-based column → one of the stream's ``extra_styles``), hyperlinks (``links``, 1-based
    column → a :class:`FileLink`, or (sheet, “C7”) of this workbook) and the height its wrapped
    texts need (points; None: one line)."""

    values: Sequence[object]
    styles: dict[int, Style] = field(default_factory=dict)
    links: dict[int, FileLink | tuple[str, str]] = field(default_factory=dict)
    height: float | None = None


@dataclass
class Stream:
    """Rows too many to hold in memory (分户主要指标 of 10,000 units), produced when painted.

    ``rows()`` yields each row's values from ``first_row`` on, in the column order of ``styles``
    (one style per column), or a :class:`StreamRow` with its own cell styles (each one of
    ``extra_styles``) and links. Painters write them one by one; the grid holds only how they look.
    """

    first_row: int
    styles: tuple[Style, ...]
    rows: Callable[[], Iterator[Sequence[object] | StreamRow]]
    count: int  # how many rows ``rows()`` yields (for the sheet's dimension and its print area)
    extra_styles: tuple[Style, ...] = ()


@dataclass
class Grid:
    """One output sheet (see the module docstring).

    ``toolkit`` marks a sheet the toolkit owns (a report, not the user's data): painters give it
    the toolkit's mark, which is invisible to the user; a later run replaces such a sheet, never
    a user's, and the recogniser does not read it as a table.
    """

    name: str
    cells: dict[tuple[int, int], tuple[object, Style | None]] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    links: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)  # → (sheet, “C7”)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    page: Page | None = None
    freeze: tuple[int, int] | None = None  # first row and column not frozen (“C3” → (3, 3))
    protection: Protection | None = None
    validations: list[Validation] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    stream: Stream | None = None
    toolkit: bool = False
    autofilter: int | None = None  # header row of a filter over every column, down to the last row

    # -- writing
    def put(self, row: int, col: int, value: object, style: Style | None = None) -> str:
        """Set a cell; returns its coordinate (“C7”)."""
        self.cells[(row, col)] = (value, style)
        return coordinate(row, col)

    def box(self, r0: int, c0: int, r1: int, c1: int, value: object, style: Style | None = None) -> str:
        """``value`` in the top-left cell of r0:c0..r1:c1, merged. A merged area looks like its
        top-left cell (painters draw a bordered area's border all round)."""
        where = self.put(r0, c0, value, style)
        self.merge(r0, c0, r1, c1)
        return where

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.merges.append((r0, c0, r1, c1))

    def restyle(self, row: int, col: int, **changes) -> None:
        """Change the style of a written cell (``number_format="0.00"``, ``locked=False``)."""
        value, style = self.cells.get((row, col), (None, None))
        self.cells[(row, col)] = (value, (style or Style()).but(**changes))

    def row(self, row: int, values: Iterable[object], style: Style | None = None, first: int = 1) -> None:
        for c, value in enumerate(values, start=first):
            self.cells[(row, c)] = (value, style)

    def link(self, row: int, col: int, sheet: str, cell: str) -> None:
        """The cell links to ``sheet!cell`` of the same workbook (clicking it goes there)."""
        self.links[(row, col)] = (sheet, cell)

    def column_widths(self, widths: Sequence[float], first: int = 1) -> None:
        for c, w in enumerate(widths, start=first):
            self.widths[c] = w

    # -- reading
    def value(self, row: int, col: int) -> object:
        return self.cells.get((row, col), (None, None))[0]

    def style(self, row: int, col: int) -> Style | None:
        return self.cells.get((row, col), (None, None))[1]

    @property
    def max_row(self) -> int:
        last = max((r for r, _ in self.cells), default=0)
        last = max([last, *(m[2] for m in self.merges)])
        if self.stream is not None:
            last = max(last, self.stream.first_row + self.stream.count - 1)
        return last

    @property
    def max_column(self) -> int:
        last = max((c for _, c in self.cells), default=0)
        last = max([last, *(m[3] for m in self.merges)])
        if self.stream is not None:
            last = max(last, len(self.stream.styles))
        return last

    def values(self) -> list[list[object]]:
        """The values as rows from A1 (``None`` for empty cells): what a reader would see."""
        out = [[None] * self.max_column for _ in range(max((r for r, _ in self.cells), default=0))]
        for (r, c), (value, _) in self.cells.items():
            out[r - 1][c - 1] = value
        return out

    def width(self, col: int) -> float:
        return self.widths.get(col, DEFAULT_WIDTH)

    # -- print
    def fit_rows(self, line_height: float | None = None) -> None:
        """Give every row holding wrapped text the height its lines need (painters do not
        autofit: openpyxl cannot, and Excel does not for rows a file sets). A height the design
        set is kept when it is enough."""
        spans = {(m[0], m[1]): m for m in self.merges}
        covered = {(r, c) for r0, c0, r1, c1 in self.merges for r in range(r0, r1 + 1)
                   for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}
        need: dict[int, float] = {}
        for (r, c), (value, style) in self.cells.items():
            if style is None or not style.wrap or value is None or (r, c) in covered:
                continue
            text = value if isinstance(value, str) else str(value)
            r0, c0, r1, c1 = spans.get((r, c), (r, c, r, c))
            width = sum(self.width(cc) for cc in range(c0, c1 + 1))
            lines = text_lines(text, width, style.size)
            height = lines * (line_height or line_height_for(style.size)) + 4
            rows = r1 - r0 + 1
            per_row = height / rows
            for rr in range(r0, r1 + 1):
                need[rr] = max(need.get(rr, 0), per_row)
        for r, h in need.items():
            self.heights[r] = max(self.heights.get(r, 0), math.ceil(h * 4) / 4)


def coordinate(row: int, col: int) -> str:
    """1-based (row, column) → “C7”."""
    return f"{column_name(col)}{row}"


@lru_cache(maxsize=4096)
def column_name(col: int) -> str:
    """1-based column → letters (1 → A, 28 → AB)."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_coordinate(text: str) -> tuple[int, int]:
    """“C7” → (7, 3)."""
    text = text.replace("$", "")
    i = next(i for i, ch in enumerate(text) if ch.isdigit())
    return int(text[i:]), column_number(text[:i])


def cells_of(cell_range: str) -> list[str]:
    """The coordinates of “C7:D9” (row by row), or of one cell."""
    first, _, last = cell_range.partition(":")
    r0, c0 = parse_coordinate(first)
    r1, c1 = parse_coordinate(last or first)
    return [coordinate(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


# ---------------------------------------------------------------------------------------------
# How much room text needs (row heights of wrapped text)


def text_width(text: str, size: float = 10) -> float:
    """The width of ``text`` in Excel's column-width units (characters of the default 11 pt
    font): a CJK or full-width character about twice a Latin one, scaled by the font size."""
    units = 0.0
    for ch in text:
        units += 2.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 1.1
    return units * size / 11


def text_lines(text: str, width: float, size: float = 10) -> int:
    """How many lines ``text`` takes in a wrapped cell ``width`` units wide."""
    room = max(width - 1.0, 1.0)  # the cell's inner margins
    lines = 0
    for part in text.split("\n"):
        lines += max(1, math.ceil(text_width(part, size) / room - 1e-9))
    return lines


def line_height_for(size: float) -> float:
    """Points per line of text at ``size``: the spreadsheet's line spacing for a CJK font."""
    return size * 1.45


def fit_width(texts: Iterable[str], size: float = 10, least: float = 6, most: float = 60) -> float:
    """A column width that shows the longest of ``texts`` on one line, within [least, most]."""
    widest = max((text_width(t, size) for t in texts), default=0)
    return min(most, max(least, math.ceil(widest + 2)))


def number_value(value: object) -> object:
    """A value as a painter writes it: ``Decimal`` → float (the exact amount, ≤ 6 decimals in 万元
    survive a double; docs/architecture.md “Numbers”: the edge of the Decimal world), else unchanged."""
    return float(value) if isinstance(value, Decimal) else value
