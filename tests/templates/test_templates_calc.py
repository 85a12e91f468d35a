"""The toolkit's own calculation of the template formulas (``pytoolkit.io.calc``) against the
meaning of each formula (``io.layout.Formula.compute``, itself proven against LibreOffice in
test_templates_libreoffice.py) and against LibreOffice directly.

A template filled by a script (openpyxl saves no formula results) validates as the same book
recalculated by LibreOffice does, with one 提示 saying the results were computed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple

from pytoolkit import templates
from pytoolkit.findings import Severity
from pytoolkit.io import calc
from pytoolkit.io.reader import read_book
from pytoolkit.rules import validate_book

from . import lo
from .conftest import CASES
from .test_templates_libreoffice import _expected


@pytest.mark.parametrize("key", list(CASES))
def test_calc_equals_the_formula_meaning(filled, key):
    f = filled[key]
    checked = 0
    for lay in f.layouts.values():
        ws = f.workbook[lay.sheet]
        results = calc.sheet_results(ws)
        for coordinate, want in _expected(f, lay.sheet).items():
            r, c = coordinate_to_tuple(coordinate)
            got = results[(r - 1, c - 1)]
            assert got == want and type(got) is type(want), (lay.sheet, coordinate, got, want)
            checked += 1
    assert checked >= 10


def _key(finding):
    return (finding.rule, finding.severity, finding.location.sheet, finding.location.cell, finding.expected,
            finding.actual)


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", list(CASES))
def test_a_script_filled_template_validates_as_libreoffice_calculated_it(recalculated, key):
    f = recalculated[key]
    ours = read_book(f.path)  # formulas without results: computed by io.calc
    theirs = read_book(f.recalculated)
    assert [r.rule for r in ours.findings] == ["read.computed_formula"]
    assert ours.findings[0].severity is Severity.INFO
    for lay in f.layouts.values():
        a = next(s for s in ours.sheets if s.name == lay.sheet)
        b = next(s for s in theirs.sheets if s.name == lay.sheet)
        assert not a.uncalculated
        for coordinate in lay.formulas:
            r, c = coordinate_to_tuple(coordinate)
            x, y = a.value(r - 1, c - 1), b.value(r - 1, c - 1)
            if isinstance(y, str):
                assert x == y, (lay.sheet, coordinate, x, y)
            else:
                assert Decimal(repr(float(x))) == Decimal(repr(float(y))), (lay.sheet, coordinate, x, y)
    found = {_key(x) for x in validate_book(ours) if x.rule != "read.computed_formula"}
    assert found == {_key(x) for x in validate_book(theirs)}
    assert not [x for x in validate_book(ours) if x.severity is Severity.ERROR]


@pytest.mark.libreoffice
def test_libreoffice_agrees_with_the_stored_results_of_blank_templates(soffice, tmp_path):
    """Each blank template as ``template new`` writes it, recalculated by LibreOffice: the results
    stored at build are what LibreOffice computes."""
    paths = [templates.write(t.name, tmp_path / f"{t.name}.xlsx") for t in templates.TEMPLATES]
    outputs = lo.convert(paths, "xlsx", tmp_path / "out", lo.make_profile(tmp_path / "profile"), soffice)
    compared = 0
    for path, out in zip(paths, outputs):
        ours, theirs = load_workbook(path, data_only=True), load_workbook(out, data_only=True)
        formulas = load_workbook(path)
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type != "f":
                        continue
                    x, y = ours[ws.title][cell.coordinate].value, theirs[ws.title][cell.coordinate].value
                    assert x == y or (isinstance(x, int | float) and y in (0, None) and x == 0), \
                        (path.name, ws.title, cell.coordinate, x, y)
                    compared += 1
    assert compared > 200
