"""Books whose header labels are not merged cells read exactly as the merged originals.

Accountants centre a group label across its columns (跨列居中) instead of merging, sheets
converted from a published PDF come without merges, and an .ods gives the reader no merged ranges
at all: 预算数 then stands over the first of its six columns only, 机构名称 over the first of its
two header rows. The seed's figures (a real 2018 disclosure, ``pytoolkit.samples.data.SEED``) are
written once, then read (a) as written, (b) with every merged range unmerged by openpyxl and (c)
converted to .ods by LibreOffice; every amount must be read at the same cell, and the findings
(the seed's real inconsistencies) must be the same. The real layouts of tests/data/layouts are
unmerged the same way by the layout fuzzer (``unmerge_headers``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.rules import validate_book
from pytoolkit.samples.data import SEED


def amounts(path: Path) -> list[tuple[str, str, str, str, str]]:
    book = read_book(path)
    return sorted((t.tdef.id, key, column, str(cell.amount), str(cell.ref))
                  for t in book.tables for key, row in t.rows.items() for column, cell in row.values.items())


def findings(path: Path) -> list[tuple[str, str, str]]:
    return sorted((f.rule, f.location.sheet, f.location.cell) for f in validate_book(read_book(path)))


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("unmerged") / "seed.xlsx"
    write_book(path, SEED)
    return path


def test_a_book_without_merged_cells_reads_as_the_merged_one(seed, tmp_path):
    wb = load_workbook(seed)
    unmerged = 0
    for ws in wb.worksheets:
        for area in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(area))
            unmerged += 1
    assert unmerged > 100  # headers, titles, the PE form's 机构名称 and 其中 labels
    flat = tmp_path / "seed_unmerged.xlsx"
    wb.save(flat)
    expected = amounts(seed)
    assert len(expected) > 400
    assert amounts(flat) == expected
    assert findings(flat) == findings(seed) != []


def test_an_ods_saved_by_libreoffice_reads_as_the_xlsx(seed, tmp_path):
    from templates import lo

    if lo.find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    ods = lo.convert([seed], "ods", tmp_path / "ods", lo.make_profile(tmp_path / "profile"))[0]
    assert ods.suffix == ".ods"
    assert amounts(ods) == amounts(seed)
    assert findings(ods) == findings(seed)
