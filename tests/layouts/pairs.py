"""Pairs of years: a layout of the corpus (last year) and a next-year description → two workbooks
whose cross-year links hold, and the truth of those links.

Like ``generator``, this imports nothing from ``pytoolkit`` (``test_independence`` checks): which
cell of next year must equal which cell of last year is written in the pair description by hand,
from the rules of the forms (年初结转和结余 = 上年年末结转和结余; 上年决算数 = 上年决算数), not
taken from the product's catalog.

A pair description (``tests/data/layouts/pairs/*.yaml``):

```yaml
id: gd2021_zhanjiang_lanci+2022
previous: gd2021_zhanjiang_lanci      # a layout of the corpus: last year's book
year: "2022"
text: [["2021", "2022"], ...]          # replacements in every printed text (titles, unit lines, labels)
cells:                                 # next year's printed cells, by table / row key / column key
  - [T1, 年初结转和结余, 决算数, "47.10"]
copy:                                  # next year's cells that take last year's printed cell
  - [T7, 上年决算数, "*", T7, 决算数, "*"]   # "*": every column both rows have
insert_rows:                           # a row added after the row holding ``after`` (a key)
  - {table: T1, after: "222", row: ["", "", "", "二十一、灾害防治及应急管理支出 @224", "52", ""]}
add_sheets: [...]                      # sheets as in a layout description (a table new this year)
links:                                 # the cross-year links the pair must satisfy (the oracle)
  - [T1, 年初结转和结余, 决算数, T1, 年末结转和结余, 决算数]
  - [T8, "*", 年初结转和结余, T8, "*", 年末结转和结余]   # "*" row: every row key both years have
codes: {"22004": "22405"}              # renumbered codes, for "*" rows
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import generator as g

PAIRS = g.CORPUS / "pairs"


@dataclass
class Link:
    """Next year's amount cell and last year's cell it must equal (None: last year has no such
    line, so next year's must be blank or zero)."""

    this: g.Amount
    last: g.Amount | None


@dataclass
class Pair:
    id: str
    previous: g.Layout
    next: g.Layout
    links: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


def load(path: str | Path) -> Pair:
    path = Path(path)
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506
    corpus = g.load_corpus()
    if doc.get("previous") not in corpus:
        raise g.LayoutError(f"{path.name}: previous layout {doc.get('previous')!r} is not in the corpus")
    prev = corpus[doc["previous"]]
    nxt = g.clone(prev)
    nxt.id = doc.get("id", path.stem)
    nxt.meta = {**prev.meta, "year": doc.get("year", "")}
    for old, new in doc.get("text", []):
        _replace_text(nxt, old, new)
    for spec in doc.get("insert_rows", []):
        _insert_row(nxt, spec, path.name)
    for s in doc.get("add_sheets", []):
        tables = [g._table(t, f"{path.name} sheet {s.get('name')!r}") for t in s.get("tables", [])]
        nxt.sheets.append(g.Sheet(s["name"], tables, int(s.get("gap", 2))))
    prev_truth = g.build(prev, None)
    for table, row, col, source_table, source_row, source_col in doc.get("copy", []):
        nxt = _copy(nxt, prev_truth, (table, row, col), (source_table, source_row, source_col), path.name)
    for table, row, col, text in doc.get("cells", []):
        nxt = _set(nxt, table, row, col, text, path.name)
    links = [tuple(x) for x in doc.get("links", [])]
    return Pair(nxt.id, prev, nxt, links, dict(doc.get("codes", {})), {k: v for k, v in doc.items()})


def pair_paths() -> list[Path]:
    return sorted(PAIRS.glob("*.yaml"))


def _replace_text(layout: g.Layout, old: str, new: str) -> None:
    for t in layout.tables():
        t.title = t.title.replace(old, new)
        t.above = [x.replace(old, new) for x in t.above]
        t.below = [x.replace(old, new) for x in t.below]
        t.unit = [x.replace(old, new) for x in t.unit]
        t.notes = [x.replace(old, new) for x in t.notes]
        t.header = [[x.replace(old, new) for x in h] for h in t.header]
        for r in t.rows:
            if r.kind == "note":
                r.cells[0] = r.cells[0].replace(old, new)
                continue
            for i, col in enumerate(t.columns):
                if col.role == "label" or r.kind == "text":
                    r.cells[i] = r.cells[i].replace(old, new)


def _find(layout: g.Layout, table: str, row: str, col: str, where: str) -> list[g.Amount]:
    truth = g.build(layout, None)
    hits = [a for a in truth.amounts if a.table == table and a.row == row and a.col == col]
    if not hits:
        raise g.LayoutError(f"{where}: no cell {table}/{row}/{col} in {layout.id}")
    return hits


def _set(layout: g.Layout, table: str, row: str, col: str, text: str, where: str) -> g.Layout:
    for a in _find(layout, table, row, col, where):
        layout = g.with_cell(layout, a.at, text)
    return layout


def _copy(layout: g.Layout, prev_truth: g.Truth, target: tuple, source: tuple, where: str) -> g.Layout:
    table, row, col = target
    stable, srow, scol = source
    truth = g.build(layout, None)
    cols = {a.col for a in truth.amounts if a.table == table and a.row == row} if col == "*" else {col}
    for c in sorted(cols):
        sc = c if scol == "*" else scol
        src = [a for a in prev_truth.amounts if a.table == stable and a.row == srow and a.col == sc]
        if not src:
            raise g.LayoutError(f"{where}: no cell {stable}/{srow}/{sc} last year")
        layout = _set(layout, table, row, c, src[0].printed, where)
    return layout


def _insert_row(layout: g.Layout, spec: dict, where: str) -> None:
    for t in layout.tables():
        if t.id != spec["table"]:
            continue
        row = g._row(list(spec["row"]), len(t.columns), f"{where} insert into {t.id}")
        for i, r in enumerate(t.rows):
            if any(v == spec["after"] for v in r.keys.values()) or spec["after"] in r.cells:
                t.rows.insert(i + 1, row)
                return
        raise g.LayoutError(f"{where}: no row {spec['after']!r} in {t.id}")
    raise g.LayoutError(f"{where}: no table {spec['table']!r}")


def build(pair: Pair, prev_path: str | Path | None, next_path: str | Path | None
          ) -> tuple[g.Truth, g.Truth, list[Link]]:
    """Write both workbooks; their truths and every link (next year's cell, last year's cell)."""
    prev_truth = g.build(pair.previous, prev_path)
    next_truth = g.build(pair.next, next_path)
    links: list[Link] = []
    for table, row, col, ptable, prow, pcol in pair.links:
        this_cells = [a for a in next_truth.amounts if a.table == table and (row == "*" or a.row == row)
                      and (col == "*" or a.col == col)]
        for a in this_cells:
            want_row = _mapped(a.row, pair.codes) if row == "*" else prow
            want_col = a.col if pcol == "*" else pcol
            last = [b for b in prev_truth.amounts if b.table == ptable and b.row == want_row and b.col == want_col]
            if row == "*":
                last = [b for b in prev_truth.amounts if b.table == ptable and _mapped(b.row, pair.codes) == a.row
                        and b.col == want_col]
            links.append(Link(a, last[0] if last else None))
    return prev_truth, next_truth, links


def _mapped(key: str, moves: dict[str, str]) -> str:
    for old, new in moves.items():
        if key.startswith(old):
            return new + key[len(old):]
    return key
