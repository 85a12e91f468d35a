"""A fake of the part of the xlwings object model the ribbon entry points use, defined once.

Shaped like xlwings 0.37.8 (``xlwings.main``): ``Book`` (name, fullname, sheets, app),
``Sheets`` (iteration, lookup by name or index, ``add(name, before, after)``, ``active``),
``Sheet`` (name, range, [] lookup, used_range, clear, delete, visible, activate, names), ``Range``
(row, column, shape, last_cell, options(ndim, err_to_str), value, color, note / add_note,
number_format, wrap_text, font (bold, size, color), merge_cells, merge_area, merge, column_width,
row_height), ``Names`` (sheet scope: add, in, [], iteration; a ``Name`` has name, refers_to,
delete and ``api.Visible``) and ``App`` (alert, properties). A sheet can be renamed
(``sheet.name = …``) as in Excel. ``sheet.api.PageSetup`` stands for the native object's print
setup (Windows): it takes only the properties Excel's object model names, and records them.

It behaves like Excel where the entry points rely on it: values are doubles (an int read from a
file comes back as a float), a text assigned with a leading apostrophe is stored without it, a
text starting with "=" becomes a formula, an error cell reads as None unless ``err_to_str``,
``merge_cells`` of a block is True / False / None (mixed), ``merge`` keeps only the top-left
value (xlwings merges with alerts off, so Excel drops the others silently), ``used_range`` covers
values and formatting, adding or renaming to a sheet name that exists fails, ``add_note`` on a
cell with a note fails.
Anything it does not know raises, so the entry points cannot silently use more of xlwings than
this fake (and these tests) cover.

``FakeBook.from_xlsx`` loads a workbook written by openpyxl: values, solid fills, comments,
number formats and merged ranges.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter

_ADDRESS = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
_ALLOWED = (str, float, int, bool, dt.date, dt.datetime, dt.time, type(None))


def parse_address(address: str) -> tuple[int, int]:
    m = _ADDRESS.match(address.upper().strip())
    if not m:
        raise ValueError(f"fake xlwings: unsupported address {address!r}")
    return int(m.group(2)), column_index_from_string(m.group(1))


def to_rgb(color) -> tuple[int, int, int] | None:
    if color is None:
        return None
    if isinstance(color, str):
        text = color.lstrip("#")
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    if isinstance(color, tuple) and len(color) == 3:
        return tuple(int(x) for x in color)
    raise TypeError(f"fake xlwings: unsupported colour {color!r}")


@dataclass
class FakeCell:
    value: object = None
    formula: str | None = None
    error: str | None = None  # an Excel error value (#DIV/0!)
    color: tuple[int, int, int] | None = None
    note: str | None = None
    number_format: str = "General"
    wrap_text: bool = False
    bold: bool = False
    size: float = 11
    font_color: tuple[int, int, int] | None = None

    def used(self) -> bool:
        return (self.value is not None or self.error is not None or self.color is not None or self.note is not None
                or self.wrap_text)


class FakeFont:
    """``range.font``: bold, size and colour of every cell of the range (read from the first)."""

    def __init__(self, rng: FakeRange) -> None:
        self._range = rng

    def _cells(self):
        return [self._range.sheet.cell(r, c) for r, c in self._range._cells()]

    @property
    def bold(self) -> bool:
        return self._cells()[0].bold

    @bold.setter
    def bold(self, value: bool) -> None:
        for cell in self._cells():
            cell.bold = bool(value)

    @property
    def size(self) -> float:
        return self._cells()[0].size

    @size.setter
    def size(self, value: float) -> None:
        for cell in self._cells():
            cell.size = float(value)

    @property
    def color(self):
        return self._cells()[0].font_color

    @color.setter
    def color(self, value) -> None:
        for cell in self._cells():
            cell.font_color = to_rgb(value)


class FakeNative:
    """Stands for a native (pywin32) object: only the properties listed may be set; they are recorded."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        object.__setattr__(self, "_allowed", allowed)
        object.__setattr__(self, "values", {})

    def __setattr__(self, key: str, value) -> None:
        if key not in self._allowed:
            raise AttributeError(f"fake xlwings: native property {key!r} not faked")
        self.values[key] = value

    def __getattr__(self, key: str):
        if key in self._allowed:
            return self.values.get(key)
        raise AttributeError(f"fake xlwings: native property {key!r} not faked")


PAGE_SETUP = ("Orientation", "PaperSize", "Zoom", "FitToPagesWide", "FitToPagesTall", "PrintTitleRows",
              "PrintTitleColumns", "CenterHorizontally")


class FakeSheetApi:
    def __init__(self) -> None:
        self.PageSetup = FakeNative(PAGE_SETUP)


class FakeName:
    def __init__(self, names: FakeNames, name: str, refers_to: str) -> None:
        self._names = names
        self.name = name
        self.refers_to = refers_to
        self.api = FakeNative(("Visible",))

    def delete(self) -> None:
        del self._names.items[self.name]


class FakeNames:
    """A sheet's names (sheet scope), looked up without regard to case as Excel does."""

    def __init__(self) -> None:
        self.items: dict[str, FakeName] = {}

    def add(self, name: str, refers_to: str) -> FakeName:
        if not name or " " in name or self._key(name) is not None:
            raise ValueError(f"fake xlwings: Excel refuses the name {name!r}")
        self.items[name] = FakeName(self, name, refers_to)
        return self.items[name]

    def _key(self, name: str) -> str | None:
        return next((k for k in self.items if k.lower() == name.lower()), None)

    def __contains__(self, name: str) -> bool:
        return self._key(name) is not None

    def __getitem__(self, name: str) -> FakeName:
        key = self._key(name)
        if key is None:
            raise KeyError(name)
        return self.items[key]

    def __iter__(self):
        return iter(list(self.items.values()))

    def __len__(self) -> int:
        return len(self.items)


class FakeNote:
    def __init__(self, cell: FakeCell) -> None:
        self._cell = cell

    @property
    def text(self) -> str:
        return self._cell.note or ""

    @text.setter
    def text(self, value: str) -> None:
        self._cell.note = value

    def delete(self) -> None:
        self._cell.note = None


class FakeRange:
    def __init__(self, sheet: FakeSheet, r0: int, c0: int, r1: int | None = None, c1: int | None = None,
                 options: dict | None = None) -> None:
        r1, c1 = r1 or r0, c1 or c0
        self.sheet = sheet
        self.r0, self.c0 = min(r0, r1), min(c0, c1)
        self.r1, self.c1 = max(r0, r1), max(c0, c1)
        self._options = options or {}

    def __repr__(self) -> str:
        return f"<FakeRange {self.sheet.name}!{self.address}>"

    # -- geometry
    @property
    def row(self) -> int:
        return self.r0

    @property
    def column(self) -> int:
        return self.c0

    @property
    def shape(self) -> tuple[int, int]:
        return self.r1 - self.r0 + 1, self.c1 - self.c0 + 1

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, self.r1, self.c1)

    @property
    def address(self) -> str:
        first = f"${get_column_letter(self.c0)}${self.r0}"
        return first if self.shape == (1, 1) else f"{first}:${get_column_letter(self.c1)}${self.r1}"

    def options(self, **options) -> FakeRange:
        unknown = set(options) - {"ndim", "err_to_str"}
        if unknown:
            raise TypeError(f"fake xlwings: options {sorted(unknown)} not faked")
        return FakeRange(self.sheet, self.r0, self.c0, self.r1, self.c1, {**self._options, **options})

    def _cells(self):
        for r in range(self.r0, self.r1 + 1):
            for c in range(self.c0, self.c1 + 1):
                yield r, c

    def _single(self) -> FakeCell:
        if self.shape != (1, 1):
            raise ValueError("fake xlwings: a single cell is needed here")
        return self.sheet.cell(self.r0, self.c0)

    # -- values
    @property
    def value(self):
        def read(r: int, c: int):
            cell = self.sheet.cells.get((r, c))
            if cell is None:
                return None
            if cell.error is not None:
                return cell.error if self._options.get("err_to_str") else None
            return cell.value

        grid = [[read(r, c) for c in range(self.c0, self.c1 + 1)] for r in range(self.r0, self.r1 + 1)]
        if self._options.get("ndim") == 2:
            return grid
        rows, cols = self.shape
        if rows == 1 and cols == 1:
            return grid[0][0]
        if rows == 1:
            return grid[0]
        if cols == 1:
            return [row[0] for row in grid]
        return grid

    @value.setter
    def value(self, data) -> None:
        if isinstance(data, list | tuple):
            rows = [list(row) for row in data] if data and isinstance(data[0], list | tuple) else [list(data)]
            for i, row in enumerate(rows):
                for j, item in enumerate(row):
                    self.sheet.put(self.r0 + i, self.c0 + j, item)
            return
        for r, c in self._cells():
            self.sheet.put(r, c, data)

    @property
    def formula(self) -> str:
        return self._single().formula or ""

    # -- formatting
    @property
    def color(self):
        return self._single().color

    @color.setter
    def color(self, color) -> None:
        rgb = to_rgb(color)
        for r, c in self._cells():
            self.sheet.cell(r, c).color = rgb

    @property
    def number_format(self) -> str:
        return self._single().number_format

    @number_format.setter
    def number_format(self, value: str) -> None:
        for r, c in self._cells():
            self.sheet.cell(r, c).number_format = value

    @property
    def wrap_text(self) -> bool | None:
        flags = {self.sheet.cell(r, c).wrap_text for r, c in self._cells()}
        return flags.pop() if len(flags) == 1 else None

    @wrap_text.setter
    def wrap_text(self, value: bool) -> None:
        for r, c in self._cells():
            self.sheet.cell(r, c).wrap_text = bool(value)

    @property
    def font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def row_height(self) -> float:
        return self.sheet.row_heights.get(self.r0, 15.0)

    @row_height.setter
    def row_height(self, value: float) -> None:
        for r in range(self.r0, self.r1 + 1):
            self.sheet.row_heights[r] = value

    @property
    def column_width(self) -> float:
        return self.sheet.column_widths.get(self.c0, 8.43)

    @column_width.setter
    def column_width(self, value: float) -> None:
        for c in range(self.c0, self.c1 + 1):
            self.sheet.column_widths[c] = value

    # -- notes
    @property
    def note(self) -> FakeNote | None:
        cell = self._single()
        return FakeNote(cell) if cell.note is not None else None

    def add_note(self, text: str) -> FakeNote:
        if not isinstance(text, str):
            raise TypeError("Note text must be a string")
        if not text:
            raise ValueError("Note text must not be empty")
        cell = self._single()
        if cell.note is not None:
            raise ValueError("This cell already has a note")
        cell.note = text
        return FakeNote(cell)

    # -- merged cells
    @property
    def merge_cells(self) -> bool | None:
        flags = {self.sheet.merged_area_of(r, c) is not None for r, c in self._cells()}
        return flags.pop() if len(flags) == 1 else None

    def merge(self, across: bool = False) -> None:
        if across:
            raise NotImplementedError("fake xlwings: merge(across=True) not faked")
        if self.shape == (1, 1):
            return
        for area in list(self.sheet.merged):
            r0, c0, r1, c1 = area
            if r0 <= self.r1 and self.r0 <= r1 and c0 <= self.c1 and self.c0 <= c1:
                raise ValueError(f"fake xlwings: {self.address} overlaps a merged area")
        for r, c in self._cells():
            if (r, c) != (self.r0, self.c0) and (r, c) in self.sheet.cells:
                cell = self.sheet.cells[(r, c)]
                cell.value, cell.formula, cell.error = None, None, None
        self.sheet.merged.append((self.r0, self.c0, self.r1, self.c1))

    @property
    def merge_area(self) -> FakeRange:
        area = self.sheet.merged_area_of(self.r0, self.c0)
        return FakeRange(self.sheet, *area) if area else FakeRange(self.sheet, self.r0, self.c0)


class FakeSheet:
    def __init__(self, name: str, book: FakeBook | None = None) -> None:
        self._name = name
        self.book = book
        self.cells: dict[tuple[int, int], FakeCell] = {}
        self.merged: list[tuple[int, int, int, int]] = []  # 1-based r0, c0, r1, c1
        self.column_widths: dict[int, float] = {}
        self.row_heights: dict[int, float] = {}
        self.names = FakeNames()
        self.api = FakeSheetApi()
        self.visible = True
        self.deleted = False

    def __repr__(self) -> str:
        return f"<FakeSheet {self._name}>"

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if not value or len(value) > 31 or any(ch in value for ch in "\\/?*[]"):
            raise ValueError(f"fake xlwings: Excel refuses the sheet name {value!r}")
        if self.book is not None and any(s is not self and s.name.lower() == value.lower() for s in self.book.sheets):
            raise ValueError(f"fake xlwings: a sheet named {value!r} exists (Excel refuses it)")
        self._name = value

    def cell(self, r: int, c: int) -> FakeCell:
        return self.cells.setdefault((r, c), FakeCell())

    def put(self, r: int, c: int, item: object) -> None:
        """Assign as Excel does when a value comes through its object model."""
        if not isinstance(item, _ALLOWED):
            raise TypeError(f"fake xlwings: Excel cannot take {type(item).__name__} ({item!r})")
        cell = self.cell(r, c)
        cell.formula, cell.error = None, None
        if isinstance(item, str) and item.startswith("'"):
            cell.value = item[1:]
        elif isinstance(item, str) and item.startswith("="):
            cell.formula = item
            cell.value = item  # not calculated here; tests read the formula
        elif isinstance(item, str) and item == "":
            cell.value = None
        elif isinstance(item, int) and not isinstance(item, bool):
            cell.value = float(item)
        else:
            cell.value = item

    def range(self, first, second=None) -> FakeRange:
        if isinstance(first, str):
            if ":" in first:
                a, b = first.split(":")
                return FakeRange(self, *parse_address(a), *parse_address(b))
            first = parse_address(first)
        if isinstance(second, str):
            second = parse_address(second)
        if second is None:
            return FakeRange(self, first[0], first[1])
        return FakeRange(self, first[0], first[1], second[0], second[1])

    def __getitem__(self, address: str) -> FakeRange:
        return self.range(address)

    def merged_area_of(self, r: int, c: int) -> tuple[int, int, int, int] | None:
        for area in self.merged:
            r0, c0, r1, c1 = area
            if r0 <= r <= r1 and c0 <= c <= c1:
                return area
        return None

    @property
    def used_range(self) -> FakeRange:
        used = [key for key, cell in self.cells.items() if cell.used()]
        used += [(r, c) for r0, c0, r1, c1 in self.merged for r, c in ((r0, c0), (r1, c1))]
        if not used:
            return FakeRange(self, 1, 1)
        rows = [r for r, _ in used]
        cols = [c for _, c in used]
        return FakeRange(self, min(rows), min(cols), max(rows), max(cols))

    def clear(self) -> None:
        self.cells.clear()
        self.merged.clear()

    def delete(self) -> None:
        self.book.sheets.remove(self)
        self.deleted = True

    def activate(self) -> None:
        if not self.visible:
            raise ValueError("fake xlwings: a hidden sheet cannot be activated")
        self.book.sheets.active_sheet = self


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self.items: list[FakeSheet] = []
        self.active_sheet: FakeSheet | None = None

    def __iter__(self):
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: int | str) -> FakeSheet:
        if isinstance(key, int):
            return self.items[key]
        for sheet in self.items:
            if sheet.name.lower() == key.lower():
                return sheet
        raise KeyError(key)

    @property
    def active(self) -> FakeSheet:
        return self.active_sheet

    def add(self, name: str | None = None, before: FakeSheet | None = None, after: FakeSheet | None = None):
        name = name or f"Sheet{len(self.items) + 1}"
        if any(s.name.lower() == name.lower() for s in self.items):
            raise ValueError(f"fake xlwings: a sheet named {name!r} exists (Excel refuses it)")
        sheet = FakeSheet(name, self.book)
        if before is not None:
            self.items.insert(self.items.index(before), sheet)
        elif after is not None:
            self.items.insert(self.items.index(after) + 1, sheet)
        else:
            self.items.insert(self.items.index(self.active_sheet) if self.active_sheet else 0, sheet)
        self.active_sheet = sheet  # Excel activates a new sheet
        return sheet

    def remove(self, sheet: FakeSheet) -> None:
        if sum(s.visible for s in self.items if s is not sheet) == 0:
            raise ValueError("fake xlwings: a workbook must keep one visible sheet")
        self.items.remove(sheet)
        if self.active_sheet is sheet:
            self.active_sheet = next(s for s in self.items if s.visible)


@dataclass
class FakeApp:
    alerts: list[dict[str, object]] = field(default_factory=list)
    screen_updating: bool = True
    property_changes: list[dict[str, object]] = field(default_factory=list)

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return "ok"

    @contextlib.contextmanager
    def properties(self, **kwargs):
        for key in kwargs:
            if not hasattr(self, key):
                raise AttributeError(f"fake xlwings: app property {key!r} not faked")
        saved = {key: getattr(self, key) for key in kwargs}
        self.property_changes.append(kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)
        try:
            yield self
        finally:
            for key, value in saved.items():
                setattr(self, key, value)


class FakeBook:
    def __init__(self, name: str = "部门决算.xlsx", fullname: str | None = None) -> None:
        self.name = name
        self.fullname = fullname or name
        self.app = FakeApp()
        self.sheets = FakeSheets(self)

    def add_sheet(self, name: str) -> FakeSheet:
        sheet = FakeSheet(name, self)
        self.sheets.items.append(sheet)
        if self.sheets.active_sheet is None:
            self.sheets.active_sheet = sheet
        return sheet

    @classmethod
    def from_xlsx(cls, path: str | Path) -> FakeBook:
        path = Path(path)
        book = cls(path.name, str(path))
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            sheet = book.add_sheet(ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    fake = None
                    if cell.value is not None:
                        fake = sheet.cell(cell.row, cell.column)
                        if cell.data_type == "e":
                            fake.error = str(cell.value)
                        elif cell.data_type == "f":
                            raise ValueError("fake xlwings: formulas are not evaluated; use values")
                        else:
                            fake.value = float(cell.value) if isinstance(cell.value, int) and not isinstance(
                                cell.value, bool) else cell.value
                    fill = cell.fill
                    if fill is not None and fill.fill_type == "solid" and isinstance(fill.fgColor.rgb, str):
                        fake = fake or sheet.cell(cell.row, cell.column)
                        fake.color = to_rgb(fill.fgColor.rgb[-6:])
                    if cell.comment is not None:
                        fake = fake or sheet.cell(cell.row, cell.column)
                        fake.note = cell.comment.text
                    if cell.number_format != "General" and fake is not None:
                        fake.number_format = cell.number_format
            for area in ws.merged_cells.ranges:
                sheet.merged.append((area.min_row, area.min_col, area.max_row, area.max_col))
            for name, defined in ws.defined_names.items():
                sheet.names.add(name, "=" + (defined.attr_text or ""))
        wb.close()
        return book

    def sheet(self, name: str) -> FakeSheet:
        return self.sheets[name]

    def snapshot(self, names: list[str] | None = None) -> dict[str, dict]:
        """Everything a user could lose, per sheet: values, formulas, fills, notes, formats, merges."""
        out = {}
        for sheet in self.sheets:
            if names is not None and sheet.name not in names:
                continue
            cells = {
                (r, c): (cell.value, cell.formula, cell.error, cell.color, cell.note, cell.number_format,
                         cell.wrap_text)
                for (r, c), cell in sheet.cells.items()
                if cell.used() or cell.number_format != "General"
            }
            out[sheet.name] = {"cells": cells, "merged": sorted(sheet.merged), "visible": sheet.visible,
                               "names": sorted((n.name, n.refers_to) for n in sheet.names)}
        return out
