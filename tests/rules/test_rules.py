"""Every rule of the built-in packs, on real workbooks: clean books pass, one broken value fails.

Books come from the factory in ``conftest.py`` (sample values → official-layout .xlsx →
``read_book``); ``BREAKS`` is the one table of mutations: rule id → the one value that breaks it.
A rule added to a pack without a line here fails ``test_every_pack_rule_has_a_break``.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple

import pytest

from pytoolkit.findings import Severity, has_errors
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.rules import validate_book
from pytoolkit.rules.loader import BUILTIN, builtin_pack
from pytoolkit.samples.data import SEED
from pytoolkit.tables.catalog import SUMMARY_UNIT

PACK_RULES = [rule for name in BUILTIN for rule in builtin_pack(name)]
SEVERITY = {rule.id: rule.severity for rule in PACK_RULES}
PUBLIC = ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "PP")
UNIT_ROW = "便民服务站"  # the unit row of the station's PE form (conftest.PE_LABEL)
C0 = "年初财政拨款结转和结余/"


class Break(NamedTuple):
    """Set ``table[row].column`` to ``value`` (万元 text; row None = a form field) in ``unit``'s clean book.

    ``in_sheet``: overwrite the written cell instead (a number in the printed unit), for what the
    writer cannot render: an amount in a table that carries the 空表 note.
    """

    table: str
    row: str | None
    column: str
    value: str
    unit: str = "station"
    in_sheet: bool = False


# The station's clean figures (conftest.STATE_CAPITAL included): T1 本年收入合计 146.07, 收入总计 153.47,
# 本年支出合计 135.47; T4 本年收入合计 131.07, 收入总计 138.47, 本年支出合计 123.47; T5 合计 83.47
# (基本 63.47); T6 人员 53.37, 公用 10.10; T7 决算 合计 2.10 (车 1.60, 接待 0.50); T8 212: 5 + 40 = 30 + 15;
# T9 229: 0 + 10 = 10 + 0; PE 收入合计 153.47, 支出合计 135.47 (基本 63.47, 项目 72.00).
BREAKS: dict[str, Break] = {
    # T1
    "T1.income_total": Break("T1", "本年收入合计", "决算数", "146.08"),
    "T1.spending_total": Break("T1", "本年支出合计", "决算数", "135.48"),
    "T1.income_grand_total": Break("T1", "收入总计", "决算数", "153.48"),
    "T1.spending_grand_total": Break("T1", "支出总计", "决算数", "153.48"),
    "T1.balance": Break("T1", "收入总计", "决算数", "153.46"),
    # T1 上年决算数 (the station: 本年收入合计 113.30 + 年初结转和结余 3.10 = 收入总计 116.40 = 支出总计)
    "T1.income_total_previous": Break("T1", "本年收入合计", "上年决算数", "113.31"),
    "T1.income_grand_total_previous": Break("T1", "收入总计", "上年决算数", "116.41"),
    "T1.spending_grand_total_previous": Break("T1", "支出总计", "上年决算数", "116.41"),
    "T1.balance_previous": Break("T1", "支出总计", "上年决算数", "116.39"),
    # T2, T3
    "T2.row_sum": Break("T2", "2120804", "财政拨款收入", "39.99"),
    "T2.hierarchy": Break("T2", "21208", "本年收入合计", "40.01"),
    "T3.row_sum": Break("T3", "2120804", "项目支出", "29.99"),
    "T3.hierarchy": Break("T3", "21208", "本年支出合计", "30.01"),
    # T4
    "T4.row_sum": Break("T4", "年末财政拨款结转和结余", "合计", "15.01"),
    "T4.class_row_sum": Break("T4", "212", "合计", "30.01"),
    "T4.income_total": Break("T4", "本年收入合计", "金额", "131.08"),
    "T4.carry_in_total": Break("T4", "年初财政拨款结转和结余", "金额", "7.41"),
    "T4.spending_total": Break("T4", "本年支出合计", "合计", "123.48"),
    "T4.income_grand_total": Break("T4", "收入总计", "金额", "138.48"),
    "T4.spending_grand_total": Break("T4", "支出总计", "合计", "138.48"),
    "T4.balance": Break("T4", "收入总计", "金额", "138.46"),
    "T4.fund_balance_general": Break("T4", C0 + "一般公共预算财政拨款", "金额", "2.41"),
    "T4.fund_balance_gov_fund": Break("T4", C0 + "政府性基金预算财政拨款", "金额", "5.01"),
    "T4.fund_balance_state_capital": Break("T4", C0 + "国有资本经营预算财政拨款", "金额", "0.01"),
    # T5, T6, T7
    "T5.row_sum": Break("T5", "2101102", "基本支出", "2.44"),
    "T5.hierarchy": Break("T5", "21011", "合计", "2.46"),
    "T6.personnel_total": Break("T6", "人员经费合计", "决算数", "53.38"),
    "T6.public_use_total": Break("T6", "公用经费合计", "决算数", "10.11"),
    "T6.hierarchy": Break("T6", "30201", "决算数", "2.11"),
    "T7.total": Break("T7", "决算数", "合计", "2.11"),
    "T7.vehicle_subtotal": Break("T7", "预算数", "公务用车购置及运行维护费", "2.01"),
    # T8, T9 (the 局机关 publishes both as 空表)
    "T8.row_balance": Break("T8", "2120804", "年末结转和结余", "15.01"),
    "T8.row_sum": Break("T8", "2120804", "基本支出", "0.01"),
    "T8.hierarchy": Break("T8", "21208", "本年收入", "40.01"),
    "T8.empty_note": Break("T8", "合计", "本年收入", "1", unit="bureau", in_sheet=True),
    "T9.row_balance": Break("T9", "229", "年末结转和结余", "0.01"),
    "T9.row_sum": Break("T9", "229", "基本支出", "0.01"),
    "T9.hierarchy": Break("T9", "229", "本年收入", "10.01"),
    "T9.empty_note": Break("T9", "合计", "本年支出合计", "1", unit="bureau", in_sheet=True),
    # between tables
    "X.T1_T2_income": Break("T2", "合计", "财政拨款收入", "131.08"),
    "X.T1_T2_upper": Break("T1", "上级补助收入", "决算数", "15.01"),
    "X.T1_T2_business": Break("T1", "事业收入", "决算数", "0.01"),
    "X.T1_T2_operating": Break("T1", "经营收入", "决算数", "0.01"),
    "X.T1_T2_affiliated": Break("T1", "附属单位上缴收入", "决算数", "0.01"),
    "X.T1_T2_other": Break("T1", "其他收入", "决算数", "0.01"),
    "X.T1_T2_total": Break("T2", "合计", "本年收入合计", "146.08"),
    "X.T1_T3_total": Break("T3", "合计", "本年支出合计", "135.48"),
    "X.T1_T3_class": Break("T1", "212", "决算数", "30.01"),
    "X.T1_T4_general": Break("T4", "一般公共预算财政拨款", "金额", "81.08"),
    "X.T1_T4_gov_fund": Break("T4", "政府性基金预算财政拨款", "金额", "40.01"),
    "X.T1_T4_state_capital": Break("T4", "国有资本经营预算财政拨款", "金额", "10.01"),
    "X.T4_T1_class": Break("T1", "212", "决算数", "29.99"),
    "X.T4_T5_total": Break("T5", "合计", "合计", "83.48"),
    "X.T4_T5_class": Break("T5", "208", "合计", "8.89"),
    "X.T4_T8_total": Break("T8", "合计", "本年支出合计", "30.01"),
    "X.T4_T8_class": Break("T8", "212", "本年支出合计", "30.01"),
    "X.T4_T9_total": Break("T4", "本年支出合计", "国有资本经营预算财政拨款", "10.01"),
    "X.T4_T9_class": Break("T4", "229", "国有资本经营预算财政拨款", "10.01"),
    "X.T5_T6_basic": Break("T5", "合计", "基本支出", "63.48"),
    "X.T5_T3_basic": Break("T5", "2010350", "基本支出", "47.71"),
    "X.T5_T3_project": Break("T5", "2010399", "项目支出", "32.01"),
    "X.T6_T7_abroad": Break("T6", "30212", "决算数", "0.01"),
    "X.T6_T7_reception": Break("T6", "30217", "决算数", "0.51"),
    "X.T6_T7_vehicle_running": Break("T6", "30231", "决算数", "1.61"),
    "X.T6_T7_vehicle_purchase": Break("T6", "31013", "决算数", "0.01"),
    "X.T5_T1_general": Break("T5", "合计", "合计", "135.48"),
    # 绩效自评
    "PE.summary_row": Break("PE", SUMMARY_UNIT, "会议费", "0.01"),
    "PE.income_sum": Break("PE", UNIT_ROW, "上年结转", "7.41"),
    "PE.spending_sum": Break("PE", UNIT_ROW, "项目支出", "72.01"),
    "PE.basic_sum": Break("PE", UNIT_ROW, "人员支出", "53.38"),
    "PE.sangong_sum": Break("PE", UNIT_ROW, "因公出国费", "0.01"),
    "PE.assets_sum": Break("PE", UNIT_ROW, "其他", "0.01"),
    "PE.grade": Break("PE", None, "评价等次", "良"),
    "XP.income_total": Break("PE", SUMMARY_UNIT, "收入合计", "153.48"),
    "XP.general_budget": Break("PE", SUMMARY_UNIT, "公共财政拨款", "81.08"),
    "XP.gov_fund": Break("PE", SUMMARY_UNIT, "政府基金拨款", "40.01"),
    "XP.spending_total": Break("PE", SUMMARY_UNIT, "支出合计", "135.48"),
    "XP.basic": Break("PE", SUMMARY_UNIT, "基本支出", "63.48"),
    "XP.project": Break("PE", SUMMARY_UNIT, "项目支出", "72.01"),
    "XP.sangong": Break("PE", SUMMARY_UNIT, "三公经费合计", "2.11"),
    "XP.reception": Break("PE", SUMMARY_UNIT, "公务接待费", "0.51"),
    "PP.detail_sum": Break("PP", "便民服务终端购置", "实际支出数", "11.51"),
    "PP.funds": Break("PP", "县(市)财政", "结余", "2.01"),
}


def broken_book(make_book, brk: Break):
    key = (brk.table, brk.row, brk.column)
    if brk.in_sheet:
        return make_book(brk.unit, sheet_edits={key: float(brk.value)})
    return make_book(brk.unit, {key: brk.value})


# Rules about the book's structure, not its values: each has its own test below.
STRUCTURAL = {"book.missing_tables", "derived.values"}  # derived.values: test_derived_values.py


# T1 年初预算数: only the seed prints it (本年收入合计 = 收入总计 = 支出总计 = 500.87), so these break
# the seed's values instead of a department unit's.
SEED_BREAKS: dict[str, tuple[str, str]] = {
    "T1.income_total_budget": ("本年收入合计", "500.88"),
    "T1.income_grand_total_budget": ("收入总计", "500.88"),
    "T1.spending_grand_total_budget": ("支出总计", "500.88"),
    "T1.balance_budget": ("支出总计", "500.86"),
}


def test_every_pack_rule_has_a_break():
    ids = [rule.id for rule in PACK_RULES]
    assert len(ids) == len(set(ids)), "a rule id is defined in two built-in packs"
    assert sorted(ids) == sorted([*BREAKS, *STRUCTURAL, *SEED_BREAKS, *ADJUSTED_BREAKS])


@pytest.mark.parametrize("rule_id", sorted(SEED_BREAKS))
def test_seed_budget_rule_passes_clean_and_fails_broken(rule_id, tmp_path):
    def findings(values) -> set[str]:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.xlsx"
        write_book(path, replace(SEED, values=values))
        return {f.rule for f in validate_book(read_book(path)) if f.severity is Severity.ERROR}

    assert rule_id not in findings(SEED.values)
    row, value = SEED_BREAKS[rule_id]
    values = copy.deepcopy(SEED.values)
    values["T1"][row]["年初预算数"] = value
    assert rule_id in findings(values)


# T1 调整预算数 (the 财决01表's 全年预算数): the seed with that column printed, equal to its 年初预算数.
ADJUSTED_BREAKS = {k.replace("_budget", "_adjusted"): v for k, v in SEED_BREAKS.items()}


@pytest.mark.parametrize("rule_id", sorted(ADJUSTED_BREAKS))
def test_adjusted_budget_rule_passes_clean_and_fails_broken(rule_id, tmp_path):
    def findings(values) -> set[str]:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.xlsx"
        write_book(path, replace(SEED, values=values))
        return {f.rule for f in validate_book(read_book(path)) if f.severity is Severity.ERROR}

    values = copy.deepcopy(SEED.values)
    for cols in values["T1"].values():
        if "年初预算数" in cols:
            cols["调整预算数"] = cols["年初预算数"]
    assert rule_id not in findings(values)
    row, value = ADJUSTED_BREAKS[rule_id]
    values["T1"][row]["调整预算数"] = value
    assert rule_id in findings(values)


def test_missing_public_tables_are_named(make_book, clean_findings):
    assert [f for f in clean_findings("station") if f.rule == "book.missing_tables"] == []
    book = make_book("station")
    book.tables = [t for t in book.tables if t.id not in ("T4", "T9")]
    hits = [f for f in validate_book(book) if f.rule == "book.missing_tables"]
    assert len(hits) == 1 and hits[0].severity == Severity.WARNING
    assert "T4 财政拨款收入支出决算总表" in hits[0].message and "T9" in hits[0].message  # 2019: nine tables
    assert "T5" not in hits[0].message


def test_a_book_of_only_self_evaluation_forms_misses_no_public_table(make_book):
    book = make_book("station")
    book.tables = [t for t in book.tables if t.id in ("PE", "PP")]
    assert [f for f in validate_book(book) if f.rule == "book.missing_tables"] == []


@pytest.mark.parametrize("rule_id", sorted(BREAKS))
def test_rule_passes_clean_and_fails_broken(rule_id, make_book, clean_findings):
    brk = BREAKS[rule_id]
    assert [f for f in clean_findings(brk.unit) if f.rule == rule_id] == []

    hits = [f for f in validate_book(broken_book(make_book, brk)) if f.rule == rule_id]
    assert hits, f"{rule_id}: no finding after setting {brk.table}[{brk.row}].{brk.column} = {brk.value}"
    assert {f.severity for f in hits} == {SEVERITY[rule_id]}
    for f in hits:
        assert "执行出错" not in f.message  # a real finding, not a crashed rule
        assert "尾差" not in f.message
        assert f.location.sheet, f"{rule_id}: the finding points at no sheet"


@pytest.mark.parametrize("options", [{}, {"code_layout": "split"}, {"money_unit": "元"},
                                     {"code_layout": "split", "money_unit": "元"}],
                         ids=["single-万元", "split-万元", "single-元", "split-元"])
def test_clean_book_has_no_findings_in_every_layout(make_book, options):
    book = make_book("station", **options)
    assert {t.id for t in book.tables} >= {*PUBLIC, "PE"}
    assert validate_book(book) == []


@pytest.mark.parametrize("unit", ["bureau", "centre", "station"])
@pytest.mark.parametrize("options", [{}, {"code_layout": "split", "money_unit": "元"}], ids=["single-万元", "split-元"])
def test_public_tables_of_every_department_unit_are_clean(make_book, unit, options):
    assert validate_book(make_book(unit, tables=PUBLIC, **options)) == []


def test_pe_spending_sum_admits_other_spending(make_book):
    # The 局机关 pays 15.00 对附属单位补助支出: 支出合计 exceeds 基本 + 项目 by exactly that, which
    # the form has no column for, so it asks for an explanation (warning), never an error.
    findings = [f for f in validate_book(make_book("bureau")) if f.rule == "PE.spending_sum"]
    assert findings and all(f.severity is Severity.WARNING for f in findings)
    assert {f.difference for f in findings} == {Decimal("15.00")}
    assert not has_errors(validate_book(make_book("bureau")))


def test_xp_income_total_counts_non_fiscal_balance_used(make_book):
    findings = validate_book(make_book("centre"))
    assert [f.message for f in findings if f.rule == "XP.income_total"] == []


# -- exactness and 尾差 (docs/rules.md §4) -------------------------------------------------------------


@pytest.mark.parametrize("money_unit", ["万元", "元"])
def test_cent_break_in_a_total_is_an_error_not_rounding(make_book, money_unit):
    book = make_book("station", {("T3", "合计", "本年支出合计"): "135.48"}, money_unit=money_unit)
    findings = validate_book(book)
    assert {f.rule for f in findings} == {"T3.hierarchy", "T3.row_sum", "X.T1_T3_total"}
    for f in findings:
        assert f.severity is Severity.ERROR, f.message
        assert "尾差" not in f.message
    assert {abs(f.difference) for f in findings} == {Decimal("0.01")}


# T6 printed in 元 with figures finer than 万元 precision (T5 stays in 万元, rounded to the cent):
# X.T5_T6_basic compares T5 基本支出 63.47 with T6 人员 53.37 + 公用 (10.10 + δ); bound = 0.005 (one
# rounded 万元 operand).
@pytest.mark.parametrize(("public_use", "severity"), [
    ("10.10", None),  # exact in 元: nothing to report
    ("10.1004", Severity.INFO),
    ("10.0950", Severity.INFO),  # on the bound, either side
    ("10.1050", Severity.INFO),
    ("10.1051", Severity.ERROR),
    ("10.1060", Severity.ERROR),
])
def test_yuan_table_against_wan_table_rounding(make_book, public_use, severity):
    delta = Decimal(public_use) - Decimal("10.10")
    edits = {("T6", row, "决算数"): str(Decimal(base) + delta)
             for row, base in (("30201", "2.10"), ("302", "10.10"), ("公用经费合计", "10.10"))}
    book = make_book("station", edits, yuan_tables=("T6",))
    assert book.table("T6").money_unit == "元" and book.table("T5").money_unit == "万元"
    findings = validate_book(book)
    assert {f.rule for f in findings} <= {"X.T5_T6_basic"}, [f.message for f in findings]
    if severity is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.severity is severity
    assert finding.difference == -delta
    assert ("尾差" in finding.message) == (severity is Severity.INFO)


# -- the seed ---------------------------------------------------------------------------------


def test_seed_errors_are_exactly_its_real_inconsistencies(tmp_path):
    path = tmp_path / "seed.xlsx"
    write_book(path, SEED)
    findings = validate_book(read_book(path))
    errors = {f.rule: (f.actual, f.expected) for f in findings if f.severity is Severity.ERROR}
    assert errors == {
        "XP.general_budget": (Decimal("686.97"), Decimal("846.77")),
        "XP.gov_fund": (Decimal("159.8"), Decimal("0")),
        "XP.sangong": (Decimal("4.54"), Decimal("4.50")),
        "XP.reception": (Decimal("4.54"), Decimal("4.50")),
    }
    assert sum(f.severity is Severity.ERROR for f in findings) == 4


def test_compiled_fast_path_gives_the_evaluators_values(make_book, tmp_path):
    """A rule is first evaluated by closures (engine._compile), and again by ``evaluate`` only when
    it fails: both must give the same value for every side of every built-in expression rule."""
    from pytoolkit.rules.engine import RuleContext, _compile, _each_keys, evaluate

    seed_path = tmp_path / "seed.xlsx"
    write_book(seed_path, SEED)
    books = [make_book("station"), make_book("station", {("T3", "2120804", "项目支出"): "29.99"}),
             read_book(seed_path)]
    compared = 0
    for book in books:
        ctx = RuleContext(book)
        for rule in (r for r in PACK_RULES if r.ast is not None):
            if any(ctx.table(t) is None for t in rule.tables):
                continue
            keys = [None]
            if rule.each_row:
                table = ctx.table(rule.each_row["table"])
                keys = _each_keys(table, rule.each_row, ctx) if table else []
            for key in keys:
                if key is not None:
                    ctx.current_key, ctx.current_table = key, ctx.table(rule.each_row["table"])
                for side in (rule.ast.left, rule.ast.right):
                    assert _compile(side)(ctx) == evaluate(side, ctx, []), (rule.id, key)
                    compared += 1
            ctx.current_key, ctx.current_table = None, None
    assert compared > 500
