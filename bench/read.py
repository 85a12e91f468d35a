"""Read speed: pytoolkit.read_book against bare python-calamine and openpyxl read-only.

Generates N varied sample books (default 200, ``--quick`` 30; see ``_common``) once, warms up,
then times the best of 3 passes over all books of:

  (a) bare python-calamine: ``CalamineWorkbook.from_path`` + ``to_python()`` of every sheet;
  (b) openpyxl read-only values: ``load_workbook(read_only=True, data_only=True)`` + every row;
  (c) pytoolkit ``read_book``: calamine read + uncalculated-formula scan + table recognition.

Targets: pytoolkit / calamine ≤ 1.5×; openpyxl / pytoolkit ≥ 8×. Ratios are measured in the same
run; nothing is asserted. ``--profile`` adds a cProfile of read_book (top 15 by cumulative time)
and a split of its time into file check / calamine / formula scan / recognition.

    python bench/read.py [--n N] [--quick] [--profile] [--baseline SRC]

``--baseline SRC`` compares with another source tree of pytoolkit (e.g. ``git archive main`` unpacked
into SRC) on the same books: both trees run in fresh processes, interleaved round by round (the
machine's load drifts), each round timing bare calamine, read_book and recognise alone (also with
the garbage collector off: the sheets of all the books kept for it make each collection its
objects set off walk a large heap); the ratios are taken within each process, and their medians
over the rounds are reported.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402
import python_calamine as calamine  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from pytoolkit.io import reader  # noqa: E402
from pytoolkit.io.reader import read_book  # noqa: E402
from pytoolkit.model import Book  # noqa: E402
from pytoolkit.tables.recognise import recognise_book  # noqa: E402

TARGET_VS_CALAMINE = 1.5
TARGET_OPENPYXL_VS = 8.0


def bare_calamine(path: Path) -> None:
    wb = calamine.CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    wb.close()


def openpyxl_values(path: Path) -> None:
    wb = load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        for _row in ws.iter_rows(values_only=True):
            pass
    wb.close()


def pytoolkit_read(path: Path) -> None:
    read_book(path)


def split_read_book(paths: list[Path]) -> list[tuple[str, float]]:
    """Seconds over ``paths`` of each stage of read_book, run stage by stage."""
    clock = time.perf_counter
    stages = {"file checks (zip scan)": 0.0, "calamine read": 0.0, "uncalculated-formula scan": 0.0,
              "recognise": 0.0}
    for p in paths:
        t0 = clock()
        reader._check_file(p)
        with reader._open_zip(p) as zf:
            reader._check_zip(p, zf)
        t1 = clock()
        book = read_book(p, recognise=False)  # includes the formula scan: subtract it below
        t2 = clock()
        with reader._open_zip(p) as zf:
            reader._scan_cells(zf)
        t3 = clock()
        recognise_book(Book(path=book.path, sheets=book.sheets))
        t4 = clock()
        stages["file checks (zip scan)"] += t1 - t0
        stages["uncalculated-formula scan"] += t3 - t2
        stages["calamine read"] += (t2 - t1) - (t1 - t0) - (t3 - t2)
        stages["recognise"] += t4 - t3
    return list(stages.items())


def _worker(listing: str) -> None:
    """One round in this process (whichever pytoolkit is first on the path): best-of-3 seconds of
    bare calamine, read_book and recognise alone, as JSON."""
    paths = [Path(p) for p in Path(listing).read_text(encoding="utf-8").split("\n") if p]
    for fn in (bare_calamine, pytoolkit_read):
        C.timed_pass(fn, paths[:10])
    # The two reads first: the sheets kept for timing recognition alone would otherwise swell the
    # heap that every garbage collection of the reads walks.
    out = {"calamine": C.best_of(bare_calamine, paths)[0], "read_book": C.best_of(pytoolkit_read, paths)[0]}
    sheets = [read_book(p, recognise=False).sheets for p in paths]

    def recognise_only(i: int) -> None:
        recognise_book(Book(path=paths[i], sheets=sheets[i]))

    out["recognise"] = C.best_of(recognise_only, list(range(len(paths))))[0]
    # The same with the garbage collector off: what the recogniser itself costs, apart from the
    # collections its objects (cells, the recognition record) set off while all these sheets are alive.
    gc.disable()
    try:
        out["recognise_nogc"] = C.best_of(recognise_only, list(range(len(paths))))[0]
    finally:
        gc.enable()
    print(json.dumps(out))


def compare(paths: list[Path], baseline: Path, rounds: int = 5) -> None:
    """This tree against ``baseline`` on the same books, interleaved, in fresh processes."""
    here = Path(__file__).resolve().parents[1]
    listing = paths[0].parent / "books.txt"
    listing.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
    runs: dict[str, list[dict]] = {"baseline": [], "this": []}
    for _ in range(rounds):
        for name, src in (("baseline", baseline), ("this", here)):
            env = {**os.environ, "PYTHONPATH": str(src)}
            done = subprocess.run([sys.executable, __file__, "--worker", str(listing)], env=env, check=True,
                                  capture_output=True, text=True, cwd=str(src))
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    n = len(paths)
    rows = []
    for name, results in runs.items():
        ratio = statistics.median(r["read_book"] / r["calamine"] for r in results)
        rec = statistics.median(1000 * r["recognise"] / n for r in results)
        nogc = statistics.median(1000 * r.get("recognise_nogc", float("nan")) / n for r in results)
        rows.append((name, f"{ratio:.2f}×", f"{rec:.2f}", f"{nogc:.2f}"))
    this = statistics.median(r["read_book"] / r["calamine"] for r in runs["this"])
    base = statistics.median(r["read_book"] / r["calamine"] for r in runs["baseline"])

    def change(key: str) -> str:
        mine = statistics.median(r.get(key, float("nan")) for r in runs["this"])
        theirs = statistics.median(r.get(key, float("nan")) for r in runs["baseline"])
        return f"{100 * (mine / theirs - 1):+.1f}%"

    print()
    C.table(rows, ("tree", "read_book / calamine (median)", "recognise ms/book (median)", "same, GC off"))
    print(f"\nread_book/calamine: this {this:.2f}× vs baseline {base:.2f}× ({100 * (this / base - 1):+.1f}%); "
          f"recognise alone {change('recognise')}, GC off {change('recognise_nogc')} ({rounds} interleaved rounds)")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        _worker(sys.argv[2])
        return
    ap = C.parser(__doc__, default_n=200, quick_n=30)
    ap.add_argument("--profile", action="store_true", help="cProfile read_book (top 15 by cumulative time)")
    ap.add_argument("--baseline", metavar="SRC", help="another pytoolkit source tree to compare with, same books")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds for --baseline (default 5)")
    args = ap.parse_args()
    n = C.count(args)
    if args.baseline:
        C.header(f"bench/read.py: {n} books, this tree against {args.baseline}")
        tmp, paths = C.generated_books(n, "read")
        with tmp:
            compare(paths, Path(args.baseline).resolve(), args.rounds)
        return
    C.header(f"bench/read.py: {n} books, best of 3 passes")
    tmp, paths = C.generated_books(n, "read")
    with tmp:
        methods = (("calamine (bare)", bare_calamine), ("openpyxl read-only", openpyxl_values),
                   ("pytoolkit read_book", pytoolkit_read))
        for _, fn in methods:  # warm-up: imports, caches, page cache
            C.timed_pass(fn, paths[: min(len(paths), 20)])
        results = {}
        for name, fn in methods:
            results[name] = C.best_of(fn, paths, passes=3)
        rows = []
        for name, (total, per) in results.items():
            rows.append((name, f"{1000 * total / n:.2f}", f"{1000 * C.p95(per):.2f}", f"{total:.2f}"))
        print()
        C.table(rows, ("方法 method", "ms/book (mean)", "p95 ms", "total s"))
        cal = results["calamine (bare)"][0]
        opx = results["openpyxl read-only"][0]
        ptk = results["pytoolkit read_book"][0]
        r1, r2 = ptk / cal, opx / ptk
        print()
        C.table([
            ("pytoolkit / calamine", f"{r1:.2f}×", f"≤ {TARGET_VS_CALAMINE}×", C.verdict(r1 <= TARGET_VS_CALAMINE)),
            ("openpyxl / pytoolkit", f"{r2:.2f}×", f"≥ {TARGET_OPENPYXL_VS}×", C.verdict(r2 >= TARGET_OPENPYXL_VS)),
        ], ("比值 ratio", "measured", "target", "结果 result"))
        print("\n时间构成 where read_book's time goes (one pass, stage by stage):")
        stages = split_read_book(paths)
        total = sum(s for _, s in stages)
        C.table([(name, f"{1000 * s / n:.2f}", f"{100 * s / total:.0f}%") for name, s in stages],
                ("stage", "ms/book", "share"))
        if args.profile:
            C.profile(pytoolkit_read, paths, title="read_book")


if __name__ == "__main__":
    main()
