"""An independent layout generator: a layout description (YAML) → an .xlsx workbook and its truth.

Deliberately shares no code with the product (it imports nothing from ``pytoolkit``; a test parses
this package's imports to prove it): the product's own writer and reader share assumptions, and a
corpus built by that writer would only prove that the two agree.

A description (``tests/data/layouts/*.yaml``, documented in that folder's README) lists sheets, the
tables on each sheet, and for every table its title lines, header rows (``<`` merges a cell into
the one on its left, ``^`` into the one above), a role per column and the rows as printed. Label
cells name their standard key after `` @`` (``一、一般公共服务支出 @201``); coded rows take their
key from the 科目编码 cells; a label that *is* the key needs no ``@``.

The truth says, for every amount cell, which table, standard row key and standard column key it
holds and its value (in 万元, as a ``Decimal``, and as printed), and which cells must never be read
as money (栏次/行次 numbers, counts, notes, header text).
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

WAN = Decimal(10000)
HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "data" / "layouts"
MERGE_LEFT, MERGE_UP = "<", "^"
BLANKS = ("", "—", "-", "－", "--")
# Column roles: a label column, 科目编码 (whole or one part of a split code), 行次, a column to
# ignore; anything else is an amount column named by its key (``决算数`` or ``预算数/合计``).
ROLES = ("label", "code", "code:类", "code:款", "code:项", "line", "skip")


class LayoutError(ValueError):
    """A description that cannot be built (names the file and the place)."""


# ---------------------------------------------------------------------------------------------
# The model a description loads into (the fuzzer edits this model, then builds it)

@dataclass
class Column:
    role: str  # one of ROLES, or "amount"
    row: str = ""  # amount: fixed row key (T7 ``预算数/合计``); else taken from the row's label
    col: str = ""  # amount: column key


@dataclass
class Row:
    kind: str  # data | lanci | count | text | note
    cells: list[str]  # printed text per column ("" blank, "<"/"^" merged); a note has one cell
    keys: dict[int, str] = field(default_factory=dict)  # column → key written after " @"


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    header: list[list[str]]
    rows: list[Row]
    above: list[str] = field(default_factory=list)  # lines above the title (a book-title line)
    below: list[str] = field(default_factory=list)  # lines between title and unit line (公开01表)
    unit: list[str] = field(default_factory=list)  # the unit line: [right] or [left, right]
    notes: list[str] = field(default_factory=list)
    transposed: bool = False  # the label names the column key and the amount column the row key
    empty: bool = False  # the form says it is empty (本表为空 / 本年度没有…，故本表无数据)
    money_unit: str = ""  # overrides the book's


@dataclass
class Sheet:
    name: str
    tables: list[Table]
    gap: int = 2  # blank rows between stacked tables


@dataclass
class Layout:
    id: str
    sheets: list[Sheet]
    money_unit: str = "万元"
    text_numbers: bool = False  # amounts stored as text ("1,234.56")
    codes_as_numbers: bool = False  # 科目编码 stored as numbers (a split 款 "01" becomes 1)
    number_format: str = "#,##0.00"
    # False: header cells are not merged, a group's label stands over its first column only (跨列居中,
    # a sheet converted from PDF, an .ods the reader gets no merges for)
    merged_headers: bool = True
    merged_rows: bool = True  # False: a row label over several cells (合计 over 类|款|项) is not merged
    meta: dict = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [t for s in self.sheets for t in s.tables]


# ---------------------------------------------------------------------------------------------
# Loading a description

def load(path: str | Path) -> Layout:
    path = Path(path)
    # BaseLoader keeps every scalar as the text written: "0.00" stays "0.00", "01" stays "01".
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506
    if not isinstance(doc, dict) or "sheets" not in doc:
        raise LayoutError(f"{path.name}: a layout needs `sheets:`")
    sheets = []
    for s in doc["sheets"]:
        tables = [_table(t, f"{path.name} sheet {s.get('name')!r}") for t in s.get("tables", [])]
        sheets.append(Sheet(s["name"], tables, int(s.get("gap", 2))))
    meta = {k: v for k, v in doc.items() if k not in ("sheets",)}
    layout = Layout(
        id=doc.get("id", path.stem), sheets=sheets, money_unit=doc.get("money_unit", "万元"),
        text_numbers=doc.get("text_numbers", "false") == "true",
        codes_as_numbers=doc.get("codes_as_numbers", "false") == "true",
        number_format=doc.get("number_format", "#,##0.00"), meta=meta)
    for t in layout.tables():
        _check(t, f"{path.name} {t.id}")
    return layout


def _table(d: dict, where: str) -> Table:
    where = f"{where} table {d.get('id')!r}"
    columns = [_column(c, where) for c in d["columns"]]
    rows = [_row(r, len(columns), where) for r in d.get("rows", [])]
    unit = d.get("unit", [])
    return Table(
        id=d["id"], title=d["title"], columns=columns, header=[list(h) for h in d.get("header", [])], rows=rows,
        above=list(d.get("above", [])), below=list(d.get("below", [])),
        unit=[unit] if isinstance(unit, str) else list(unit), notes=list(d.get("notes", [])),
        transposed=d.get("transposed", "false") == "true", empty=d.get("empty", "false") == "true",
        money_unit=d.get("money_unit", ""))


def _column(spec: str, where: str) -> Column:
    if spec in ROLES:
        return Column(spec)
    if not spec or spec in (MERGE_LEFT, MERGE_UP):
        raise LayoutError(f"{where}: bad column role {spec!r}")
    row, sep, col = spec.partition("/")
    return Column("amount", row if sep else "", col if sep else spec)


def _row(spec, width: int, where: str) -> Row:
    if isinstance(spec, dict):
        (kind, cells), = spec.items()
        if kind == "note":
            return Row("note", [cells])
        if kind not in ("lanci", "count", "text"):
            raise LayoutError(f"{where}: unknown row kind {kind!r}")
        row = Row(kind, [str(c) for c in cells])
    else:
        row = Row("data", [str(c) for c in spec])
    if len(row.cells) != width:
        raise LayoutError(f"{where}: row {row.cells[:3]}… has {len(row.cells)} cells, the table {width} columns")
    for i, text in enumerate(row.cells):
        if " @" in text:
            label, _, key = text.rpartition(" @")
            row.cells[i] = label
            row.keys[i] = key.strip()
    return row


def _check(t: Table, where: str) -> None:
    for h in t.header:
        if len(h) != len(t.columns):
            raise LayoutError(f"{where}: header row {h[:3]}… has {len(h)} cells, the table {len(t.columns)} columns")


# ---------------------------------------------------------------------------------------------
# The truth

@dataclass
class Amount:
    table: str  # table id
    row: str  # standard row key
    col: str  # standard column key
    value: Decimal | None  # in 万元; None for a blank cell
    printed: str  # as written in the workbook (in the table's unit)
    sheet: str
    r: int  # 0-based, as the product's CellRef
    c: int
    # where it sits in the model (for mutations): sheet, table, row, column indexes
    at: tuple[int, int, int, int] = (0, 0, 0, 0)
    tix: int = 0  # index of its table in ``Truth.tables``

    @property
    def a1(self) -> str:
        return f"{get_column_letter(self.c + 1)}{self.r + 1}"

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.a1}"


@dataclass
class Mark:
    """A cell that must never be read as money."""

    kind: str  # lanci | line | count | note | text | header | other (a figure of a non-public table)
    sheet: str
    r: int
    c: int
    text: str


@dataclass
class TableTruth:
    id: str
    sheet: str
    title_r: int
    title_c: int
    title: str
    first_r: int  # first and last row of the table's area (title to notes)
    last_r: int
    empty: bool
    money_unit: str


@dataclass
class Truth:
    layout: str
    tables: list[TableTruth] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    def values(self) -> dict[str, dict[str, dict[str, Decimal | None]]]:
        """table → row key → column key → value in 万元 (the 勾稽 oracle's input)."""
        out: dict = {}
        for a in self.amounts:
            out.setdefault(a.table, {}).setdefault(a.row, {})[a.col] = a.value
        return out

    def to_json(self) -> str:
        def enc(o):
            return str(o) if isinstance(o, Decimal) else o

        doc = {"layout": self.layout, "tables": [asdict(t) for t in self.tables],
               "amounts": [{k: enc(v) for k, v in asdict(a).items()} for a in self.amounts],
               "marks": [asdict(m) for m in self.marks]}
        return json.dumps(doc, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------------
# Building

def is_public(table_id: str) -> bool:
    """T1–T9; any other id names a table a book carries beside them (项目支出表, 支出明细表…)."""
    return len(table_id) == 2 and table_id[0] == "T" and table_id[1] in "123456789"


def printed_value(text: str) -> Decimal | None:
    """The number a printed amount shows (None for a blank or a dash)."""
    s = text.strip().replace(",", "").replace("，", "")
    if s in BLANKS:
        return None
    return Decimal(s)


def groups(columns: list[Column]) -> list[int]:
    """For each column, the index of the group it belongs to (a label/code run and its amounts)."""
    out, g, prev_amount = [], -1, True
    for col in columns:
        starts = col.role in ("label", "code", "code:类", "code:款", "code:项")
        if starts and (prev_amount or g < 0):
            g += 1
        out.append(max(g, 0))
        if col.role == "amount":
            prev_amount = True
        elif starts:
            prev_amount = False
    return out


def row_key(t: Table, row: Row, group: int, gmap: list[int]) -> str | None:
    """The standard key of ``row`` for the columns of ``group`` (None: no amounts there)."""
    cols = [i for i, g in enumerate(gmap) if g == group and t.columns[i].role != "amount"]
    for i in cols:
        if i in row.keys:
            return row.keys[i]
    code = "".join(row.cells[i].strip() for i in cols if t.columns[i].role.startswith("code")
                   and row.cells[i].strip().isdigit())
    if code:
        return code
    # A label that is its own key: the label column first (合计 beside “类 款 项”), then a label
    # written in the code column (人员经费合计 spanning 编码 and 名称).
    for i in sorted(cols, key=lambda i: t.columns[i].role != "label"):
        text = row.cells[i].strip()
        if text and text not in (MERGE_LEFT, MERGE_UP) and t.columns[i].role != "line":
            return text
    # A label merged in from the left across a whole block (公用经费合计 spanning two T6 blocks).
    if cols and all(row.cells[i] == MERGE_LEFT for i in cols):
        i = cols[0]
        while i > 0 and row.cells[i] == MERGE_LEFT:
            i -= 1
        if t.columns[i].role != "amount":
            return row.keys.get(i) or row.cells[i].strip() or None
    return None


def build(layout: Layout, path: str | Path | None, *, write_truth: bool = False) -> Truth:
    """Write ``layout`` to ``path`` (.xlsx) and return its truth (also as JSON beside it if asked).

    With ``path`` None nothing is written: the truth alone.
    """
    wb = Workbook()
    wb.remove(wb.active)
    truth = Truth(layout.id)
    for si, sheet in enumerate(layout.sheets):
        ws = wb.create_sheet(sheet.name)
        r = 0
        width = max((len(t.columns) for t in sheet.tables), default=1)
        for ti, table in enumerate(sheet.tables):
            if ti:
                r += sheet.gap
            r = _write_table(ws, layout, table, r, si, ti, truth)
        for c in range(width):
            ws.column_dimensions[get_column_letter(c + 1)].width = 14
    if path is not None:
        path = Path(path)
        wb.save(path)
        if write_truth:
            path.with_suffix(".truth.json").write_text(truth.to_json(), encoding="utf-8")
    return truth


_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _write_table(ws, layout: Layout, t: Table, r: int, si: int, ti: int, truth: Truth) -> int:
    width = len(t.columns)
    unit = t.money_unit or layout.money_unit
    first = r
    for line in t.above:
        ws.cell(r + 1, 1, line)
        _merge(ws, r, 0, r, width - 1)
        r += 1
    title_r = r
    cell = ws.cell(r + 1, 1, t.title)
    cell.font = Font(bold=True, size=14)
    cell.alignment = _CENTER
    _merge(ws, r, 0, r, width - 1)
    r += 1
    for line in t.below:
        ws.cell(r + 1, width, line).alignment = Alignment(horizontal="right")
        r += 1
    if t.unit:
        if len(t.unit) == 1:
            ws.cell(r + 1, width, t.unit[0]).alignment = Alignment(horizontal="right")
        else:
            ws.cell(r + 1, 1, t.unit[0])
            ws.cell(r + 1, width, t.unit[-1]).alignment = Alignment(horizontal="right")
        r += 1
    # Header rows: text cells, merged as the description says.
    h0 = r
    for cells in t.header:
        for c, text in enumerate(cells):
            if text in (MERGE_LEFT, MERGE_UP):
                continue
            x = ws.cell(r + 1, c + 1, text if text else None)
            x.alignment = _CENTER
            x.border = _BOX
            if text:
                truth.marks.append(Mark("header", ws.title, r, c, text))
        r += 1
    if layout.merged_headers:
        _merge_grid(ws, h0, t.header)
    # Rows.
    gmap = groups(t.columns)
    standard = is_public(t.id)
    d0 = r
    grid = []
    for ri, row in enumerate(t.rows):
        if row.kind == "note":
            ws.cell(r + 1, 1, row.cells[0])
            _merge(ws, r, 0, r, width - 1)
            truth.marks.append(Mark("note", ws.title, r, 0, row.cells[0]))
            grid.append([MERGE_LEFT] * width)
            r += 1
            continue
        grid.append(row.cells)
        keys = {g: row_key(t, row, g, gmap) for g in set(gmap)} if row.kind == "data" else {}
        for c, (text, col) in enumerate(zip(row.cells, t.columns)):
            if text in (MERGE_LEFT, MERGE_UP):
                continue
            target = ws.cell(r + 1, c + 1)
            target.border = _BOX
            if col.role == "amount" and row.kind == "data" and not standard:
                _write_amount(target, text, layout)  # a table outside T1–T9: its figures are no public table's
                if printed_value(text) is not None:
                    truth.marks.append(Mark("other", ws.title, r, c, text))
            elif col.role == "amount" and row.kind == "data":
                key = col.row if col.row and not t.transposed else keys.get(gmap[c])
                _write_amount(target, text, layout)
                if key is None:
                    if printed_value(text) is not None:
                        raise LayoutError(f"{layout.id} {t.id}: amount {text!r} on a row without a key")
                    continue
                row_k, col_k = (col.col, key) if t.transposed else (key, col.col)
                value = printed_value(text)
                if value is not None and unit == "元":
                    value = value / WAN
                truth.amounts.append(Amount(t.id, row_k, col_k, value, text, ws.title, r, c, (si, ti, ri, c),
                                            len(truth.tables)))
            elif row.kind in ("lanci", "count") and printed_value_or_none(text) is not None:
                target.value = int(text) if text.strip().isdigit() else text
                truth.marks.append(Mark(row.kind, ws.title, r, c, text))
            elif col.role == "line" and text.strip():
                target.value = int(text) if text.strip().isdigit() else text
                truth.marks.append(Mark("line", ws.title, r, c, text))
            elif col.role.startswith("code") and text.strip().isdigit() and layout.codes_as_numbers:
                target.value = int(text)
            elif text:
                target.value = text
                if row.kind == "text" or (col.role == "amount" and text.strip()):
                    truth.marks.append(Mark("text", ws.title, r, c, text))
        r += 1
    if layout.merged_rows:
        _merge_grid(ws, d0, grid)
    for note in t.notes:
        ws.cell(r + 1, 1, note)
        _merge(ws, r, 0, r, width - 1)
        truth.marks.append(Mark("note", ws.title, r, 0, note))
        r += 1
    truth.tables.append(TableTruth(t.id, ws.title, title_r, 0, t.title, first, r - 1, t.empty, unit))
    return r


def printed_value_or_none(text: str) -> Decimal | None:
    try:
        return printed_value(text)
    except ArithmeticError:
        return None


def _write_amount(target, text: str, layout: Layout) -> None:
    value = printed_value(text)
    if value is None:
        target.value = text.strip() or None  # a dash stays a dash, a blank stays blank
        return
    if layout.text_numbers:
        target.value = text
        return
    target.value = int(value) if value == value.to_integral_value() and "." not in text else float(value)
    target.number_format = layout.number_format


def _merge(ws, r0: int, c0: int, r1: int, c1: int) -> None:
    if (r0, c0) != (r1, c1):
        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)


def _merge_grid(ws, top: int, grid: list[list[str]]) -> None:
    """Merge the areas a grid marks with ``<`` (into the left cell) and ``^`` (into the cell above)."""
    height = len(grid)
    done = set()
    for i in range(height):
        width = len(grid[i])
        for j in range(width):
            if grid[i][j] in (MERGE_LEFT, MERGE_UP) or (i, j) in done:
                continue
            j1 = j
            while j1 + 1 < width and grid[i][j1 + 1] == MERGE_LEFT:
                j1 += 1
            i1 = i
            while i1 + 1 < height and all(grid[i1 + 1][k] == MERGE_UP for k in range(j, j1 + 1)):
                i1 += 1
            for a in range(i, i1 + 1):
                for b in range(j, j1 + 1):
                    done.add((a, b))
            if (i1, j1) != (i, j):
                _merge(ws, top + i, j, top + i1, j1)


# ---------------------------------------------------------------------------------------------
# Conveniences

def corpus_paths() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml"))


def load_corpus() -> dict[str, Layout]:
    return {layout.id: layout for layout in (load(p) for p in corpus_paths())}


def clone(layout: Layout) -> Layout:
    return copy.deepcopy(layout)


def with_cell(layout: Layout, at: tuple[int, int, int, int], text: str) -> Layout:
    """A copy of ``layout`` with one printed cell replaced (a single-cell mutation)."""
    out = clone(layout)
    si, ti, ri, c = at
    out.sheets[si].tables[ti].rows[ri].cells[c] = text
    return out


def bumped(printed: str, delta: Decimal = Decimal(1)) -> str:
    """``printed`` plus ``delta`` (in the printed unit), written the way the original was."""
    value = printed_value(printed)
    places = len(printed.split(".")[1]) if "." in printed else (0 if value is not None else 2)
    value = value or Decimal(0)
    new = (value + delta).quantize(Decimal(1).scaleb(-places))
    return f"{new:,}" if "," in printed else f"{new}"
