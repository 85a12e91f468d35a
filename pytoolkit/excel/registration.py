"""Excel adapter layer (build time): the UDFs' registration as xlwings itself makes it on Windows.

On Windows, ``@xw.func`` / ``@xw.arg`` are ``xlwings.udfs.xlfunc`` / ``xlarg``: they store the
registration on the function as ``f.__xlfunc__`` (name, category, argument docs and options, the
docstring as description), and Excel's "Import Functions" writes VBA wrappers from it with
``xlwings.udfs.generate_vba_wrapper``. Elsewhere those decorators do nothing, and
``xlwings.udfs`` cannot be imported because it imports pywin32 at the top.

``registered_module`` runs that same xlwings code on any system: it imports ``xlwings.udfs``
with inert stand-ins for the pywin32 modules (none of them is called by the decorators or by the
VBA generator), then executes a fresh copy of the UDF module with xlwings' real decorators. The
add-in build uses it to write the wrapper VBA exactly as Import Functions would, so users need
not run Import Functions, and tests use it to check the metadata Excel will see.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import sys
import types
from collections.abc import Iterator
from typing import Any

import xlwings

UDF_MODULE = "pytoolkit.excel.udfs"
_PYWIN32 = ("pythoncom", "pywintypes", "win32com", "win32com.client")


@contextlib.contextmanager
def _xlwings_udfs() -> Iterator[types.ModuleType]:
    """``xlwings.udfs``, importable for the duration of the block on any system."""
    if sys.platform == "win32":
        yield importlib.import_module("xlwings.udfs")
        return
    saved = {name: sys.modules.get(name) for name in (*_PYWIN32, "xlwings.udfs")}
    stubs = {name: types.ModuleType(name) for name in _PYWIN32}
    stubs["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    stubs["win32com.client"].Dispatch = None  # type: ignore[attr-defined]
    stubs["win32com"].client = stubs["win32com.client"]  # type: ignore[attr-defined]
    sys.modules.update(stubs)
    sys.modules.pop("xlwings.udfs", None)
    try:
        yield importlib.import_module("xlwings.udfs")
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def registered_module(module_name: str = UDF_MODULE) -> types.ModuleType:
    """A fresh copy of ``module_name`` whose UDFs carry xlwings' ``__xlfunc__`` registration."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise ImportError(f"cannot find the source of {module_name}")
    with _xlwings_udfs() as udfs:
        saved = xlwings.func, xlwings.arg, xlwings.ret
        xlwings.func, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
        try:
            copy = importlib.util.spec_from_file_location(f"_registered_{module_name.replace('.', '_')}", spec.origin)
            assert copy is not None and copy.loader is not None
            module = importlib.util.module_from_spec(copy)
            copy.loader.exec_module(module)
        finally:
            xlwings.func, xlwings.arg, xlwings.ret = saved
    return module


def registrations(module: types.ModuleType) -> dict[str, dict[str, Any]]:
    """Every ``__xlfunc__`` of a registered module, by Excel name, in xlwings' order (dir())."""
    found = (getattr(module, attr) for attr in dir(module))
    return {f.__xlfunc__["name"]: f.__xlfunc__ for f in found if hasattr(f, "__xlfunc__")}


def wrapper_vba(module: types.ModuleType, module_name: str = UDF_MODULE, book_name: str = "pytoolkit.xlam") -> str:
    """The VBA wrappers xlwings' Import Functions would write for ``module`` into an add-in."""

    class _Book:  # generate_vba_wrapper only reads the name (.xlam: wrappers pass ActiveWorkbook)
        Name = book_name

    with _xlwings_udfs() as udfs:
        out = io.StringIO()
        udfs.generate_vba_wrapper(module_name, module, out, _Book())
    return out.getvalue()


def description(xlfunc: dict[str, Any]) -> str:
    """The function wizard's description: the docstring on one line, at most 255 characters."""
    return "".join(line.strip() for line in xlfunc["ret"]["doc"].splitlines())[:255]


def argument_descriptions(xlfunc: dict[str, Any]) -> list[str]:
    """The wizard's argument help, as xlwings' import_udfs passes it to MacroOptions: the
    arguments the user types (not ``vba`` ones, nor xlwings' reserved ``caller``)."""
    return [arg["doc"][:255] for arg in xlfunc["args"] if not arg["vba"] and arg["name"] != "caller"]
