"""Core layer: the one registry of check functions, shared by the rule packs and the narrative
checks, and the context every check reads a book through.

A check function is registered under a name in a family:

- ``"rules"``: called by a pack rule's ``function: name``, as ``fn(ctx, rule, file, **args)`` with
  a ``rules.engine.RuleContext``; its findings carry the calling rule's id;
- ``"narrative"``: run on every 情况说明, as ``fn(ctx)`` with a ``narrative.context.NarrativeContext``;
- ``"years"``: run on this year's book against last year's (``validate --previous``), as
  ``fn(ctx)`` with a ``rules.years.YearContext``.

Checks of a family run in registration order (``run``), which is import order: deterministic.
Each registration carries a one-line Chinese explanation and, for the checks that emit ids of
their own rather than their rule's, the ids they emit (each registered in ``pytoolkit.findings``);
``pytoolkit rules list`` prints them (``all_checks`` imports every module that registers).

``collect`` is the one collector (pandera's lazy mode, beancount's loader): it runs every check,
keeps every finding, and turns a check that crashes into an error finding so the others still run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .findings import Finding
from .model import Book, Table


@dataclass(frozen=True, slots=True)
class CheckFunction:
    name: str
    family: str  # "rules" | "narrative" | "years"
    fn: Callable[..., Iterable[Finding]]
    explanation: str  # one line, Chinese
    emits: tuple[str, ...] = ()  # finding ids of its own (a pack check emits its rule's id instead)


class CheckRegistry:
    """Check functions by family and name, in registration order."""

    def __init__(self) -> None:
        self._checks: dict[tuple[str, str], CheckFunction] = {}

    def register(self, name: str, family: str, explanation: str, emits: Iterable[str] = ()):
        """Decorator: register ``fn`` as ``name`` of ``family``; the function is returned unchanged."""

        def deco(fn):
            self._checks[(family, name)] = CheckFunction(name, family, fn, explanation, tuple(emits))
            return fn

        return deco

    def get(self, family: str, name: str) -> CheckFunction | None:
        return self._checks.get((family, name))

    def of(self, family: str) -> list[CheckFunction]:
        return [c for (fam, _), c in self._checks.items() if fam == family]

    def names(self, family: str) -> list[str]:
        return [c.name for c in self.of(family)]

    def run(self, family: str, ctx: BookContext, on_crash: Callable[[CheckFunction, Exception], Finding]
            ) -> list[Finding]:
        """Every finding of every check of ``family`` on ``ctx``, in registration order; a check
        that raises gives ``on_crash(check, exc)`` and the others still run (``collect``)."""
        return collect(((lambda c=c: c.fn(ctx)), (lambda exc, c=c: on_crash(c, exc))) for c in self.of(family))


CHECKS = CheckRegistry()

# The families of check functions and what ``pytoolkit rules list`` calls them.
CHECK_FAMILIES: dict[str, str] = {
    "rules": "规则文件调用的检查函数",
    "narrative": "情况说明的检查",
    "years": "与上年核对的检查",
}
# The modules whose import registers the built-in checks.
_CHECK_MODULES = ("pytoolkit.rules.checks", "pytoolkit.narrative.checks", "pytoolkit.rules.years")


def all_checks() -> list[CheckFunction]:
    """Every built-in check function (their modules imported), by family, each family in
    registration order."""
    from importlib import import_module

    for module in _CHECK_MODULES:
        import_module(module)
    return [c for family in CHECK_FAMILIES for c in CHECKS.of(family)]


class BookContext:
    """What every check reads: the book (None for a text checked alone), its tables by id (the
    first of each id wins, as most books hold each public table once) and the file name."""

    def __init__(self, book: Book | None, file: str = "") -> None:
        self.book = book
        self.tables: dict[str, Table] = {t.id: t for t in reversed(book.tables)} if book is not None else {}
        self.file = file or (book.path.name if book is not None else "")

    def table(self, tid: str) -> Table | None:
        return self.tables.get(tid)


def collect(runs: Iterable[tuple[Callable[[], Iterable[Finding]], Callable[[Exception], Finding]]]) -> list[Finding]:
    """Every finding of every ``(run, on_crash)``: a run that raises gives ``on_crash(exc)`` and the
    others still run."""
    out: list[Finding] = []
    for run, on_crash in runs:
        try:
            out.extend(run())
        except Exception as exc:  # a broken check must not stop the others
            out.append(on_crash(exc))
    return out
