"""Compare what the product read from a generated workbook with the generator's truth.

The test side of the layout corpus: this module imports the product (``read_book``,
``validate_book``); the generator, the oracle and the fuzzer do not.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pytoolkit.io.reader import read_book
from pytoolkit.rules import validate_book

from . import generator as G
from . import oracle

MONEY_MARKS = ("lanci", "line", "count", "note", "text", "header", "other")
# Generated workbooks go here; LAYOUTS_WORKDIR keeps them for a look, otherwise they go at exit.
WORK = Path(os.environ.get("LAYOUTS_WORKDIR") or tempfile.mkdtemp(prefix="pytoolkit-layouts-"))
if not os.environ.get("LAYOUTS_WORKDIR"):
    atexit.register(shutil.rmtree, WORK, ignore_errors=True)
else:
    WORK.mkdir(parents=True, exist_ok=True)


@dataclass
class Result:
    """One generated workbook, read and validated by the product."""

    layout: G.Layout
    truth: G.Truth
    path: Path
    book: object
    findings: list = field(default_factory=list)

    @property
    def errors(self) -> list:
        return [f for f in self.findings if f.severity.value == "error"]


def run(layout: G.Layout, name: str | None = None) -> Result:
    path = WORK / f"{name or layout.id}.xlsx"
    truth = G.build(layout, path)
    book = read_book(path)
    return Result(layout, truth, path, book, validate_book(book))


def _product_table(result: Result, tix: int):
    """The product's table that sits where truth table ``tix`` is (same sheet, title in its area)."""
    tt = result.truth.tables[tix]
    for t in result.book.tables:
        if t.sheet == tt.sheet and tt.first_r <= t.title_ref.row <= tt.last_r:
            return t
    return None


def table_problems(result: Result) -> list[str]:
    """Truth tables not recognised, recognised as another table, and tables found where none is."""
    out = []
    claimed = set()
    for i, tt in enumerate(result.truth.tables):
        t = _product_table(result, i)
        if not G.is_public(tt.id):
            if t is not None:
                claimed.add(id(t))
                out.append(f"“{tt.title}”不是公开的九张表之一，却被识别为{t.id}")
            continue
        if t is None:
            out.append(f"{tt.id}（{tt.sheet}!{tt.title}）未识别")
            continue
        claimed.add(id(t))
        if t.id != tt.id:
            out.append(f"{tt.id}（{tt.title}）被识别为{t.id}")
    for t in result.book.tables:
        if id(t) not in claimed:
            out.append(f"多识别出{t.id}（{t.sheet}!{t.title_ref.a1 if hasattr(t.title_ref, 'a1') else t.title_ref}）")
    return out


def tables_found(result: Result) -> tuple[int, int, int]:
    """(public tables recognised as the right one, public tables expected, other tables taken for public ones)."""
    found = expected = misclaimed = 0
    for i, tt in enumerate(result.truth.tables):
        t = _product_table(result, i)
        if G.is_public(tt.id):
            expected += 1
            found += t is not None and t.id == tt.id
        else:
            misclaimed += t is not None
    return found, expected, misclaimed


def amount_status(result: Result) -> dict[tuple[int, str, str], str]:
    """Each truth amount (table index, row key, column key) → "" when read right, else what is wrong.

    Blank amount cells count: the product must map them to their line (as blank or zero).
    """
    out = {}
    for a in result.truth.amounts:
        t = _product_table(result, a.tix)
        row = t.rows.get(a.row) if t is not None and t.id == a.table else None
        cell = row.values.get(a.col) if row is not None else None
        problem = ""
        if cell is None:
            # A blank amount cell too: left unmapped, a figure typed into it later goes unchecked.
            problem = f"{a.ref} {a.table}[{a.row}].{a.col}={a.printed or '（空白）'} 未读到"
        elif (cell.ref.sheet, cell.ref.row, cell.ref.col) != (a.sheet, a.r, a.c):
            problem = f"{a.table}[{a.row}].{a.col} 应在{a.ref}，读自{cell.ref}"
        elif (cell.value or Decimal(0)) != (a.value or Decimal(0)):
            problem = f"{a.ref} {a.table}[{a.row}].{a.col} 应为{a.value}，读为{cell.value}"
        out[(a.tix, a.row, a.col)] = problem
    return out


def stray_reads(result: Result) -> list[str]:
    """Numbers the product read from cells that hold no amount."""
    expected = {(a.sheet, a.r, a.c) for a in result.truth.amounts}
    out = []
    for t in result.book.tables:
        for row in t.rows.values():
            for col, cell in row.values.items():
                ref = (cell.ref.sheet, cell.ref.row, cell.ref.col)
                if cell.value is not None and ref not in expected:
                    out.append(f"{cell.ref} 不是金额单元格，却读作{t.id}[{row.key}].{col}={cell.value}")
    return out


def amount_problems(result: Result) -> list[str]:
    """Every printed amount read at its cell with its value; no number read from elsewhere."""
    return [p for p in amount_status(result).values() if p] + stray_reads(result)


def misread_marks(result: Result) -> list[tuple[G.Mark, str]]:
    """栏次/行次 numbers, counts, notes and header text the product read as money, with what it made of them."""
    marks = {(m.sheet, m.r, m.c): m for m in result.truth.marks if m.kind in MONEY_MARKS}
    out = []
    for t in result.book.tables:
        for row in t.rows.values():
            for col, cell in row.values.items():
                m = marks.get((cell.ref.sheet, cell.ref.row, cell.ref.col))
                if m is not None and cell.value is not None:
                    out.append((m, f"{cell.ref}（{m.kind}“{m.text}”）读作{t.id}[{row.key}].{col}={cell.value}"))
    return out


def mark_problems(result: Result) -> list[str]:
    return [text for _, text in misread_marks(result)]


def error_problems(result: Result) -> list[str]:
    return [f"{f.rule} {f.location}: {f.message}" for f in result.errors]


# ---------------------------------------------------------------------------------------------
# Single-cell mutations

def standard(a: G.Amount, keys: dict) -> bool:
    spec = keys.get(a.table, {})
    return (a.col in spec.get("columns", ()) and
            (a.row in spec.get("rows", ()) or (a.row.isdigit() and "codes" in spec)
             or spec.get("extra_rows") == "any"))


def mutations(result: Result, keys: dict, n: int, seed: str) -> list[G.Amount]:
    """Up to ``n`` amount cells (standard keys) whose +1 edit breaks a 勾稽关系, drawn by ``seed``."""
    values = result.truth.values()
    candidates = [a for a in result.truth.amounts if standard(a, keys)]
    random.Random(seed).shuffle(candidates)
    picked = []
    for a in candidates:
        if len(picked) >= n:
            break
        step = Decimal(1) / G.WAN if result.truth.tables[a.tix].money_unit == "元" else Decimal(1)
        cells = values[a.table][a.row]
        cells[a.col] = (a.value or Decimal(0)) + step
        if oracle.broken(values):
            picked.append(a)
        cells[a.col] = a.value
    return picked


def caught(clean: Result, mutant: Result, a: G.Amount) -> bool:
    """A new error/warning finding points at the edited cell (its location or its related cells)."""
    before = {(f.rule, str(f.location), f.message) for f in clean.findings}
    for f in mutant.findings:
        if f.severity.value == "info" or (f.rule, str(f.location), f.message) in before:
            continue
        if (f.location.sheet == a.sheet and f.location.cell == a.a1) or a.ref in f.related:
            return True
    return False


def mutation_problems(result: Result, keys: dict, n: int) -> tuple[int, list[str]]:
    """(linkage-breaking mutations tried, those no rule flagged at the edited cell)."""
    missed = []
    picked = mutations(result, keys, n, result.layout.id)
    for i, a in enumerate(picked):
        mutant = run(G.with_cell(result.layout, a.at, G.bumped(a.printed)), f"{result.layout.id}-m{i}")
        if not caught(result, mutant, a):
            missed.append(f"{a.ref} {a.table}[{a.row}].{a.col} {a.printed}→{G.bumped(a.printed)}")
    return len(picked), missed


# ---------------------------------------------------------------------------------------------
# A perturbed book against its base: nothing read right before may be read wrong after

def regressions(base: Result, variant: Result) -> list[str]:
    """What the product got right on ``base`` and gets wrong on ``variant`` (same tables, same figures)."""
    out = []
    for i, tt in enumerate(base.truth.tables):
        b, v = _product_table(base, i), _product_table(variant, i)
        if b is not None and b.id == tt.id and (v is None or v.id != tt.id):
            out.append(f"{tt.id}（{tt.title}）不再识别" if v is None else f"{tt.id}（{tt.title}）被识别为{v.id}")
    before, after = amount_status(base), amount_status(variant)
    out += [after[k] for k, problem in before.items() if not problem and after.get(k)]
    stray = len(stray_reads(variant)) - len(stray_reads(base))
    if stray > 0:
        out += stray_reads(variant)[:stray]
    seen = {(m.kind, m.text) for m, _ in misread_marks(base)}
    out += [text for m, text in misread_marks(variant) if (m.kind, m.text) not in seen]
    rules = {f.rule for f in base.errors}
    out += [f"新的错误 {f.rule} {f.location}: {f.message}" for f in variant.errors if f.rule not in rules]
    return out
