"""Core layer: the derived columns of a recognised table and their values.

A published table often carries, beside its amounts, columns of figures derived from them
(docs/rules.md §4): 完成年初预算的百分比 (决算 / 年初预算 × 100), 比上年增减额 (本年 − 上年) and 增减率
(增减额 / 上年 × 100). The catalog does not define such columns (the recogniser skips them, using
``derived_kind``), so this module finds them by their header text in a recognised table's header rows and says, for
every data row, which cell holds which figure and what it should be, computed by
``pytoolkit.metrics`` from the table's exact values.

Which amounts feed which figure follows the catalog's column keys:

- T1 收入支出决算总表, each row: 完成率 = 决算数 / 年初预算数; 增减额, 增减率 from 决算数 and 上年决算数;
- T5 一般公共预算财政拨款支出决算表, each row: 完成率 = 合计 / 年初预算数;
- T7 “三公”经费 (column groups 预算数 / 决算数 / 上年决算数 over the items): a further group headed
  完成率, 增减额 or 增减率, per item.

A figure that cannot be computed (no 年初预算 or a zero one, a blank 上年) is ``None``: docs/rules.md §4
says “无年初预算”, never 0% or 100%, so the cell is left blank. Nothing here writes anything: the
ribbon entry point decides which cells it may fill (only empty ones, or its own earlier values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from pytoolkit.metrics import change, completion_rate
from pytoolkit.model import Book, Cell, CellRef, Table
from pytoolkit.tables.catalog import normalise_label

__all__ = ["CHANGE_AMOUNT", "CHANGE_RATE", "COMPLETION", "Target", "derived_kind", "targets"]

COMPLETION = "完成率"
CHANGE_AMOUNT = "增减额"
CHANGE_RATE = "增减率"
PERCENT_KINDS = (COMPLETION, CHANGE_RATE)

# Header texts (normalised, any "%" / "(%)" removed) that name each derived figure.
_COMPLETION_NAMES = {
    "完成率", "预算完成率", "完成预算", "完成年初预算", "完成预算百分比", "完成年初预算百分比",
    "完成年初预算的百分比", "决算数为年初预算数的", "决算占年初预算", "完成预算比例", "完成年初预算比例",
}
_CHANGE_NAMES = {"增减", "比上年增减", "较上年增减", "同比增减", "增减变动", "增减情况", "比上年增减情况"}
_AMOUNT_NAMES = {"增减额", "比上年增减额", "较上年增减额", "同比增减额", "增减金额", "比上年增减金额"}
_RATE_NAMES = {
    "增减率", "比上年增减率", "较上年增减率", "同比增减率", "增长率", "同比增长率", "增减幅度",
    "增减比例", "增减百分比", "比上年增长",
}
# Sub-headers under a 增减 group header: 金额 | % (or 比率, 幅度).
_SUB_AMOUNT = {"金额", "额", "增减额", "数额"}
_SUB_RATE = {"", "率", "比率", "比例", "幅度", "百分比", "增减率"}
_PERCENT = re.compile(r"(\(%\)|%|百分点)$")

# Row-shaped tables: figure → (actual column, base column), catalog keys (docs/rules.md §4).
_ROW_SOURCES: dict[str, dict[str, tuple[str, str]]] = {
    "T1": {
        COMPLETION: ("决算数", "年初预算数"),
        CHANGE_AMOUNT: ("决算数", "上年决算数"),
        CHANGE_RATE: ("决算数", "上年决算数"),
    },
    "T5": {COMPLETION: ("合计", "年初预算数")},
}
# T7: figure → (actual row, base row), per item column.
_T7_SOURCES = {
    COMPLETION: ("决算数", "预算数"),
    CHANGE_AMOUNT: ("决算数", "上年决算数"),
    CHANGE_RATE: ("决算数", "上年决算数"),
}
_WAN = Decimal(10000)


@dataclass(frozen=True)
class Target:
    """One cell of a derived column and the figure it should hold (None: leave it blank)."""

    ref: CellRef
    kind: str  # COMPLETION / CHANGE_AMOUNT / CHANGE_RATE
    value: Decimal | None  # percent for the rates (169.06 = 169.06%), amounts in the table's unit
    table: str
    row: str  # the row key (T7: the item column key)

    @property
    def is_percent(self) -> bool:
        return self.kind in PERCENT_KINDS


def derived_kind(path: list[str]) -> str | None:
    """The derived figure a header path (outer to inner, normalised) names, or None."""
    if not path:
        return None
    last = path[-1]
    marked = bool(_PERCENT.search(last))
    base = _PERCENT.sub("", last)
    if base in _COMPLETION_NAMES:
        return COMPLETION
    if base in _RATE_NAMES:
        return CHANGE_RATE
    if base in _AMOUNT_NAMES:
        return CHANGE_RATE if marked else CHANGE_AMOUNT
    if base in _CHANGE_NAMES:
        return CHANGE_RATE if marked else CHANGE_AMOUNT
    if len(path) >= 2:
        parent = _PERCENT.sub("", path[-2])
        if parent in _CHANGE_NAMES or parent in _AMOUNT_NAMES or parent in _RATE_NAMES:
            if base in _SUB_AMOUNT and not marked:
                return CHANGE_AMOUNT
            if base in _SUB_RATE or marked:
                return CHANGE_RATE
        if parent in _COMPLETION_NAMES and (marked or base in _SUB_RATE):
            return COMPLETION
    return None


def targets(book: Book) -> list[Target]:
    """Every derived cell of every recognised table of ``book`` that has derived columns (the
    recogniser records them in ``Table.derived_columns``)."""
    out: list[Target] = []
    for table in book.tables:
        if not table.derived_columns or not table.rows or not table.columns:
            continue
        if table.id in _ROW_SOURCES:
            out.extend(_row_targets(table))
        elif table.id == "T7":
            out.extend(_t7_targets(table))
    return out


# ---------------------------------------------------------------------------------------------


def _row_targets(table: Table) -> list[Target]:
    sources = _ROW_SOURCES[table.id]
    # Where each side's amounts start: a derived column belongs to the nearest side on its left
    # (T1 prints 收入 and 支出 side by side, each with its own columns).
    starts: dict[str, int] = {}
    for row in table.rows.values():
        for cell in row.values.values():
            starts[row.side] = min(starts.get(row.side, cell.ref.col), cell.ref.col)
    out = []
    for c, path in table.derived_columns.items():
        kind = derived_kind(path)
        if kind is None or kind not in sources:
            continue
        left = [(start, side) for side, start in starts.items() if start < c]
        if not left:
            continue
        side = max(left)[1]
        actual_key, base_key = sources[kind]
        for row in table.rows.values():
            if row.side != side:
                continue
            actual, base = row.get(actual_key), row.get(base_key)
            if base is None or actual is None:
                continue  # this side has no such column: the figure cannot be derived here
            value = _figure(kind, actual, base, table.money_unit)
            out.append(Target(CellRef(table.sheet, row.ref_row, c), kind, value, table.id, row.key))
    return out


def _t7_targets(table: Table) -> list[Target]:
    rows = list(table.rows.values())
    if len({row.ref_row for row in rows}) != 1:
        return []  # the transposed layout (预算数/决算数 as rows): derived rows are not supported
    data_row = rows[0].ref_row
    items = table.tdef.columns
    out = []
    for c, path in table.derived_columns.items():
        # The derived group header sits above the item headers: 完成率 › 公务接待费.
        kind = next((k for i in range(len(path)) if (k := derived_kind(path[: i + 1]))), None)
        if kind is None:
            continue
        item = _t7_item(path, items)
        actual_row, base_row = _T7_SOURCES[kind]
        actual, base = table.cell(actual_row, item or ""), table.cell(base_row, item or "")
        if item is None or actual is None or base is None:
            continue
        value = _figure(kind, actual, base, table.money_unit)
        out.append(Target(CellRef(table.sheet, data_row, c), kind, value, table.id, item))
    return out


def _t7_item(path: list[str], items) -> str | None:
    for element in reversed(path):
        for col in items:
            if element in (normalise_label(name) for name in col.names()):
                return col.key
    return None


def _figure(kind: str, actual: Cell, base: Cell, money_unit: str) -> Decimal | None:
    if base.value is None:
        return None  # a blank base: nothing to compare with (not the same as 0)
    if kind == COMPLETION:
        return completion_rate(actual.value, base.value)
    delta = change(actual.value, base.value)
    if kind == CHANGE_RATE:
        return delta.rate
    # Amounts are held in 万元; the cell is printed in the table's unit.
    if money_unit == "元":
        return delta.amount * _WAN
    if money_unit == "亿元":
        return delta.amount / _WAN
    return delta.amount

