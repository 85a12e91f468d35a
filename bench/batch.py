"""Batch speed when every unit has findings: the same command on clean and on finding-laden units.

Generates four folders of N books (default 1,000; ``--quick`` 60): for ``validate`` the varied
sample books of ``_common`` (SEED and the DEPARTMENT units, both layouts), for ``consolidate``
unit books in the department's shape (``consolidate.generate``, one year, every file its own
unit); each once clean and once finding-laden (``_common.with_faults``: ``FAULTS`` amounts per book
raised, so that every book carries findings, typically 15 to 30). Then, in each of ``--rounds``
rounds (default 3), interleaved so that the machine's load falls on all alike:

  - a bare python-calamine read (every sheet of every book, one process) of each folder;
  - ``pytoolkit validate DIR --workers 2`` and ``pytoolkit consolidate DIR -o OUT --workers 2``,
    as text (stdout to a file, the overview and the report files) and ``--format json`` (stdout
    to a file), on the clean and on the finding-laden folder, each in a fresh interpreter that
    reports the wall time of ``cli.main`` and the CPU seconds of itself and its workers.

Printed per round: each run's wall and CPU seconds, its ratio to the bare read of the same books
measured in that round, and laden / clean for each command and format; then the range of laden /
clean over the rounds. Target: laden / clean ≤ 1.3 for validate and consolidate, text and JSON.
The machine is shared: compare the ratios within a round, not absolute times. Nothing is
asserted. ``--tree DIR`` runs the commands of another source tree (for a before/after).

    python bench/batch.py [--n N] [--quick] [--rounds R] [--workers 2] [--tree DIR] [--books DIR]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402
import consolidate as B  # noqa: E402  (bench/consolidate.py: the department-shaped unit books)
from read import bare_calamine  # noqa: E402

TARGET = 1.3
RUNNER = r"""
import json, os, resource, sys, time
from pytoolkit import cli
argv, stdout = json.loads(sys.argv[1]), sys.argv[2]
with open(stdout, "w", encoding="utf-8") as sink:
    saved, sys.stdout = sys.stdout, sink
    t0 = time.perf_counter()
    try:
        code = cli.main(argv)
    finally:
        wall = time.perf_counter() - t0
        sys.stdout = saved
own = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps({"code": code, "wall": wall, "cpu": cpu, "tree": os.path.dirname(os.path.dirname(cli.__file__))}))
"""


HERE = Path(__file__).resolve().parents[1]  # the source tree this script belongs to


def run_cli(argv: list[str], tmp: Path, tree: Path | None) -> dict:
    # The child runs in ``tmp``: ``python -c`` puts its working folder first on the path, and a
    # source tree there would shadow the one asked for.
    env = dict(os.environ, PYTHONPATH=str(tree or HERE))
    out = tmp / "stdout.txt"
    proc = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(argv), str(out)], capture_output=True,
                          text=True, env=env, timeout=7200, cwd=tmp)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr[-3000:]}")
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    doc["lines"] = sum(1 for _ in out.open(encoding="utf-8"))
    return doc


def bare(paths: list[Path]) -> float:
    t0 = time.perf_counter()
    for p in paths:
        bare_calamine(p)
    return time.perf_counter() - t0


def folders(n: int, root: Path) -> dict[tuple[str, str], list[Path]]:
    """The four folders of ``n`` books under ``root``; made unless an earlier run left them there."""
    out = {}
    for kind in ("clean", "laden"):
        t0 = time.perf_counter()
        made = False
        for command, make in (("validate", C.generate), ("consolidate", B.generate)):
            d = root / f"{command}-{kind}-{n}"
            found = sorted(p for p in d.glob("*.xlsx")) if d.is_dir() else []
            if len(found) != n:
                if d.is_dir():
                    shutil.rmtree(d)
                d.mkdir(parents=True)
                found = make(n, d, faulty=kind == "laden")
                made = True
            out[(command, kind)] = found
        if made:
            print(f"生成 generated {kind}: {n} + {n} books in {time.perf_counter() - t0:.0f} s")
    return out


def main() -> None:
    ap = C.parser(__doc__, default_n=1000, quick_n=60)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--workers", type=int, default=2, help="--workers of the commands (default 2)")
    ap.add_argument("--tree", type=Path, help="run the commands of this source tree (default: this one)")
    ap.add_argument("--books", type=Path, help="keep the generated books in this folder and reuse them next time")
    args = ap.parse_args()
    n = C.count(args)
    tree = args.tree.resolve() if args.tree else None
    C.header(f"bench/batch.py: {n} units, clean vs finding-laden, {args.rounds} rounds, --workers {args.workers}"
             + (f", tree {tree}" if tree else ""))
    with tempfile.TemporaryDirectory(prefix="pytoolkit-bench-batch-") as tmp_name:
        tmp = Path(tmp_name)
        books = folders(n, args.books.resolve() if args.books else tmp)
        for paths in books.values():
            C.timed_pass(bare_calamine, paths[:20])  # page cache warm for every method alike
        ratios: dict[tuple[str, str], list[float]] = {}
        for rnd in range(1, args.rounds + 1):
            print(f"\n-- round {rnd} (load average {os.getloadavg()[0]:.1f}) --")
            rows, results, reads = [], {}, {}
            for command in ("validate", "consolidate"):
                for fmt in ("text", "json"):
                    order = ("clean", "laden") if (rnd + (fmt == "json")) % 2 else ("laden", "clean")
                    for kind in order:
                        paths = books[(command, kind)]
                        if (command, kind) not in reads:
                            reads[(command, kind)] = bare(paths)
                        folder = paths[0].parent
                        argv = [command, str(folder), "--workers", str(args.workers), "--force"]
                        if command == "validate" and fmt == "text" and tree is None:
                            argv += ["--report", str(tmp / f"清单-{kind}.xlsx")]  # not beside kept books
                        if command == "consolidate":
                            argv[2:2] = ["-o", str(tmp / f"汇总-{kind}.xlsx")]
                        if fmt == "json":
                            argv += ["--format", "json"]
                        r = run_cli(argv, tmp, tree)
                        if rnd == 1 and not results:
                            print(f"(pytoolkit imported from {r['tree']})")
                        results[(command, fmt, kind)] = r
                        read = reads[(command, kind)]
                        rows.append((f"{command} {fmt} {kind}", f"{r['wall']:.2f}", f"{r['cpu']:.2f}",
                                     f"{read:.2f}", f"{r['wall'] / read:.2f}×", f"{r['lines']}", f"{r['code']}"))
            C.table(rows, ("run", "wall s", "CPU s", "bare read s", "wall / read", "stdout lines", "exit"))
            print()
            summary = []
            for command in ("validate", "consolidate"):
                for fmt in ("text", "json"):
                    laden, clean = results[(command, fmt, "laden")], results[(command, fmt, "clean")]
                    ratio = laden["wall"] / clean["wall"]
                    ratios.setdefault((command, fmt), []).append(ratio)
                    summary.append((f"{command} {fmt}", f"{ratio:.2f}×", f"{laden['cpu'] / clean['cpu']:.2f}×",
                                    C.verdict(ratio <= TARGET)))
            C.table(summary, ("laden / clean", "wall", "CPU", f"≤ {TARGET}×"))
        print(f"\n== laden / clean over {args.rounds} rounds (wall) ==")
        C.table([(f"{c} {f}", f"{min(v):.2f}×", f"{sorted(v)[len(v) // 2]:.2f}×", f"{max(v):.2f}×",
                  C.verdict(max(v) <= TARGET)) for (c, f), v in ratios.items()],
                ("command", "min", "median", "max", f"max ≤ {TARGET}×"))


if __name__ == "__main__":
    main()
