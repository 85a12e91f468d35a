"""Shared fixtures of the Excel adapter tests: the built add-in and a fake of the xlwings Book.

``FakeBook`` (``fake_xlwings``) is the one fake of the xlwings surface the ribbon entry points
use (book, app, sheets, ranges with values, colours, notes and merged areas). It holds plain
Python values and records every message box, so a test can assert what the user would see and
that nothing of theirs changed. Grow it there, in one place, as the entry points use more of
xlwings.
"""

from __future__ import annotations

import functools
import io
import warnings
import zipfile
from pathlib import Path

import pytest

from pytoolkit.excel import build_addin, registration
from pytoolkit.io.layout import write_book
from pytoolkit.samples.data import SEED

from .fake_xlwings import FakeBook


@functools.cache
def olevba():
    """oletools.olevba, imported without the deprecation warnings its pyparsing use prints."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from oletools import olevba

    return olevba


@pytest.fixture
def book() -> FakeBook:
    """A small book with one user sheet (not a recognisable table)."""
    book = FakeBook()
    sheet = book.add_sheet("收入支出决算总表")
    sheet["A1"].value = "收入支出决算总表"
    sheet["C7"].value = 846.77
    sheet["C8"].value = 575.88
    return book


@pytest.fixture(scope="session")
def seed_xlsx(tmp_path_factory) -> Path:
    """The bundled seed unit written in the official layout (the tests' real-shaped workbook)."""
    path = tmp_path_factory.mktemp("seed") / "示例_汨罗市人民政府政务服务中心_2018.xlsx"
    write_book(path, SEED)
    return path


@pytest.fixture
def seed_book(seed_xlsx) -> FakeBook:
    """A fresh fake of the seed workbook open in Excel."""
    return FakeBook.from_xlsx(seed_xlsx)


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
