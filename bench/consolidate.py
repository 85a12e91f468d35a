"""Consolidation speed and memory: ``pytoolkit consolidate`` end to end against a bare calamine read.

Generates N unit workbooks in the bundled department's shape (default 1000; ``--quick`` 100;
``--full`` runs 1,000 and 10,000): 64 distinct books (the three DEPARTMENT units, amounts × a
factor 0.90–1.10, layouts single/万元 and split/元, see ``_common``), then copies of them whose
unit name (cover and every 部门 line) carries the book number, so that every file is a different
unit. Then, for each size, in the same run:

  (a) bare python-calamine: ``CalamineWorkbook.from_path`` + ``to_python()`` of every sheet, one
      process, over all files;
  (b) ``pytoolkit consolidate DIR -o OUT.xlsx`` with the default number of workers (the CPU
      count) in a fresh interpreter (read, recognise and validate every unit in the worker
      processes, stream the sums, validate the 汇总, write the workbook with its 分户明细,
      分户主要指标 and chart). That interpreter reports its wall time, CPU time and peak RSS
      (``resource.getrusage`` of itself and of its children, the workers).

Each size runs ``--rounds`` times (default 2), (a) and (b) back to back, so the spread of the
ratio shows the machine's load. Targets: (b) / (a) ≤ 2.5×; the main process's peak RSS grows by
at most 30 MB from 1,000 to 10,000 units (``--full``). Nothing is asserted.

    python bench/consolidate.py [--n N] [--quick] [--full] [--rounds R] [--workers N]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402
import python_calamine as calamine  # noqa: E402
from read import bare_calamine  # noqa: E402

from pytoolkit.io.layout import write_book  # noqa: E402
from pytoolkit.samples.data import DEPARTMENT  # noqa: E402

DISTINCT = 64
TARGET_RATIO = 2.5
TARGET_RSS_GROWTH_MB = 30

RUNNER = r"""
import contextlib, json, os, resource, sys, time
from pytoolkit import cli
folder, out, workers = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
    code = cli.main(["consolidate", folder, "-o", out] + (["--workers", workers] if workers else []))
wall = time.perf_counter() - t0
own = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps({"code": code, "wall": wall, "cpu": cpu, "self_kb": own.ru_maxrss, "children_kb": kids.ru_maxrss,
                  "out_kb": os.path.getsize(out) // 1024}))
"""


def _distinct(args: tuple[int, str, bool]) -> str:
    i, folder, faulty = args
    base = DEPARTMENT[i % len(DEPARTMENT)]
    code_layout, money_unit = C.LAYOUTS[(i // len(DEPARTMENT)) % 2]
    factor = Decimal(90 + (i * 7) % 21) / 100
    sample = C.scaled(base, factor)
    if faulty:
        sample = C.with_faults(sample, i)
    path = Path(folder) / f"base{i:02d}.xlsx"
    write_book(path, sample, code_layout=code_layout, money_unit=money_unit)
    return str(path)


def _copy_renamed(args: tuple[str, str, str, str]) -> None:
    """Copy ``src`` to ``dst`` with the unit name replaced everywhere it is printed."""
    src, dst, old, new = args
    # openpyxl writes text cells inline, non-ASCII as character references (&#27752;…)
    pairs = [(old.encode(), new.encode()), (_char_refs(old), _char_refs(new))]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml":
                for a, b in pairs:
                    data = data.replace(a, b)
            zout.writestr(info, data)


def _char_refs(text: str) -> bytes:
    return "".join(ch if ord(ch) < 128 else f"&#{ord(ch)};" for ch in text).encode()


def generate(n: int, folder: Path, faulty: bool = False) -> list[Path]:
    """``n`` unit books in ``folder``; ``faulty``: each with a few linkages broken (``_common``)."""
    tmp_bases = folder / "_bases"
    tmp_bases.mkdir()
    with ProcessPoolExecutor(max_workers=2) as pool:
        bases = list(pool.map(_distinct, [(i, str(tmp_bases), faulty) for i in range(min(n, DISTINCT))]))
        jobs = []
        for k in range(n):
            b = k % len(bases)
            name = DEPARTMENT[b % len(DEPARTMENT)].name
            jobs.append((bases[b], str(folder / f"unit{k:05d}.xlsx"), name, f"{name}（样本{k + 1}）"))
        list(pool.map(_copy_renamed, jobs, chunksize=64))
    for p in tmp_bases.iterdir():
        p.unlink()
    tmp_bases.rmdir()
    return sorted(folder.glob("unit*.xlsx"))


def run_size(n: int, workers: int | None, rounds: int) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix=f"pytoolkit-bench-consolidate-{n}-") as tmp:
        folder = Path(tmp) / "units"
        folder.mkdir()
        t0 = time.perf_counter()
        paths = generate(n, folder)
        size = sum(p.stat().st_size for p in paths) / len(paths) / 1024
        print(f"\n生成 generated {n} unit books in {time.perf_counter() - t0:.1f} s (avg {size:.1f} KB)")
        C.timed_pass(bare_calamine, paths[:20])  # warm the page cache for both methods alike
        return [_one_round(n, paths, folder, Path(tmp) / f"汇总{i}.xlsx", workers) for i in range(rounds)]


def _one_round(n: int, paths: list[Path], folder: Path, out: Path, workers: int | None) -> dict:
    """One timed pair: the bare calamine read of every file, then the consolidation."""
    cpu0 = time.process_time()
    cal = sum(C.timed_pass(bare_calamine, paths))
    cal_cpu = time.process_time() - cpu0
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(folder), str(out), str(workers or "")],
                          capture_output=True, text=True, timeout=7200)
    if proc.returncode != 0:
        raise SystemExit(f"consolidate run failed:\n{proc.stderr[-3000:]}")
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    wb = calamine.CalamineWorkbook.from_path(str(out))
    rows = wb.get_sheet_by_name("分户主要指标").to_python()[1:]
    doc["units"] = sum(1 for r in rows if r[4].startswith("已汇总"))
    doc["with_errors"] = sum(1 for r in rows if r[5])
    explain = wb.get_sheet_by_name("汇总说明").to_python()
    doc["problems"] = next((r[0] for r in explain if str(r[0]).startswith("发现的问题")), "")
    wb.close()
    doc.update(n=n, calamine=cal, calamine_cpu=cal_cpu, load=(load, os.getloadavg()[0]))
    return doc


def main() -> None:
    ap = C.parser(__doc__, default_n=1000, quick_n=100)
    ap.add_argument("--full", action="store_true", help="run 1,000 and 10,000 units")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: the command's, CPU count)")
    ap.add_argument("--rounds", type=int, default=2, help="runs per size (default 2)")
    args = ap.parse_args()
    sizes = [1000, 10000] if args.full else [C.count(args)]
    C.header(f"bench/consolidate.py: {', '.join(map(str, sizes))} units, --workers {args.workers or 'default'}, "
             f"{args.rounds} rounds")
    results = [r for n in sizes for r in run_size(n, args.workers, args.rounds)]
    print()
    rows = []
    for r in results:
        ratio = r["wall"] / r["calamine"]
        rows.append((f"{r['n']}", f"{r['calamine']:.1f}", f"{r['wall']:.1f}", f"{ratio:.2f}×",
                     f"{r['cpu'] / r['calamine_cpu']:.2f}×", f"{60 * r['n'] / r['wall']:.0f}",
                     f"{r['self_kb'] / 1024:.0f}", f"{r['children_kb'] / 1024:.0f}", f"{r['out_kb']}",
                     C.verdict(ratio <= TARGET_RATIO)))
    C.table(rows, ("units", "calamine s", "consolidate s", "wall ratio", "CPU ratio", "units/min", "RSS main MB",
                   "RSS worker MB", "output KB", f"≤ {TARGET_RATIO}×"))
    print("CPU ratio: CPU seconds of the consolidation (main + workers) / CPU seconds of the bare read; on two "
          "otherwise idle cores the wall ratio approaches half of it.")
    for r in results:
        print(f"\n{r['n']} units: exit {r['code']}, {r['units']} summed ({r['with_errors']} with errors), "
              f"{r['problems']}; load average {r['load'][0]:.1f} → {r['load'][1]:.1f}")
    for n in sizes:
        ratios = sorted(r["wall"] / r["calamine"] for r in results if r["n"] == n)
        cpu = sorted(r["cpu"] / r["calamine_cpu"] for r in results if r["n"] == n)
        mid = statistics.median(ratios)
        print(f"{n} units: wall ratio {mid:.2f}× (spread {ratios[0]:.2f}–{ratios[-1]:.2f}×, "
              f"target ≤ {TARGET_RATIO}×: {C.verdict(mid <= TARGET_RATIO)}); CPU ratio "
              f"{statistics.median(cpu):.2f}× ({cpu[0]:.2f}–{cpu[-1]:.2f}×)")
    if len(sizes) > 1:
        a = max(r["self_kb"] for r in results if r["n"] == sizes[0])
        b = max(r["self_kb"] for r in results if r["n"] == sizes[-1])
        growth = (b - a) / 1024
        print(f"peak RSS of the main process: {a / 1024:.0f} MB at {sizes[0]} units, {b / 1024:.0f} MB at "
              f"{sizes[-1]} ({growth:+.0f} MB; target ≤ +{TARGET_RSS_GROWTH_MB} MB: "
              f"{C.verdict(growth <= TARGET_RSS_GROWTH_MB)})")
    print(f"(os.cpu_count() = {os.cpu_count()})")


if __name__ == "__main__":
    main()
