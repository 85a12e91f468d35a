"""Shared fixtures of the Excel adapter tests: the built add-in and a fake of the xlwings Book.

``FakeBook`` is the one fake of the xlwings surface the ribbon entry points use (book, app,
sheets, ranges with values, colours and notes). It holds plain Python values and records every
message box, so a test can assert what the user would see and that nothing of theirs changed.
Grow it here, in one place, as the entry points start using more of xlwings.
"""

from __future__ import annotations

import functools
import io
import warnings
import zipfile
from dataclasses import dataclass, field

import pytest

from pytoolkit.excel import build_addin, registration


@functools.cache
def olevba():
    """oletools.olevba, imported without the deprecation warnings its pyparsing use prints."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from oletools import olevba

    return olevba


@dataclass
class FakeRange:
    value: object = None
    color: tuple[int, int, int] | None = None
    note: str | None = None


@dataclass
class FakeSheet:
    name: str
    cells: dict[str, FakeRange] = field(default_factory=dict)

    def range(self, address: str) -> FakeRange:
        return self.cells.setdefault(address.upper(), FakeRange())

    def __getitem__(self, address: str) -> FakeRange:
        return self.range(address)


@dataclass
class FakeApp:
    alerts: list[dict[str, object]] = field(default_factory=list)

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return "ok"


@dataclass
class FakeBook:
    name: str = "部门决算.xlsx"
    sheets: list[FakeSheet] = field(default_factory=list)
    app: FakeApp = field(default_factory=FakeApp)

    def snapshot(self) -> list[tuple[str, dict[str, tuple[object, object, object]]]]:
        """Everything a user could lose: sheet names, values, colours and notes."""
        return [(sheet.name, {a: (c.value, c.color, c.note) for a, c in sheet.cells.items()}) for sheet in self.sheets]


@pytest.fixture
def book() -> FakeBook:
    sheet = FakeSheet("收入支出决算总表")
    sheet["A1"].value = "收入支出决算总表"
    sheet["C7"].value = 846.77
    sheet["C8"].value = 575.88
    return FakeBook(sheets=[sheet])


@pytest.fixture(scope="session")
def registered_udfs():
    """The UDF module as xlwings registers it on Windows (``__xlfunc__`` on every UDF)."""
    return registration.registered_module()


@pytest.fixture(scope="session")
def built() -> dict:
    """The build's outputs, computed once: {path: bytes}."""
    return build_addin.outputs()


@pytest.fixture(scope="session")
def xlam(built) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(built[build_addin.REPO_ADDIN_DIR / build_addin.XLAM_NAME]))
