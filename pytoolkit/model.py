"""Core layer: value types shared by every path (reading, recognising, checking, consolidating).

A ``Book`` is what was read from one workbook: its raw sheets and the standard tables found in
them. Every value keeps the sheet and cell it came from, so a finding can point at it.
Amounts are ``Decimal`` in 万元 (a table printed in 元 is divided by 10000 exactly on reading).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # the model holds a table's definition without importing the catalog
    from .tables.catalog import TableDef

# What an earlier version wrote in row 1 of every sheet it made (校验结果, 预算与决算, the ribbon's
# sheets). Such sheets are still told apart; new ones carry an invisible mark instead
# (``render.grid.TOOLKIT_NAME``, read into ``Sheet.toolkit``).
TOOLKIT_MARKER = "pytoolkit"


@cache
def column_letter(col: int) -> str:
    """0-based column index → Excel letters (0 → A, 27 → AB); cached: every finding names cells."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class CellRef(NamedTuple):
    # A NamedTuple, not a frozen dataclass: one is built per amount cell read, and tuple
    # construction is several times cheaper on this hot path.
    sheet: str
    row: int  # 0-based
    col: int  # 0-based

    @property
    def a1(self) -> str:
        return f"{column_letter(self.col)}{self.row + 1}"

    def __str__(self) -> str:
        return f"{self.sheet}!{self.a1}"


class Cell(NamedTuple):
    """One amount of a table: its value in 万元 (None = blank) and where it came from."""

    value: Decimal | None
    ref: CellRef
    raw: object = None  # what the workbook holds (number in the printed unit, or text)

    @property
    def amount(self) -> Decimal:
        """The value for arithmetic: a blank amount cell counts as zero on the forms."""
        return self.value if self.value is not None else Decimal(0)


@dataclass(slots=True)
class Row:
    key: str  # 科目编码, a fixed row key of the catalog, or a unit name (绩效自评表)
    label: str  # what the form prints
    ref_row: int  # 0-based row in the sheet
    side: str = ""
    code: str = ""
    values: dict[str, Cell] = field(default_factory=dict)

    def get(self, column: str) -> Cell | None:
        return self.values.get(column)


class ColumnNote(NamedTuple):
    """How the recogniser read one column of a table: its header and the standard column it is
    (``key``), or why it was not read as amounts (``note``)."""

    col: int  # 0-based
    header: str  # the header path, "预算数/公务用车购置及运行维护费/小计" (ASCII slashes: a GBK console prints them)
    key: str = ""  # standard column key; "" when not an amount column
    note: str = ""


class RowNote(NamedTuple):
    """How the recogniser read one row: the standard row it is (``key``), or why it was skipped."""

    row: int  # 0-based
    label: str
    key: str = ""
    note: str = ""


@dataclass(slots=True)
class Recognition:
    """The recogniser's account of one table: where it is, what each row and column was taken
    for, what was skipped and why, and the amounts it could not map (``validate --explain``,
    the annotated copy's 识别说明 sheet)."""

    first_row: int  # the title row (0-based)
    last_row: int  # the last row read (0-based, inclusive)
    first_col: int
    last_col: int
    header_rows: tuple[int, int] = (0, 0)  # [first header row, first data row)
    columns: list[ColumnNote] = field(default_factory=list)
    rows: list[RowNote] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, why)
    amounts: int = 0  # non-blank amount cells mapped to a standard row and column
    unmapped: list[CellRef] = field(default_factory=list)  # numbers in the area mapped to nothing
    ended_by: str = ""  # why the table's rows end here
    layout: str = ""  # which variant of the form was recognised (T7: 预算决算分块, 竖排, …)

    @property
    def area(self) -> str:
        return f"{column_letter(self.first_col)}{self.first_row + 1}:{column_letter(self.last_col)}{self.last_row + 1}"


@dataclass(slots=True)
class Table:
    tdef: TableDef
    sheet: str
    title_ref: CellRef
    money_unit: str = "万元"  # the unit printed on the form; values are held in 万元
    year: int | None = None
    rows: dict[str, Row] = field(default_factory=dict)
    columns: dict[str, list[CellRef]] = field(default_factory=dict)  # column key → header cells
    fields: dict[str, Cell | str] = field(default_factory=dict)
    is_empty_note: bool = False  # the form says it is empty (T8/T9 “本单位…无…”)
    # Columns of figures derived from the amounts (完成率, 增减额, 增减率; tables.derived_columns):
    # column index → header path, as the recogniser found them.
    derived_columns: dict[int, list[str]] = field(default_factory=dict)
    unit_name: str = ""  # the 单位/部门 line printed with this table, if any
    record: Recognition | None = None

    @property
    def id(self) -> str:
        return self.tdef.id

    def row(self, key: str) -> Row | None:
        return self.rows.get(key)

    def cell(self, row_key: str, column: str) -> Cell | None:
        row = self.rows.get(row_key)
        return row.values.get(column) if row else None

    def coded_rows(self) -> list[Row]:
        return [r for r in self.rows.values() if r.code]


@dataclass(slots=True)
class Sheet:
    name: str
    cells: list[list]  # values as the reader gives them: float, int, str, bool, date, ""
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # cells holding a formula without a cached value (never calculated): (row, col)
    uncalculated: frozenset[tuple[int, int]] = frozenset()
    # cells holding an Excel error value (#DIV/0!, #REF!): calamine reads them as blank
    errors: frozenset[tuple[int, int]] = frozenset()
    # the toolkit's own output sheet (a report, not the unit's data): the recogniser skips it
    toolkit: bool = False

    def value(self, row: int, col: int) -> object:
        if row < len(self.cells) and col < len(self.cells[row]):
            return self.cells[row][col]
        return ""


@dataclass(slots=True)
class Book:
    path: Path
    sheets: list[Sheet]
    tables: list[Table] = field(default_factory=list)
    unit_name: str = ""
    year: int | None = None
    findings: list = field(default_factory=list)  # recognition findings (pytoolkit.findings.Finding)

    def table(self, table_id: str) -> Table | None:
        """The first table with this id (most books hold each public table once)."""
        for t in self.tables:
            if t.id == table_id:
                return t
        return None

    def all(self, table_id: str) -> list[Table]:
        return [t for t in self.tables if t.id == table_id]

    def sheet(self, name: str) -> Sheet | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None
