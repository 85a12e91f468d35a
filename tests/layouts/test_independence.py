"""The layout generator, its oracle and its fuzzer share no code with the product.

Parsed, not imported: every ``import``/``from … import`` in those modules (and any
``importlib.import_module``/``__import__`` with a literal name) is listed, and none may reach
``pytoolkit``. The product's writer (io.layout) and reader share assumptions; a generator that
used either would only prove that they agree.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
INDEPENDENT = ("generator.py", "oracle.py", "fuzz.py", "pairs.py")


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: only siblings in this folder, which are checked themselves
                out.update(f".{node.module or ''}.{a.name}".replace("..", ".") for a in node.names)
            else:
                out.add(node.module or "")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                out.add(node.args[0].value)
    return out


@pytest.mark.parametrize("name", INDEPENDENT)
def test_generator_imports_nothing_from_the_product(name):
    path = HERE / name
    if not path.exists():
        pytest.skip(f"{name} not written yet")
    names = imported(path)
    assert not [n for n in names if n == "pytoolkit" or n.startswith("pytoolkit.")], names
    siblings = {n.split(".")[1] for n in names if n.startswith(".")}
    assert siblings <= {"generator", "oracle", "fuzz", "pairs"}, siblings


def test_the_check_sees_a_product_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import importlib\nfrom pytoolkit.io import layout\nimportlib.import_module('pytoolkit.model')\n")
    names = imported(bad)
    assert "pytoolkit.io" in names and "pytoolkit.model" in names
