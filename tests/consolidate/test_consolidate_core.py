"""Tests for pytoolkit.consolidate (core): exact sums by row key, units as files or sheets, eliminations.

Property tests run on ``UnitData`` built directly (no files; fast); the file tests use the bundled
department (three consistent units with internal flows, docs/rules.md §5).
"""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from pytoolkit.consolidate import (
    ConsolidationStopped,
    Consolidator,
    UnitData,
    consolidate_open_book,
    consolidate_paths,
    department_name,
    read_units,
    sheet_unit_name,
)
from pytoolkit.findings import Finding, Location, Severity
from pytoolkit.io.layout import save_atomic, write_book
from pytoolkit.io.reader import read_book
from pytoolkit.model import Book, Sheet
from pytoolkit.render.grid import parse_coordinate
from pytoolkit.samples.data import DEPARTMENT, DEPARTMENT_PE
from pytoolkit.tables.catalog import SUMMARY_UNIT

from .conftest import unit_sheets_book

BUREAU, CENTRE, STATION = DEPARTMENT
PE_SUMMARY = {k: Decimal(v) for k, v in DEPARTMENT_PE["PE"][SUMMARY_UNIT].items()}


def sample_sum(units=DEPARTMENT) -> dict[tuple[str, str, str], Decimal]:
    """The exact Decimal sum of the samples' own amount texts, cell by cell."""
    out: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for u in units:
        for tid, rows in u.values.items():
            for row, cols in rows.items():
                for col, text in cols.items():
                    out[(tid, row, col)] += Decimal(text)
    return out


def cells(values) -> dict[tuple[str, str, str], Decimal]:
    return {(t, r, c): v for t, rows in values.items() for r, cols in rows.items() for c, v in cols.items()}


# ---------------------------------------------------------------------------------------------
# Properties on synthetic units

CODES = ("201", "20101", "2010101", "2010199", "208", "20805", "2080505", "210", "212", "2120804", "229")
COLUMNS = ("本年支出合计", "基本支出", "项目支出", "上缴上级支出", "对附属单位补助支出")
amounts = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)
amounts_6 = st.decimals(min_value=Decimal("-9999.999999"), max_value=Decimal("9999.999999"), places=6,
                        allow_nan=False, allow_infinity=False)
row_values = st.dictionaries(st.sampled_from(COLUMNS), st.one_of(amounts, amounts_6), max_size=len(COLUMNS))
tables = st.fixed_dictionaries({
    "T3": st.dictionaries(st.sampled_from(("合计", *CODES)), row_values, max_size=8),
    "T7": st.dictionaries(st.sampled_from(("预算数", "决算数")),
                          st.dictionaries(st.sampled_from(("合计", "公务接待费")), amounts, max_size=2), max_size=2),
})


def unit(i: int, values) -> UnitData:
    return UnitData(name=f"单位{i}", source=f"u{i}.xlsx", year=2019, money_units=("万元",), values=values)


def consolidate(units, **kw):
    cons = Consolidator(validate_summary=False, **kw)
    cons.add_all(units)
    return cons.finish()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tables, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_summary_is_the_exact_sum_of_the_units_and_order_does_not_matter(values, rnd):
    units = [unit(i, v) for i, v in enumerate(values)]
    expected: dict[tuple[str, str, str], Decimal] = {}
    for u in units:
        for key, v in cells(u.values).items():
            expected[key] = expected[key] + v if key in expected else v
    with consolidate(units) as result:
        assert cells(result.totals) == expected  # exact: Decimal equality, no tolerance
        rows = {(t, r) for t, rs in result.totals.items() for r in rs}
        assert rows == {(t, r) for u in units for t, rs in u.values.items() for r in rs}  # the union of rows
    shuffled = list(units)
    rnd.shuffle(shuffled)
    with consolidate(shuffled) as again:
        assert cells(again.totals) == expected


@settings(max_examples=40, deadline=None)
@given(tables)
def test_one_unit_gives_itself_back(values):
    with consolidate([unit(0, values)]) as result:
        assert result.totals == values
        assert result.values == values


flow_rows = st.dictionaries(st.sampled_from(("201", "20103", "2010399", "212")),
                            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2),
                            min_size=1, max_size=3)


def flow_table(rows: dict[str, Decimal], column: str, total_column: str, times: int = 1) -> dict:
    out = {r: {column: v * times, total_column: v * times} for r, v in rows.items()}
    total = sum(rows.values()) * times
    out["合计"] = {column: total, total_column: total}
    return out


@settings(max_examples=50, deadline=None)
@given(subsidy=flow_rows, remit=flow_rows, n_children=st.integers(1, 3), mismatch=st.booleans())
def test_eliminations_remove_exactly_the_paired_amounts(subsidy, remit, n_children, mismatch):
    """The parent pays subsidies that its first child receives; every child remits ``remit``."""
    parent = UnitData(name="示例局机关", source="p.xlsx", year=2019, values={
        "T3": flow_table(subsidy, "对附属单位补助支出", "本年支出合计"),
        "T2": flow_table(remit, "附属单位上缴收入", "本年收入合计", n_children)})
    children = []
    for i in range(n_children):
        values = {"T3": flow_table(remit, "上缴上级支出", "本年支出合计")}
        if i == 0:
            values["T2"] = flow_table(subsidy, "上级补助收入", "本年收入合计")
            if mismatch:
                values["T2"]["合计"]["上级补助收入"] += Decimal("0.01")
        children.append(UnitData(name=f"二级机构{i + 1}", source=f"c{i}.xlsx", year=2019, values=values))
    paid, remitted = sum(subsidy.values()), sum(remit.values()) * n_children
    expected: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)

    def remove(pairs, times=1):
        for r, v in pairs:
            for key in r:
                expected[key] += v * times

    if not mismatch:
        for r, v in [*subsidy.items(), ("合计", paid)]:
            remove([((("T3", r, "对附属单位补助支出"), ("T3", r, "本年支出合计"), ("T2", r, "上级补助收入"),
                      ("T2", r, "本年收入合计")), v)])
            if len(r) == 3 and r != "合计":
                expected[("T1", r, "决算数")] += v
        expected[("T1", "上级补助收入", "决算数")] += paid
        for row in ("本年收入合计", "收入总计", "本年支出合计", "支出总计"):
            expected[("T1", row, "决算数")] += paid
    for r, v in [*remit.items(), ("合计", sum(remit.values()))]:
        remove([((("T3", r, "上缴上级支出"), ("T3", r, "本年支出合计"), ("T2", r, "附属单位上缴收入"),
                  ("T2", r, "本年收入合计")), v)], n_children)
        if len(r) == 3 and r != "合计":
            expected[("T1", r, "决算数")] += v * n_children
    expected[("T1", "附属单位上缴收入", "决算数")] += remitted
    for row in ("本年收入合计", "收入总计", "本年支出合计", "支出总计"):
        expected[("T1", row, "决算数")] += remitted

    with consolidate([parent, *children], eliminate=True) as result:
        plain, merged = cells(result.totals), cells(result.values)
        removed = {k: plain.get(k, Decimal(0)) - v for k, v in merged.items() if plain.get(k, Decimal(0)) != v}
        assert removed == {k: v for k, v in expected.items() if v}
        by_kind = {e.kind: e for e in result.eliminations}
        assert by_kind["remit"].amount == remitted
        assert by_kind["subsidy"].amount == (0 if mismatch else paid)
        assert any(f.rule == "consolidate.elimination_mismatch" for f in result.findings) == mismatch
        with consolidate([parent, *children]) as plain_only:  # plain sums untouched
            assert cells(result.totals) == cells(plain_only.totals)


def test_eliminations_on_the_department(unit_files):
    with consolidate_paths(unit_files, eliminate=True) as result:
        assert result.parent == BUREAU.name
        got = {e.kind: (e.payers, e.receivers, e.amount) for e in result.eliminations}
        assert got == {"subsidy": ((BUREAU.name,), (STATION.name,), Decimal("15.00")),
                       "remit": ((CENTRE.name,), (BUREAU.name,), Decimal("12.00"))}
        plain = sample_sum()
        assert result.value("T1", "收入总计", "决算数") == plain[("T1", "收入总计", "决算数")] - 27
        assert result.value("T1", "上级补助收入", "决算数") == 0
        assert result.value("T1", "附属单位上缴收入", "决算数") == 0
        assert result.value("T3", "2010399", "对附属单位补助支出") == 0
        assert result.value("T3", "2010350", "上缴上级支出") == 0
        assert result.value("T2", "2010399", "上级补助收入") == 0
        # 财政拨款 is not an internal flow; the 绩效自评 figures are plain sums
        assert result.value("T4", "收入总计", "金额") == plain[("T4", "收入总计", "金额")]
        assert result.summary_findings == []  # the merged 汇总 still satisfies every linkage rule


# ---------------------------------------------------------------------------------------------
# Units as files


def test_department_files_sum_exactly_with_mixed_money_units(unit_files):
    assert [read_book(p).tables[0].money_unit for p in unit_files] == ["万元", "元", "万元"]
    with consolidate_paths(unit_files) as result:
        assert [u.name for u in result.included] == [u.name for u in DEPARTMENT]
        expected = sample_sum()
        got = cells(result.totals)
        for key, v in expected.items():
            assert got.get(key, Decimal(0)) == v, key
        assert result.findings == [] and result.summary_findings == []
        assert result.name == "汨罗市示例局" and result.year == 2019
        assert result.value("T1", "收入总计", "决算数") == PE_SUMMARY["收入合计"]


def test_one_unit_file_gives_itself_back(unit_files):
    for path in unit_files:
        with consolidate_paths([path]) as result:
            assert result.totals == read_units(path)[0].values
            assert result.summary_findings == []


def test_workers_give_the_same_result(unit_files):
    with consolidate_paths(unit_files) as one, consolidate_paths(unit_files, workers=2) as two:
        assert one.totals == two.totals
        assert [u.name for u in one.units] == [u.name for u in two.units]


def test_unmatched_structure_is_a_finding_not_a_skip(unit_files, tmp_path):
    odd = tmp_path / "杂表.xlsx"
    wb = Workbook()
    for r in range(1, 10):
        wb.active.append([f"项目{r}", r * 1.5, r * 2])
    save_atomic(wb, odd)
    broken = tmp_path / "损坏.xlsx"
    broken.write_bytes(b"not a workbook")
    with consolidate_paths([*unit_files, odd, broken]) as result:
        rules = {f.rule for f in result.findings}
        assert {"consolidate.no_tables", "read.unusable"} <= rules
        assert len(result.included) == 3 and len(result.units) == 5
        assert [u.status for u in result.units[3:]] == ["未汇总", "无法读取，未汇总"]
        assert result.value("T1", "收入总计", "决算数") == PE_SUMMARY["收入合计"]


def test_missing_table_and_year_mismatch(tmp_path, unit_files):
    short = tmp_path / "short.xlsx"
    write_book(short, CENTRE, tables=["T1", "T2", "T3"])
    with consolidate_paths([unit_files[0], short]) as result:
        missing = [f for f in result.findings if f.rule == "consolidate.missing_table"]
        assert len(missing) == 1 and "T4" in missing[0].message and missing[0].severity is Severity.WARNING


def test_strict_stops_on_a_unit_with_errors():
    bad = UnitData(name="坏单位", source="b.xlsx", values={"T7": {}}, findings=(
        Finding("T1.balance", Severity.ERROR, "不平", Location(file="b.xlsx")),))
    cons = Consolidator(strict=True, validate_summary=False)
    cons.add(UnitData(name="好单位", source="a.xlsx", values={"T7": {}}))
    with pytest.raises(ConsolidationStopped) as exc:
        cons.add(bad)
    assert exc.value.unit == "坏单位" and exc.value.findings


# ---------------------------------------------------------------------------------------------
# Units as sheets of one workbook, and the ribbon entry point


@pytest.mark.parametrize("name,unit", [
    ("局机关", "局机关"), ("二级机构1", "二级机构1"), ("二级机构1-收入决算表", "二级机构1"),
    ("T1 信息中心", "信息中心"), ("收入支出决算总表（局机关）", "局机关"), ("01收入支出决算总表", ""),
    ("局机关_T3", "局机关"), ("整体支出绩效自评表", ""), ("便民服务站 支出决算表", "便民服务站"),
])
def test_sheet_unit_name(name, unit):
    assert sheet_unit_name(name) == unit


@pytest.mark.parametrize("per_table", [False, True])
def test_units_as_sheets_of_one_workbook(tmp_path, per_table):
    path = unit_sheets_book(tmp_path / "部门.xlsx", per_table=per_table)
    with consolidate_paths([path]) as result:
        # named as each table's 部门 line prints it, never after the sheets (局机关, 二级机构1, …)
        assert [u.name for u in result.included] == [u.name for u in DEPARTMENT]
        assert [u.money_units for u in result.included] == [("万元",), ("元",), ("万元",)]
        expected = sample_sum()
        got = cells(result.totals)
        for key, v in expected.items():
            assert got.get(key, Decimal(0)) == v, key
        # the department form's blank 汇总 row is filled from its unit rows
        assert result.totals["PE"][SUMMARY_UNIT] == PE_SUMMARY
        assert not any(f.severity is Severity.ERROR for f in result.all_findings)


def test_open_book_for_the_ribbon(tmp_path):
    path = unit_sheets_book(tmp_path / "部门.xlsx")
    live = read_book(path, recognise=False)  # what the adapter builds: Book(path, sheets=[Sheet(...)])
    book = Book(path, sheets=[Sheet(s.name, s.cells, s.merged) for s in live.sheets])
    out = consolidate_open_book(book, eliminate=True, name="汨罗市示例局")
    names = [s.name for s in out.sheets]
    assert names[0] == "汇总-01收入支出决算总表" and "汇总-整体支出绩效自评表" in names
    t1 = out.sheets[0]
    assert out.result.values["T1"]["收入总计"]["决算数"] == PE_SUMMARY["收入合计"] - 27
    row, col = parse_coordinate(t1.layout.cell("收入总计", "决算数"))  # where the sheet shows it
    assert t1.grid.value(row, col) == PE_SUMMARY["收入合计"] - 27
    assert t1.grid.style(row, col).number_format == "#,##0.00"
    assert "汨罗市示例局（合并）" in str(t1.grid.value(2, 1))
    fills = {(ref.col, v) for ref, v in out.form_fills}
    assert {v for _, v in fills} >= set(PE_SUMMARY.values())
    assert all(ref.sheet == "整体支出绩效自评表" for ref, _ in out.form_fills)
    out.result.close()


def test_department_name():
    assert department_name([u.name for u in DEPARTMENT]) == "汨罗市示例局"
    assert department_name(["汨罗市示例局机关", "信息中心"]) == "汨罗市示例局"
    assert department_name(["局机关", "二级机构1"]) == "汇总"
    assert department_name(["某单位"]) == "某单位"


def test_many_units_keep_a_bounded_detail():
    rnd = random.Random(4)
    units = [unit(i, {"T7": {"决算数": {"合计": Decimal(rnd.randint(1, 10**6)) / 100}}}) for i in range(250)]
    cons = Consolidator(validate_summary=False, detail_units=20)
    cons.add_all(units)
    with cons.finish() as result:
        assert len(result.detail) == 20
        rows = list(result.iter_unit_rows())
        assert [i for i, _ in rows] == list(range(250))
        assert result.totals["T7"]["决算数"]["合计"] == sum(u.values["T7"]["决算数"]["合计"] for u in units)
