"""Check speed: read + recognise + validate_book against a bare python-calamine read.

Generates N varied sample books (default 1000, the issue's target; ``--quick`` 50; see
``_common``) once, warms up on 20 books, then times the best of 3 passes over all books of:

  (a) bare python-calamine: ``CalamineWorkbook.from_path`` + ``to_python()`` of every sheet;
  (b) pytoolkit in one process: ``read_book`` (read + recognise) then ``validate_book``;
  (c) pytoolkit as ``pytoolkit validate --workers 2`` runs it: ``batch.check_files`` over two
      worker processes (pool start-up included), against the same one-process calamine read.

Within (b) each book's validate_book is timed on its own: that is the time to validate one
already-read book (mean and p95 over the best pass).

Targets: pytoolkit (read+recognise+validate) / calamine ≤ 2× — measured for (c), the batch path
users run on a 2-core machine, with (b) printed beside it; validate one read book < 50 ms
(mean and p95). Nothing is asserted. ``--profile`` adds a cProfile of validate_book over the read
books (top 15 by cumulative time). The SEED books carry the seed's 绩效自评 forms and so 4 known
errors each (PE vs the tables); the others must have none.

    python bench/validate.py [--n N] [--quick] [--profile]
"""

from __future__ import annotations

import gc
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402
from read import bare_calamine  # noqa: E402

from pytoolkit.batch import check_files  # noqa: E402
from pytoolkit.io.reader import read_book  # noqa: E402
from pytoolkit.rules import validate_book  # noqa: E402

TARGET_RATIO = 2.0
TARGET_ONE_MS = 50.0
WORKERS = 2


def batch_pass(paths: list[Path]) -> None:
    for result in check_files(paths, workers=WORKERS):
        assert result.findings is not None, result.problem


def pytoolkit_pass(paths: list[Path]) -> tuple[list[float], list[float], Counter]:
    """Per-book seconds of read_book and of validate_book, and the findings by rule."""
    clock = time.perf_counter
    reads, checks, rules = [], [], Counter()
    for p in paths:
        t0 = clock()
        book = read_book(p)
        t1 = clock()
        findings = validate_book(book)
        t2 = clock()
        reads.append(t1 - t0)
        checks.append(t2 - t1)
        rules.update(f"{f.rule} ({f.severity.value})" for f in findings)
    return reads, checks, rules


def main() -> None:
    ap = C.parser(__doc__, default_n=1000, quick_n=50)
    ap.add_argument("--profile", action="store_true", help="cProfile validate_book (top 15 by cumulative time)")
    args = ap.parse_args()
    n = C.count(args)
    C.header(f"bench/validate.py: {n} books, best of 3 passes")
    tmp, paths = C.generated_books(n, "validate")
    with tmp:
        warm = paths[: min(len(paths), 20)]
        C.timed_pass(bare_calamine, warm)
        pytoolkit_pass(warm)
        cal_total, cal_per = C.best_of(bare_calamine, paths, passes=3)
        best = None
        for _ in range(3):
            gc.collect()
            result = pytoolkit_pass(paths)
            if best is None or sum(result[0]) + sum(result[1]) < sum(best[0]) + sum(best[1]):
                best = result
        reads, checks, rules = best
        batch_total, _ = C.best_of(batch_pass, [paths], passes=3)  # one call = the whole batch
        ptk_total = sum(reads) + sum(checks)
        ptk_per = [a + b for a, b in zip(reads, checks)]
        print()
        C.table([
            ("calamine (bare read)", f"{1000 * cal_total / n:.2f}", f"{1000 * C.p95(cal_per):.2f}", f"{cal_total:.2f}"),
            ("pytoolkit read_book", f"{1000 * sum(reads) / n:.2f}", f"{1000 * C.p95(reads):.2f}", f"{sum(reads):.2f}"),
            ("pytoolkit validate_book", f"{1000 * sum(checks) / n:.2f}", f"{1000 * C.p95(checks):.2f}",
             f"{sum(checks):.2f}"),
            ("pytoolkit read+validate", f"{1000 * ptk_total / n:.2f}", f"{1000 * C.p95(ptk_per):.2f}",
             f"{ptk_total:.2f}"),
            (f"pytoolkit validate --workers {WORKERS}", f"{1000 * batch_total / n:.2f}", "", f"{batch_total:.2f}"),
        ], ("方法 method", "ms/book (mean)", "p95 ms", "total s"))
        ratio, batch_ratio = ptk_total / cal_total, batch_total / cal_total
        mean_ms, p95_ms = 1000 * sum(checks) / n, 1000 * C.p95(checks)
        print()
        C.table([
            (f"validate --workers {WORKERS} / calamine", f"{batch_ratio:.2f}×", f"≤ {TARGET_RATIO}×",
             C.verdict(batch_ratio <= TARGET_RATIO)),
            ("read+recognise+validate, one process / calamine", f"{ratio:.2f}×", "(for reference)", ""),
            ("validate one read book, mean", f"{mean_ms:.2f} ms", f"< {TARGET_ONE_MS} ms",
             C.verdict(mean_ms < TARGET_ONE_MS)),
            ("validate one read book, p95", f"{p95_ms:.2f} ms", f"< {TARGET_ONE_MS} ms",
             C.verdict(p95_ms < TARGET_ONE_MS)),
        ], ("指标 measure", "measured", "target", "结果 result"))
        print(f"\n校验结果 findings over the {n} books (per pass): "
              + (", ".join(f"{k} ×{v}" for k, v in sorted(rules.items())) or "none"))
        if args.profile:
            books = [read_book(p) for p in paths[: min(len(paths), 200)]]
            C.profile(validate_book, books, title="validate_book")


if __name__ == "__main__":
    main()
