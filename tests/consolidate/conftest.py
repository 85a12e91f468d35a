"""Workbook factories of the consolidation tests: units as files, or as sheets of one workbook.

``unit_sheets_book`` writes the department as one workbook: each unit's tables stacked in one
sheet named after the unit (局机关, 二级机构1, 二级机构2) or one sheet per unit and table
(“局机关-收入决算表”), plus the department's 整体支出绩效自评表 with its 汇总 row left blank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from pytoolkit.io.layout import default_tables, save_atomic, write_book, write_stacked, write_table
from pytoolkit.samples.data import DEPARTMENT, DEPARTMENT_PE, UnitSample
from pytoolkit.tables import catalog
from pytoolkit.tables.catalog import SUMMARY_UNIT

SHEET_UNITS = ("局机关", "二级机构1", "二级机构2")


def pe_values(blank_summary: bool = True) -> Mapping[str, Mapping[str, str]]:
    values = {k: dict(v) for k, v in DEPARTMENT_PE["PE"].items()}
    if blank_summary:
        values[SUMMARY_UNIT] = {}
    return values


def unit_sheets_book(path: Path, *, per_table: bool = False, money_units: Sequence[str] = ("万元", "元", "万元"),
                     with_pe: bool = True, units: Sequence[UnitSample] = DEPARTMENT) -> Path:
    wb = Workbook()
    wb.active.title = "封面"
    wb.active["A1"] = "部门决算（各单位）"
    for label, unit, money in zip(SHEET_UNITS, units, money_units):
        tables = [t for t in default_tables(unit) if t not in ("PE", "PP")]
        if per_table:
            for tid in tables:
                ws = wb.create_sheet(f"{label}-{catalog.BY_ID[tid].title}"[:31])
                write_table(ws, catalog.BY_ID[tid], unit.values.get(tid, {}), unit_name=unit.name, year=unit.year,
                            money_unit=money)
        else:
            write_stacked(wb.create_sheet(label), unit, tables, money_unit=money)
    if with_pe:
        write_table(wb.create_sheet("整体支出绩效自评表"), catalog.PE, pe_values(), unit_name="汨罗市示例局", year=2019)
    save_atomic(wb, path)
    return path


@pytest.fixture(scope="session")
def unit_files(tmp_path_factory) -> list[Path]:
    """The department's three units as files: 万元 single code column, 元, split 类/款/项 columns."""
    d = tmp_path_factory.mktemp("units")
    out = []
    layouts = (("single", "万元"), ("single", "元"), ("split", "万元"))
    for i, (unit, (code_layout, money)) in enumerate(zip(DEPARTMENT, layouts), start=1):
        p = d / f"示例部门_{i}_{unit.name}.xlsx"
        write_book(p, unit, code_layout=code_layout, money_unit=money)
        out.append(p)
    return out
