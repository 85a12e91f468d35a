"""Core layer (render): the standard tables (T1–T9, 绩效自评表) in the official layout, as grids.

The sheets look like the published 部门决算公开 forms (title, 部门/单位 line, merged header rows,
bordered data rows, A4 landscape) so that an accountant recognises them, and so that the
recogniser (``tables.recognise``) can read them back by title and headers alone. Each table is
built as a :class:`~pytoolkit.render.grid.Grid` with a :class:`TableLayout` saying where every
row, column and amount landed; ``io.layout`` paints it into a file, the ribbon into the open
workbook, and consolidation builds its model of the 汇总 from the same layout (``table_model``),
so a finding on the 汇总 points at the cell the output shows.

Amounts come in as text in 万元 (``"846.77"``) and are kept as ``Decimal`` until a painter writes
them (docs/architecture.md “Numbers”); 元 output is the exact product by 10000. Text taken from the inputs (unit
names, notes, 支出内容) is always text, never a formula.

``formulas=True`` builds a workbook template instead of a finished table: every 合计/小计/总计
cell and every derived percentage is a formula (a :class:`Formula`, recorded in
``TableLayout.formulas``), the input cells are unlocked and accept numbers only, the sheet is
protected without a password, and tables whose rows are 科目编码 get blank input rows. Formulas
use only functions Excel and LibreOffice 7.4 both have (SUM, SUMPRODUCT, LEN, TRIM, IF, N, ROUND).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import ValueParseError
from ..metrics import completion_rate, share
from ..model import Cell, CellRef, Row, Table
from ..tables import catalog, codes
from ..tables.catalog import CODED, SUMMARY_UNIT, TableDef
from .grid import (
    NUMBER_FORMAT,
    PERCENT_FORMAT,
    TEXT_FORMAT,
    FormulaText,
    Grid,
    Page,
    Protection,
    Style,
    Validation,
    cells_of,
    column_name,
    parse_coordinate,
)
from .grid import coordinate as cell_name

Values = dict[str, dict[str, str]]

WAN = Decimal(10000)
MONEY_UNITS = ("万元", "元")
CODE_LAYOUTS = ("single", "split")
TOTAL = "合计"
# Formula mode: blank input rows of a table whose rows are 科目编码, and of the PP 支出明细.
TEMPLATE_BODY_ROWS = 30
TEMPLATE_DETAIL_ROWS = 12
# What a percentage shows when its base is 0 or blank (docs/rules.md §4: never 0% or 100%).
NO_BUDGET = "无预算"
NO_BASE = "—"

# The forms' look: fonts as (size, bold), alignments as (horizontal, vertical, wrap).
_TITLE_FONT = (16, True)
HEADER_FONT = (10, True)
BODY_FONT = (10, False)
_CAPTION_FONT = (11, True)
_CENTER = ("center", "center", True)
_LEFT = ("left", "center", False)
_LEFT_WRAP = ("left", "center", True)
_RIGHT = ("right", "center", False)

FIRST_HEADER_ROW = 3  # row 1 title, row 2 部门/单位 line

# Sheet names used by write_book; the recogniser must not rely on them.
SHEET_NAMES = {
    **{t.id: f"{i:02d}{t.title}" for i, t in enumerate(catalog.PUBLIC_TABLES, start=1)},
    "PE": "整体支出绩效自评表",
    "PP": "项目支出绩效自评表",
}

@dataclass(frozen=True)
class Formula:
    """A computed cell of a template: what it means, its Excel text, and its exact value.

    ``kind`` is one of
      "sum"         Σ ``plus`` − Σ ``minus`` (cells; blank counts 0)
      "class_sum"   Σ ``amounts`` over the rows whose 科目编码 (``codes``) has 3 digits (类)
      "completion"  完成预算% = ``part`` / ``whole`` × 100, half up to 2 places; ``blank`` when
                    the budget is 0 (docs/rules.md §4 “无年初预算”)
      "share"       占比% = ``part`` / ``whole`` × 100, the same rounding; ``blank`` when the whole is 0
    ``codes`` may hold two ranges (类, 款 of a split code layout): a 类 row has a 类 and no 款.
    """

    kind: str
    plus: tuple[str, ...] = ()
    minus: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    amounts: str = ""
    part: str = ""
    whole: str = ""
    blank: str = ""

    def excel(self) -> str:
        """The formula text, with its leading "="."""
        if self.kind == "sum":
            return "=" + _sum_text(self.plus, self.minus)
        if self.kind == "class_sum":
            tests = [f"--(LEN(TRIM({self.codes[0]}))=3)"]
            tests += [f"--(LEN(TRIM({rng}))=0)" for rng in self.codes[1:2]]
            return f"=SUMPRODUCT({','.join(tests)},{self.amounts})"
        if self.kind in ("completion", "share"):
            # ROUND is half away from zero, as metrics' half up; N() reads a blank as 0.
            return f'=IF(N({self.whole})=0,"{self.blank}",ROUND({self.part}/{self.whole}*100,2))'
        raise ValueError(self.kind)

    def compute(self, value_of) -> Decimal | str:
        """The exact result, reading cells through ``value_of(coordinate)`` (Decimal, text or None)."""

        def amount(coordinate: str) -> Decimal:
            value = value_of(coordinate)
            return value if isinstance(value, Decimal) else Decimal(0)

        if self.kind == "sum":
            return sum((amount(c) for c in self.plus), Decimal(0)) - sum((amount(c) for c in self.minus), Decimal(0))
        if self.kind == "class_sum":
            columns = [cells_of(rng) for rng in self.codes]
            total = Decimal(0)
            for i, coordinate in enumerate(cells_of(self.amounts)):
                parts = [str(value_of(col[i]) or "").strip() for col in columns]
                if len(parts[0]) == 3 and all(p == "" for p in parts[1:]):
                    total += amount(coordinate)
            return total
        if self.kind in ("completion", "share"):
            whole = value_of(self.whole)
            part = value_of(self.part)
            rate = (completion_rate if self.kind == "completion" else share)(
                part if isinstance(part, Decimal) else None, whole if isinstance(whole, Decimal) else None)
            return self.blank if rate is None else rate
        raise ValueError(self.kind)


def _sum_text(plus: Sequence[str], minus: Sequence[str] = ()) -> str:
    """``SUM(C7:C12)+C15-C16``: runs of three or more adjacent cells in a column or row become a range."""
    terms = _runs(plus)
    text = "+".join(terms) if terms else "0"
    for coordinate in minus:
        text += f"-{coordinate}"
    return text


def _runs(coordinates: Sequence[str]) -> list[str]:
    cells = [parse_coordinate(c)[::-1] for c in coordinates]
    out: list[str] = []
    i = 0
    while i < len(cells):
        j = i
        step = None
        while j + 1 < len(cells):
            (c0, r0), (c1, r1) = cells[j], cells[j + 1]
            this = (c1 - c0, r1 - r0)
            if this not in ((0, 1), (1, 0)) or (step is not None and this != step):
                break
            step = this
            j += 1
        if j - i >= 2:
            first, last = coordinates[i], coordinates[j]
            out.append(f"SUM({first}:{last})")
        else:
            out.extend(coordinates[i:j + 1])
        i = j + 1
    return out


@dataclass
class TableLayout:
    """Where one rendered table landed in its worksheet.

    ``cells`` maps (row key, column key) to the coordinate (``"C6"``) of every amount cell the
    form has, filled or blank; for two-sided tables the column key is the plain catalog key and
    the row key says the side. ``rows`` gives the sheet row of each row key (for PE, the row in
    the first block), ``labels`` the coordinate of the cell that prints the row's label.
    In formula mode ``formulas`` maps each computed cell to its :class:`Formula`, ``inputs``
    lists the amount cells left to fill and ``text_inputs`` the other editable cells (codes,
    names, fields); ``extra["body"]`` describes the blank rows of a coded table.
    """

    table_id: str
    sheet: str
    title: str
    money_unit: str
    code_layout: str
    width: int
    title_cell: str = "A1"
    unit_cell: str | None = None
    header_rows: tuple[int, int] = (FIRST_HEADER_ROW, FIRST_HEADER_ROW)
    data_rows: tuple[int, int] = (0, -1)
    columns: tuple[str, ...] = ()
    rows: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    cells: dict[tuple[str, str], str] = field(default_factory=dict)
    note_cell: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # Formula mode only: the computed cells, and the cells a user fills (amounts; any text).
    formulas: dict[str, Formula] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    text_inputs: list[str] = field(default_factory=list)

    def cell(self, row_key: str, column_key: str) -> str:
        return self.cells[(row_key, column_key)]


# ---------------------------------------------------------------------------------------------
# Cells


_STYLES: dict[tuple, Style] = {}


def _style(font: tuple[float, bool], align: tuple[str, str, bool], border: bool, number_format: str = "General"
           ) -> Style:
    key = (font, align, border, number_format)
    hit = _STYLES.get(key)
    if hit is None:
        (size, bold), (h, v, wrap) = font, align
        hit = _STYLES[key] = Style(size=size, bold=bold, halign=h, valign=v, wrap=wrap, border=border,
                                   number_format=number_format)
    return hit


def _put(g: Grid, row: int, col: int, value: object, *, font: tuple[float, bool] = BODY_FONT,
         align: tuple[str, str, bool] = _LEFT, border: bool = True, number_format: str = "General") -> str:
    return g.put(row, col, value, _style(font, align, border, number_format))


def _merge(g: Grid, r0: int, c0: int, r1: int, c1: int) -> None:
    g.merge(r0, c0, r1, c1)


def _box(g: Grid, r0: int, c0: int, r1: int, c1: int, value: object, *, font: tuple[float, bool] = BODY_FONT,
         align: tuple[str, str, bool] = _LEFT, border: bool = True) -> str:
    """Write ``value`` into the top-left cell of r0:c0..r1:c1 and merge the range (borders on its edge)."""
    coordinate = _put(g, r0, c0, value, font=font, align=align, border=border)
    _merge(g, r0, c0, r1, c1)
    return coordinate


def parse_amount(text: object, money_unit: str = "万元", where: str = "") -> Decimal | None:
    """The amount in ``money_unit`` for an amount text in 万元; None for a blank.

    元 is the exact product by 10000 (Decimal, no float step).
    """
    if text is None:
        return None
    if isinstance(text, float):
        raise ValueParseError(text, "金额须为文本或 Decimal，不接受浮点数", where)
    raw = str(text).strip().replace(",", "")
    if raw == "":
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueParseError(text, "不是数字", where) from None
    if not amount.is_finite():
        raise ValueParseError(text, "不是有限数", where)
    if money_unit == "元":
        amount *= WAN
    if Decimal(repr(float(amount))) != amount:
        # Excel keeps a double: a value that does not survive the round trip would be changed.
        raise ValueParseError(text, "有效数字过多，写入 Excel 会改变数值", where)
    return amount


# ---------------------------------------------------------------------------------------------
# Header trees: a header cell spans its children; a leaf spans down to the last header row.


@dataclass(frozen=True)
class _H:
    text: str
    key: object = None
    children: tuple[_H, ...] = ()

    @property
    def width(self) -> int:
        return sum(c.width for c in self.children) if self.children else 1

    @property
    def depth(self) -> int:
        return 1 + max((c.depth for c in self.children), default=0)


def _write_headers(g: Grid, top: int, left: int, nodes: Sequence[_H], depth: int) -> dict[object, int]:
    columns: dict[object, int] = {}
    col = left
    for node in nodes:
        if node.children:
            _box(g, top, col, top, col + node.width - 1, node.text, font=HEADER_FONT, align=_CENTER)
            columns.update(_write_headers(g, top + 1, col, node.children, depth - 1))
        else:
            _box(g, top, col, top + depth - 1, col, node.text, font=HEADER_FONT, align=_CENTER)
            if node.key is not None:
                columns[node.key] = col
        col += node.width
    return columns


def _headers(g: Grid, top: int, nodes: Sequence[_H], left: int = 1) -> tuple[dict[object, int], int]:
    depth = max(n.depth for n in nodes)
    columns = _write_headers(g, top, left, nodes, depth)
    for r in range(top, top + depth):
        g.heights[r] = 30 if depth <= 2 else 24
    return columns, depth


# ---------------------------------------------------------------------------------------------
# The builder: one table on one sheet, recording where everything went.


class _Builder:
    def __init__(self, g: Grid, tdef: TableDef, values: Mapping[str, Mapping[str, object]], *,
                 blank: bool, unit_name: str, year: int, money_unit: str, code_layout: str,
                 fields: Mapping[str, str], row_keys: Sequence[str] | None, title: str,
                 formulas: bool = False, optional_columns: Sequence[str] = (), spare_rows: int = 0) -> None:
        self.g = g
        self.formulas = formulas
        self.optional_columns = tuple(optional_columns)
        self.spare_rows = spare_rows
        self.tdef = tdef
        self.values = values
        self.blank = blank
        self.unit_name = unit_name
        self.year = year
        self.money_unit = money_unit
        self.code_layout = code_layout
        self.fields = fields
        self.row_keys = list(row_keys or ())
        self.layout = TableLayout(table_id=tdef.id, sheet=g.name, title=title, money_unit=money_unit,
                                  code_layout=code_layout, width=1)

    # -- values
    def value(self, row_key: str, column_key: str) -> object:
        return (self.values.get(row_key) or {}).get(column_key)

    def has_value(self, column_key: str, rows: Iterable[str] | None = None) -> bool:
        keys = self.values if rows is None else rows
        return any(_filled(self.value(r, column_key)) for r in keys)

    def prints(self, column: Any) -> bool:
        """An optional column prints when asked for or when some row has a figure for it."""
        return not column.optional or column.key in self.optional_columns or self.has_value(column.key)

    def has_value_in_row(self, row_key: str) -> bool:
        return any(_filled(v) for v in (self.values.get(row_key) or {}).values())

    def all_keys(self) -> list[str]:
        """Row keys of the values, then any extra ones from ``row_keys``, first occurrence kept."""
        return list(dict.fromkeys([*self.values, *self.row_keys]))

    def check_columns(self, row_key: str, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for column_key in self.values.get(row_key) or {}:
            if column_key not in allowed:
                raise ValueError(f"表{self.tdef.id}的行“{row_key}”没有列“{column_key}”")

    def unknown_row(self, row_key: str) -> ValueError:
        return ValueError(f"表{self.tdef.id}（{self.tdef.title}）没有行“{row_key}”")

    # -- cells
    def title(self, width: int, text: str | None = None) -> None:
        g = self.g
        self.layout.width = width
        _box(g, 1, 1, 1, width, text or self.layout.title, font=_TITLE_FONT, align=_CENTER, border=False)
        g.heights[1] = 32

    def unit_line(self, width: int, left_label: str = "部门：") -> None:
        self.layout.extra["unit_name_cell"] = _put(self.g, 2, 1, f"{left_label}{self.unit_name}", border=False)
        self.editable(self.layout.extra["unit_name_cell"])
        self.layout.unit_cell = _put(self.g, 2, width, f"单位：{self.money_unit}", align=_RIGHT, border=False)

    def amount(self, row: int, col: int, row_key: str, column_key: str, text: object | None = None,
               *, record: bool = True) -> str:
        where = f"{self.tdef.id}[{row_key}].{column_key}"
        raw = self.value(row_key, column_key) if text is None else text
        amount = None if self.blank else parse_amount(raw, self.money_unit, where)
        # Convert to float only here, at the write: ≤ 2 decimals in 万元 (or integer 元) round-trip.
        coordinate = _put(self.g, row, col, amount, align=_RIGHT, number_format=NUMBER_FORMAT)
        if record:
            self.layout.cells[(row_key, column_key)] = coordinate
        if self.formulas:
            self.layout.inputs.append(coordinate)
        return coordinate

    # -- formula mode
    def formula(self, coordinate: str, spec: Formula, number_format: str = NUMBER_FORMAT) -> None:
        """Turn ``coordinate`` into a computed cell (it stays locked)."""
        row, col = parse_coordinate(coordinate)
        old = self.g.style(row, col) or Style()
        self.g.cells[(row, col)] = (FormulaText(spec.excel()), old.but(
            number_format=number_format, halign="right", valign="center", wrap=False))
        self.layout.formulas[coordinate] = spec
        if coordinate in self.layout.inputs:
            self.layout.inputs.remove(coordinate)

    def sum_into(self, target: tuple[str, str], plus: Iterable[tuple[str, str]],
                 minus: Iterable[tuple[str, str]] = ()) -> None:
        """target = Σ plus − Σ minus, by (row key, column key); cells the form lacks are left out."""
        cells = self.layout.cells
        if target not in cells:
            return
        plus = [cells[k] for k in plus if k in cells]
        minus = [cells[k] for k in minus if k in cells]
        if plus:
            self.formula(cells[target], Formula("sum", tuple(plus), tuple(minus)))

    def editable(self, coordinate: str) -> None:
        """A text cell the user fills (code, name, field) in formula mode."""
        if self.formulas:
            self.layout.text_inputs.append(coordinate)

    def label(self, row: int, col: int, row_key: str | None, text: str, *, align: tuple = _LEFT,
              to_col: int | None = None) -> str:
        coordinate = _box(self.g, row, col, row, to_col or col, text, align=align)
        if row_key is not None:
            self.layout.labels.setdefault(row_key, coordinate)
            self.layout.rows.setdefault(row_key, row)
        return coordinate

    def empty(self, row: int, col: int) -> None:
        _put(self.g, row, col, None)

    def widths(self, widths: Mapping[int, float]) -> None:
        for col, width in widths.items():
            self.g.widths[col] = width

    def finish(self, header_rows: tuple[int, int], data_rows: tuple[int, int], *, repeat: bool = True,
               freeze: bool = True) -> TableLayout:
        g = self.g
        self.layout.header_rows = header_rows
        self.layout.data_rows = data_rows
        fit_height = 0
        if self.formulas and self.tdef.kind != CODED:
            fit_height = 1  # a fixed-size form prints on one page, as published
        g.page = Page(fit_width=1, fit_height=fit_height, center=True, title_rows=header_rows if repeat else None)
        if freeze:
            g.freeze = (header_rows[1] + 1, 1)
        if self.formulas:
            protect(g, self.layout.inputs, self.layout.text_inputs)
        return self.layout


AMOUNT_VALIDATION = dict(type="decimal", operator="between", formula1="-999999999999", formula2="999999999999",
                         error_title="请输入数字", error="此处只能填写数字（金额，保留两位小数）。",
                         prompt_title="金额", prompt="填写数字，保留两位小数。", stop=True)


def protect(g: Grid, inputs: Sequence[str], text_inputs: Sequence[str] = ()) -> None:
    """Unlock the input cells, accept only numbers in the amount cells, protect the sheet.

    No password: the protection keeps formulas from being overwritten by accident; anyone may
    lift it (审阅 › 撤销工作表保护) to change the form. Users may still resize columns and rows,
    insert rows, and delete rows made only of input cells (unused blank rows before printing).
    """
    for where in (*inputs, *text_inputs):
        g.restyle(*parse_coordinate(where), locked=False)
    if inputs:
        g.validations.append(Validation(cells=tuple(_compact_ranges(inputs)), **AMOUNT_VALIDATION))
    g.protection = Protection()


def _compact_ranges(coordinates: Sequence[str]) -> list[str]:
    """Vertical runs of cells as ranges (``C7:C46``), to keep a data validation's sqref short."""
    by_col: dict[int, list[int]] = {}
    for where in coordinates:
        row, col = parse_coordinate(where)
        by_col.setdefault(col, []).append(row)
    out = []
    for col in sorted(by_col):
        rows = sorted(set(by_col[col]))
        start = prev = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == prev + 1:
                prev = row
                continue
            letter = column_name(col)
            out.append(f"{letter}{start}" if start == prev else f"{letter}{start}:{letter}{prev}")
            if row is not None:
                start = prev = row
    return out


def _filled(text: object) -> bool:
    return text is not None and str(text).strip() != ""


def _is_zero_or_blank(text: object) -> bool:
    if not _filled(text):
        return True
    try:
        return Decimal(str(text).strip().replace(",", "")) == 0
    except InvalidOperation:
        return False


_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 24 → 二十四 (the 一、二、 of the form's row labels)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def class_name(code: str, year: int, table_id: str) -> str:
    name = codes.function_name(code, year)
    if name is None:
        raise ValueError(f"表{table_id}：功能分类类级科目“{code}”在{year}年的科目表中没有名称")
    return name


def empty_note(tdef: TableDef, year: int) -> str:
    """The line an empty T8/T9 prints: “本单位2018年度无政府性基金预算财政拨款收入支出，故本表为空表。”."""
    note = tdef.empty_note.replace("本年度", f"{year}年度")
    if not note.endswith("。"):
        note += "，故本表为空表。"
    return note


# ---------------------------------------------------------------------------------------------
# CODED tables: T2, T3, T5, T8, T9


def _write_coded(b: _Builder) -> TableLayout:
    g, tdef = b.g, b.tdef
    split = b.code_layout == "split"
    keys = [k for k in b.all_keys() if k != TOTAL]
    for key in keys:
        if not codes.is_code(key):
            raise b.unknown_row(key)
    codes_in_order = sorted(keys)
    rows = [TOTAL, *codes_in_order]
    for key in rows:
        b.check_columns(key, tdef.column_keys)
    # An optional column (T5 年初预算数) prints only when asked for or some row has a figure for it.
    columns = [c.key for c in tdef.columns if b.prints(c)]

    code_node = _H("科目编码", children=(_H("类"), _H("款"), _H("项"))) if split else _H("科目编码")
    nodes = (_H("项目", children=(code_node, _H("科目名称"))), *(_H(k, key=k) for k in columns))
    n_code = 3 if split else 1
    width = n_code + 1 + len(columns)
    b.title(width)
    b.unit_line(width)
    colmap, depth = _headers(g, FIRST_HEADER_ROW, nodes)
    first = FIRST_HEADER_ROW + depth
    r = first
    for key in rows:
        if key == TOTAL:
            for c in range(1, n_code + 1):
                b.empty(r, c)
            b.label(r, n_code + 1, key, TOTAL, align=_CENTER)
        else:
            if split:
                parts = (key[:3], key[3:5], key[5:7])
                for c, part in enumerate(parts, start=1):
                    _put(g, r, c, part, align=_CENTER)
            else:
                _put(g, r, 1, key)
            b.label(r, n_code + 1, key, codes.function_name(key, b.year) or "")
            if b.formulas:
                for c in range(1, n_code + 2):
                    b.editable(cell_name(r, c))
                    g.restyle(r, c, number_format=TEXT_FORMAT)
        for column_key in columns:
            b.amount(r, colmap[column_key], key, column_key)
        r += 1
    if b.formulas:
        # Blank input rows: 科目编码 (text), 科目名称, amounts; the 合计 row sums the 类 rows.
        for _ in range(b.spare_rows):
            for c in range(1, n_code + 2):
                b.editable(_put(g, r, c, None, align=_CENTER if split and c <= n_code else _LEFT))
                g.restyle(r, c, number_format=TEXT_FORMAT)
            for column_key in columns:
                b.amount(r, colmap[column_key], "", column_key, "", record=False)
            r += 1
        body = (first + 1, r - 1)
        if body[1] >= body[0]:
            code_ranges = tuple(f"{column_name(c)}{body[0]}:{column_name(c)}{body[1]}"
                                for c in ((1, 2) if split else (1,)))
            for column_key in columns:
                letter = column_name(colmap[column_key])
                b.formula(b.layout.cell(TOTAL, column_key),
                          Formula("class_sum", codes=code_ranges, amounts=f"{letter}{body[0]}:{letter}{body[1]}"))
            b.layout.extra["body"] = {"rows": body, "code_columns": tuple(range(1, n_code + 1)),
                                      "name_column": n_code + 1,
                                      "columns": {k: colmap[k] for k in columns}}
    last = r - 1
    if tdef.empty_note and not b.blank and not codes_in_order and all(
            _is_zero_or_blank(v) for v in (b.values.get(TOTAL) or {}).values()):
        b.layout.note_cell = _box(g, r, 1, r, width, empty_note(tdef, b.year), align=_LEFT_WRAP, border=False)
        g.heights[r] = 24
    b.layout.columns = tuple(columns)
    b.layout.extra["code_columns"] = n_code
    widths = {c: 7 for c in range(1, n_code + 1)} if split else {1: 12}
    widths[n_code + 1] = 34
    widths.update({colmap[k]: 15 for k in columns})
    b.widths(widths)
    return b.finish((FIRST_HEADER_ROW, first - 1), (first, last))


# ---------------------------------------------------------------------------------------------
# Two-sided tables: T1, T4


def _align_tails(left: list, right: list) -> list[tuple]:
    """Pair two tails so that their first rows (合计) and last rows (总计) sit side by side."""
    if not left or not right:
        n = max(len(left), len(right))
        return list(zip(left + [None] * (n - len(left)), right + [None] * (n - len(right))))
    mid_l, mid_r = left[1:-1], right[1:-1]
    n = max(len(mid_l), len(mid_r))
    mid = list(zip(mid_l + [None] * (n - len(mid_l)), mid_r + [None] * (n - len(mid_r))))
    if len(left) == 1 or len(right) == 1:
        return [(left[0], right[0]), *mid]
    return [(left[0], right[0]), *mid, (left[-1], right[-1])]


def _pad(left: list, right: list) -> list[tuple]:
    n = max(len(left), len(right))
    return list(zip(left + [None] * (n - len(left)), right + [None] * (n - len(right))))


def _two_sided_label(tdef: TableDef, key: str, year: int, ordinal: int | None) -> str:
    if key in ("收入总计", "支出总计"):
        return "总计"
    if codes.is_code(key):
        return f"{chinese_ordinal(ordinal or 1)}、{class_name(key, year, tdef.id)}"
    if "/" in key:
        return "  " + key.split("/", 1)[1]
    if ordinal is not None:
        return f"{chinese_ordinal(ordinal)}、{key}"
    return key


def _write_two_sided(b: _Builder) -> TableLayout:
    g, tdef = b.g, b.tdef
    keys = set(b.all_keys())
    # Optional sub-rows (年末结转和结余 › 基本支出结转) print only when the unit has them.
    income_fixed = [r.key for r in tdef.rows if r.side == "收入" and (not r.optional or r.key in keys)]
    spending_fixed = [r.key for r in tdef.rows if r.side == "支出" and (not r.optional or r.key in keys)]
    split_at = income_fixed.index("本年收入合计")
    income_items, income_tail = income_fixed[:split_at], income_fixed[split_at:]

    class_codes: list[str] = []
    for key in b.all_keys():
        if key in income_fixed or key in spending_fixed:
            continue
        if codes.is_code(key) and len(key) == 3:
            class_codes.append(key)
        else:
            raise b.unknown_row(key)
    if b.blank and not b.row_keys:
        class_codes = list(catalog.edition_for(b.year).classes)  # the classes of the book's year
    class_codes.sort()

    income_cols, spending_cols = (dict(tdef.sides)[s] for s in ("收入", "支出"))
    if tdef.id == "T1":
        # Optional columns (年初预算数, 调整预算数, 上年决算数) print on both sides when either has them.
        present = [c.key for c in tdef.columns if b.prints(c)]
        income_cols = tuple(c for c in income_cols if c in present)
        spending_cols = tuple(c for c in spending_cols if c in present)
    for key in income_fixed:
        b.check_columns(key, income_cols)
    for key in (*class_codes, *spending_fixed):
        b.check_columns(key, spending_cols)

    def side(name: str, cols: Sequence[str]) -> _H:
        return _H(name, children=(_H("项目", key=(name, "项目")), _H("行次", key=(name, "行次")),
                                  *(_H(c, key=(name, c)) for c in cols)))

    nodes = (side("收入", income_cols), side("支出", spending_cols))
    left_width = 2 + len(income_cols)
    width = left_width + 2 + len(spending_cols)
    b.title(width)
    b.unit_line(width)
    colmap, depth = _headers(g, FIRST_HEADER_ROW, nodes)
    first = FIRST_HEADER_ROW + depth

    pairs = _pad(income_items, class_codes) + _align_tails(income_tail, spending_fixed)
    line = {"收入": 0, "支出": 0}
    r = first
    for income_key, spending_key in pairs:
        for side_name, key, cols, ordinals in (("收入", income_key, income_cols, income_items),
                                                ("支出", spending_key, spending_cols, class_codes)):
            label_col = colmap[(side_name, "项目")]
            if key is None:
                for c in range(label_col, label_col + 2 + len(cols)):
                    b.empty(r, c)
                continue
            line[side_name] += 1
            ordinal = ordinals.index(key) + 1 if key in ordinals else None
            b.label(r, label_col, key, _two_sided_label(tdef, key, b.year, ordinal))
            _put(g, r, label_col + 1, line[side_name], align=_CENTER)
            b.layout.extra.setdefault("line_numbers", {})[key] = line[side_name]
            for column_key in cols:
                b.amount(r, colmap[(side_name, column_key)], key, column_key)
        r += 1
    b.layout.columns = tuple(dict.fromkeys((*income_cols, *spending_cols)))
    b.layout.extra["sides"] = {"收入": (1, left_width), "支出": (left_width + 1, width)}
    if b.formulas:
        _two_sided_formulas(b, income_items, class_codes, income_cols, spending_cols)
    widths = {}
    for side_name, cols in (("收入", income_cols), ("支出", spending_cols)):
        widths[colmap[(side_name, "项目")]] = 34
        widths[colmap[(side_name, "行次")]] = 6
        widths.update({colmap[(side_name, c)]: 15 for c in cols})
    b.widths(widths)
    return b.finish((FIRST_HEADER_ROW, first - 1), (first, r - 1))


def _two_sided_formulas(b: _Builder, income_items: Sequence[str], class_codes: Sequence[str],
                        income_cols: Sequence[str], spending_cols: Sequence[str]) -> None:
    """docs/rules.md §3: T1 本年收入合计 = Σ income rows, 收入总计 = 本年收入合计 + 使用非财政拨款结余 +
    年初结转和结余, 本年支出合计 = Σ 功能类, 支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余;
    T4 each 支出 row 合计 = Σ funds, 本年收入合计 = Σ funds, 年初 = Σ its fund rows, 总计 likewise."""
    if b.tdef.id == "T1":
        for col in income_cols:
            b.sum_into(("本年收入合计", col), [(k, col) for k in income_items])
            b.sum_into(("收入总计", col), [(k, col) for k in ("本年收入合计", "使用非财政拨款结余", "年初结转和结余")])
        for col in spending_cols:
            b.sum_into(("本年支出合计", col), [(k, col) for k in class_codes])
            b.sum_into(("支出总计", col), [(k, col) for k in ("本年支出合计", "结余分配", "年末结转和结余")])
        return
    funds = catalog.FUNDS
    for col in income_cols:
        b.sum_into(("本年收入合计", col), [(f, col) for f in funds])
        b.sum_into(("年初财政拨款结转和结余", col), [(f"年初财政拨款结转和结余/{f}", col) for f in funds])
        b.sum_into(("收入总计", col), [(k, col) for k in ("本年收入合计", "年初财政拨款结转和结余")])
    for col in spending_cols:
        if col in funds:
            b.sum_into(("本年支出合计", col), [(k, col) for k in class_codes])
            b.sum_into(("支出总计", col), [(k, col) for k in ("本年支出合计", "年末财政拨款结转和结余")])
    if "合计" in spending_cols:
        for key in (*class_codes, "本年支出合计", "年末财政拨款结转和结余", "支出总计"):
            b.sum_into((key, "合计"), [(key, f) for f in funds if f in spending_cols])


# ---------------------------------------------------------------------------------------------
# T6: 人员经费 and 公用经费 side by side


def _write_t6(b: _Builder) -> TableLayout:
    g = b.g
    totals = ("人员经费合计", "公用经费合计")
    keys = [k for k in b.all_keys() if k not in totals]
    if b.blank and not b.row_keys:
        keys = list(codes.ECONOMIC_CODES)
    for key in keys:
        if not (codes.is_code(key) and len(key) in (3, 5)):
            raise b.unknown_row(key)
    for key in (*keys, *totals):
        b.check_columns(key, ("决算数",))
    personnel = sorted(k for k in keys if k[:3] in codes.PERSONNEL_CLASSES)
    public_use = sorted(k for k in keys if k[:3] not in codes.PERSONNEL_CLASSES)

    def block(name: str) -> _H:
        return _H(name, children=(_H("科目编码", key=(name, "code")), _H("科目名称"),
                                  _H("决算数", key=(name, "决算数"))))

    nodes = (block("人员经费"), block("公用经费"))
    width = 6
    b.title(width)
    b.unit_line(width)
    colmap, depth = _headers(g, FIRST_HEADER_ROW, nodes)
    first = FIRST_HEADER_ROW + depth
    r = first
    for pair in _pad(personnel, public_use):
        for block_name, key in zip(("人员经费", "公用经费"), pair):
            c = colmap[(block_name, "code")]
            if key is None:
                for col in range(c, c + 3):
                    b.empty(r, col)
                continue
            b.label(r, c, key, key)
            _put(g, r, c + 1, codes.ECONOMIC_CODES.get(key, ""))
            b.amount(r, c + 2, key, "决算数")
        r += 1
    for block_name, key in zip(("人员经费", "公用经费"), totals):
        c = colmap[(block_name, "code")]
        b.label(r, c, key, key, align=_CENTER, to_col=c + 1)
        b.amount(r, c + 2, key, "决算数")
    b.layout.columns = ("决算数",)
    b.layout.extra["blocks"] = {"人员经费": (1, 3), "公用经费": (4, 6)}
    if b.formulas:
        # docs/rules.md §2/§3: each 类 = Σ its 款; 人员经费 = 301 + 303; 公用经费 = 302 + 310 (+ other 类).
        col = "决算数"
        for block, total in ((personnel, totals[0]), (public_use, totals[1])):
            classes = [k for k in block if len(k) == 3]
            for cls in classes:
                b.sum_into((cls, col), [(k, col) for k in block if len(k) == 5 and k.startswith(cls)])
            loose = [k for k in block if len(k) == 5 and k[:3] not in classes]
            b.sum_into((total, col), [(k, col) for k in (*classes, *loose)])
    b.widths({1: 12, 2: 30, 3: 15, 4: 12, 5: 30, 6: 15})
    return b.finish((FIRST_HEADER_ROW, first - 1), (first, r))


# ---------------------------------------------------------------------------------------------
# T7: 三公经费, one data row


T7_TITLE = "一般公共预算财政拨款“三公”经费支出决算表"
_T7_GROUPS = ("预算数", "决算数", "上年决算数")


def _write_t7(b: _Builder) -> TableLayout:
    sheet, tdef = b.g, b.tdef
    for key in b.all_keys():
        if key not in _T7_GROUPS:
            raise b.unknown_row(key)
        b.check_columns(key, tdef.column_keys)
    groups = ["预算数", "决算数"]
    # 上年决算数 is optional (some provinces print it): only when asked for or filled.
    if "上年决算数" in b.row_keys or (not b.blank and b.has_value_in_row("上年决算数")):
        groups.append("上年决算数")

    def group(g: str) -> _H:
        return _H(g, children=(
            _H("合计", key=(g, "合计")),
            _H("因公出国(境)费", key=(g, "因公出国(境)费")),
            _H("公务用车购置及运行维护费", children=(
                _H("小计", key=(g, "公务用车购置及运行维护费")),
                _H("公务用车购置费", key=(g, "公务用车购置费")),
                _H("公务用车运行维护费", key=(g, "公务用车运行维护费")))),
            _H("公务接待费", key=(g, "公务接待费"))))

    width = 6 * len(groups)
    b.title(width)
    b.unit_line(width)
    colmap, depth = _headers(sheet, FIRST_HEADER_ROW, [group(g) for g in groups])
    r = FIRST_HEADER_ROW + depth
    for g in groups:
        b.layout.rows[g] = r
        for column_key in catalog.T7_COLUMNS:
            b.amount(r, colmap[(g, column_key)], g, column_key)
    sheet.heights[r] = 22
    b.layout.columns = catalog.T7_COLUMNS
    # Eighteen columns (with 上年决算数) at 13 print at about 60% on A4 landscape: as narrow as the
    # figures allow then (the headers wrap to two lines either way).
    figures = (sheet.value(r, c) for c in colmap.values())
    longest = max((len(f"{v:,.2f}") for v in figures if isinstance(v, float | int)), default=0)
    column_width = 13 if len(groups) < 3 else max(10, min(13, longest + 2))
    b.widths({c: column_width for c in range(1, width + 1)})
    if b.formulas:
        _t7_formulas(b, groups, colmap, r)
    return b.finish((FIRST_HEADER_ROW, r - 1), (r, r))


T7_DERIVED = (("完成预算(%)", "completion"), ("占“三公”经费合计的比重(%)", "share"))


def _t7_formulas(b: _Builder, groups: Sequence[str], colmap: Mapping[object, int], r: int) -> None:
    """docs/rules.md §3: 合计 = 因公出国(境)费 + 公务用车购置及运行维护费 + 公务接待费, 小计 = 购置 + 运行;
    below the 决算数 group, the narrative's two derived rows: 决算数 / 预算数 (完成预算) and each
    item's share of the 决算数 合计 (docs/rules.md §4), as percentages half up to 2 places."""
    sheet = b.g
    for g in groups:
        b.sum_into((g, "合计"), [(g, k) for k in ("因公出国(境)费", "公务用车购置及运行维护费", "公务接待费")])
        b.sum_into((g, "公务用车购置及运行维护费"), [(g, k) for k in ("公务用车购置费", "公务用车运行维护费")])
    if "决算数" not in groups or "预算数" not in groups:
        return
    label_to = min(colmap[(g, k)] for g in groups if g != "决算数" for k in catalog.T7_COLUMNS)
    label_last = colmap[("决算数", "合计")] - 1
    if label_last < label_to:
        return
    cells = b.layout.cells
    for offset, (label, kind) in enumerate(T7_DERIVED, start=1):
        row = r + offset
        # The label is a formula returning its text: the recogniser takes the first row with any
        # content under T7's item columns as the data row, and in a never-calculated blank
        # template a typed label would be that row, while an uncalculated formula reads as blank.
        _box(sheet, row, label_to, row, label_last, None, align=_CENTER)
        sheet.put(row, label_to, FormulaText(f'="{label}"'), sheet.style(row, label_to))
        for g in groups[2:]:
            for k in catalog.T7_COLUMNS:
                _put(sheet, row, colmap[(g, k)], None)
        for column_key in catalog.T7_COLUMNS:
            coordinate = _put(sheet, row, colmap[("决算数", column_key)], None, align=_RIGHT)
            part = cells[("决算数", column_key)]
            if kind == "completion":
                spec = Formula(kind, part=part, whole=cells[("预算数", column_key)], blank=NO_BUDGET)
            elif column_key == "合计":
                continue  # the whole's share of itself says nothing
            else:
                spec = Formula(kind, part=part, whole=cells[("决算数", "合计")], blank=NO_BASE)
            b.formula(coordinate, spec, PERCENT_FORMAT)
        sheet.heights[row] = 22
    b.layout.extra["derived_rows"] = {kind: r + offset for offset, (_, kind) in enumerate(T7_DERIVED, start=1)}


# ---------------------------------------------------------------------------------------------
# PE: 部门(单位)整体支出绩效自评表


PE_CAPTIONS = {"收入": "年度收入情况", "支出": "部门(单位)年度支出和结余情况", "三公": "三公经费情况",
               "资产": "固定资产情况"}
# Columns printed beside (not under) 其中: in the seed form, and nested 其中: groups.
_PE_OUTSIDE = {"支出": ("结余",), "资产": ("其他",)}
_PE_NESTED = {"支出": ("基本支出", ("人员支出", "公用支出"))}
PE_DEFAULT_UNITS = (SUMMARY_UNIT, "局机关", "二级机构1", "二级机构2")


def _pe_block_nodes(name: str, keys: Sequence[str]) -> tuple[_H, ...]:
    first, *rest = keys
    outside = _PE_OUTSIDE.get(name, ())
    inner = [k for k in rest if k not in outside]
    children: list[_H] = []
    nested = _PE_NESTED.get(name)
    nested_keys = nested[1] if nested and nested[0] in inner and all(k in inner for k in nested[1]) else ()
    for k in inner:
        if k in nested_keys:
            if k == nested_keys[0]:
                children.append(_H("其中:", children=tuple(_H(n, key=n) for n in nested_keys)))
            continue
        children.append(_H(k, key=k))
    nodes = [_H(first, key=first)]
    if children:
        nodes.append(_H("其中:", children=tuple(children)))
    nodes.extend(_H(k, key=k) for k in rest if k in outside)
    return tuple(nodes)


def _unit_label(key: str, index: int) -> str:
    return key if key == SUMMARY_UNIT else f"{index}、{key}"


def _write_fields(b: _Builder, r: int, width: int, names: Sequence[str]) -> int:
    for name in names:
        b.label(r, 1, None, name, align=_CENTER)
        value = b.fields.get(name)
        b.layout.fields[name] = _box(b.g, r, 2, r, width, None if value is None else str(value))
        b.editable(b.layout.fields[name])
        r += 1
    return r


# The form's own identities within a unit row (rule pack self_evaluation.yaml: PE.income_sum,
# PE.basic_sum, PE.sangong_sum, PE.assets_sum; 会议费 is not a 三公 item). 支出合计 stays an
# input: it also holds 上缴上级 and 对附属单位补助 spending (PE.spending_sum is only a warning).
PE_ROW_SUMS = (
    ("收入合计", ("上年结转", "公共财政拨款", "政府基金拨款", "纳入专户管理的非税收入拨款", "其他收入")),
    ("基本支出", ("人员支出", "公用支出")),
    ("三公经费合计", ("公务接待费", "公务用车运维费", "公务用车购置费", "因公出国费")),
    ("固定资产合计", ("在用固定资产", "出租固定资产", "其他")),
)


def _pe_formulas(b: _Builder, units: Sequence[str]) -> None:
    """局机关及二级机构汇总 = Σ the unit rows, column by column (PE.summary_row); the row sums above."""
    members = [u for u in units if u != SUMMARY_UNIT]
    for key in b.tdef.column_keys:
        b.sum_into((SUMMARY_UNIT, key), [(u, key) for u in members])
    for unit in members:
        for total, parts in PE_ROW_SUMS:
            b.sum_into((unit, total), [(unit, p) for p in parts])


def _write_pe(b: _Builder) -> TableLayout:
    g, tdef = b.g, b.tdef
    units = b.all_keys()
    if not units:
        units = list(PE_DEFAULT_UNITS)
    units = [SUMMARY_UNIT, *(u for u in units if u != SUMMARY_UNIT)]
    for unit in units:
        b.check_columns(unit, tdef.column_keys)
    width = 1 + max(len(keys) for _, keys in catalog.PE_BLOCKS)
    b.title(width, f"{b.year}年度部门(单位)整体支出绩效自评表")
    _put(g, 2, 1, "部门(单位)名称", border=False)
    b.layout.extra["unit_name_cell"] = _box(g, 2, 2, 2, width - 2, b.unit_name, border=False)
    b.editable(b.layout.extra["unit_name_cell"])
    b.layout.unit_cell = _put(g, 2, width, f"单位：{b.money_unit}", align=_RIGHT, border=False)
    r = FIRST_HEADER_ROW
    header_rows: dict[str, tuple[int, int]] = {}
    first_data = None
    for name, keys in catalog.PE_BLOCKS:
        _box(g, r, 1, r, width, f"{PE_CAPTIONS.get(name, name)}({b.money_unit})", font=_CAPTION_FONT)
        r += 1
        nodes = (_H("机构名称"), *_pe_block_nodes(name, keys))
        colmap, depth = _headers(g, r, nodes)
        header_rows[name] = (r, r + depth - 1)
        r += depth
        first_data = first_data or r
        for index, unit in enumerate(units):
            coordinate = b.label(r, 1, unit, _unit_label(unit, index))
            if unit != SUMMARY_UNIT:
                b.editable(coordinate)  # the user writes the unit's real name over “二级机构1”
            for key in keys:
                b.amount(r, colmap[key], unit, key)
            r += 1
    last_data = r - 1
    r = _write_fields(b, r, width, ("绩效自评综合得分", "评价等次"))
    b.layout.columns = tdef.column_keys
    b.layout.extra["block_header_rows"] = header_rows
    b.layout.extra["units"] = tuple(units)
    if b.formulas:
        _pe_formulas(b, units)
    b.widths({1: 24, **{c: 15 for c in range(2, width + 1)}})
    return b.finish(header_rows[catalog.PE_BLOCKS[0][0]], (first_data, last_data), repeat=False, freeze=False)


# ---------------------------------------------------------------------------------------------
# PP: 项目支出绩效自评表


PP_DETAIL_TEXT_COLUMNS = ("会计凭证号", "备注")


def _write_pp(b: _Builder) -> TableLayout:
    g = b.g
    unit = b.money_unit
    fund_rows = catalog.PP_FUND_ROWS
    details = [k for k in b.all_keys() if k not in fund_rows and k != "支出合计"]
    for key in fund_rows:
        b.check_columns(key, catalog.PP_FUND_COLUMNS)
    for key in (*details, "支出合计"):
        b.check_columns(key, ("实际支出数", *PP_DETAIL_TEXT_COLUMNS))
    width = 8
    b.title(width, f"{b.year}年度项目支出绩效自评表")
    _put(g, 2, 1, "项目名称", align=_CENTER)
    name = b.fields.get("项目名称")
    b.layout.fields["项目名称"] = _box(g, 2, 2, 2, width - 2, name, border=True)
    b.editable(b.layout.fields["项目名称"])
    b.layout.unit_cell = _put(g, 2, width, f"单位：{unit}", align=_RIGHT, border=False)
    _put(g, 3, 1, "项目单位", align=_CENTER)
    b.layout.extra["unit_name_cell"] = _box(g, 3, 2, 3, width - 2, b.unit_name)
    b.editable(b.layout.extra["unit_name_cell"])
    r = 4
    first_data = r
    for row_key in fund_rows:
        for i, column_key in enumerate(catalog.PP_FUND_COLUMNS):
            if row_key == TOTAL:
                text = f"{column_key}({unit})"
            elif row_key == fund_rows[1]:
                text = f"其中:{row_key}"
            else:
                text = row_key
            b.label(r, 1 + 2 * i, row_key, text, align=_CENTER)
            b.amount(r, 2 + 2 * i, row_key, column_key)
        r += 1
    if b.formulas:
        r = _pp_fund_formulas(b, r, width)
    _box(g, r, 1, r, width, "二、项目支出明细情况", font=_CAPTION_FONT)
    r += 1
    header_row = r
    for i, text in enumerate(("支出内容", "实际支出数", *PP_DETAIL_TEXT_COLUMNS)):
        _box(g, r, 1 + 2 * i, r, 2 + 2 * i, text, font=HEADER_FONT, align=_CENTER)
    r += 1
    spare = [""] * (b.spare_rows if b.formulas else 0)
    first_detail = r
    for key in (*details, *spare, "支出合计"):
        if key:
            b.label(r, 1, key, key, to_col=2, align=_CENTER if key == "支出合计" else _LEFT)
            b.amount(r, 3, key, "实际支出数")
        else:  # a blank input row: 支出内容, 实际支出数, 会计凭证号, 备注
            b.editable(_box(g, r, 1, r, 2, None, align=_LEFT_WRAP))
            b.amount(r, 3, "", "实际支出数", "", record=False)
        _merge(g, r, 3, r, 4)
        for i, column_key in enumerate(PP_DETAIL_TEXT_COLUMNS):
            text = b.value(key, column_key)
            coordinate = _box(g, r, 5 + 2 * i, r, 6 + 2 * i, None if not _filled(text) else str(text),
                              align=_LEFT_WRAP)
            if key != "支出合计":
                b.editable(coordinate)
        r += 1
    if b.formulas and r - 2 >= first_detail:
        # 支出合计 = Σ 支出明细 (rule PP.detail_sum).
        b.formula(b.layout.cell("支出合计", "实际支出数"),
                  Formula("sum", (f"C{first_detail}", *(f"C{i}" for i in range(first_detail + 1, r - 1)))))
        b.layout.extra["details"] = (first_detail, r - 2)
    last_data = r - 1
    _write_fields(b, r, width, ("绩效自评综合得分", "评价等次"))
    b.layout.columns = (*catalog.PP_FUND_COLUMNS, "实际支出数")
    b.layout.extra["detail_header_row"] = header_row
    b.widths({c: 16 for c in range(1, width + 1)})
    return b.finish((header_row, header_row), (first_data, last_data), repeat=False, freeze=False)


PP_DERIVED = "预算执行率(%)"


def _pp_fund_formulas(b: _Builder, r: int, width: int) -> int:
    """Rule PP.funds: 合计 = Σ 各级财政, 结余 = 实际到位资金 − 实际支出; docs/rules.md §6: 预算执行率 =
    实际支出 / 计划安排资金, on a row of its own under the fund rows. Returns the next free row."""
    fund_rows = catalog.PP_FUND_ROWS
    total, parts = fund_rows[0], fund_rows[1:]
    for column_key in catalog.PP_FUND_COLUMNS:
        b.sum_into((total, column_key), [(p, column_key) for p in parts])
    for row_key in parts:
        b.sum_into((row_key, "结余"), [(row_key, "实际到位资金")], [(row_key, "实际支出")])
    b.label(r, 1, None, PP_DERIVED, align=_CENTER)
    coordinate = _put(b.g, r, 2, None, align=_RIGHT)
    b.formula(coordinate, Formula("completion", part=b.layout.cell(total, "实际支出"),
                                  whole=b.layout.cell(total, "计划安排资金"), blank=NO_BUDGET), PERCENT_FORMAT)
    _box(b.g, r, 3, r, width, "预算执行率＝实际支出÷计划安排资金×100%（四舍五入保留两位小数）",
         align=_LEFT_WRAP)
    b.layout.extra["derived_rows"] = {"completion": r}
    return r + 1


# ---------------------------------------------------------------------------------------------
# Public API


def table_grid(name: str, tdef: TableDef, values: Mapping[str, Mapping[str, str]] | None, *,
               unit_name: str, year: int, money_unit: str = "万元", code_layout: str = "single",
               fields: Mapping[str, str] | None = None, row_keys: Sequence[str] | None = None,
               formulas: bool = False, optional_columns: Sequence[str] = (),
               spare_rows: int | None = None) -> tuple[Grid, TableLayout]:
    """One standard table as a grid named ``name``, and where everything landed.

    ``values`` maps row key → column key → amount text in 万元 (missing or "" = blank);
    ``None`` builds a blank form whose rows are ``row_keys`` (or the form's default rows).
    ``row_keys`` otherwise adds rows to those of ``values``; a row key or column key the form
    does not have raises ``ValueError``, an amount that is not a number ``ValueParseError``.
    ``optional_columns`` prints optional columns (T1 年初预算数, T5 年初预算数) even when blank.

    ``formulas=True`` builds the template form (module docstring): totals and percentages as
    formulas (a total given in ``values`` is replaced by its formula), inputs unlocked and
    validated, the sheet protected, fixed-size forms fitted to one page. ``spare_rows`` blank input
    rows follow the 科目编码 rows (T2, T3, T5, T8, T9) and the PP 支出明细; by default 30 and 12
    on a blank form, none otherwise.
    """
    if money_unit not in MONEY_UNITS:
        raise ValueError(f"金额单位只能是{'或'.join(MONEY_UNITS)}，不是“{money_unit}”")
    if code_layout not in CODE_LAYOUTS:
        raise ValueError(f"code_layout must be one of {CODE_LAYOUTS}, not {code_layout!r}")
    title = T7_TITLE if tdef.id == "T7" else tdef.title
    if spare_rows is None:
        spare_rows = 0 if values is not None else TEMPLATE_DETAIL_ROWS if tdef.id == "PP" else TEMPLATE_BODY_ROWS
    if spare_rows < 0:
        raise ValueError(f"spare_rows must not be negative, not {spare_rows}")
    g = Grid(name)
    b = _Builder(g, tdef, values or {}, blank=values is None, unit_name=unit_name, year=year,
                 money_unit=money_unit, code_layout=code_layout, fields=fields or {}, row_keys=row_keys,
                 title=title, formulas=formulas, optional_columns=optional_columns, spare_rows=spare_rows)
    if tdef.id in ("T1", "T4"):
        layout = _write_two_sided(b)
    elif tdef.id == "T6":
        layout = _write_t6(b)
    elif tdef.id == "T7":
        layout = _write_t7(b)
    elif tdef.id == "PE":
        layout = _write_pe(b)
    elif tdef.id == "PP":
        layout = _write_pp(b)
    elif tdef.kind == CODED:
        layout = _write_coded(b)
    else:
        raise ValueError(f"不认识的表：{tdef.id}")
    return g, layout


# ---------------------------------------------------------------------------------------------
# The model of a table the toolkit laid out itself


def table_model(grid: Grid, layout: TableLayout, tdef: TableDef, year: int | None = None) -> Table:
    """The core's :class:`~pytoolkit.model.Table` of a table built by ``table_grid``, read from the
    layout instead of recognised from cells: every row, label, code, side and amount where the
    grid shows it, so that a rule's finding points at the cell a painted sheet shows.

    It is what the recogniser reads from the painted sheet (a test compares the two), without
    painting and reading back. Amounts are the exact values the grid holds (in 万元).
    """
    sheet = layout.sheet
    table = Table(tdef=tdef, sheet=sheet, title_ref=CellRef(sheet, 0, 0), money_unit=layout.money_unit, year=year)
    # A column's header cell: the first header row above it (the 绩效自评表 has one header per block).
    starts = sorted(first for first, _ in layout.extra.get("block_header_rows", {}).values()) \
        or [layout.header_rows[0]]
    for (_, column_key), where in sorted(layout.cells.items(), key=lambda kv: _order(kv[1])):
        r, c = parse_coordinate(where)
        header = max((h for h in starts if h < r), default=starts[0]) - 1
        refs = table.columns.setdefault(column_key, [])
        ref = CellRef(sheet, header, c - 1)
        if ref not in refs:
            refs.append(ref)
    if tdef.id == "PP":  # its columns are the 支出明细's; the fund rows are read by their labels
        detail = layout.extra["detail_header_row"] - 1
        table.columns = {"实际支出数": [CellRef(sheet, detail, c.col) for c in table.columns["实际支出数"]]}
    sides = layout.extra.get("sides") or layout.extra.get("blocks") or {}
    rows: list[tuple[int, int, Row]] = []
    for key, sheet_row in layout.rows.items():
        label_at = layout.labels.get(key)
        col = parse_coordinate(label_at)[1] if label_at else 1
        label = ""
        if label_at is not None:
            text = grid.value(sheet_row, col)
            if tdef.id == "T6" and codes.is_code(key):
                text = grid.value(sheet_row, col + 1)  # the code's name, right of the code
            label = text.strip() if isinstance(text, str) else ""
        side = next((name for name, (first, last) in sides.items() if first <= col <= last), "")
        if tdef.id == "PP":  # the fund rows above, the 支出明细 below
            side = "资金" if key in catalog.PP_FUND_ROWS else "明细"
            if side == "资金":
                label = key
        code = key if codes.is_code(key) and tdef.id not in ("T7", "PE", "PP") else ""
        rows.append((sheet_row, col, Row(key=key, label=label or key, ref_row=sheet_row - 1, side=side, code=code)))
    for _, _, row in sorted(rows, key=lambda item: item[:2]):
        table.rows[row.key] = row
    for (row_key, column_key), where in layout.cells.items():
        row = table.rows.get(row_key)
        if row is None:
            continue
        r, c = parse_coordinate(where)
        shown = grid.value(r, c)
        value = None if shown is None else Decimal(shown)
        if value is not None and layout.money_unit == "元":
            value = value / WAN
        row.values[column_key] = Cell(value, CellRef(sheet, r - 1, c - 1), "" if shown is None else float(shown))
    for name, where in layout.fields.items():
        r, c = parse_coordinate(where)
        shown = grid.value(r, c)
        score = _SCORE.search(str(shown)) if name == "绩效自评综合得分" and shown is not None else None
        table.fields[name] = Cell(Decimal(score.group(0)) if score else None, CellRef(sheet, r - 1, c - 1),
                                  "" if shown is None else shown)
    table.is_empty_note = layout.note_cell is not None
    return table


_SCORE = re.compile(r"-?\d+(?:\.\d+)?")  # a score as written: “98分”, “92.5”


def _order(where: str) -> tuple[int, int]:
    r, c = parse_coordinate(where)
    return c, r
