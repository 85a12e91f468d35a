"""Core layer: check many workbooks, in worker processes when asked.

One unit's workbook is read, recognised and validated on its own, so a batch spreads over
processes with nothing shared but the inputs (file paths, rule-pack paths) and the results
(findings, which pickle). Results come back in input order whatever the number of workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import PytoolkitError
from .findings import Finding


@dataclass(frozen=True)
class FileResult:
    """What checking one file gave: its findings, or why it could not be used."""

    path: Path
    findings: list[Finding] | None = None
    problem: str = ""  # Chinese, names the file: set when the file (or its annotated copy) failed
    annotated: Path | None = None
    coverage: str = ""  # “读取金额833个，全部对应到标准行列” (tables.explain)
    explain: tuple[str, ...] = ()  # the recogniser's account, when asked (validate --explain)
    aliases: str = ""  # the alias file used, if any


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
               explain: bool = False) -> FileResult:
    """Read, recognise and validate ``path``; optionally write its annotated copy."""
    from .io.reader import read_book
    from .rules import validate_book
    from .tables import explain as explained

    path = Path(path)
    try:
        aliases = aliases_for(path, alias_path)
        book = read_book(path, aliases=aliases)
        findings = validate_book(book, _extra_rules(tuple(pack_paths)), edition)
    except PytoolkitError as exc:
        return FileResult(path, None, str(exc))
    extra = {"coverage": explained.coverage(book).line, "aliases": aliases.source if aliases else "",
             "explain": tuple(explained.explain(book)) if explain else ()}
    if annotate_to is None:
        return FileResult(path, findings, **extra)
    from .io.annotate import annotate

    try:
        annotate(path, findings, annotate_to, book)
    except PytoolkitError as exc:
        return FileResult(path, findings, str(exc), **extra)
    return FileResult(path, findings, annotated=Path(annotate_to), **extra)


def _check_job(job: tuple) -> FileResult:
    return check_file(*job)


def default_workers(n_files: int) -> int:
    """One process per core for batches worth it; a handful of files is faster in-process."""
    if n_files < 8:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def check_files(paths: Sequence[Path], pack_paths: Sequence[str] = (), edition: str | None = None,
                workers: int = 1, annotate_to: Callable[[Path], Path | None] | None = None,
                alias_path: str | None = None, explain: bool = False) -> Iterator[FileResult]:
    """``check_file`` for every path, results in input order, over ``workers`` processes."""
    jobs = [(Path(p), tuple(str(x) for x in pack_paths), edition, annotate_to(Path(p)) if annotate_to else None,
             alias_path, explain)
            for p in paths]
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            yield check_file(*job)
        return
    # Chunks amortise the inter-process round trip (a book takes a few ms) while keeping the
    # progress bar moving.
    chunk = max(1, min(16, len(jobs) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_check_job, jobs, chunksize=chunk)
