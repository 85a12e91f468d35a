"""Excel adapter layer: the calling workbook as the core sees it, the sheets the toolkit owns, and
the painter of render grids through xlwings.

``read_book`` turns the open workbook (an xlwings ``Book``, or the tests' fake of it) into a core
``pytoolkit.model.Book``: the used range of every user sheet as a value grid from A1, Excel error
values blank and listed (as the file reader does), and the merged areas. The core then recognises
and checks it exactly as it does a file.

Sheets the toolkit writes (校验结果, 派生数, 汇总-…, 汇总说明, 分户明细, 分户主要指标, 情况说明核对,
情况说明(初稿) and the hidden record 决算工具记录) carry the toolkit's mark: a sheet-scoped defined
name (``render.grid.TOOLKIT_NAME``), which no cell shows; the files the command line writes carry
the same (``io.paint.mark_sheet``), so a copy made by ``pytoolkit validate --annotate`` and opened
in Excel is recognised too. Sheets an earlier version made carry the text “pytoolkit” in row 1
(J1, or two columns right of a wide table) and are recognised as well. Only such sheets are ever
cleared or deleted; a user sheet with one of their names stops the action before anything
changes (``claim_sheets``).

``paint`` writes a grid (``pytoolkit.render``: what the sheet shows, designed once for every
channel) into a sheet: values in one assignment, merged areas, number formats, fills, bold and
sizes, wrapping, column widths and row heights, notes, links (as HYPERLINK formulas, which Excel
and WPS both follow) and, through the platform's native object where it has one, the print setup.
xlwings' open-source API has no borders, alignment or frozen panes: the painted sheet has the
design's content and layout without them. Charts are not painted (the ribbon's sheets have none).

The record lists every cell the toolkit changed in a user sheet: for a mark (校验勾稽关系 ``MARK``,
核对情况说明 ``TEXT_MARK``) the cell's previous fill and note and the ones the toolkit set, for a
figure written into an empty cell (填充完成率与增减率 ``FILL``, the 绩效自评表 汇总 row ``SUM_FILL``)
the value written. ``清除校验标记`` restores marks from it, and only where the cell still shows
what the toolkit set (a colour or note the user changed since is theirs now); a figure is
rewritten only in a cell that still holds the toolkit's own earlier value.

Everything written as text goes through ``text_cell``: Excel parses a value assigned through its
object model as if typed ("=…" becomes a formula, "001" the number 1), and a leading apostrophe
keeps the text as it is.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pytoolkit.errors import PytoolkitError
from pytoolkit.model import TOOLKIT_MARKER, Book, Sheet, column_letter
from pytoolkit.narrative.text import SHEET_NAME
from pytoolkit.render.consolidation import DETAIL_SHEET, EXPLAIN_SHEET, UNITS_SHEET
from pytoolkit.render.grid import TOOLKIT_NAME, TOOLKIT_NOTE, FormulaText, Grid, StreamRow, Style, coordinate
from pytoolkit.render.results import RESULT_SHEET
from pytoolkit.render.sheets import DERIVED_SHEET, DRAFT_SHEET, NARRATIVE_RESULT_SHEET

__all__ = [
    "CONSOLIDATION_SHEET",
    "DERIVED_SHEET",
    "DETAIL_SHEET",
    "DRAFT_SHEET",
    "LEGACY_MARKER",
    "UNITS_SHEET",
    "NARRATIVE_RESULT_SHEET",
    "NARRATIVE_SHEET",
    "RECORD_SHEET",
    "RESULT_SHEET",
    "SUMMARY_PREFIX",
    "Entry",
    "claim_sheets",
    "find_sheet",
    "is_toolkit_sheet",
    "mark_sheet",
    "paint",
    "read_book",
    "read_record",
    "toolkit_sheet",
    "user_sheets",
    "write_record",
]

LEGACY_MARKER = TOOLKIT_MARKER  # what an earlier version wrote in row 1 of its sheets
LEGACY_MARKER_CELL = "J1"
LEGACY_MARKER_COLUMN = 10  # J
RECORD_SHEET = "决算工具记录"
SUMMARY_PREFIX = "汇总-"  # the 汇总 tables (pytoolkit.consolidate.consolidate_open_book names them)
CONSOLIDATION_SHEET = EXPLAIN_SHEET  # 汇总说明
NARRATIVE_SHEET = SHEET_NAME  # 情况说明: the user's text, read by the narrative checker, never written
MARK = "标记"  # a record entry: a validation mark (fill and note) on a user cell
TEXT_MARK = "说明标记"  # a record entry: a 核对情况说明 mark on a paragraph of the 情况说明 sheet
FILL = "填充"  # a record entry: a derived figure written into an empty user cell
SUM_FILL = "汇总填充"  # a record entry: a 绩效自评表 汇总 row cell filled with the sum of its unit rows
KINDS = (MARK, TEXT_MARK, FILL, SUM_FILL)
MARKS = (MARK, TEXT_MARK)

# What xlwings' err_to_str gives for an error cell; the reader reads these as blank.
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
    "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!",
})
_RECORD_HEADERS = ["类型", "工作表", "单元格", "原底色", "原有批注", "原批注", "标记底色", "标记批注", "填入值"]


# ---------------------------------------------------------------------------------------------
# Reading the workbook


def read_book(xl_book: Any) -> Book:
    """The user sheets of ``xl_book`` as an (unrecognised) core Book."""
    path = Path(getattr(xl_book, "fullname", "") or xl_book.name)
    return Book(path=path, sheets=[read_sheet(sheet) for sheet in user_sheets(xl_book)])


def read_sheet(sheet: Any) -> Sheet:
    used = sheet.used_range
    top, left = used.row, used.column
    values = used.options(ndim=2, err_to_str=True).value
    if not isinstance(values, list):
        values = [[values]]
    width = left - 1 + max((len(row) for row in values), default=0)
    cells: list[list] = [[""] * width for _ in range(top - 1)]
    errors = set()
    for r, row in enumerate(values, top - 1):
        out = [""] * (left - 1)
        for c, value in enumerate(row, left - 1):
            if value is None:
                value = ""
            elif isinstance(value, str) and value in EXCEL_ERRORS:
                errors.add((r, c))
                value = ""
            out.append(value)
        cells.append(out)
    while cells and not any(v != "" for v in cells[-1]):
        cells.pop()  # an empty sheet's used range is A1; trailing blank rows say nothing
    bottom, right = top - 1 + len(values), width
    merged = merged_areas(sheet, top, left, bottom, right) if cells else []
    return Sheet(sheet.name, cells, merged, errors=frozenset(errors))


def merged_areas(sheet: Any, top: int, left: int, bottom: int, right: int) -> list:
    """Merged areas inside rows top..bottom, columns left..right (1-based), as the reader gives them.

    xlwings lists no merged areas, and asking every cell is one round trip to Excel each.
    ``merge_cells`` of a block is False when nothing in it is merged (None when mixed), so blocks
    of rows are halved until a row is known to hold a merge; only those rows are read cell by cell.
    """
    found: dict[tuple[int, int], tuple[int, int]] = {}

    def rows(r0: int, r1: int) -> None:
        merged = sheet.range((r0, left), (r1, right)).merge_cells
        if merged is not None and not merged:
            return
        if r0 < r1:
            middle = (r0 + r1) // 2
            rows(r0, middle)
            rows(middle + 1, r1)
            return
        c = left
        while c <= right:
            cell = sheet.range((r0, c))
            if cell.merge_cells:
                area = cell.merge_area
                last = area.last_cell
                found[(area.row - 1, area.column - 1)] = (last.row - 1, last.column - 1)
                c = last.column + 1
            else:
                c += 1

    if bottom >= top and right >= left:
        rows(top, bottom)
    return [(start, end) for start, end in sorted(found.items())]


# ---------------------------------------------------------------------------------------------
# Toolkit sheets


def is_toolkit_sheet(sheet: Any) -> bool:
    if TOOLKIT_NAME in sheet.names:
        return True
    # An earlier version's sheet: “pytoolkit” in J1, or in row 1 right of a wide 汇总 table.
    if sheet.range(LEGACY_MARKER_CELL).value == LEGACY_MARKER:
        return True
    last = sheet.used_range.last_cell.column
    return last > LEGACY_MARKER_COLUMN and sheet.range((1, last)).value == LEGACY_MARKER


def mark_sheet(sheet: Any) -> None:
    """Give ``sheet`` the toolkit's mark (module docstring), hidden from Excel's name manager
    where the platform lets us (the native object; the mark works without)."""
    if TOOLKIT_NAME in sheet.names:
        return
    name = sheet.names.add(TOOLKIT_NAME, f'="{TOOLKIT_NOTE}"')
    # Without the native object (or with another platform's) the name stays listed in the name
    # manager; it still marks the sheet.
    with contextlib.suppress(Exception):
        name.api.Visible = False


def user_sheets(xl_book: Any) -> list:
    return [sheet for sheet in xl_book.sheets if not is_toolkit_sheet(sheet)]


def find_sheet(xl_book: Any, name: str) -> Any | None:
    for sheet in xl_book.sheets:
        if sheet.name == name:
            return sheet
    return None


def claim_sheets(xl_book: Any, names: Iterable[str]) -> None:
    """Refuse, before anything changes, if a user sheet has the name of a sheet the toolkit writes."""
    for name in names:
        sheet = find_sheet(xl_book, name)
        if sheet is not None and not is_toolkit_sheet(sheet):
            raise PytoolkitError(
                f"工作簿中已有名为“{name}”的工作表，它不是决算工具生成的。为免覆盖您的数据，本次没有做任何改动。"
                f"请把该工作表改名（或移到别的工作簿）后再试。"
            )


def toolkit_sheet(xl_book: Any, name: str, *, hidden: bool = False) -> Any:
    """The toolkit's sheet ``name``, emptied if it exists (after ``claim_sheets``), else added last."""
    sheet = find_sheet(xl_book, name)
    if sheet is not None:
        if not is_toolkit_sheet(sheet):  # claim_sheets was not called: never clear a user sheet
            raise PytoolkitError(f"工作表“{name}”不是决算工具生成的，不能覆盖。")
        sheet.clear()
    else:
        sheets = list(xl_book.sheets)
        sheet = xl_book.sheets.add(name, after=sheets[-1] if sheets else None)
    mark_sheet(sheet)
    if hidden:
        sheet.visible = False
    return sheet


def release_sheet(sheet: Any) -> None:
    """Remove the toolkit's mark from ``sheet``: from now on it is the user's."""
    if TOOLKIT_NAME in sheet.names:
        sheet.names[TOOLKIT_NAME].delete()
    if sheet.range(LEGACY_MARKER_CELL).value == LEGACY_MARKER:
        sheet.range(LEGACY_MARKER_CELL).value = None
    last = sheet.used_range.last_cell.column
    if sheet.range((1, last)).value == LEGACY_MARKER:
        sheet.range((1, last)).value = None


def delete_toolkit_sheet(xl_book: Any, name: str) -> bool:
    sheet = find_sheet(xl_book, name)
    if sheet is None or not is_toolkit_sheet(sheet):
        return False
    sheet.delete()
    return True


def text_cell(text: str) -> str:
    """A value that Excel stores as exactly this text (see the module docstring)."""
    return "'" + text


# ---------------------------------------------------------------------------------------------
# Painting a grid


def paint(xl_book: Any, grid: Grid, *, hidden: bool = False) -> Any:
    """Paint ``grid`` into the toolkit's sheet ``grid.name`` (emptied, or added last) and return it.
    Call ``claim_sheets`` first: a user sheet of that name stops the action."""
    sheet = toolkit_sheet(xl_book, grid.name, hidden=hidden)
    paint_sheet(sheet, grid)
    return sheet


def paint_sheet(sheet: Any, grid: Grid) -> None:
    """Write ``grid`` into the empty ``sheet`` (module docstring: what xlwings can show)."""
    rows = grid.values()
    for (r, c), (target_sheet, target) in grid.links.items():
        text = str(rows[r - 1][c - 1] or f"{target_sheet}!{target}")
        rows[r - 1][c - 1] = FormulaText(hyperlink(target_sheet, target, text))
    rows = [[_cell_value(v) for v in row] for row in rows]
    styles = dict(grid.cells)
    if grid.stream is not None:
        first = grid.stream.first_row
        rows.extend([None] * len(grid.stream.styles) for _ in range(len(rows), first - 1))
        for n, row in enumerate(grid.stream.rows()):
            own = row.styles if isinstance(row, StreamRow) else {}
            values = row.values if isinstance(row, StreamRow) else row
            rows.append([_cell_value(v) for v in values])
            for c, style in enumerate(grid.stream.styles, 1):
                styles[(first + n, c)] = (None, own.get(c, style))
    write_rows(sheet, (1, 1), rows)
    for r0, c0, r1, c1 in grid.merges:
        sheet.range((r0, c0), (r1, c1)).merge()  # after the values: only the top-left cell holds one
    covered = {(r, c) for r0, c0, r1, c1 in grid.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
               if (r, c) != (r0, c0)}
    formats: dict[str, list[tuple[int, int]]] = defaultdict(list)
    fills: dict[str, list[tuple[int, int]]] = defaultdict(list)
    wraps: list[tuple[int, int]] = []
    fonts: dict[tuple[bool, float, str], list[tuple[int, int]]] = defaultdict(list)
    for (r, c), (_, style) in styles.items():
        if style is None or (r, c) in covered:
            continue
        if style.number_format != "General":
            formats[style.number_format].append((r, c))
        if style.fill:
            fills[style.fill].append((r, c))
        if style.wrap:
            wraps.append((r, c))
        if style.bold or style.size != Style.size or style.color:
            fonts[(style.bold, style.size, style.color)].append((r, c))
    for number_format, cells in formats.items():
        for run in _runs(cells):
            sheet.range(run).number_format = number_format
    for color, cells in fills.items():
        for run in _runs(cells):
            sheet.range(run).color = hex_rgb(color)
    for run in _runs(wraps):
        sheet.range(run).wrap_text = True
    for (bold, size, color), cells in fonts.items():
        for run in _runs(cells):
            font = sheet.range(run).font
            font.bold, font.size = bold, size
            if color:
                font.color = hex_rgb(color)
    for c, width in grid.widths.items():
        sheet.range((1, c)).column_width = width
    for r, height in grid.heights.items():
        sheet.range((r, 1)).row_height = height
    for (r, c), text in grid.comments.items():
        sheet.range((r, c)).add_note(text)
    if grid.page is not None:
        _page_setup(sheet, grid)


def _cell_value(value: object) -> object:
    if isinstance(value, FormulaText):
        return str(value)
    if isinstance(value, str):
        return text_cell(value) if value else None
    if isinstance(value, Decimal):
        return float(value)  # the edge of the Decimal world: Excel holds doubles (docs/architecture.md “Numbers”)
    return value


def _runs(cells: Iterable[tuple[int, int]]) -> list[str]:
    """Cells as runs of adjacent cells in a row (“C6:H6”): one call to Excel per run."""
    by_row: dict[int, list[int]] = defaultdict(list)
    for r, c in cells:
        by_row[r].append(c)
    out = []
    for row, cols in sorted(by_row.items()):
        cols = sorted(set(cols))
        start = prev = cols[0]
        for col in [*cols[1:], None]:
            if col is not None and col == prev + 1:
                prev = col
                continue
            first, last = coordinate(row, start), coordinate(row, prev)
            out.append(first if first == last else f"{first}:{last}")
            if col is not None:
                start = prev = col
    return out


# Excel's PageSetup constants (xlLandscape, xlPortrait, xlPaperA4).
_ORIENTATION = {"landscape": 2, "portrait": 1}
_PAPER_A4 = 9


def _page_setup(sheet: Any, grid: Grid) -> None:
    """A4, orientation, fit to pages, titles repeated: Excel's PageSetup through the native object
    (Windows). Elsewhere it has another shape; the sheet then keeps the default print setup."""
    page = grid.page
    try:
        setup = sheet.api.PageSetup
    except Exception:  # noqa: BLE001 - no native object on this platform
        return
    setup.Orientation = _ORIENTATION[page.orientation]
    setup.PaperSize = _PAPER_A4
    setup.Zoom = False
    setup.FitToPagesWide = page.fit_width or False
    setup.FitToPagesTall = page.fit_height or False
    if page.title_rows:
        setup.PrintTitleRows = f"${page.title_rows[0]}:${page.title_rows[1]}"
    if page.title_columns:
        first, last = (column_letter(c - 1) for c in page.title_columns)
        setup.PrintTitleColumns = f"${first}:${last}"
    if page.center:
        setup.CenterHorizontally = True


def hyperlink(sheet: str, cell: str, text: str) -> str:
    """A HYPERLINK formula to a cell of this workbook (works in Excel and WPS alike)."""

    def quoted(s: str) -> str:
        return s.replace('"', '""')

    target = "#'" + sheet.replace("'", "''") + "'!" + cell
    return f'=HYPERLINK("{quoted(target)}","{quoted(text)}")'


def write_rows(sheet: Any, top_left: tuple[int, int], rows: list[list]) -> None:
    """One assignment for a block (one round trip to Excel); rows are padded to one width."""
    if not rows:
        return
    width = max(len(row) for row in rows)
    sheet.range(top_left).value = [[*row, *([None] * (width - len(row)))] for row in rows]


def a1(row: int, col: int) -> str:
    """0-based row and column → "C7"."""
    return f"{column_letter(col)}{row + 1}"


def rgb_hex(color: Any) -> str:
    if not color:
        return ""
    r, g, b = color
    return f"#{int(r):02X}{int(g):02X}{int(b):02X}"


def hex_rgb(text: str) -> tuple[int, int, int] | None:
    text = (text or "").strip().lstrip("#")
    if len(text) != 6:
        return None
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


# ---------------------------------------------------------------------------------------------
# The record


@dataclass
class Entry:
    """One user cell the toolkit changed."""

    kind: str  # one of KINDS
    sheet: str
    cell: str  # "C7"
    old_color: str = ""  # "#RRGGBB"; "" = no fill (MARKS)
    old_note: str | None = None  # None = the cell had no note (MARKS)
    color: str = ""  # the fill the toolkit set (MARKS)
    note: str = ""  # the note text the toolkit set (MARKS)
    value: float | None = None  # the value the toolkit wrote (FILL, SUM_FILL)

    def row(self) -> list:
        texts = (self.kind, self.sheet, self.cell, self.old_color, "是" if self.old_note is not None else "否",
                 self.old_note or "", self.color, self.note)
        return [*(text_cell(t) if t else None for t in texts), self.value]

    @classmethod
    def from_row(cls, row: list) -> Entry | None:
        row = [*row, *([None] * (len(_RECORD_HEADERS) - len(row)))]
        kind, sheet, cell, old_color, had_note, old_note, color, note, value = row[: len(_RECORD_HEADERS)]
        if kind not in KINDS or not sheet or not cell:
            return None
        return cls(
            kind, _text(sheet), _text(cell), _text(old_color), _text(old_note) if had_note == "是" else None,
            _text(color), _text(note), float(value) if isinstance(value, int | float) else None,
        )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a sheet named "2018" read back as a number by an older record
    return str(value)


def read_record(xl_book: Any) -> list[Entry]:
    sheet = find_sheet(xl_book, RECORD_SHEET)
    if sheet is None or not is_toolkit_sheet(sheet):
        return []
    values = sheet.used_range.options(ndim=2).value or []
    top = sheet.used_range.row
    entries = []
    for r, row in enumerate(values, top):
        if r < 3:
            continue  # title and header rows
        entry = Entry.from_row(list(row))
        if entry is not None:
            entries.append(entry)
    return entries


def write_record(xl_book: Any, entries: list[Entry]) -> None:
    """Replace the record; with no entries left the record sheet is removed."""
    if not entries:
        delete_toolkit_sheet(xl_book, RECORD_SHEET)
        return
    sheet = toolkit_sheet(xl_book, RECORD_SHEET, hidden=True)
    title = "决算工具记录（请勿修改）：决算工具改动过的单元格及其原来的底色和批注，供“清除校验标记”恢复。"
    write_rows(sheet, (1, 1), [[text_cell(title)]])
    write_rows(sheet, (2, 1), [[text_cell(h) for h in _RECORD_HEADERS], *(e.row() for e in entries)])


def entries_by_cell(entries: Iterable[Entry], kind: str) -> dict[tuple[str, str], Entry]:
    return {(e.sheet, e.cell): e for e in entries if e.kind == kind}


def cells(xl_book: Any, entries: Iterable[Entry]) -> Iterator[tuple[Entry, Any]]:
    """Each entry with its cell, skipping entries whose sheet is gone (renamed or deleted)."""
    sheets = {sheet.name: sheet for sheet in xl_book.sheets}
    for entry in entries:
        sheet = sheets.get(entry.sheet)
        if sheet is not None:
            yield entry, sheet.range(entry.cell)
