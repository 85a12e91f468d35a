"""The core never imports xlwings, the CLI or the Excel adapter; the pure core (model, metrics,
findings, tables, rules, consolidate, narrative, render) never imports openpyxl either: painting
files is ``io``'s job, the Excel adapter's the open workbook's; and no module imports a module
that imports it back (docs/architecture.md “Layering”).

Checked twice: statically, by parsing every core module's imports with ``ast`` (relative
imports resolved, ``importlib.import_module("…")`` / ``__import__("…")`` with a literal included,
imports inside functions too), and at run time, by importing every core module in a fresh
interpreter whose meta path refuses ``xlwings`` (and, for the pure core, ``openpyxl``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pytoolkit

PACKAGE = Path(pytoolkit.__file__).resolve().parent
ROOT = PACKAGE.parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_core(path: Path) -> bool:
    rel = path.relative_to(PACKAGE)
    # Adapters: the Excel layer, the command line and its subcommand modules.
    return rel.parts[0] not in ("excel", "commands") and rel != Path("cli.py")


ALL_MODULES = sorted(PACKAGE.rglob("*.py"))
CORE = [p for p in ALL_MODULES if is_core(p)]
# __main__ is the `python -m pytoolkit` entry point: an adapter by nature (it runs the CLI).
CORE_LIBRARY = [p for p in CORE if p.name != "__main__.py"]
# The pure core: what each output shows and every check, without a file format's library.
PURE = ("model", "metrics", "findings", "errors", "derived", "tables", "rules", "consolidate", "narrative", "render")
PURE_CORE = [p for p in CORE_LIBRARY if p.relative_to(PACKAGE).with_suffix("").parts[0] in PURE]


def imported_names(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (``from . import x`` gives pkg.x too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and node.args and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                out.add(node.args[0].value)
    return out


def _hits(names: set[str], forbidden: str) -> list[str]:
    return sorted(n for n in names if n == forbidden or n.startswith(forbidden + "."))


def test_core_modules_are_found():
    names = {module_name(p) for p in CORE}
    for expected in ("pytoolkit.model", "pytoolkit.findings", "pytoolkit.metrics", "pytoolkit.io.reader",
                     "pytoolkit.tables.recognise", "pytoolkit.rules.engine", "pytoolkit.render.grid",
                     "pytoolkit.render.consolidation"):
        assert expected in names
    pure = {module_name(p) for p in PURE_CORE}
    assert {"pytoolkit.consolidate", "pytoolkit.render.tables", "pytoolkit.narrative.writer"} <= pure
    assert not any(n.startswith("pytoolkit.io") for n in pure)
    assert "pytoolkit.cli" not in names
    assert not any(n.startswith(("pytoolkit.excel", "pytoolkit.commands")) for n in names)


def test_the_import_parser_sees_relative_and_dynamic_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "pytoolkit" / "tables"
    pkg.mkdir(parents=True)
    probe = pkg / "probe.py"
    probe.write_text(textwrap.dedent("""
        import os, xlwings.main
        from .. import cli
        from ..excel.udfs import thing
        from . import catalog
        import importlib
        importlib.import_module("xlwings")
        def late():
            from xlwings import Book
    """), encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    names = imported_names(probe)
    assert {"os", "xlwings.main", "pytoolkit.cli", "pytoolkit.excel.udfs", "pytoolkit.tables.catalog",
            "xlwings"} <= names
    assert _hits(names, "xlwings") == ["xlwings", "xlwings.Book", "xlwings.main"]


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_does_not_import_xlwings(path):
    assert _hits(imported_names(path), "xlwings") == []


@pytest.mark.parametrize("path", PURE_CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_core_module_does_not_import_openpyxl(path):
    assert _hits(imported_names(path), "openpyxl") == []


@pytest.mark.parametrize("path", CORE_LIBRARY, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_does_not_import_the_adapters(path):
    names = imported_names(path)
    assert _hits(names, "pytoolkit.cli") == []
    assert _hits(names, "pytoolkit.excel") == []


RUNTIME_PROBE = r"""
import importlib, importlib.abc, json, sys

REFUSED = tuple(json.loads(sys.argv[2]))

class NoXlwings(importlib.abc.MetaPathFinder):
    attempts = []
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in REFUSED:
            NoXlwings.attempts.append(fullname)
            raise ImportError(f"layering: the core imported {fullname}")
        return None

sys.meta_path.insert(0, NoXlwings())

# The hook works: a direct import is refused.
try:
    import xlwings  # noqa: F401
except ImportError as exc:
    hook_ok = "layering" in str(exc)
else:
    hook_ok = False
NoXlwings.attempts.clear()

errors = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except BaseException as exc:
        errors[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({
    "hook_ok": hook_ok,
    "attempts": NoXlwings.attempts,
    "errors": errors,
    "xlwings_loaded": sorted(m for m in sys.modules if m == "xlwings" or m.startswith("xlwings.")),
    "adapters_loaded": sorted(m for m in sys.modules
                              if m == "pytoolkit.cli" or m.startswith("pytoolkit.excel")),
}))
"""


@pytest.mark.parametrize(("modules", "refused"), [(CORE_LIBRARY, ["xlwings"]), (PURE_CORE, ["xlwings", "openpyxl"])],
                         ids=["core-without-xlwings", "pure-core-without-openpyxl"])
def test_core_imports_without_xlwings_at_run_time(modules, refused):
    names = [module_name(p) for p in modules]
    proc = subprocess.run([sys.executable, "-c", RUNTIME_PROBE, json.dumps(names), json.dumps(refused)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["hook_ok"], "the meta-path hook did not refuse `import xlwings`"
    assert result["errors"] == {}
    assert result["attempts"] == []
    assert result["xlwings_loaded"] == []
    assert result["adapters_loaded"] == []


# ---------------------------------------------------------------------------------------------
# Import cycles


MODULES = {module_name(p): p for p in ALL_MODULES}


def runtime_imports(path: Path) -> set[str]:
    """The pytoolkit modules ``path`` imports when it runs (inside functions too): an import under
    ``if TYPE_CHECKING:`` is for type checkers only and never runs. ``from pkg import name`` is an
    import of the module ``pkg.name`` when there is one, else of ``pkg``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()

    def add(target: str) -> None:
        while target and target not in MODULES:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in out if m.startswith("pytoolkit")}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_type_only_imports_are_not_runtime_imports():
    consolidate, summary = (MODULES[f"pytoolkit.{n}"] for n in ("consolidate", "render.summary"))
    assert "pytoolkit.render.summary" in runtime_imports(consolidate)
    assert "pytoolkit.consolidate" in imported_names(summary)  # for its type hints only
    assert "pytoolkit.consolidate" not in runtime_imports(summary)


def test_the_core_has_no_import_cycle():
    graph = {module_name(p): runtime_imports(p) for p in CORE}
    core = set(graph)
    assert cycles({m: targets & core for m, targets in graph.items()}) == []


# The command line's subcommand modules and cli.py still import each other (a shared console and
# progress bar living in cli.py); nothing else may.
ADAPTER_CYCLE = {"pytoolkit.cli", "pytoolkit.commands.consolidate", "pytoolkit.commands.narrative",
                 "pytoolkit.commands.addin", "pytoolkit.commands.template"}


def test_no_other_import_cycle():
    graph = {module_name(p): runtime_imports(p) for p in ALL_MODULES}
    assert [c for c in cycles(graph) if not set(c) <= ADAPTER_CYCLE] == []


# -- no module-level cache keyed by id() ----------------------------------------------------------
# An object's id() is reused once the object is gone: a module-level dict keyed by it hands a new
# object another's entry (and keeps entries alive for the whole process). A cache keyed by id()
# belongs to an instance that lives no longer than the objects (narrative.binding's Binder).
_KEYED = {"get", "setdefault", "pop", "__getitem__", "__setitem__", "__contains__"}


def _calls_id(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "id" for n in ast.walk(node))


def module_id_caches(source: str) -> list[int]:
    """Lines where a module-level name is indexed or looked up by an ``id(...)``."""
    tree = ast.parse(source)
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) \
            else []
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    names |= {n for node in ast.walk(tree) if isinstance(node, ast.Global) for n in node.names}
    def module_level(n: ast.AST) -> bool:
        return isinstance(n, ast.Name) and n.id in names

    def keyed_by_id(node: ast.AST) -> bool:
        if isinstance(node, ast.Subscript):  # CACHE[id(x)]
            return module_level(node.value) and _calls_id(node.slice)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):  # CACHE.get(id(x))
            return node.func.attr in _KEYED and module_level(node.func.value) and any(map(_calls_id, node.args))
        if isinstance(node, ast.Compare):  # id(x) in CACHE
            return any(isinstance(op, ast.In | ast.NotIn) for op in node.ops) and _calls_id(node.left) \
                and any(map(module_level, node.comparators))
        return False

    return sorted(node.lineno for node in ast.walk(tree) if keyed_by_id(node))


def test_the_id_cache_finder_finds_one():
    source = textwrap.dedent("""
        _CACHE = {}
        def f(x):
            if id(x) in _CACHE:
                return _CACHE[id(x)]
            return _CACHE.setdefault(id(x), x)
        class C:
            def __init__(self):
                self.seen = {}
            def g(self, x):
                return self.seen.get(id(x))
    """)
    assert module_id_caches(source) == [4, 5, 6]


def test_no_module_keeps_a_cache_keyed_by_id():
    found = {str(p.relative_to(PACKAGE)): lines for p in sorted(PACKAGE.rglob("*.py"))
             if (lines := module_id_caches(p.read_text(encoding="utf-8")))}
    assert found == {}
