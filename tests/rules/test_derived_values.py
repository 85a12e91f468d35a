"""derived.values: a 完成率 / 增减额 / 增减率 column printed beside a table's amounts must hold the
figure the amounts give, half up (docs/rules.md §4). Books: a DEPARTMENT unit with a 完成率 column
added to T5 and 增减额/增减率 columns added to T1, filled from pytoolkit.metrics."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pytoolkit.findings import Severity
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.metrics import change, completion_rate
from pytoolkit.rules import validate_book
from pytoolkit.samples.data import DEPARTMENT


def _book_with_derived_columns(tmp_path: Path, edit=None, *, as_fraction: bool = False) -> Path:
    """The unit with T5 完成率(%) and T1 比上年增减额/增减率(%) columns holding the right figures;
    ``edit(cells)`` may change them first (cells: (table, row key, kind) → openpyxl cell)."""
    src = tmp_path / "unit.xlsx"
    write_book(src, DEPARTMENT[0])
    book = read_book(src)
    wb = load_workbook(src)
    cells = {}
    t5 = book.table("T5")
    ws = wb[t5.sheet]
    col = max(ref.col for refs in t5.columns.values() for ref in refs) + 2
    header = t5.columns["合计"][0].row + 1
    ws.cell(header, col, "完成率(%)")
    for row in t5.rows.values():
        rate = completion_rate(row.get("合计").value, row.get("年初预算数").value)
        cell = ws.cell(row.ref_row + 1, col)
        if rate is not None:
            cell.value = float(rate / 100) if as_fraction else float(rate)
            if as_fraction:
                cell.number_format = "0.00%"
        cells[("T5", row.key, "完成率")] = cell
    t1 = book.table("T1")
    ws = wb[t1.sheet]
    # Appended on the right, so they belong to the 支出 side (the nearest side on their left).
    amount_col, rate_col = ws.max_column + 1, ws.max_column + 2
    ws.cell(header, amount_col, "比上年增减额")
    ws.cell(header, rate_col, "增减率(%)")
    for row in t1.rows.values():
        if row.side != "支出":
            continue
        delta = change(row.get("决算数").value, row.get("上年决算数").value) if row.get("上年决算数") else None
        if delta is None or row.get("上年决算数").value is None:
            continue
        ws.cell(row.ref_row + 1, amount_col, float(delta.amount))
        if delta.rate is not None:
            ws.cell(row.ref_row + 1, rate_col, float(delta.rate))
        cells[("T1", row.key, "增减额")] = ws.cell(row.ref_row + 1, amount_col)
        cells[("T1", row.key, "增减率")] = ws.cell(row.ref_row + 1, rate_col)
    if edit:
        edit(cells)
    out = tmp_path / "derived.xlsx"
    wb.save(out)
    return out


def _derived(path: Path) -> list:
    findings = validate_book(read_book(path))
    assert not [f for f in findings if f.rule == "recognise.unmapped_amounts"]  # derived columns are known
    return [f for f in findings if f.rule == "derived.values"]


@pytest.mark.parametrize("as_fraction", [False, True], ids=["percent-number", "percent-format"])
def test_right_figures_pass(tmp_path, as_fraction):
    assert _derived(_book_with_derived_columns(tmp_path, as_fraction=as_fraction)) == []


def test_a_truncated_completion_rate_is_an_error_named_as_truncation(tmp_path):
    # 合计 277.30 / 年初预算 259.60 = 106.8181…% → 106.82 half up; truncation gives 106.81.
    def truncate(cells):
        cells[("T5", "合计", "完成率")].value = 106.81

    [f] = _derived(_book_with_derived_columns(tmp_path, truncate))
    assert f.severity is Severity.ERROR and f.expected == Decimal("106.82") and f.actual == Decimal("106.81")
    assert "截断" in f.message and str(f.location).startswith("05")


def test_a_wrong_change_amount_is_an_error_at_its_cell(tmp_path):
    def wrong(cells):
        cell = cells[next(k for k in cells if k[0] == "T1" and k[2] == "增减额")]
        cell.value = cell.value + 1

    [f] = _derived(_book_with_derived_columns(tmp_path, wrong))
    assert f.severity is Severity.ERROR and "截断" not in f.message
    assert f.actual - f.expected == 1


def test_a_rate_on_a_zero_base_is_a_warning(tmp_path):
    path = _book_with_derived_columns(tmp_path)
    wb = load_workbook(path)
    book = read_book(path)
    ref = book.table("T5").cell("合计", "年初预算数").ref
    wb[ref.sheet].cell(ref.row + 1, ref.col + 1).value = 0
    wb.save(path)
    found = [f for f in _derived(path) if f.severity is Severity.WARNING]
    assert found and "无年初预算" in found[0].message
