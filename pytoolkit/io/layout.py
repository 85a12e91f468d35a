"""io layer: the standard tables in the official layout, painted into openpyxl worksheets.

What a table shows and where each amount lands is decided in ``pytoolkit.render.tables`` (a grid
and its :class:`TableLayout`); this module paints those grids into worksheets and workbooks
(``io.paint``) and keeps the writer's API: ``write_table`` into a worksheet, ``write_book`` for a
unit's whole workbook, ``write_stacked`` for a unit's tables on one sheet, ``write_cover``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter  # noqa: F401 - part of this module's API for its tests
from openpyxl.worksheet.worksheet import Worksheet

from ..render.grid import Grid, Page, Style, Validation
from ..render.tables import (  # noqa: F401 - the writer's API, kept where callers import it
    CODE_LAYOUTS,
    MONEY_UNITS,
    NO_BASE,
    NO_BUDGET,
    NUMBER_FORMAT,
    PE_CAPTIONS,
    PE_DEFAULT_UNITS,
    PE_ROW_SUMS,
    PERCENT_FORMAT,
    PP_DERIVED,
    PP_DETAIL_TEXT_COLUMNS,
    SHEET_NAMES,
    T7_DERIVED,
    T7_TITLE,
    TEMPLATE_BODY_ROWS,
    TEMPLATE_DETAIL_ROWS,
    TEXT_FORMAT,
    TOTAL,
    WAN,
    Formula,
    TableLayout,
    cells_of,
    chinese_ordinal,
    class_name,
    empty_note,
    parse_amount,
    protect,
    table_grid,
)
from ..tables import catalog
from ..tables.catalog import TableDef
from .output import write_atomic
from .paint import paint


def write_table(ws: Worksheet, tdef: TableDef, values: Mapping[str, Mapping[str, str]] | None, *,
                unit_name: str, year: int, money_unit: str = "万元", code_layout: str = "single",
                fields: Mapping[str, str] | None = None, row_keys: Sequence[str] | None = None,
                formulas: bool = False, optional_columns: Sequence[str] = (),
                spare_rows: int | None = None) -> TableLayout:
    """Render one standard table into the empty worksheet ``ws`` and say where it landed
    (``render.tables.table_grid`` says what each argument does)."""
    if ws.max_row > 1 or ws.max_column > 1 or ws.cell(row=1, column=1).value is not None:
        raise ValueError(f"工作表“{ws.title}”不是空表")
    grid, layout = table_grid(ws.title, tdef, values, unit_name=unit_name, year=year, money_unit=money_unit,
                              code_layout=code_layout, fields=fields, row_keys=row_keys, formulas=formulas,
                              optional_columns=optional_columns, spare_rows=spare_rows)
    paint(ws, grid)
    return layout


def default_tables(sample: Any) -> list[str]:
    """The tables a unit's book holds: its edition's public tables, any others it has values for,
    and the 绩效自评 forms when the sample has them."""
    edition = "2019" if sample.year >= 2019 else "2018"
    wanted = set(catalog.EDITIONS[edition])
    wanted.update(t for t in sample.values if t in catalog.BY_ID)
    wanted.update(t for t in ("PE", "PP") if t in sample.fields)
    return [t.id for t in catalog.ALL_TABLES if t.id in wanted]


def write_stacked(ws: Worksheet, sample: Any, tables: Sequence[str], *, money_unit: str = "万元") -> None:
    """``sample``'s ``tables`` one under another in ``ws``, two blank rows between them: how
    departments often keep a unit's tables on one sheet named after the unit (局机关, 二级机构1).
    Values and merged areas only, as a unit's own sheet typically looks."""
    stacked = Grid(ws.title)
    top = 0
    for table_id in tables:
        grid, _ = table_grid("", catalog.BY_ID[table_id], sample.values.get(table_id, {}), unit_name=sample.name,
                             year=sample.year, money_unit=money_unit)
        for (r, c), (value, _) in grid.cells.items():
            if value is not None:
                stacked.put(r + top, c, value)
        for r0, c0, r1, c1 in grid.merges:
            stacked.merge(r0 + top, c0, r1 + top, c1)
        top += grid.max_row + 2
    paint(ws, stacked)


def _cover(wb: Workbook, sample: Any, money_unit: str, formulas: bool = False) -> None:
    ws = wb.active
    ws.title = "封面"
    write_cover(ws, sample.name, sample.year, money_unit, editable=formulas)


def write_cover(ws: Worksheet, unit_name: str, year: int, money_unit: str = "万元", *,
                editable: bool = False) -> dict[str, str]:
    """The 封面 a book starts with: title, 单位名称, 年度, 单位. Returns the name and year cells.

    ``editable`` (templates) unlocks the name and year cells, accepts a whole year only, and
    protects the sheet without a password.
    """
    g = Grid(ws.title)
    g.box(1, 1, 1, 2, f"{year}年度部门决算", _COVER_TITLE)
    g.put(3, 1, "单位名称：", _COVER_TEXT)
    name_cell = g.put(3, 2, unit_name, _COVER_TEXT)
    g.put(4, 1, "年度：", _COVER_TEXT)
    year_cell = g.put(4, 2, year, _COVER_TEXT)
    g.put(5, 1, f"单位：{money_unit}", _COVER_TEXT)
    g.column_widths([14, 48])
    g.page = Page(fit_width=1, fit_height=1, center=True)  # one A4 page, landscape like the tables
    if editable:
        protect(g, (), (name_cell, year_cell))
        g.validations.append(Validation(cells=(year_cell,), type="whole", formula1="2000", formula2="2099",
                                        error_title="请输入年度", error="年度应为四位数字，如2019。"))
    paint(ws, g)
    return {"单位名称": name_cell, "年度": year_cell}


_COVER_TITLE = Style(size=16, bold=True, halign="center", valign="center", wrap=True)
_COVER_TEXT = Style(halign="left", valign="center")
_NOTE_CAPTION = Style(size=11, bold=True, halign="left", valign="center")
_NOTE_TEXT = Style(halign="left", valign="center", wrap=True)


def _notes(wb: Workbook, notes: Sequence[str]) -> None:
    g = Grid("数据说明")
    g.put(1, 1, "数据说明", _NOTE_CAPTION)
    for i, note in enumerate(notes, start=2):
        g.put(i, 1, str(note), _NOTE_TEXT)
    g.widths[1] = 100
    g.page = Page(fit_width=1, fit_height=0)
    g.fit_rows()
    paint(wb.create_sheet(g.name), g)


def save_atomic(wb: Workbook, path: str | os.PathLike[str]) -> Path:
    """Save ``wb`` through the package's one atomic writer (``io.output.write_atomic``)."""
    return write_atomic(path, wb.save)


def write_book(path: str | os.PathLike[str], sample: Any, *, code_layout: str = "single",
               money_unit: str = "万元", tables: Sequence[str] | None = None,
               formulas: bool = False) -> dict[str, TableLayout]:
    """Write a complete workbook for a ``UnitSample``: 封面, one sheet per table, 数据说明.

    The book is built in memory first and saved atomically; returns each table's layout.
    ``formulas=True`` writes totals and percentages as formulas (see ``write_table``); such a
    book has no computed values until a spreadsheet application recalculates and saves it.
    """
    wb = Workbook()
    _cover(wb, sample, money_unit, formulas)
    layouts: dict[str, TableLayout] = {}
    for table_id in tables if tables is not None else default_tables(sample):
        tdef = catalog.BY_ID[table_id]
        ws = wb.create_sheet(SHEET_NAMES.get(table_id, _safe_sheet_name(tdef.title)))
        layouts[table_id] = write_table(
            ws, tdef, sample.values.get(table_id, {}), unit_name=sample.name, year=sample.year,
            money_unit=money_unit, code_layout=code_layout, fields=(sample.fields or {}).get(table_id),
            formulas=formulas)
    _notes(wb, tuple(sample.notes or ()))
    save_atomic(wb, path)
    return layouts


def _safe_sheet_name(text: str) -> str:
    return re.sub(r"[\\/?*\[\]:]", "", text)[:31]
