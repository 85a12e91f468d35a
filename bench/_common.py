"""Shared helpers of the benchmarks: varied sample books, timing, profiling, table printing.

A generated book is one of the bundled samples (SEED with its 绩效自评 forms, or one of the three
DEPARTMENT units) with every amount multiplied by a factor 0.90–1.10 in steps of 0.01. The factor
keeps every identity exact (a 2-decimal 万元 figure times a 2-decimal factor has 4 decimals, i.e.
whole 元), so the books are as clean as the samples; the unit name carries the book number, so
no two files are the same. Even books use the single code column in 万元, odd ones the split
类/款/项 columns in 元.

A *finding-laden* book (``faulty=True``) is the same book with a few linkages broken on purpose:
``FAULTS`` amounts of the public tables (T1–T9), chosen with a RNG seeded by the book number, get a
positive delta. Each broken amount trips the in-table and between-table rules that use it, so
every such book carries findings (typically 10–40), as a batch of real units awaiting correction
does.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from pytoolkit.io.layout import write_book
from pytoolkit.samples.data import DEPARTMENT, SEED, UnitSample

BASES: tuple[UnitSample, ...] = (SEED, *DEPARTMENT)
LAYOUTS = (("single", "万元"), ("split", "元"))
FAULTS = 10
_DELTAS = tuple(Decimal(d) for d in ("0.01", "0.50", "1.00", "12.34", "100.00"))


def scaled(sample: UnitSample, factor: Decimal, suffix: str = "") -> UnitSample:
    """``sample`` with every amount × ``factor`` (exact Decimal; blanks stay blank)."""
    values = {
        tid: {row: {col: _times(text, factor) for col, text in cols.items()} for row, cols in rows.items()}
        for tid, rows in sample.values.items()
    }
    return replace(sample, name=sample.name + suffix, values=values)


def with_faults(sample: UnitSample, seed: int, faults: int = FAULTS) -> UnitSample:
    """``sample`` with ``faults`` filled amounts of T1–T9 raised by a small delta (seeded)."""
    rng = random.Random(f"faults-{seed}")
    cells = sorted((tid, row, col) for tid, rows in sample.values.items() if tid.startswith("T")
                   for row, cols in rows.items() for col, text in cols.items()
                   if text is not None and str(text).strip() not in ("", "0", "0.00"))
    values = {tid: {row: dict(cols) for row, cols in rows.items()} for tid, rows in sample.values.items()}
    for tid, row, col in rng.sample(cells, min(faults, len(cells))):
        raised = Decimal(str(values[tid][row][col])) + rng.choice(_DELTAS)
        values[tid][row][col] = format(raised, "f")
    return replace(sample, values=values)


def _times(text: str, factor: Decimal) -> str:
    if text is None or str(text).strip() == "":
        return text
    value = Decimal(str(text)) * factor
    return format(value.normalize(), "f") if value else "0.00"


def book_spec(i: int, faulty: bool = False) -> tuple[UnitSample, str, str]:
    """The i-th varied book: (sample, code_layout, money_unit); ``faulty``: with broken linkages."""
    base = BASES[(i // 2) % len(BASES)]
    code_layout, money_unit = LAYOUTS[i % 2]
    factor = Decimal(random.Random(i).randint(90, 110)) / 100
    sample = scaled(base, factor, f"（样本{i + 1}）")
    return (with_faults(sample, i) if faulty else sample), code_layout, money_unit


def _write_one(args: tuple[int, str, bool]) -> str:
    i, folder, faulty = args
    sample, code_layout, money_unit = book_spec(i, faulty)
    path = Path(folder) / f"book{i:04d}_{code_layout}.xlsx"
    write_book(path, sample, code_layout=code_layout, money_unit=money_unit)
    return str(path)


def generate(n: int, folder: str | Path, workers: int = 2, faulty: bool = False) -> list[Path]:
    """Write ``n`` varied books into ``folder`` (in ``workers`` processes); their paths in order."""
    jobs = [(i, str(folder), faulty) for i in range(n)]
    if workers <= 1:
        return [Path(_write_one(j)) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [Path(p) for p in pool.map(_write_one, jobs, chunksize=8)]


def generated_books(n: int, label: str, faulty: bool = False) -> tuple[tempfile.TemporaryDirectory, list[Path]]:
    tmp = tempfile.TemporaryDirectory(prefix=f"pytoolkit-bench-{label}-")
    t0 = time.perf_counter()
    paths = generate(n, tmp.name, workers=min(2, os.cpu_count() or 1), faulty=faulty)
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1024
    kind = "finding-laden " if faulty else ""
    print(f"生成 generated {n} {kind}books in {time.perf_counter() - t0:.1f} s "
          f"(avg {size:.1f} KB, layouts single/万元 + split/元, in {tmp.name})")
    return tmp, paths


def timed_pass(fn, paths) -> list[float]:
    """Seconds per book of ``fn(path)`` over ``paths``."""
    out = []
    clock = time.perf_counter
    for p in paths:
        t0 = clock()
        fn(p)
        out.append(clock() - t0)
    return out


def best_of(fn, paths, passes: int = 3) -> tuple[float, list[float]]:
    """(total seconds of the best pass, per-book seconds of that pass)."""
    best: list[float] | None = None
    for _ in range(passes):
        gc.collect()
        times = timed_pass(fn, paths)
        if best is None or sum(times) < sum(best):
            best = times
    return sum(best), best


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def profile(fn, paths, top: int = 15, title: str = "") -> None:
    prof = cProfile.Profile()
    prof.enable()
    for p in paths:
        fn(p)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("cumulative")
    stats.print_stats(top)
    print(f"\n== cProfile {title}: top {top} by cumulative time ({len(paths)} books) ==")
    lines = buf.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    print("\n".join(lines[max(0, start - 1):]).rstrip())


def table(rows: list[tuple], headers: tuple[str, ...]) -> None:
    """Print a plain aligned table (CJK characters count as two columns)."""
    cells = [tuple(str(c) for c in headers)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    for k, r in enumerate(cells):
        print("  ".join(_pad(c, w, left=(i == 0)) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, left: bool) -> str:
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text


def verdict(ok: bool) -> str:
    return "达标 met" if ok else "未达标 MISSED"


def parser(doc: str, default_n: int, quick_n: int) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help=f"number of books (default {default_n}; --quick {quick_n})")
    ap.add_argument("--quick", action="store_true", help="small run to check the script works")
    ap.set_defaults(default_n=default_n, quick_n=quick_n)
    return ap


def count(args) -> int:
    return args.n if args.n is not None else (args.quick_n if args.quick else args.default_n)


def header(title: str) -> None:
    import openpyxl
    import python_calamine

    cal = getattr(python_calamine, "__version__", None)
    if cal is None:
        from importlib.metadata import version

        cal = version("python-calamine")
    print(f"== {title} ==")
    print(f"Python {sys.version.split()[0]}, python-calamine {cal}, openpyxl {openpyxl.__version__}, "
          f"{os.cpu_count()} CPU")
