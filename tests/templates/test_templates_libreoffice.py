"""Round trip through a real spreadsheet application: the templates filled with the sample data,
recalculated and saved by headless LibreOffice, read back with the toolkit's own reader.

Every formula result must equal the toolkit's own computation (exact Decimal sums; 完成率 and
占比 by pytoolkit.metrics, half up), the totals the sample states, and ``validate`` must find no
error. Two soffice calls in all (xlsx for every book, pdf for the seed's public tables).
"""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple

from pytoolkit.findings import Severity
from pytoolkit.io.reader import read_book
from pytoolkit.metrics import to_decimal
from pytoolkit.rules import validate_book

from . import lo
from .conftest import CASES

pytestmark = pytest.mark.libreoffice


def _cell_value(value: object) -> Decimal | str | None:
    """A cell as the formulas see it: numbers exact (via repr), text as text, blank None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise AssertionError(value)
    if isinstance(value, int | float):
        return to_decimal(value)
    return str(value)


def _expected(f, sheet: str):
    """Each formula cell's value computed by the toolkit from the inputs typed into the template."""
    ws = f.workbook[sheet]
    lay = next(lay for lay in f.layouts.values() if lay.sheet == sheet)
    cache: dict[str, object] = {}

    def value_of(coordinate: str):
        if coordinate not in cache:
            spec = lay.formulas.get(coordinate)
            cache[coordinate] = spec.compute(value_of) if spec else _cell_value(ws[coordinate].value)
        return cache[coordinate]

    return {coordinate: value_of(coordinate) for coordinate in lay.formulas}


def test_recalculation_on_load_is_forced(recalculated):
    """The profile makes LibreOffice recalculate: a stale cached 99 for =1+1 comes back as 2."""
    ws = load_workbook(recalculated["stale_cache"].recalculated, data_only=True).active
    assert ws["A1"].value == 2


@pytest.mark.parametrize("key", list(CASES))
def test_every_formula_equals_the_toolkits_computation(recalculated, key):
    f = recalculated[key]
    book = read_book(f.recalculated)
    sheets = {s.name: s for s in book.sheets}
    checked = 0
    for lay in f.layouts.values():
        sheet = sheets[lay.sheet]
        assert not sheet.uncalculated and not sheet.errors, lay.sheet
        for coordinate, want in _expected(f, lay.sheet).items():
            r, c = coordinate_to_tuple(coordinate)
            got = _cell_value(sheet.value(r - 1, c - 1))
            if isinstance(want, Decimal):
                assert isinstance(got, Decimal) and got == want, (lay.sheet, coordinate, got, want)
            else:
                assert got == want, (lay.sheet, coordinate, got, want)
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("key", list(CASES))
def test_formula_results_equal_the_samples_own_totals(recalculated, key):
    """The totals the sample data state (checked to the cent by tests/test_sample_data.py) come out
    of LibreOffice's calculation: the formulas sum the right cells."""
    f = recalculated[key]
    book = read_book(f.recalculated)
    compared = 0
    for table_id, lay in f.layouts.items():
        table = book.table(table_id)
        for (row_key, column_key), coordinate in lay.cells.items():
            if coordinate not in lay.formulas:
                continue
            stated = (f.values.get(table_id, {}).get(row_key) or {}).get(column_key)
            if stated is None:
                continue
            cell = table.cell(row_key, column_key)
            assert cell is not None and cell.value == Decimal(stated), (table_id, row_key, column_key, cell, stated)
            compared += 1
    assert compared >= 5


def test_derived_percentages(recalculated):
    """完成预算 and 占比 as the narrative states them (seed: “三公”经费决算4.50万元，预算4.70万元)."""
    f = recalculated["seed_public"]
    t7 = f.layouts["T7"]
    ws = load_workbook(f.recalculated, data_only=True)[t7.sheet]
    rows = t7.extra["derived_rows"]
    column = {k: t7.cell("决算数", k)[0] for k in ("合计", "公务接待费", "因公出国(境)费")}
    assert ws[f"{column['合计']}{rows['completion']}"].value == pytest.approx(95.74)
    assert ws[f"{column['因公出国(境)费']}{rows['completion']}"].value == "无预算"
    assert ws[f"{column['公务接待费']}{rows['share']}"].value == 100
    pp = recalculated["seed_pp"]
    row = pp.layouts["PP"].extra["derived_rows"]["completion"]
    assert load_workbook(pp.recalculated, data_only=True)[pp.layouts["PP"].sheet][f"B{row}"].value == 100


@pytest.mark.parametrize("key", list(CASES))
def test_validate_finds_no_error(recalculated, key):
    book = read_book(recalculated[key].recalculated)
    assert [t.id for t in book.tables] == [lay.table_id for lay in recalculated[key].layouts.values()]
    findings = validate_book(book)
    errors = [f"{f.rule} {f.message}" for f in findings if f.severity is Severity.ERROR]
    assert not errors
    # The department's 局机关 and 二级机构1 spend on 对附属单位补助/上缴上级 beyond 基本 + 项目:
    # the form's own 核实性 warning, from the sample data (see samples/data.py), nothing else.
    warnings = {f.rule for f in findings if f.severity is Severity.WARNING}
    assert warnings <= {"PE.spending_sum"}


def test_pdf_of_the_filled_seed(soffice, filled, tmp_path_factory):
    """LibreOffice prints the filled 2018 book: every sheet, on A4 landscape pages."""
    folder = tmp_path_factory.mktemp("pdf")
    (pdf,) = lo.convert([filled["seed_public"].path], "pdf", folder / "out", lo.make_profile(folder / "p"), soffice)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    if shutil.which("pdftotext") is None:
        return
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("收入支出决算总表", "一般公共预算财政拨款“三公”经费支出决算表", "846.77", "95.74", "单位：万元"):
        assert expected in text
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-f", "2", "-l", "999", str(pdf)], capture_output=True, text=True,
                              check=True).stdout
        sizes = [[float(x) for x in line.split(":", 1)[1].split()[0:3:2]] for line in info.splitlines()
                 if line.startswith("Page") and " size:" in line]
        # The 封面 is page 1; every table page is A4 landscape (about 842 x 595 points).
        assert len(sizes) >= 9 and all(round(w) == 842 and round(h) == 595 for w, h in sizes), sizes
