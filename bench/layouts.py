"""Real published layouts: how much of each the product reads, and whether it catches an edited cell.

For every layout of the corpus (tests/data/layouts, built by the independent generator in
tests/layouts): tables recognised / expected, amounts read at their cell / expected (blank amount
cells included), 栏次/行次 numbers and other non-money cells (counts, notes, header text) read as
money, stray numbers (read from cells that hold none, or from a table outside T1–T9 taken for
one of them), error findings on the clean book, and single-cell mutations: of N cells whose +1
edit breaks a 勾稽关系 (decided by the generator's own oracle), how many a rule flags at that cell.

    python bench/layouts.py [--mutations N] [--quick] [--only ID ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import _common as C  # noqa: E402

from tests.layouts import checks  # noqa: E402
from tests.layouts import generator as G  # noqa: E402

KEYS = yaml.safe_load((ROOT / "tests" / "layouts" / "keys.yaml").read_text(encoding="utf-8"))


def measure(layout: G.Layout, mutations: int) -> tuple:
    result = checks.run(layout)
    found, tables, misclaimed = checks.tables_found(result)
    status = checks.amount_status(result)
    read = sum(1 for p in status.values() if not p)
    marks = checks.misread_marks(result)
    lanci = sum(1 for m, _ in marks if m.kind in ("lanci", "line"))
    other = len(marks) - lanci
    stray = len(checks.stray_reads(result)) + misclaimed
    tried, missed = checks.mutation_problems(result, KEYS, mutations)
    return (layout.id, f"{found}/{tables}", f"{read}/{len(status)}", lanci, other, stray, len(result.errors),
            f"{tried - len(missed)}/{tried}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mutations", type=int, default=10,
                    help="linkage-breaking single-cell edits per layout (default 10)")
    ap.add_argument("--quick", action="store_true", help="3 mutations per layout")
    ap.add_argument("--only", nargs="*", help="layout ids")
    args = ap.parse_args()
    n = 3 if args.quick else args.mutations
    corpus = G.load_corpus()
    ids = args.only or list(corpus)
    C.header(f"bench/layouts.py: {len(ids)} real layouts, {n} single-cell mutations each")
    t0 = time.perf_counter()
    rows = [measure(corpus[i], n) for i in ids]
    def ratio(k: int) -> str:
        return f"{sum(int(r[k].split('/')[0]) for r in rows)}/{sum(int(r[k].split('/')[1]) for r in rows)}"

    total_row = ("合计 total", ratio(1), ratio(2), sum(r[3] for r in rows), sum(r[4] for r in rows),
                 sum(r[5] for r in rows), sum(r[6] for r in rows), ratio(7))
    print()
    C.table([*rows, total_row],
            ("layout", "tables", "amounts read", "栏次/行次 as money", "other non-money as money",
             "stray numbers", "errors (clean)", "mutations caught"))
    print(f"\n{time.perf_counter() - t0:.1f} s. Target: every table, every amount, 0 栏次/行次 and 0 other cells"
          " read as money, 0 stray numbers, 0 errors on the clean books, every linkage-breaking mutation caught.")


if __name__ == "__main__":
    main()
