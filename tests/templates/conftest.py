"""Fixtures for the template tests: LibreOffice, and the sample data typed into the templates.

The LibreOffice fixtures are session-scoped and batch every file into one soffice call per
output format: starting soffice costs about a second on these machines.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook

from pytoolkit import templates
from pytoolkit.io.layout import TableLayout
from pytoolkit.samples.data import DEPARTMENT, DEPARTMENT_NAME, DEPARTMENT_PE, DEPARTMENT_PE_FIELDS, SEED

from . import lo


@dataclass
class Filled:
    """A template with sample data typed in, before and after LibreOffice recalculated it."""

    key: str
    template: str
    year: int
    values: dict
    workbook: Workbook  # as filled, formulas not calculated
    layouts: dict[str, TableLayout]
    path: Path
    recalculated: Path | None = None


# (template, year, values, fields, unit name): the seed unit (2018, eight tables) and the
# department's 局机关 (2019, nine tables), with their 绩效自评 forms.
CASES = {
    "seed_public": ("public-2018", 2018, SEED.values, SEED.fields, SEED.name),
    "seed_pe": ("pe", 2018, SEED.values, SEED.fields, SEED.name),
    "seed_pp": ("pp", 2018, SEED.values, SEED.fields, SEED.name),
    "bureau_public": ("public-2019", 2019, DEPARTMENT[0].values, {}, DEPARTMENT[0].name),
    "department_pe": ("pe", 2019, DEPARTMENT_PE, {"PE": DEPARTMENT_PE_FIELDS}, DEPARTMENT_NAME),
}


@pytest.fixture(scope="session")
def soffice():
    path = lo.find_soffice()
    if path is None:
        pytest.skip("LibreOffice (soffice) is not installed; on Debian: "
                    "apt-get install libreoffice-calc-nogui fonts-wqy-microhei (.ci/run does this)")
    return path


@pytest.fixture(scope="session")
def filled(tmp_path_factory) -> dict[str, Filled]:
    folder = tmp_path_factory.mktemp("filled")
    out = {}
    for key, (name, year, values, fields, unit) in CASES.items():
        wb, layouts = templates.build(name, year=year)
        templates.fill(wb, layouts, values, year=year, fields=fields, unit_name=unit)
        path = folder / f"{key}.xlsx"
        wb.save(path)
        out[key] = Filled(key, name, year, values, wb, layouts, path)
    return out


def stale_cache_book(path: Path) -> Path:
    """A book whose formula =1+1 carries the cached value 99, as a stale file would."""
    wb = Workbook()
    wb.active["A1"] = "=1+1"
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>99</v>")
                assert b"<v>99</v>" in data
            dst.writestr(item, data)
    plain.unlink()
    return path


@pytest.fixture(scope="session")
def recalculated(soffice, filled, tmp_path_factory) -> dict[str, Filled]:
    """Every filled template (and a stale-cache probe) recalculated and saved by LibreOffice, one call."""
    folder = tmp_path_factory.mktemp("lo")
    probe = stale_cache_book(folder / "stale_cache.xlsx")
    files = [f.path for f in filled.values()] + [probe]
    outputs = lo.convert(files, "xlsx", folder / "out", lo.make_profile(folder / "profile"), soffice)
    for f, path in zip(filled.values(), outputs):
        f.recalculated = path
    return {**filled, "stale_cache": Filled("stale_cache", "", 0, {}, Workbook(), {}, probe, outputs[-1])}
