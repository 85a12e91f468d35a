"""The core never imports xlwings, the CLI or the Excel adapter (DESIGN.md “Layering”).

Checked twice: statically, by parsing every core module's imports with ``ast`` (relative
imports resolved, ``importlib.import_module("…")`` / ``__import__("…")`` with a literal included),
and at run time, by importing every core module in a fresh interpreter whose meta path refuses
``xlwings``.
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
                     "pytoolkit.tables.recognise", "pytoolkit.rules.engine"):
        assert expected in names
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


@pytest.mark.parametrize("path", CORE_LIBRARY, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_does_not_import_the_adapters(path):
    names = imported_names(path)
    assert _hits(names, "pytoolkit.cli") == []
    assert _hits(names, "pytoolkit.excel") == []


RUNTIME_PROBE = r"""
import importlib, importlib.abc, json, sys

class NoXlwings(importlib.abc.MetaPathFinder):
    attempts = []
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "xlwings" or fullname.startswith("xlwings."):
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


def test_core_imports_without_xlwings_at_run_time():
    names = [module_name(p) for p in CORE_LIBRARY]
    proc = subprocess.run([sys.executable, "-c", RUNTIME_PROBE, json.dumps(names)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["hook_ok"], "the meta-path hook did not refuse `import xlwings`"
    assert result["errors"] == {}
    assert result["attempts"] == []
    assert result["xlwings_loaded"] == []
    assert result["adapters_loaded"] == []
