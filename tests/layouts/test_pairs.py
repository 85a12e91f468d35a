"""Pairs of years built by the independent generator (``pairs.py``) against the product's
year-to-year check (``validate --previous``).

For every pair description in tests/data/layouts/pairs: both books are internally consistent (the
oracle of the corpus), the product finds no error in either book nor across the two years, and every
single-cell edit of a linked cell, in either year, is found at that cell: the finding points at it,
or names it as last year's cell (``related``).
"""

from __future__ import annotations

from functools import cache

import pytest

from pytoolkit.findings import Severity
from pytoolkit.io.reader import read_book
from pytoolkit.rules import validate_book
from pytoolkit.rules.years import compare_years

from . import generator as G
from . import oracle, pairs

PAIRS = {p.stem: p for p in pairs.pair_paths()}


@cache
def built(pid: str, tmp: str):
    from pathlib import Path

    pair = pairs.load(PAIRS[pid])
    folder = Path(tmp)
    prev, nxt = folder / f"{pid}.上年.xlsx", folder / f"{pid}.本年.xlsx"
    prev_truth, next_truth, links = pairs.build(pair, prev, nxt)
    return pair, prev, nxt, prev_truth, next_truth, links


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return str(tmp_path_factory.mktemp("pairs"))


def test_pairs_cover_two_layouts_and_the_edition_change():
    previous = {pairs.load(p).previous.id for p in PAIRS.values()}
    assert len(previous) >= 2, previous
    years = {(pairs.load(p).previous.meta.get("year"), pairs.load(p).next.meta.get("year")) for p in PAIRS.values()}
    assert ("2018", "2019") in years


@pytest.mark.parametrize("pid", sorted(PAIRS))
def test_both_years_are_consistent(pid, folder):
    pair, _, _, prev_truth, next_truth, links = built(pid, folder)
    for truth in (prev_truth, next_truth):
        problems = oracle.broken(truth.values())
        assert not problems, problems
    assert links, "a pair must link cells"
    for link in links:
        last = link.last.value if link.last is not None else None
        assert (link.this.value or 0) == (last or 0), (link.this.ref, link.last.ref if link.last else None)


@pytest.mark.parametrize("pid", sorted(PAIRS))
def test_clean_pair_has_no_error(pid, folder):
    _, prev, nxt, *_ = built(pid, folder)
    this, last = read_book(nxt), read_book(prev)
    for book in (this, last):
        errors = [f for f in validate_book(book) if f.severity is Severity.ERROR]
        assert not errors, [(f.rule, str(f.location), f.message) for f in errors]
    found = compare_years(this, last)
    assert not [f for f in found if f.severity is not Severity.INFO], [(f.rule, f.message) for f in found]


def _mutated(layout: G.Layout, amount: G.Amount, path) -> None:
    G.build(G.with_cell(layout, amount.at, G.bumped(amount.printed, 1)), path)


def _points_at(findings, file: str, ref: str, last_file: str | None = None) -> bool:
    for f in findings:
        if not f.rule.startswith("Y."):
            continue
        here = f"{f.location.sheet}!{f.location.cell}"
        if f.location.file == file and here == ref:
            return True
        if last_file and any(r == f"上年《{last_file}》{ref}" for r in f.related):
            return True
    return False


@pytest.mark.parametrize("pid", sorted(PAIRS))
@pytest.mark.parametrize("year", ["this", "last"])
def test_every_single_cell_edit_is_found_at_its_cell(pid, year, folder, tmp_path):
    pair, prev, nxt, _, _, links = built(pid, folder)
    missed = []
    tried = 0
    for i, link in enumerate(links):
        if year == "this":
            target = link.this
            out = tmp_path / f"m{i}.本年.xlsx"
            _mutated(pair.next, target, out)
            this, last = read_book(out), read_book(prev)
            found = compare_years(this, last)
            hit = _points_at(found, out.name, target.ref)
        else:
            if link.last is None:
                continue
            target = link.last
            out = tmp_path / f"m{i}.上年.xlsx"
            _mutated(pair.previous, target, out)
            this, last = read_book(nxt), read_book(out)
            found = compare_years(this, last)
            hit = _points_at(found, out.name, target.ref, last_file=out.name)
        tried += 1
        if not hit:
            missed.append((target.table, target.row, target.col, target.ref,
                           [(f.rule, str(f.location), f.related) for f in found]))
    assert tried, "no linked cell to edit"
    assert not missed, missed
