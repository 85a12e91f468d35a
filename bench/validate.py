"""Check speed: ``pytoolkit validate`` over many books against a bare python-calamine read.

Generates N varied sample books (default 1000, the issue's target; ``--quick`` 50; see
``_common``) once, warms up on 20 books, then, in each of ``--rounds`` rounds (default 3), times
back to back over all books:

  (a) bare python-calamine in one process: ``CalamineWorkbook.from_path`` + ``to_python()`` of
      every sheet;
  (b) pytoolkit as ``pytoolkit validate`` runs it: ``batch.check_files`` with the default number of
      workers (``batch.default_workers``: the CPU count), pool start-up included;
  (c) pytoolkit in one process: ``read_book`` (read + recognise) then ``validate_book``.

The ratio (b)/(a) of each round is the target measure (≤ 2×); its spread over the rounds shows how
much the machine's load moved it. Beside it, the CPU seconds of (b) (main process and workers)
over the CPU seconds of (a): a measure the load of other processes hardly moves; on otherwise idle
cores the wall ratio approaches it divided by the number of workers. Within (c) each book's
validate_book is timed on its own: the time to validate one already-read book (mean and p95
over the best round). Nothing is asserted.
``--profile`` adds a cProfile of read_book + validate_book (top 20 by cumulative time). The SEED
books carry the seed's 绩效自评 forms and so 4 known errors each (PE vs the tables); the others
have none.

    python bench/validate.py [--n N] [--quick] [--rounds R] [--profile]
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402
from read import bare_calamine  # noqa: E402

from pytoolkit.batch import check_files, default_workers  # noqa: E402
from pytoolkit.io.reader import read_book  # noqa: E402
from pytoolkit.rules import validate_book  # noqa: E402

TARGET_RATIO = 2.0
TARGET_ONE_MS = 50.0


def batch_pass(paths: list[Path]) -> None:
    for result in check_files(paths, workers=default_workers(len(paths))):
        assert result.usable, result.problem


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its finished children (the pool's workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def read_and_validate(path: Path) -> None:
    validate_book(read_book(path))


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
    ap.add_argument("--rounds", type=int, default=3, help="rounds of (calamine, validate, one-process) passes")
    ap.add_argument("--profile", action="store_true", help="cProfile read_book + validate_book (top 20)")
    args = ap.parse_args()
    n = C.count(args)
    workers = default_workers(n)
    C.header(f"bench/validate.py: {n} books, {args.rounds} rounds, validate --workers {workers} (the default)")
    tmp, paths = C.generated_books(n, "validate")
    with tmp:
        warm = paths[: min(len(paths), 20)]
        C.timed_pass(bare_calamine, warm)
        pytoolkit_pass(warm)
        rounds = []
        cpu_ratios: list[float] = []
        best = None
        for _ in range(args.rounds):
            gc.collect()
            c0 = time.process_time()
            cal_per = C.timed_pass(bare_calamine, paths)
            cal_cpu = time.process_time() - c0
            gc.collect()
            t0, b0 = time.perf_counter(), _cpu_with_children()
            batch_pass(paths)
            batch_total, batch_cpu = time.perf_counter() - t0, _cpu_with_children() - b0
            gc.collect()
            result = pytoolkit_pass(paths)
            rounds.append((sum(cal_per), batch_total, sum(result[0]) + sum(result[1]), cal_per))
            cpu_ratios.append(batch_cpu / cal_cpu)
            if best is None or sum(result[0]) + sum(result[1]) < sum(best[0]) + sum(best[1]):
                best = result
        reads, checks, rules = best
        print()
        C.table([(f"round {i + 1}", f"{1000 * c / n:.2f}", f"{1000 * b / n:.2f}", f"{1000 * o / n:.2f}",
                  f"{b / c:.2f}×", f"{o / c:.2f}×") for i, (c, b, o, _) in enumerate(rounds)],
                ("轮次 round", "calamine ms/book", f"validate -w{workers} ms/book", "one process ms/book",
                 "validate / calamine", "one process / calamine"))
        ratios = sorted(b / c for c, b, _, _ in rounds)
        one = sorted(o / c for c, _, o, _ in rounds)
        cal_per = min(rounds, key=lambda r: r[0])[3]
        ptk_per = [a + b for a, b in zip(reads, checks)]
        mean_ms, p95_ms = 1000 * sum(checks) / n, 1000 * C.p95(checks)
        print()
        C.table([
            ("calamine (bare read), best round", f"{1000 * sum(cal_per) / n:.2f}", f"{1000 * C.p95(cal_per):.2f}"),
            ("pytoolkit read_book, best round", f"{1000 * sum(reads) / n:.2f}", f"{1000 * C.p95(reads):.2f}"),
            ("pytoolkit validate_book, best round", f"{1000 * sum(checks) / n:.2f}", f"{1000 * C.p95(checks):.2f}"),
            ("pytoolkit read+validate, best round", f"{1000 * sum(ptk_per) / n:.2f}", f"{1000 * C.p95(ptk_per):.2f}"),
        ], ("方法 method", "ms/book (mean)", "p95 ms"))
        print()
        C.table([
            (f"validate --workers {workers} / calamine", f"{statistics.median(ratios):.2f}×",
             f"{ratios[0]:.2f}–{ratios[-1]:.2f}×", f"≤ {TARGET_RATIO}×",
             C.verdict(statistics.median(ratios) <= TARGET_RATIO)),
            (f"CPU of validate --workers {workers} (all processes) / CPU of calamine",
             f"{statistics.median(cpu_ratios):.2f}×", f"{min(cpu_ratios):.2f}–{max(cpu_ratios):.2f}×",
             "(reference)", ""),
            ("read+recognise+validate, one process / calamine", f"{statistics.median(one):.2f}×",
             f"{one[0]:.2f}–{one[-1]:.2f}×", "(reference)", ""),
            ("validate one read book, mean", f"{mean_ms:.2f} ms", "", f"< {TARGET_ONE_MS} ms",
             C.verdict(mean_ms < TARGET_ONE_MS)),
            ("validate one read book, p95", f"{p95_ms:.2f} ms", "", f"< {TARGET_ONE_MS} ms",
             C.verdict(p95_ms < TARGET_ONE_MS)),
        ], ("指标 measure", "median", "spread (min–max)", "target", "结果 result"))
        print(f"\n校验结果 findings over the {n} books (per pass): "
              + (", ".join(f"{k} ×{v}" for k, v in sorted(rules.items())) or "none"))
        print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"(os.cpu_count() = {os.cpu_count()})")
        if args.profile:
            C.profile(read_and_validate, paths[: min(len(paths), 200)], top=20, title="read_book + validate_book")


if __name__ == "__main__":
    main()
