"""Core layer: check many workbooks, in worker processes when asked.

One unit's workbook is read, recognised and validated on its own, so a batch spreads over
processes with nothing shared but the inputs (file paths, rule-pack paths) and the results
(findings, which pickle). Results come back in input order whatever the number of workers.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import PytoolkitError
from .findings import UNUSABLE_IDS, Finding, unusable


@dataclass(frozen=True)
class FileResult:
    """What checking one file gave: its findings. A file that could not be used has one finding
    ``read.unusable`` (an annotated copy that could not be written, ``output.annotate_failed``
    after the file's own findings); both mean exit status 2."""

    path: Path
    findings: list[Finding]
    annotated: Path | None = None
    coverage: str = ""  # “读取金额833个，全部对应到标准行列” (tables.explain)
    explain: tuple[str, ...] = ()  # the recogniser's account, when asked (validate --explain)
    aliases: str = ""  # the alias file used, if any
    unit: str = ""  # the unit the book is of (book.unit_name), for matching years
    previous: Path | None = None  # last year's book it was compared with (--previous, --previous-dir)
    carryover_ok: bool | None = None  # the carry-over links held (None: not compared)

    @property
    def usable(self) -> bool:
        """The file itself was read and checked (last year's book, when it could not be used, is
        a ``read.unusable`` finding located in that file)."""
        return not any(f.rule == "read.unusable" and f.location.file == self.path.name for f in self.findings)

    @property
    def problem(self) -> str:
        """The Chinese message of the first finding that sets exit status 2, or ""."""
        return next((f.message for f in self.findings if f.rule in UNUSABLE_IDS), "")


@cache
def _extra_rules(pack_paths: tuple[str, ...]) -> list:
    # Loaded once per worker process; the caller has already loaded them once to fail early.
    from .rules.loader import load_pack

    rules: list = []
    for p in pack_paths:
        rules.extend(load_pack(p))
    return rules


@cache
def _aliases(alias_path: str):
    from .tables.aliases import load

    return load(alias_path)


def aliases_for(path: Path, alias_path: str | None = None):
    """The alias file for ``path``: the one given, else 决算表别名.yaml beside the workbook."""
    from .tables.aliases import beside

    if alias_path:
        return _aliases(str(alias_path))
    found = beside(path)
    return _aliases(str(found)) if found else None


def check_file(path: Path, pack_paths: tuple[str, ...] = (), edition: str | None = None,
               annotate_to: Path | None = None, alias_path: str | None = None,
               explain: bool = False, previous: Path | dict | None = None) -> FileResult:
    """Read, recognise and validate ``path``; optionally write its annotated copy.

    ``previous``: last year's book to compare with (``rules.years``), or an index of last year's
    books by unit (``previous_index``) in which this book's unit is looked up.
    """
    from .io.reader import read_book
    from .rules import validate_book
    from .tables import explain as explained

    path = Path(path)
    try:
        aliases = aliases_for(path, alias_path)
        book = read_book(path, aliases=aliases)
        findings = validate_book(book, _extra_rules(tuple(pack_paths)), edition)
    except PytoolkitError as exc:
        return FileResult(path, [unusable(str(exc), path.name)])
    extra = {"coverage": explained.coverage(book).line, "aliases": aliases.source if aliases else "",
             "explain": tuple(explained.explain(book)) if explain else (), "unit": book.unit_name}
    last = None
    if previous is not None:
        from .rules.years import CARRYOVER_FUND, CARRYOVER_TOTAL, compare_years, unmatched_unit

        last_path = previous.get(unit_key_of(book)) or previous.get(file_key(path)) \
            if isinstance(previous, dict) else Path(previous)
        if last_path is None:
            findings = [*findings, unmatched_unit(book, this_year=True)]
        else:
            try:
                last = read_book(last_path, aliases=aliases_for(Path(last_path), alias_path))
            except PytoolkitError as exc:
                return FileResult(path, [*findings, unusable(f"上年工作簿无法使用：{exc}", Path(last_path).name)],
                                  **extra)
            cross = compare_years(book, last)
            findings = [*findings, *cross]
            extra["previous"] = Path(last_path)
            extra["carryover_ok"] = not any(f.rule in (CARRYOVER_TOTAL, CARRYOVER_FUND) for f in cross)
    if annotate_to is None:
        return FileResult(path, findings, **extra)
    from .io.annotate import annotate

    try:
        annotate(path, findings, annotate_to, book, previous=last)
    except PytoolkitError as exc:
        return FileResult(path, [*findings, unusable(str(exc), path.name, "output.annotate_failed")], **extra)
    return FileResult(path, findings, annotated=Path(annotate_to), **extra)


def unit_key_of(book) -> str:
    from .rules.years import unit_key

    return unit_key(book.unit_name) if book.unit_name else ""


_YEARS = re.compile(r"(?:19|20)\d{2}\s*年?度?|决算|部门|单位|公开|[_\-\s.（）()]")


def file_key(path: Path) -> str:
    """A workbook's name without its year and the usual words (“2019年度XX局部门决算” → “XX局”):
    the fallback for matching units across years when a book prints no unit name."""
    return "file:" + _YEARS.sub("", Path(path).stem)


@dataclass(frozen=True)
class PreviousIndex:
    """Last year's books by unit (``validate --previous-dir``): unit key → file, and the books
    that could not be read or named."""

    by_unit: dict
    units: dict  # file → unit name as printed
    problems: dict  # file → why it could not be used


def previous_index(paths: Sequence[Path], alias_path: str | None = None) -> PreviousIndex:
    """Read (and recognise) last year's books once, to find each unit's file."""
    from .io.reader import read_book

    by_unit: dict = {}
    units: dict = {}
    problems: dict = {}
    for p in paths:
        p = Path(p)
        try:
            book = read_book(p, aliases=aliases_for(p, alias_path))
        except PytoolkitError as exc:
            problems[p] = str(exc)
            continue
        units[p] = book.unit_name
        key = unit_key_of(book)
        if key:
            by_unit.setdefault(key, p)
        by_unit.setdefault(file_key(p), p)
    return PreviousIndex(by_unit, units, problems)


# A worker's collector: a book's recognition allocates many small containers that mostly die by
# reference count, so the default first-generation threshold (700) runs a collection every few
# hundred rows for little garbage; a higher one cut a book's read + validate by about 6% in
# measurement, with memory bounded by one book. What the worker inherited from the parent is
# frozen, so the oldest generation's collections no longer walk it.
WORKER_GC_THRESHOLD = 5000


def worker_start() -> None:
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


def default_workers(n_files: int) -> int:
    """One process per core, never more processes than files."""
    return max(1, min(os.cpu_count() or 1, n_files))


def check_files(paths: Sequence[Path], pack_paths: Sequence[str] = (), edition: str | None = None,
                workers: int = 1, annotate_to: Callable[[Path], Path | None] | None = None,
                alias_path: str | None = None, explain: bool = False,
                previous: Path | dict | None = None) -> Iterator[FileResult]:
    """``check_file`` for every path, results in input order, over ``workers`` processes."""
    jobs = [(Path(p), tuple(str(x) for x in pack_paths), edition, annotate_to(Path(p)) if annotate_to else None,
             alias_path, explain, previous)
            for p in paths]
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            yield check_file(*job)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=worker_start) as pool:
        for results in pool.map(_check_chunk, chunks(jobs, workers)):
            yield from results


def _check_chunk(jobs: list[tuple]) -> list[FileResult]:
    return [check_file(*job) for job in jobs]


def chunks(jobs: list, workers: int, largest: int = 16) -> list[list]:
    """``jobs`` in consecutive chunks, each an eighth of what remains per worker, at most
    ``largest``: chunks amortise the inter-process round trip (a book takes a few ms) while
    keeping the progress bar moving, and shrink to single books at the end, so that no worker
    sits idle while another finishes a long last chunk."""
    out, i = [], 0
    while i < len(jobs):
        size = max(1, min(largest, (len(jobs) - i) // (workers * 8)))
        out.append(jobs[i:i + size])
        i += size
    return out
