"""Core layer: the public Python API, re-exported by ``pytoolkit`` (docs/api.md).

Each function makes the one core call the command line makes, without printing: read a book,
validate it, consolidate units, check a 情况说明, write a draft. Inputs may be paths or the
objects already read. The frames (``book_frame``, ``findings_frame``, ``detail_frame``) live in
``pytoolkit.frames``, the only module that imports pandas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .findings import Finding
from .model import Book

if TYPE_CHECKING:
    from .consolidate import ConsolidationResult
    from .narrative.text import Document


def read_book(path: str | Path) -> Book:
    """Read a workbook (.xlsx/.xlsm/.xls) and recognise its standard tables.

    Raises ``pytoolkit.errors.InputError`` (Chinese message naming the file) when it cannot be used.
    """
    from .io.reader import read_book as read

    return read(path)


def _book(book: Book | str | Path) -> Book:
    return book if isinstance(book, Book) else read_book(book)


def validate(book: Book | str | Path, *, rules: Iterable[str | Path] = (), edition: str | None = None
             ) -> list[Finding]:
    """Every finding for one book: reading and recognition, then every rule of the built-in packs
    for its tables (and of the user packs ``rules``, which add rules or replace those with the
    same id). ``edition`` "2018" (eight tables) or "2019" (nine); default from the book."""
    from .rules import load_pack, validate_book

    extra = [rule for pack in rules for rule in load_pack(pack)]
    return validate_book(_book(book), extra, edition)


def consolidate_books(paths: Sequence[str | Path], *, eliminate: bool = False, workers: int = 1,
                parent: str | None = None, name: str = "", edition: str | None = None, strict: bool = False,
                detail_units: int | None = None) -> ConsolidationResult:
    """Consolidate unit workbooks (each one unit, or one workbook with the units as sheets) into
    the 汇总; ``eliminate`` removes internal flows (合并数). Use the result as a context manager
    (it holds a temporary file). ``detail_units``: how many units the 分户明细 keeps whole."""
    from .consolidate import DETAIL_UNITS, consolidate_paths

    return consolidate_paths(paths, workers=workers, eliminate=eliminate, strict=strict, parent=parent, name=name,
                             edition=edition, detail_units=DETAIL_UNITS if detail_units is None else detail_units)


def check_narrative(texts: str | Path | Document | Sequence[str | Path | Document],
                    book: Book | str | Path | None = None) -> list[Finding]:
    """Every finding on a 情况说明 (.txt, .docx, or documents read already), checked within the
    text and, with ``book``, against its tables and 绩效自评 forms."""
    from .narrative import check, read_document
    from .narrative.text import Document

    items = [texts] if isinstance(texts, str | Path | Document) else list(texts)
    docs = [t if isinstance(t, Document) else read_document(t) for t in items]
    return check(docs, _book(book) if book is not None else None)


def write_narrative(book: Book | str | Path, out: str | Path) -> Path:
    """Write a draft 情况说明 (.docx or .txt) computed from the book's tables; returns the path."""
    from .narrative.writer import write_draft

    return write_draft(_book(book), out)
