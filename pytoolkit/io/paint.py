"""io layer: paint render grids (``pytoolkit.render.grid.Grid``) into openpyxl worksheets.

The painter decides nothing a user sees; it turns each part of a grid into openpyxl's objects:
values (text always as text, never a formula; ``Decimal`` as the exact double), styles (each
distinct :class:`Style` built once per workbook and then copied, since assigning fonts and
borders cell by cell makes openpyxl hash every style object), merged areas, widths and heights,
links, comments, print setup, frozen panes, protection, data validation, charts and the
toolkit's mark (``mark_sheet``).

A grid's :class:`~pytoolkit.render.grid.Stream` (rows produced while writing, such as the
分户主要指标 of 10,000 units) is written without holding its rows: the sheet gets one styled
placeholder row, and ``save`` rewrites that sheet's XML with the streamed rows after openpyxl
has saved the workbook, with their links (to other cells or to other files' cells). The rows may
also be painted before, as they come (``PaintedRows``): a batch's 问题清单 while its units are
being checked.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Iterable, Sequence
from copy import copy
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles import Protection as CellProtection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..model import TOOLKIT_MARKER
from ..render.grid import (
    TOOLKIT_NAME,
    TOOLKIT_NOTE,
    FileLink,
    FormulaText,
    Grid,
    Stream,
    StreamRow,
    Style,
    column_name,
    coordinate,
)

_THIN = Side(style="thin")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STYLES: weakref.WeakKeyDictionary[Workbook, dict[Style, object]] = weakref.WeakKeyDictionary()
COMMENT_AUTHOR = "决算工具"


def add_sheet(wb: Workbook, grid: Grid, index: int | None = None) -> Worksheet:
    """A new sheet named ``grid.name`` at ``index`` (default last), painted from ``grid``."""
    ws = wb.create_sheet(grid.name, index)
    paint(ws, grid)
    return ws


def paint(ws: Worksheet, grid: Grid) -> Worksheet:
    """Paint ``grid`` into the empty worksheet ``ws``."""
    covered = {(r, c) for r0, c0, r1, c1 in grid.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
               if (r, c) != (r0, c0)}
    styles = _STYLES.setdefault(ws.parent, {})
    for (r, c), (value, style) in grid.cells.items():
        if (r, c) in covered:
            continue
        cell = ws.cell(row=r, column=c)
        put_value(cell, value)
        if style is not None:
            _styled(cell, style, styles)
    for r0, c0, r1, c1 in grid.merges:
        ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    for c, width in grid.widths.items():
        ws.column_dimensions[column_name(c)].width = width
    for r, height in grid.heights.items():
        ws.row_dimensions[r].height = height
    for (r, c), (sheet, target) in grid.links.items():
        cell = ws.cell(row=r, column=c)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!{target}")
    for (r, c), text in grid.comments.items():
        lines = text.count("\n") + 1 + len(text) // 40
        ws.cell(row=r, column=c).comment = Comment(_clean(text)[:30000], COMMENT_AUTHOR, width=360,
                                                   height=min(60 + 18 * lines, 400))
    if grid.page is not None:
        _page(ws, grid)
    if grid.freeze is not None:
        ws.freeze_panes = coordinate(*grid.freeze)
    if grid.protection is not None:
        p = grid.protection
        ws.protection.sheet = True
        # openpyxl's flags say what is *protected*: False lets the user do it.
        ws.protection.formatColumns = not p.format_columns
        ws.protection.formatRows = not p.format_rows
        ws.protection.insertRows = not p.insert_rows
        ws.protection.deleteRows = not p.delete_rows
        ws.protection.selectLockedCells = False
        ws.protection.selectUnlockedCells = False
    for v in grid.validations:
        dv = DataValidation(type=v.type, operator=v.operator, formula1=v.formula1 or None,
                            formula2=v.formula2 or None, allow_blank=True, showErrorMessage=True,
                            errorTitle=v.error_title or None, error=v.error or None,
                            promptTitle=v.prompt_title or None, prompt=v.prompt or None)
        if v.stop:
            dv.errorStyle = "stop"
        dv.sqref = " ".join(v.cells)
        ws.add_data_validation(dv)
    for chart in grid.charts:
        _chart(ws, chart)
    if grid.stream is not None:
        _placeholder(ws, grid.stream, styles)
    if grid.autofilter is not None:
        ws.auto_filter.ref = f"A{grid.autofilter}:{column_name(grid.max_column)}{max(grid.max_row, grid.autofilter)}"
    if grid.toolkit:
        mark_sheet(ws)
    return ws


def put_value(cell, value: object) -> None:
    if value is None:
        return
    if isinstance(value, FormulaText):
        cell.value = str(value)
    elif isinstance(value, str):
        # openpyxl stores a text starting with "=" as a formula and "#N/A" as an error; every
        # text a design writes (labels, unit names, messages quoting the inputs) stays text.
        cell.value = _clean(value)
        cell.data_type = "s"
    elif isinstance(value, Decimal):
        cell.value = float(value)
    else:
        cell.value = value


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub("", text) if _ILLEGAL_XML.search(text) else text


def _styled(cell, style: Style, styles: dict[Style, object]) -> None:
    """Give ``cell`` the look of ``style``: built once per workbook, then copied."""
    cached = styles.get(style)
    if cached is None:
        apply_style(cell, style)
        styles[style] = copy(cell._style)
    else:
        cell._style = copy(cached)


def apply_style(cell, style: Style) -> None:
    cell.font = Font(name=style.font, size=style.size, bold=style.bold or None, color=style.color or None,
                     underline="single" if style.underline else None)
    if style.halign or style.valign or style.wrap:
        cell.alignment = Alignment(horizontal=style.halign or None, vertical=style.valign or None,
                                   wrap_text=style.wrap or None)
    if style.border:
        cell.border = BORDER
    if style.fill:
        cell.fill = PatternFill("solid", fgColor=style.fill)
    if style.number_format != "General":
        cell.number_format = style.number_format
    if not style.locked:
        cell.protection = CellProtection(locked=False)


def _page(ws: Worksheet, grid: Grid) -> None:
    page = grid.page
    ws.page_setup.orientation = page.orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = page.fit_width
    ws.page_setup.fitToHeight = page.fit_height
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=bool(page.fit_width or page.fit_height))
    if page.center:
        ws.print_options.horizontalCentered = True
    if page.title_rows:
        ws.print_title_rows = f"{page.title_rows[0]}:{page.title_rows[1]}"
    if page.title_columns:
        ws.print_title_cols = f"{column_name(page.title_columns[0])}:{column_name(page.title_columns[1])}"


def _chart(ws: Worksheet, spec) -> None:
    data = ws.parent[spec.data_sheet] if spec.data_sheet else ws
    col, first, last = spec.categories
    chart = BarChart()
    chart.type = "col"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.height, chart.width = spec.height, spec.width
    for c in spec.series:
        chart.add_data(Reference(data, min_col=c, min_row=spec.header_row, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(data, min_col=col, min_row=first, max_row=last))
    ws.add_chart(chart, spec.anchor)


# ---------------------------------------------------------------------------------------------
# The toolkit's mark


def mark_sheet(ws: Worksheet) -> None:
    """Mark ``ws`` as the toolkit's own sheet: a hidden sheet-scoped defined name, seen by no
    user in any cell, read back by ``io.reader`` (``Sheet.toolkit``) and by the ribbon."""
    ws.defined_names[TOOLKIT_NAME] = DefinedName(TOOLKIT_NAME, attr_text=f'"{TOOLKIT_NOTE}"', hidden=True)


OWN_SUFFIX = "(决算工具)"  # a user's sheet keeps its name; the toolkit's then takes this suffix


def own_sheet_name(wb: Workbook, name: str) -> str:
    """The name for the toolkit's sheet ``name`` in ``wb``: an earlier run's sheet of that name
    is removed (it is replaced), a user's sheet of that name is kept and ours is suffixed."""
    if name in wb.sheetnames:
        if is_toolkit_sheet(wb[name]):
            del wb[name]
        else:
            return name + OWN_SUFFIX
    return name


def is_toolkit_sheet(ws: Worksheet) -> bool:
    """Marked by ``mark_sheet``, or by an earlier version's “pytoolkit” cell in row 1."""
    if TOOLKIT_NAME in ws.defined_names:
        return True
    return any(cell.value == TOOLKIT_MARKER for cell in next(ws.iter_rows(max_row=1), ()))


# ---------------------------------------------------------------------------------------------
# Streamed rows


def _placeholder(ws: Worksheet, stream: Stream, styles: dict) -> None:
    """One empty cell per column in the stream's first row, styled as the rows will be, then one
    per extra style: openpyxl then registers each style, and ``save`` finds their ids in the sheet
    XML (the placeholder row itself is replaced by the rows)."""
    for c, style in enumerate((*stream.styles, *stream.extra_styles), start=1):
        _styled(ws.cell(row=stream.first_row, column=c), style, styles)


class PaintedRows:
    """A stream's rows painted as SpreadsheetML as they come, into a temporary file, before the
    workbook is saved: a batch paints its 问题清单 while its units are still being checked.

    ``grids`` are the workbook's grids in their order and ``name`` the streamed one: the style ids
    the rows use are those openpyxl will give the placeholder (it numbers styles in the order of
    the cells it writes, which depends on the grids' styles only); ``save`` checks that they are.
    Give the painted rows to ``save(…, painted=[…])``; close them afterwards.
    """

    def __init__(self, grids: Sequence[Grid], name: str, ids: dict[Style, str] | None = None) -> None:
        grid = next(g for g in grids if g.name == name)
        self.name = name
        self.stream = grid.stream
        self.ids = ids if ids is not None else _style_ids(grids, name)
        self.letters = [column_name(c) for c in range(1, len(self.stream.styles) + 1)]
        self.column_ids = [self.ids[s] for s in self.stream.styles]
        self.file = tempfile.TemporaryFile(prefix="pytoolkit-rows-")  # noqa: SIM115 - closed by close()
        self.next_row = self.stream.first_row
        self.anchors: list[str] = []  # <hyperlink> elements
        self.external: list[tuple[str, str]] = []  # (relationship id, target) of links to other files
        self._quoted: dict[str, str] = {}  # a file's cells recur: each attribute value quoted once
        self._cells: dict[tuple[str, str], str] = {}  # (style id, short text) → the cell's XML after r="…

    @property
    def count(self) -> int:
        return self.next_row - self.stream.first_row

    def add(self, rows: Iterable[Sequence[object] | StreamRow]) -> None:
        column_ids, ids, known = self.column_ids, self.ids, self._cells
        opens = [f'<c r="{letter}' for letter in self.letters]
        buf: list[str] = []
        r = self.next_row
        for row in rows:
            own: dict = {}
            number_r = str(r)
            tag = f'<row r="{number_r}">'
            if isinstance(row, StreamRow):
                values, own = row.values, row.styles
                if row.links:
                    self._links(r, row.links)
                if row.height:
                    tag = f'<row r="{number_r}" ht="{row.height:g}" customHeight="1">'
            else:
                values = row
            cells = []
            for c, value in enumerate(values):
                if value is None:
                    continue
                style = ids[own[c + 1]] if own and c + 1 in own else column_ids[c]
                if value.__class__ is str:
                    # a unit's name, a rule's title recur from row to row: their XML is made once
                    rest = known.get((style, value))
                    if rest is None:
                        text = escape(_ILLEGAL_XML.sub("", value)) if _SPECIAL.search(value) else value
                        rest = f'" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                        if len(value) <= 40 and len(known) < 100_000:
                            known[(style, value)] = rest
                    cells.append(opens[c] + number_r + rest)
                else:
                    number = format(value, "f") if isinstance(value, Decimal) else str(value)
                    cells.append(f'{opens[c]}{number_r}" s="{style}"><v>{number}</v></c>')
            buf.append(f'{tag}{"".join(cells)}</row>')
            r += 1
            if len(buf) >= 500:
                self.file.write("".join(buf).encode())
                buf.clear()
        self.file.write("".join(buf).encode())
        self.next_row = r

    def _links(self, r: int, links: dict) -> None:
        for c, link in links.items():
            ref = f"{self.letters[c - 1]}{r}"
            if isinstance(link, FileLink):
                target, location = link.target, link.location
            else:
                target, location = "", f"'{link[0]}'!{link[1]}"
            where = ""
            if location:
                q = self._quoted.get(location)
                if q is None:
                    q = self._quoted[location] = quoteattr(location)
                where = f" location={q}"
            if target:
                rid = f"rIdS{len(self.external) + 1}"
                self.external.append((rid, target))
                self.anchors.append(f'<hyperlink ref="{ref}" r:id="{rid}"{where}/>')
            else:
                self.anchors.append(f'<hyperlink ref="{ref}"{where}/>')

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> PaintedRows:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _style_ids(grids: Sequence[Grid], name: str) -> dict[Style, str]:
    """The ids openpyxl gives the placeholder styles of ``name`` when ``grids`` are painted."""
    wb = Workbook()
    wb.remove(wb.active)
    for g in grids:
        paint(wb.create_sheet(g.name), g)
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        xml = z.read(f"xl/worksheets/sheet{wb.sheetnames.index(name) + 1}.xml")
    grid = next(g for g in grids if g.name == name)
    return _placeholder_ids(xml, grid)


_CELL_STYLE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bs="(\d+)"')
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # what a text may not hold as it is
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def _placeholder_ids(xml: bytes, grid: Grid) -> dict[Style, str]:
    stream = grid.stream
    first = stream.first_row
    start, end = xml.find(f'<row r="{first}"'.encode()), xml.find(b"</sheetData>")
    found = {m.group(1).decode(): m.group(3).decode() for m in _CELL_STYLE.finditer(xml[max(start, 0):end])
             if int(m.group(2)) == first}
    styles = (*stream.styles, *stream.extra_styles)
    letters = [column_name(c) for c in range(1, len(styles) + 1)]
    if start < 0 or end < 0 or set(letters) - set(found):
        raise RuntimeError(f"{grid.name}: the streamed rows' placeholder is missing")
    ids: dict[Style, str] = {}
    for letter, style in zip(letters, styles, strict=True):
        ids.setdefault(style, found[letter])
    return ids


def save(wb: Workbook, path: str | Path, streams: Iterable[Grid] = (), painted: Iterable[PaintedRows] = ()) -> None:
    """Save ``wb`` to ``path``; the rows of each grid's stream are written into its sheet (those
    painted already, from ``painted``), with their links."""
    streamed = [g for g in streams if g.stream is not None]
    if not streamed:
        wb.save(path)
        return
    path = Path(path)
    done = {p.name: p for p in painted}
    made: list[PaintedRows] = []
    stage = path.with_name(path.name + ".stage")
    try:
        wb.save(stage)
        parts = {f"xl/worksheets/sheet{wb.sheetnames.index(g.name) + 1}.xml": g for g in streamed}
        # The rows are repetitive: the fastest compression loses little (other parts keep theirs).
        with zipfile.ZipFile(stage) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            rels = {n: zin.read(n) for n in zin.namelist() if n.startswith("xl/worksheets/_rels/")}
            for info in zin.infolist():
                grid = parts.get(info.filename)
                if info.filename in rels:
                    continue
                if grid is None:
                    zout.writestr(info, zin.read(info.filename))
                    continue
                xml = zin.read(info.filename)
                ids = _placeholder_ids(xml, grid)
                rows = done.get(grid.name)
                if rows is None:
                    rows = PaintedRows([grid], grid.name, ids)
                    made.append(rows)
                    rows.add(grid.stream.rows())
                elif rows.ids != ids:
                    raise RuntimeError(f"{grid.name}: the rows were painted with other style ids")
                with zout.open(info.filename, "w") as out:
                    _write_stream(xml, grid, rows, out)
                if rows.external:
                    name = info.filename.replace("worksheets/", "worksheets/_rels/") + ".rels"
                    rels[name] = _relationships(rels.get(name), rows.external)
            for name, data in rels.items():
                zout.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    finally:
        stage.unlink(missing_ok=True)
        for rows in made:
            rows.close()


def _write_stream(xml: bytes, grid: Grid, rows: PaintedRows, out) -> None:
    """The sheet's XML with the painted rows in place of the placeholder row, and their links."""
    first = grid.stream.first_row
    start, end = xml.find(f'<row r="{first}"'.encode()), xml.find(b"</sheetData>")
    head = xml[:start]
    if rows.anchors and b"xmlns:r=" not in head[:head.find(b">")]:
        head = head.replace(b"<worksheet ", f'<worksheet xmlns:r="{_REL_NS}" '.encode(), 1)
    last = max(first + rows.count - 1, first)
    dimension = f'<dimension ref="A1:{rows.letters[-1]}{last}"/>'.encode()
    out.write(re.sub(rb'<dimension ref="[^"]*"/>', dimension, head))
    rows.file.seek(0)
    shutil.copyfileobj(rows.file, out, 1 << 20)
    rest = xml[end:]
    if rows.anchors:
        if b"<hyperlinks>" in rest:  # the grid's own links: ours join them
            at = rest.find(b"</hyperlinks>")
            rest = rest[:at] + "".join(rows.anchors).encode() + rest[at:]
        else:
            at = min(i for i in (rest.find(b"<printOptions"), rest.find(b"<pageMargins"), rest.find(b"<pageSetup"),
                                  rest.find(b"</worksheet>")) if i >= 0)
            rest = rest[:at] + b"<hyperlinks>" + "".join(rows.anchors).encode() + b"</hyperlinks>" + rest[at:]
    out.write(rest)


def _relationships(existing: bytes | None, links: list[tuple[str, str]]) -> bytes:
    ours = "".join(f'<Relationship Id="{rid}" Type="{_HYPERLINK}" Target={quoteattr(target)} TargetMode="External"/>'
                   for rid, target in links).encode()
    if existing:
        at = existing.rfind(b"</Relationships>")
        return existing[:at] + ours + existing[at:]
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + ours
            + b"</Relationships>")
