"""pytoolkit: 部门决算 checks, derived figures and consolidation for Excel and the command line.

The public API (docs/api.md) is reached through this package and loaded on first use, so that
``import pytoolkit`` (and the command line, which imports it for the version) stays light and
pandas is imported only by the frame functions.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

# name → module that defines it
_API = {
    "read_book": "pytoolkit.api",
    "validate": "pytoolkit.api",
    "consolidate_books": "pytoolkit.api",
    "check_narrative": "pytoolkit.api",
    "write_narrative": "pytoolkit.api",
    "book_frame": "pytoolkit.frames",
    "findings_frame": "pytoolkit.frames",
    "detail_frame": "pytoolkit.frames",
    "table_frame": "pytoolkit.frames",
    "finding_ids": "pytoolkit.rules",
    "Book": "pytoolkit.model",
    "Finding": "pytoolkit.findings",
    "FindingId": "pytoolkit.findings",
    "Location": "pytoolkit.findings",
    "Severity": "pytoolkit.findings",
    "envelope": "pytoolkit.findings",
    "json_schema": "pytoolkit.findings",
    "ConsolidationResult": "pytoolkit.consolidate",
    "PytoolkitError": "pytoolkit.errors",
    "InputError": "pytoolkit.errors",
}

__all__ = ["__version__", *_API]
# A name of the API must not be the name of a submodule: importing ``pytoolkit.consolidate`` sets
# the package's attribute ``consolidate`` to that module (hence ``consolidate_books``).


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'pytoolkit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
