"""Core layer: the toolkit's results as pandas DataFrames, for analysts (docs/api.md).

- ``book_frame``: a recognised book as one tidy long frame, one row per amount cell;
- ``findings_frame``: findings, one row each, every field of the JSON contract;
- ``detail_frame``: a consolidation's 分户明细 (each unit's amounts beside the 汇总), long;
- ``table_frame``: one standard table of a book, wide, as the form prints it.

Amounts stay exact: the ``value``/``expected``/``actual``/``difference`` columns are ``object``
columns of ``decimal.Decimal`` (``None`` for a blank), never float — a 决算 is compared to the
cent and pandas has no exact decimal dtype. Sum them with ``sum(col, Decimal(0))`` or
``groupby(...)["value"].sum()`` (object sums stay Decimal); ``frame.value.astype(float)`` is there
for a chart. pandas is imported here only, so ``import pytoolkit`` and the command line do not
load it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

from .findings import Finding
from .model import Book

if TYPE_CHECKING:
    from .consolidate import ConsolidationResult

BOOK_COLUMNS = ("unit", "year", "table", "code", "line", "label", "column", "value", "sheet", "cell")
FINDING_COLUMNS = ("rule", "severity", "title", "message", "file", "sheet", "cell", "line", "text", "table",
                   "group", "related", "expected", "actual", "difference")
DETAIL_COLUMNS = ("unit", "source", "table", "line", "label", "column", "value")
SUMMARY_UNIT = "汇总"


def book_frame(book: Book) -> pd.DataFrame:
    """One row per amount cell of every recognised table, in the book's order.

    ``line`` is the row's stable key (the 科目编码, or the catalog's name of the row, e.g.
    “收入总计”; for the 整体支出绩效自评表 the unit), ``label`` what the form prints, ``column``
    the catalog's column key, ``value`` the amount in 万元 (Decimal; None when blank), ``sheet``
    and ``cell`` where it was read.
    """
    rows = []
    for t in book.tables:
        year = t.year or book.year
        for r in t.rows.values():
            for column, cell in r.values.items():
                rows.append((book.unit_name, year, t.id, r.code, r.key, r.label, column, cell.value,
                             cell.ref.sheet, cell.ref.a1))
    frame = pd.DataFrame.from_records(rows, columns=list(BOOK_COLUMNS))
    return frame.astype({"value": object, "year": "Int64"})


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """One row per finding: the JSON contract's fields, the location spread into columns."""
    rows = []
    for f in findings:
        loc = f.location
        rows.append((f.rule, f.severity.value, f.title, f.message, loc.file, loc.sheet, loc.cell, loc.line,
                     loc.text, f.table, f.group, f.related, f.expected, f.actual, f.difference))
    frame = pd.DataFrame.from_records(rows, columns=list(FINDING_COLUMNS))
    return frame.astype({"expected": object, "actual": object, "difference": object, "line": "Int64"})


def detail_frame(result: ConsolidationResult, totals: bool = True) -> pd.DataFrame:
    """A consolidation's 分户明细 as a long frame: one row per unit, table, row and column.

    The units are those the 分户明细 sheet shows side by side: the first ``detail_units`` of
    ``consolidate`` (pass a larger ``detail_units`` for more). With ``totals`` the 汇总 itself
    follows as unit “汇总” (the 合并数 when eliminations were made).
    """
    names = {u.index: (u.name, u.source) for u in result.units}
    rows = []

    def add(unit: str, source: str, values) -> None:
        for tid, table_rows in values.items():
            labels = result.labels.get(tid, {})
            for key, cols in table_rows.items():
                for column, value in cols.items():
                    rows.append((unit, source, tid, key, labels.get(key, key), column, value))

    for index, values in result.detail:
        add(*names[index], values)
    if totals:
        add(SUMMARY_UNIT, "", result.values)
    return pd.DataFrame.from_records(rows, columns=list(DETAIL_COLUMNS)).astype({"value": object})


def find_table(book: Book, name: str):
    """The first table of ``book`` named ``name``: its id (“T1”), its title or one of the
    catalog's title aliases (“收入支出决算总表”), or None."""
    from .tables.catalog import normalise_label

    wanted = normalise_label(name).upper()
    for t in book.tables:
        names = {t.id.upper(), *(normalise_label(n).upper() for n in (t.tdef.title, *t.tdef.title_aliases))}
        if wanted in names:
            return t
    return None


def table_frame(book: Book, name: str) -> pd.DataFrame:
    """One standard table as printed: a row per line (编码, 项目), a column per amount column
    (the catalog's keys, in the form's order); values Decimal in 万元 (None blank).
    Raises KeyError when the book has no such table."""
    t = find_table(book, name)
    if t is None:
        raise KeyError(name)
    columns = [key for key in t.tdef.column_keys if key in t.columns] or \
        list(dict.fromkeys(c for r in t.rows.values() for c in r.values))
    rows = [(r.code, r.label, *(r.values[c].value if c in r.values else None for c in columns))
            for r in t.rows.values()]
    return pd.DataFrame.from_records(rows, columns=["编码", "项目", *columns]).astype(
        {c: object for c in columns})
