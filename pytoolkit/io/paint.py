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
has saved the workbook.
"""

from __future__ import annotations

import re
import weakref
import zipfile
from collections.abc import Iterable
from copy import copy
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

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
from ..render.grid import TOOLKIT_NAME, TOOLKIT_NOTE, FormulaText, Grid, Stream, Style, column_name, coordinate

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
    """One empty cell per column in the stream's first row, styled as the rows will be: openpyxl
    then registers each style, and ``save`` finds their ids in the sheet XML."""
    for c, style in enumerate(stream.styles, start=1):
        _styled(ws.cell(row=stream.first_row, column=c), style, styles)


def save(wb: Workbook, path: str | Path, streams: Iterable[Grid] = ()) -> None:
    """Save ``wb`` to ``path``; the rows of each grid's stream are written into its sheet."""
    streamed = [g for g in streams if g.stream is not None]
    if not streamed:
        wb.save(path)
        return
    path = Path(path)
    stage = path.with_name(path.name + ".stage")
    try:
        wb.save(stage)
        parts = {f"xl/worksheets/sheet{wb.sheetnames.index(g.name) + 1}.xml": g for g in streamed}
        with zipfile.ZipFile(stage) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                grid = parts.get(info.filename)
                if grid is None:
                    zout.writestr(info, zin.read(info.filename))
                    continue
                target = zipfile.ZipInfo(info.filename, info.date_time)
                target.compress_type = zipfile.ZIP_DEFLATED
                with zout.open(target, "w") as out:
                    _write_stream(zin.read(info.filename), grid, out)
    finally:
        stage.unlink(missing_ok=True)


_CELL_STYLE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bs="(\d+)"')


def _write_stream(xml: bytes, grid: Grid, out) -> None:
    stream = grid.stream
    first = stream.first_row
    start, end = xml.find(f'<row r="{first}"'.encode()), xml.find(b"</sheetData>")
    if start < 0 or end < 0:
        raise RuntimeError(f"{grid.name}: the streamed rows' placeholder is missing")
    styles = {m.group(1).decode(): m.group(3).decode() for m in _CELL_STYLE.finditer(xml[start:end])
              if int(m.group(2)) == first}
    letters = [column_name(c) for c in range(1, len(stream.styles) + 1)]
    if set(letters) - set(styles):
        raise RuntimeError(f"{grid.name}: the placeholder row lacks styled cells")
    last = first + stream.count - 1
    dimension = f'<dimension ref="A1:{letters[-1]}{max(last, first)}"/>'.encode()
    out.write(re.sub(rb'<dimension ref="[^"]*"/>', dimension, xml[:start]))
    buf: list[bytes] = []
    for r, values in enumerate(stream.rows(), start=first):
        cells = []
        for letter, value in zip(letters, values, strict=False):
            if value is None:
                continue
            ref, style = f"{letter}{r}", styles[letter]
            if isinstance(value, str):
                text = escape(_ILLEGAL_XML.sub("", value))
                cells.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
            else:
                number = format(value, "f") if isinstance(value, Decimal) else str(value)
                cells.append(f'<c r="{ref}" s="{style}"><v>{number}</v></c>')
        buf.append(f'<row r="{r}">{"".join(cells)}</row>'.encode())
        if len(buf) >= 500:
            out.write(b"".join(buf))
            buf.clear()
    out.write(b"".join(buf))
    out.write(xml[end:])
