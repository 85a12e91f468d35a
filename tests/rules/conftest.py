"""The one book factory of the rule tests: sample values → official-layout workbook → read_book.

A clean book is a DEPARTMENT unit (fully consistent, nine-table 2019 edition) plus consistent
绩效自评 forms built here (the seed's PE form is inconsistent on purpose, so it is not used):

- PE: the unit's row of ``DEPARTMENT_PE`` as the only unit row, and the same figures as the
  局机关及二级机构汇总 row (the 汇总 of one unit is that unit);
- PP: one project form whose funds, 结余 and 支出明细 add up.

The 便民服务站 (default unit) gets one more consistent flow, ``STATE_CAPITAL``, so that T9 and
the 国有资本经营预算 columns of T4 hold figures and their rules run on real numbers: 10.00万元
国有资本经营预算财政拨款 received and spent as 项目支出 under 229 其他支出.

``make_book(unit, edits=..., sheet_edits=...)`` changes values before writing (``edits``:
(table, row, column) → amount text in 万元; row ``None`` = a form field such as 评价等次) or
overwrites written cells afterwards (``sheet_edits``, same keys, a number in the printed unit),
for what the writer cannot render, such as an amount beside a 空表 note.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from pytoolkit.io.layout import SHEET_NAMES, default_tables, save_atomic, write_book, write_table
from pytoolkit.io.reader import read_book
from pytoolkit.model import Book
from pytoolkit.rules import validate_book
from pytoolkit.samples.data import DEPARTMENT, DEPARTMENT_PE, DEPARTMENT_PE_FIELDS, UnitSample, Values
from pytoolkit.tables import catalog
from pytoolkit.tables.catalog import SUMMARY_UNIT

BUREAU, CENTRE, STATION = DEPARTMENT
UNITS = {"bureau": BUREAU, "centre": CENTRE, "station": STATION}
PE_ROW = {"bureau": "局机关", "centre": "二级机构1", "station": "二级机构2"}  # rows of DEPARTMENT_PE
PE_LABEL = {"bureau": "局机关", "centre": "信息中心", "station": "便民服务站"}

_GP, _GF, _SOE = "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"
_SOE_ROW = {"合计": "10.00", _GP: "0.00", _GF: "0.00", _SOE: "10.00"}
_T9_ROW = {"本年收入": "10.00", "本年支出合计": "10.00", "项目支出": "10.00"}

# 便民服务站 + 10.00 国有资本经营预算财政拨款, spent on 229 其他支出 (项目支出), no carry-over.
STATE_CAPITAL: Values = {
    "T1": {"国有资本经营预算财政拨款收入": {"决算数": "10.00"}, "本年收入合计": {"决算数": "146.07"},
           "收入总计": {"决算数": "153.47"}, "229": {"决算数": "10.00"}, "本年支出合计": {"决算数": "135.47"},
           "支出总计": {"决算数": "153.47"}},
    "T2": {"合计": {"本年收入合计": "146.07", "财政拨款收入": "131.07"},
           "229": {"本年收入合计": "10.00", "财政拨款收入": "10.00"}},
    "T3": {"合计": {"本年支出合计": "135.47", "项目支出": "72.00"},
           "229": {"本年支出合计": "10.00", "项目支出": "10.00"}},
    "T4": {_SOE: {"金额": "10.00"}, "本年收入合计": {"金额": "131.07"}, "收入总计": {"金额": "138.47"},
           "229": _SOE_ROW, "本年支出合计": {"合计": "123.47", _SOE: "10.00"},
           "支出总计": {"合计": "138.47", _SOE: "10.00"}},
    "T9": {"合计": _T9_ROW, "229": _T9_ROW},
    "PE": {r: {"收入合计": "153.47", "其他收入": "25.00", "支出合计": "135.47", "项目支出": "72.00"}
           for r in (SUMMARY_UNIT, "便民服务站")},
}

# One 项目支出绩效自评表 per unit: 县(市)财政 pays all; 结余 = 到位 − 支出; 明细 add to 支出合计.
PROJECT: dict[str, str | dict[str, str]] = {
    "合计": {"计划安排资金": "32.00", "实际到位资金": "32.00", "实际支出": "30.00", "结余": "2.00"},
    "县(市)财政": {"计划安排资金": "32.00", "实际到位资金": "32.00", "实际支出": "30.00", "结余": "2.00"},
    "政务服务平台运行维护": {"实际支出数": "18.50"},
    "便民服务终端购置": {"实际支出数": "11.50"},
    "支出合计": {"实际支出数": "30.00"},
}
PROJECT_FIELDS = {"项目名称": "便民服务信息化建设", "绩效自评综合得分": "92分", "评价等次": "优"}


def _merge(values: Values, patch: Values) -> None:
    for table, rows in patch.items():
        for row, cols in rows.items():
            values.setdefault(table, {}).setdefault(row, {}).update(cols)


def clean_values(unit: str = "station") -> Values:
    """A deep copy of ``unit``'s tables with consistent PE and PP forms added."""
    values = copy.deepcopy(UNITS[unit].values)
    pe = DEPARTMENT_PE["PE"][PE_ROW[unit]]
    values["PE"] = {SUMMARY_UNIT: dict(pe), PE_LABEL[unit]: dict(pe)}
    values["PP"] = copy.deepcopy(PROJECT)
    if unit == "station":
        _merge(values, STATE_CAPITAL)
    return values


def make_sample(unit: str = "station", edits: Mapping[tuple, str] = ()) -> UnitSample:
    """The clean sample of ``unit`` with ``edits`` applied: (table, row, column) → amount text."""
    values = clean_values(unit)
    fields = {"PE": dict(DEPARTMENT_PE_FIELDS), "PP": dict(PROJECT_FIELDS)}
    for (table, row, column), text in dict(edits).items():
        if row is None:
            fields[table][column] = text
        else:
            values.setdefault(table, {}).setdefault(row, {})[column] = text
    base = UNITS[unit]
    return UnitSample(base.name, base.year, values, fields, base.notes)


def write_mixed_units(path: Path, sample: UnitSample, yuan_tables: tuple[str, ...]) -> dict:
    """Like ``write_book`` (no cover sheet), but the tables in ``yuan_tables`` are printed in 元."""
    wb = Workbook()
    wb.remove(wb.active)
    layouts = {}
    for table_id in default_tables(sample):
        ws = wb.create_sheet(SHEET_NAMES[table_id])
        layouts[table_id] = write_table(
            ws, catalog.BY_ID[table_id], sample.values.get(table_id, {}), unit_name=sample.name,
            year=sample.year, money_unit="元" if table_id in yuan_tables else "万元",
            fields=sample.fields.get(table_id))
    save_atomic(wb, path)
    return layouts


def build_book(path: Path, unit: str = "station", edits: Mapping[tuple, str] = (), *,
               sheet_edits: Mapping[tuple, float] = (), yuan_tables: tuple[str, ...] = (), **write_options) -> Book:
    """Write the (edited) sample of ``unit`` to ``path`` and read it back with ``read_book``."""
    sample = make_sample(unit, edits)
    if yuan_tables:
        layouts = write_mixed_units(path, sample, yuan_tables)
    else:
        layouts = write_book(path, sample, **write_options)
    if sheet_edits:
        wb = load_workbook(path)
        for (table, row, column), number in dict(sheet_edits).items():
            layout = layouts[table]
            wb[layout.sheet][layout.cell(row, column)] = number
        wb.save(path)
    return read_book(path)


@pytest.fixture
def make_book(tmp_path):
    """The factory as a fixture: ``make_book(unit, edits, sheet_edits=..., **write_book options)``."""
    counter = itertools.count()

    def make(*args, **kwargs) -> Book:
        return build_book(tmp_path / f"book{next(counter)}.xlsx", *args, **kwargs)

    return make


@pytest.fixture(scope="session")
def clean_findings(tmp_path_factory):
    """``validate_book`` findings of each unit's clean book, computed once per session."""
    cache: dict[str, list] = {}

    def findings(unit: str = "station") -> list:
        if unit not in cache:
            path = tmp_path_factory.mktemp("clean") / f"{unit}.xlsx"
            cache[unit] = validate_book(build_book(path, unit))
        return cache[unit]

    return findings
