"""The bundled sample data is consistent: docs/rules.md §3 to the cent, the seed's narrative, the catalog.

Plain Decimal arithmetic over the dicts of ``pytoolkit.samples.data``; a blank cell counts as 0.
Each rule has a small helper returning the list of breaks, so a failure names the cell.
The seed's 绩效自评 forms are checked to hold the seed's own numbers, inconsistencies included.
"""

from __future__ import annotations

import os
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from pytoolkit.samples import data
from pytoolkit.samples.previous import SEED_PREVIOUS
from pytoolkit.tables import catalog, codes

ZERO = Decimal(0)
SEED = data.SEED
UNITS = (SEED, SEED_PREVIOUS, *data.DEPARTMENT)
UNIT_IDS = [f"{u.name}{u.year}" for u in UNITS]
BUREAU, CENTRE, STATION = data.DEPARTMENT
CHILDREN = (CENTRE, STATION)
NARRATIVE = Path(data.__file__).with_name("seed_narrative.txt")
# The published disclosure the seed data transcribes, as a text file, when a maintainer has it:
# its path in the environment variable PYTOOLKIT_SEED_SOURCE (the repository does not ship it).
SEED_SOURCE = Path(os.environ.get("PYTOOLKIT_SEED_SOURCE", "") or "missing-seed-source")

FUNCTION_TABLES = ("T2", "T3", "T5", "T8", "T9")
T1_INCOME_TOTAL_PARTS = ("本年收入合计", "使用非财政拨款结余", "年初结转和结余")
T1_SPEND_TOTAL_PARTS = ("本年支出合计", "结余分配", "年末结转和结余")
GP, GF, SOE = catalog.FUNDS
T7_COLS = dict(zip(("合计", "出国", "小计", "购置", "运行", "接待"), catalog.T7_COLUMNS, strict=True))
AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")


def units(fn):
    return pytest.mark.parametrize("unit", UNITS, ids=UNIT_IDS)(fn)


def amt(values: data.Values, table: str, row: str, col: str) -> Decimal:
    cell = values.get(table, {}).get(row, {}).get(col)
    return ZERO if cell is None else Decimal(cell)


def rows_of(values: data.Values, table: str) -> dict[str, dict[str, str]]:
    return values.get(table, {})


def columns_of(rows: dict[str, dict[str, str]]) -> set[str]:
    return {c for cols in rows.values() for c in cols}


def classes_of(values: data.Values, table: str) -> list[str]:
    return [k for k in rows_of(values, table) if codes.is_code(k) and len(k) == 3]


def pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def plain(number: Decimal) -> str:
    """How the narrative writes a number: 98 for 98.00, 658.9 for 658.90."""
    return format(number.normalize(), "f")


# --- helpers: one per rule, each returns the breaks ------------------------------------------


def t1_breaks(v: data.Values) -> list[str]:
    rows = rows_of(v, "T1")
    out = []
    classes = classes_of(v, "T1")
    for col in columns_of(rows):
        def a(row, col=col):
            return amt(v, "T1", row, col)

        if col in rows.get("本年收入合计", {}):
            got = sum((a(r) for r in catalog.T1_INCOME_ROWS), ZERO)
            if got != a("本年收入合计"):
                out.append(f"{col}: Σ收入 {got} ≠ 本年收入合计 {a('本年收入合计')}")
        if col in rows.get("收入总计", {}):
            got = sum((a(r) for r in T1_INCOME_TOTAL_PARTS), ZERO)
            if got != a("收入总计"):
                out.append(f"{col}: 收入总计 {a('收入总计')} ≠ {got}")
        if col in rows.get("支出总计", {}):
            got = sum((a(r) for r in T1_SPEND_TOTAL_PARTS), ZERO)
            if got != a("支出总计"):
                out.append(f"{col}: 支出总计 {a('支出总计')} ≠ {got}")
        if a("收入总计") != a("支出总计"):
            out.append(f"{col}: 收入总计 {a('收入总计')} ≠ 支出总计 {a('支出总计')}")
        if any(col in rows[c] for c in classes):
            got = sum((a(c) for c in classes), ZERO)
            if got != a("本年支出合计"):
                out.append(f"{col}: Σ类 {got} ≠ 本年支出合计 {a('本年支出合计')}")
    return out


def row_sum_breaks(v: data.Values, table: str, total: str, parts: tuple[str, ...]) -> list[str]:
    out = []
    for row in rows_of(v, table):
        got = sum((amt(v, table, row, c) for c in parts), ZERO)
        if got != amt(v, table, row, total):
            out.append(f"{table}[{row}] {total} {amt(v, table, row, total)} ≠ Σ {got}")
    return out


def hierarchy_breaks(v: data.Values, table: str) -> list[str]:
    rows = rows_of(v, table)
    code_rows = [k for k in rows if k != "合计"]
    out = [f"{table}: bad row {k}" for k in code_rows if not codes.is_code(k)]
    if rows and "合计" not in rows:
        out.append(f"{table}: no 合计 row")
    for code in code_rows:
        parent = codes.parent(code)
        if parent is not None and parent not in rows:
            out.append(f"{table}[{code}]: parent {parent} missing")
        if len(code) < 7 and not any(len(k) == len(code) + 2 and k.startswith(code) for k in code_rows):
            out.append(f"{table}[{code}]: no child rows")
    for col in columns_of(rows):
        top = sum((amt(v, table, k, col) for k in code_rows if len(k) == 3), ZERO)
        if top != amt(v, table, "合计", col):
            out.append(f"{table}.{col}: 合计 {amt(v, table, '合计', col)} ≠ Σ类 {top}")
        for code in code_rows:
            if len(code) == 7:
                continue
            kids = sum((amt(v, table, k, col) for k in code_rows
                        if len(k) == len(code) + 2 and k.startswith(code)), ZERO)
            if kids != amt(v, table, code, col):
                out.append(f"{table}[{code}].{col}: {amt(v, table, code, col)} ≠ Σ下级 {kids}")
    return out


def t4_breaks(v: data.Values) -> list[str]:
    out = []

    def a(row, col):
        return amt(v, "T4", row, col)

    spend_rows = [*classes_of(v, "T4"), "本年支出合计", "年末财政拨款结转和结余", "支出总计"]
    for row in spend_rows:
        if a(row, "合计") != a(row, GP) + a(row, GF) + a(row, SOE):
            out.append(f"T4[{row}]: 合计 ≠ Σ funds")
    for col in ("合计", *catalog.FUNDS):
        got = sum((a(c, col) for c in classes_of(v, "T4")), ZERO)
        if got != a("本年支出合计", col):
            out.append(f"T4.{col}: Σ类 {got} ≠ 本年支出合计")
        if a("本年支出合计", col) + a("年末财政拨款结转和结余", col) != a("支出总计", col):
            out.append(f"T4.{col}: 支出总计 ≠ 本年支出 + 年末")
    for fund in catalog.FUNDS:
        income = a(fund, "金额") + a(f"年初财政拨款结转和结余/{fund}", "金额")
        spend = a("本年支出合计", fund) + a("年末财政拨款结转和结余", fund)
        if income != spend:
            out.append(f"T4 {fund}: 本年收入 + 年初 {income} ≠ 本年支出 + 年末 {spend}")
    if a("本年收入合计", "金额") != sum((a(f, "金额") for f in catalog.FUNDS), ZERO):
        out.append("T4: 本年收入合计 ≠ Σ funds")
    if a("年初财政拨款结转和结余", "金额") != sum(
            (a(f"年初财政拨款结转和结余/{f}", "金额") for f in catalog.FUNDS), ZERO):
        out.append("T4: 年初财政拨款结转和结余 ≠ Σ funds")
    if a("收入总计", "金额") != a("本年收入合计", "金额") + a("年初财政拨款结转和结余", "金额"):
        out.append("T4: 收入总计 ≠ 本年收入合计 + 年初")
    if a("收入总计", "金额") != a("支出总计", "合计"):
        out.append("T4: 收入总计 ≠ 支出总计")
    return out


def t6_breaks(v: data.Values) -> list[str]:
    rows = rows_of(v, "T6")
    out = []
    for cls in (k for k in rows if len(k) == 3):
        items = sum((amt(v, "T6", k, "决算数") for k in rows if len(k) == 5 and k.startswith(cls)), ZERO)
        if items != amt(v, "T6", cls, "决算数"):
            out.append(f"T6[{cls}] {amt(v, 'T6', cls, '决算数')} ≠ Σ款 {items}")
    for k in rows:
        if len(k) == 5 and k[:3] not in rows:
            out.append(f"T6[{k}]: class {k[:3]} missing")
    for total, classes in (("人员经费合计", codes.PERSONNEL_CLASSES), ("公用经费合计", codes.PUBLIC_USE_CLASSES)):
        got = sum((amt(v, "T6", c, "决算数") for c in classes), ZERO)
        if got != amt(v, "T6", total, "决算数"):
            out.append(f"T6 {total} {amt(v, 'T6', total, '决算数')} ≠ {got}")
    return out


def t7_breaks(v: data.Values) -> list[str]:
    out = []
    for row in rows_of(v, "T7"):
        def a(key, row=row):
            return amt(v, "T7", row, T7_COLS[key])

        if a("合计") != a("出国") + a("小计") + a("接待"):
            out.append(f"T7[{row}]: 合计 ≠ 出国 + 车小计 + 接待")
        if a("小计") != a("购置") + a("运行"):
            out.append(f"T7[{row}]: 车小计 ≠ 购置 + 运行")
    return out


def fund_table_breaks(v: data.Values, table: str) -> list[str]:
    out = []
    for row in rows_of(v, table):
        def a(col, row=row):
            return amt(v, table, row, col)

        if a("年初结转和结余") + a("本年收入") != a("本年支出合计") + a("年末结转和结余"):
            out.append(f"{table}[{row}]: 年初 + 本年收入 ≠ 本年支出 + 年末")
        if a("本年支出合计") != a("基本支出") + a("项目支出"):
            out.append(f"{table}[{row}]: 本年支出 ≠ 基本 + 项目")
    return out


# T1 income row -> T2 column(s)
T1_TO_T2 = {
    "财政拨款收入": catalog.T1_INCOME_ROWS[:3],
    "上级补助收入": ("上级补助收入",),
    "事业收入": ("事业收入",),
    "经营收入": ("经营收入",),
    "附属单位上缴收入": ("附属单位上缴收入",),
    "其他收入": ("其他收入",),
    "本年收入合计": ("本年收入合计",),
}


def pe_row_from_tables(unit: data.UnitSample) -> dict[str, Decimal]:
    """The DEPARTMENT_PE row of a unit as the data module's docstring defines it."""
    v = unit.values

    def t1(row):
        return amt(v, "T1", row, "决算数")

    def t7(key):
        return amt(v, "T7", "决算数", T7_COLS[key])

    return {
        "收入合计": t1("收入总计"),
        "上年结转": t1("年初结转和结余") + t1("使用非财政拨款结余"),
        "公共财政拨款": t1("一般公共预算财政拨款收入"),
        "政府基金拨款": t1("政府性基金预算财政拨款收入"),
        "纳入专户管理的非税收入拨款": ZERO,
        "其他收入": sum((t1(r) for r in catalog.T1_INCOME_ROWS[3:]), ZERO),
        "支出合计": t1("本年支出合计"),
        "基本支出": amt(v, "T3", "合计", "基本支出"),
        "人员支出": amt(v, "T6", "人员经费合计", "决算数"),
        "公用支出": amt(v, "T6", "公用经费合计", "决算数"),
        "项目支出": amt(v, "T3", "合计", "项目支出"),
        "结余": t1("年末结转和结余"),
        "三公经费合计": t7("合计"),
        "公务接待费": t7("接待"),
        "公务用车运维费": t7("运行"),
        "公务用车购置费": t7("购置"),
        "因公出国费": t7("出国"),
        "会议费": amt(v, "T6", "30215", "决算数"),
    }


# --- format and keys ---------------------------------------------------------------------------


def all_value_sets():
    yield "SEED", SEED.values
    for u in data.DEPARTMENT:
        yield u.name, u.values
    yield "DEPARTMENT_PE", data.DEPARTMENT_PE


def test_amounts_are_decimal_text_with_at_most_two_places():
    bad = [(name, t, r, c, x) for name, v in all_value_sets() for t, rows in v.items()
           for r, cols in rows.items() for c, x in cols.items() if not (isinstance(x, str) and AMOUNT.match(x))]
    assert bad == []


def test_unit_sample_shape():
    assert isinstance(SEED, data.UnitSample)
    assert SEED.year == 2018 and SEED.name == "汨罗市人民政府政务服务中心"
    assert set(SEED.values) == {*catalog.EDITIONS["2018"], "PE", "PP"}
    assert len(data.DEPARTMENT) == 3
    for u in data.DEPARTMENT:
        assert u.year == 2019
        assert set(u.values) == set(catalog.EDITIONS["2019"])
        assert u.fields == {}
        assert u.name.startswith(data.DEPARTMENT_NAME)
    assert BUREAU.name.endswith("局机关")
    for u in UNITS:
        assert u.notes and all(isinstance(n, str) and n for n in u.notes)
    with pytest.raises(AttributeError):
        SEED.year = 2019  # type: ignore[misc]


@units
def test_column_keys_are_catalog_columns(unit):
    bad = []
    for tid, rows in unit.values.items():
        allowed = set(catalog.BY_ID[tid].column_keys)
        bad += [(tid, r, c) for r, cols in rows.items() for c in cols if c not in allowed]
    assert bad == []


@units
def test_two_sided_tables_use_their_side_columns(unit):
    t4 = catalog.BY_ID["T4"]
    income_rows = {r.key for r in t4.rows if r.side == "收入"}
    sides = dict(t4.sides)
    bad = []
    for row, cols in rows_of(unit.values, "T4").items():
        side = "收入" if row in income_rows else "支出"
        bad += [(row, c) for c in cols if c not in sides[side]]
    t1_sides = dict(catalog.T1.sides)
    income_t1 = {r.key for r in catalog.T1.rows if r.side == "收入"}
    for row, cols in rows_of(unit.values, "T1").items():
        side = "收入" if row in income_t1 else "支出"
        bad += [(row, c) for c in cols if c not in t1_sides[side]]
    assert bad == []


@units
def test_row_keys_exist(unit):
    v, year = unit.values, unit.year
    bad = []
    for tid in FUNCTION_TABLES:
        bad += [(tid, k) for k in rows_of(v, tid)
                if k != "合计" and not (codes.is_code(k) and codes.function_name(k, year))]
    bad += [("T6", k) for k in rows_of(v, "T6")
            if k not in ("人员经费合计", "公用经费合计") and k not in codes.ECONOMIC_CODES]
    for tid in ("T1", "T4"):
        fixed = {r.key for r in catalog.BY_ID[tid].rows}
        bad += [(tid, k) for k in rows_of(v, tid)
                if k not in fixed and not (len(k) == 3 and codes.function_name(k, year))]
        # fixed tables carry every row of the official form (sub-rows some provinces add are optional)
        bad += [(tid, "missing", r.key) for r in catalog.BY_ID[tid].rows
                if not r.optional and r.key not in rows_of(v, tid)]
    t7_rows = {r.key for r in catalog.T7.rows}
    bad += [("T7", k) for k in rows_of(v, "T7") if k not in t7_rows]
    bad += [("T7", "missing", k) for k in ("预算数", "决算数") if k not in rows_of(v, "T7")]
    assert bad == []


@units
def test_fixed_tables_state_every_figure(unit):
    v = unit.values
    missing = [(r, "决算数") for r in rows_of(v, "T1") if "决算数" not in v["T1"][r]]
    missing += [(r, c) for r in ("预算数", "决算数") for c in catalog.T7_COLUMNS if c not in v["T7"][r]]
    assert missing == []


def test_fields_are_catalog_fields():
    assert set(SEED.fields) == {"PE", "PP"}
    for tid, fields in SEED.fields.items():
        assert set(fields) <= set(catalog.BY_ID[tid].extra["fields"])
    assert set(data.DEPARTMENT_PE_FIELDS) <= set(catalog.PE.extra["fields"])


# --- docs/rules.md §3: within a table --------------------------------------------------------------


@units
def test_t1_sums_and_balance(unit):
    assert t1_breaks(unit.values) == []


@units
def test_t2_row_sums(unit):
    parts = catalog.T2.column_keys[1:]
    assert row_sum_breaks(unit.values, "T2", "本年收入合计", parts) == []


@units
def test_t3_row_sums(unit):
    parts = catalog.T3.column_keys[1:]
    assert row_sum_breaks(unit.values, "T3", "本年支出合计", parts) == []


@units
@pytest.mark.parametrize("table", FUNCTION_TABLES)
def test_code_hierarchy(unit, table):
    assert hierarchy_breaks(unit.values, table) == []


@units
def test_t4_sums_and_balance(unit):
    assert t4_breaks(unit.values) == []


@units
def test_t5_row_sums(unit):
    assert row_sum_breaks(unit.values, "T5", "合计", ("基本支出", "项目支出")) == []


@units
def test_t6_classes_and_totals(unit):
    assert t6_breaks(unit.values) == []


@units
def test_t7_sums(unit):
    assert t7_breaks(unit.values) == []


@units
@pytest.mark.parametrize("table", ("T8", "T9"))
def test_fund_tables_rows(unit, table):
    assert fund_table_breaks(unit.values, table) == []


# --- docs/rules.md §3: between tables --------------------------------------------------------------


@units
def test_t1_income_equals_t2_total(unit):
    v = unit.values
    bad = []
    for t2_col, t1_rows in T1_TO_T2.items():
        t1 = sum((amt(v, "T1", r, "决算数") for r in t1_rows), ZERO)
        if t1 != amt(v, "T2", "合计", t2_col):
            bad.append((t2_col, t1, amt(v, "T2", "合计", t2_col)))
    assert bad == []


@units
def test_t1_classes_equal_t3_classes(unit):
    v = unit.values
    classes = set(classes_of(v, "T1")) | set(classes_of(v, "T3"))
    bad = [(c, amt(v, "T1", c, "决算数"), amt(v, "T3", c, "本年支出合计")) for c in sorted(classes)
           if amt(v, "T1", c, "决算数") != amt(v, "T3", c, "本年支出合计")]
    assert bad == []
    assert set(classes_of(v, "T1")) == set(classes_of(v, "T3"))
    assert amt(v, "T1", "本年支出合计", "决算数") == amt(v, "T3", "合计", "本年支出合计")


@units
def test_t1_fund_rows_equal_t4_income(unit):
    v = unit.values
    for t1_row, fund in zip(catalog.T1_INCOME_ROWS[:3], catalog.FUNDS, strict=True):
        assert amt(v, "T1", t1_row, "决算数") == amt(v, "T4", fund, "金额"), fund


@units
def test_t4_general_budget_equals_t5(unit):
    v = unit.values
    classes = set(classes_of(v, "T4")) | set(classes_of(v, "T5"))
    bad = [c for c in classes if amt(v, "T4", c, GP) != amt(v, "T5", c, "合计")]
    assert bad == []
    assert amt(v, "T4", "本年支出合计", GP) == amt(v, "T5", "合计", "合计")


@units
@pytest.mark.parametrize(("fund", "table"), ((GF, "T8"), (SOE, "T9")))
def test_t4_fund_columns_equal_fund_tables(unit, fund, table):
    v = unit.values
    classes = set(classes_of(v, "T4")) | set(classes_of(v, table))
    bad = [c for c in classes if amt(v, "T4", c, fund) != amt(v, table, c, "本年支出合计")]
    assert bad == []
    assert amt(v, "T4", "本年支出合计", fund) == amt(v, table, "合计", "本年支出合计")
    # the fund table's income and balances are T4's for that fund
    assert amt(v, "T4", fund, "金额") == amt(v, table, "合计", "本年收入")
    assert amt(v, "T4", f"年初财政拨款结转和结余/{fund}", "金额") == amt(v, table, "合计", "年初结转和结余")
    assert amt(v, "T4", "年末财政拨款结转和结余", fund) == amt(v, table, "合计", "年末结转和结余")


@units
def test_t5_basic_equals_t6_totals(unit):
    v = unit.values
    t6 = amt(v, "T6", "人员经费合计", "决算数") + amt(v, "T6", "公用经费合计", "决算数")
    assert amt(v, "T5", "合计", "基本支出") == t6


@units
def test_t5_within_t3_and_t4_within_t1(unit):
    v = unit.values
    bad = []
    for code in rows_of(v, "T5"):
        for col in ("基本支出", "项目支出"):
            if amt(v, "T5", code, col) > amt(v, "T3", code, col):
                bad.append(("T5>T3", code, col))
    for code in classes_of(v, "T4"):
        if amt(v, "T4", code, "合计") > amt(v, "T1", code, "决算数"):
            bad.append(("T4>T1", code))
    assert bad == []


@units
def test_t6_sangong_items_within_t7(unit):
    v = unit.values
    bad = [(code, col) for code, col in codes.SANGONG_ECONOMIC.items()
           if amt(v, "T6", code, "决算数") > amt(v, "T7", "决算数", col)]
    assert bad == []


@units
def test_t1_opening_balance_is_last_years_closing(unit):
    v = unit.values
    assert amt(v, "T1", "年初结转和结余", "决算数") == amt(v, "T1", "年末结转和结余", "上年决算数")


# --- the seed: every figure of the narrative ------------------------------------------------

SEED_FIGURES = [
    ("T1", "一般公共预算财政拨款收入", "决算数", "846.77"),
    ("T1", "本年收入合计", "决算数", "846.77"),
    ("T1", "收入总计", "决算数", "846.77"),
    ("T1", "本年支出合计", "决算数", "846.77"),
    ("T1", "支出总计", "决算数", "846.77"),
    ("T1", "本年收入合计", "上年决算数", "575.88"),
    ("T1", "本年支出合计", "上年决算数", "575.88"),
    ("T1", "一般公共预算财政拨款收入", "上年决算数", "575.88"),
    ("T1", "201", "决算数", "824.83"),
    ("T1", "208", "决算数", "21.94"),
    ("T1", "年初结转和结余", "决算数", "0"),
    ("T1", "年末结转和结余", "决算数", "0"),
    ("T2", "合计", "财政拨款收入", "846.77"),
    ("T3", "合计", "本年支出合计", "846.77"),
    ("T3", "合计", "基本支出", "307.55"),
    ("T3", "合计", "项目支出", "539.22"),
    ("T3", "201", "本年支出合计", "824.83"),
    ("T3", "208", "本年支出合计", "21.94"),
    ("T4", "收入总计", "金额", "846.77"),
    ("T4", "本年支出合计", GP, "846.77"),
    ("T4", "本年支出合计", GF, "0"),
    ("T5", "合计", "合计", "846.77"),
    ("T5", "合计", "基本支出", "307.55"),
    ("T5", "合计", "项目支出", "539.22"),
    ("T5", "合计", "年初预算数", "500.87"),
    ("T5", "2010301", "年初预算数", "31.92"),
    ("T5", "2010301", "合计", "43.93"),
    ("T5", "2010302", "年初预算数", "98"),
    ("T5", "2010302", "合计", "101"),
    ("T5", "2010306", "年初预算数", "328.01"),
    ("T5", "2010306", "合计", "658.9"),
    ("T5", "2010799", "年初预算数", "19"),
    ("T5", "2010799", "合计", "19"),
    ("T5", "2013699", "年初预算数", "2"),
    ("T5", "2013699", "合计", "2"),
    ("T5", "2080505", "年初预算数", "21.94"),
    ("T5", "2080505", "合计", "21.94"),
    ("T6", "301", "决算数", "256.23"),
    ("T6", "302", "决算数", "51.32"),
    ("T6", "303", "决算数", "0"),
    ("T6", "人员经费合计", "决算数", "256.23"),
    ("T6", "公用经费合计", "决算数", "51.32"),
    ("T6", "30215", "决算数", "0.32"),
    ("T6", "30216", "决算数", "0"),
    ("T7", "预算数", "合计", "4.7"),
    ("T7", "预算数", "公务接待费", "4.7"),
    ("T7", "预算数", "因公出国(境)费", "0"),
    ("T7", "预算数", "公务用车购置及运行维护费", "0"),
    ("T7", "决算数", "合计", "4.5"),
    ("T7", "决算数", "公务接待费", "4.5"),
    ("T7", "决算数", "因公出国(境)费", "0"),
    ("T7", "决算数", "公务用车购置及运行维护费", "0"),
    ("T7", "决算数", "公务用车购置费", "0"),
    ("T7", "决算数", "公务用车运行维护费", "0"),
    ("T7", "上年决算数", "公务接待费", "4.95"),
]


@pytest.mark.parametrize(("table", "row", "col", "expected"), SEED_FIGURES,
                         ids=[f"{t}[{r}].{c}" for t, r, c, _ in SEED_FIGURES])
def test_seed_narrative_figure(table, row, col, expected):
    assert amt(SEED.values, table, row, col) == Decimal(expected)


def test_seed_has_no_government_fund_table():
    assert SEED.values["T8"] == {}
    assert "T9" not in SEED.values


def test_seed_2010306_split_keeps_the_basic_total():
    v = SEED.values
    basic = amt(v, "T3", "2010301", "基本支出") + amt(v, "T3", "2080505", "基本支出") + \
        amt(v, "T3", "2010306", "基本支出")
    assert basic == Decimal("307.55")
    assert amt(v, "T3", "2010306", "基本支出") + amt(v, "T3", "2010306", "项目支出") == Decimal("658.9")


def _seed_phrases() -> list[str]:
    """Sentences of the narrative rebuilt from the data (amounts and derived percentages)."""
    v = SEED.values
    total = amt(v, "T1", "本年支出合计", "决算数")
    last = amt(v, "T1", "本年支出合计", "上年决算数")
    basic, project = amt(v, "T3", "合计", "基本支出"), amt(v, "T3", "合计", "项目支出")
    people, public = amt(v, "T6", "人员经费合计", "决算数"), amt(v, "T6", "公用经费合计", "决算数")
    budget = amt(v, "T5", "合计", "年初预算数")
    gps, social = amt(v, "T1", "201", "决算数"), amt(v, "T1", "208", "决算数")
    sg_budget, sg_final = amt(v, "T7", "预算数", "合计"), amt(v, "T7", "决算数", "合计")
    rec, rec_last = amt(v, "T7", "决算数", "公务接待费"), amt(v, "T7", "上年决算数", "公务接待费")
    p = plain
    phrases = [
        f"决算总收入{p(amt(v, 'T1', '本年收入合计', '决算数'))}万元,比2017年决算总收入增加"
        f"{p(total - last)}万元,增加了{p(pct(total - last, last))}%",
        f"本年决算总支出{p(total)}万元,比2017年增加{p(total - last)}万元,增加了{p(pct(total - last, last))}%",
        f"全部为财政拨款收入为{p(amt(v, 'T2', '合计', '财政拨款收入'))}万元,占100%",
        f"其中基本支出{p(basic)}万元(工资福利支出{p(amt(v, 'T6', '301', '决算数'))}万元、商品和服务支出"
        f"{p(amt(v, 'T6', '302', '决算数'))}万元、对个人和家庭的补助为{p(amt(v, 'T6', '303', '决算数'))}),"
        f"占年度总支出的{p(pct(basic, total))}%;项目支出{p(project)}万元,占年度总支出的{p(pct(project, total))}%",
        f"财政拨款收、支总计{p(amt(v, 'T4', '收入总计', '金额'))}万元",
        f"一般公共预算财政拨款支出{p(amt(v, 'T5', '合计', '合计'))}万元,占本年支出合计的"
        f"{p(pct(amt(v, 'T5', '合计', '合计'), total))}%",
        f"一般公共服务支出{p(gps)}万元,占{p(pct(gps, total))}%;社会保障与就业支出{p(social)}万元,"
        f"占{p(pct(social, total))}%",
        f"年初预算数为{p(budget)}万元,支出决算数为{p(total)}万元,完成年初预算的{p(pct(total, budget))}%",
        f"基本支出合计{p(amt(v, 'T5', '合计', '基本支出'))}万元,其中人员经费支出{p(people)}万元,"
        f"占基本支出的{p(pct(people, basic))}%",
        f"日常公用经费支出{p(public)}万元,占其本支出的{p(pct(public, basic))}%",
        f"“三公”经费财政拨款支出预算为{p(sg_budget)}万元,支出决算为{p(sg_final)}万元,"
        f"完成预算的{p(pct(sg_final, sg_budget))}%",
        f"公务接待费支出预算为{p(amt(v, 'T7', '预算数', '公务接待费'))}万元,支出决算为{p(rec)}万元",
        f"与上年决算数相比减少{p(rec_last - rec)}万元,减少了{p(pct(rec_last - rec, rec_last))}%",
        f"公务接待费支出决算为{p(rec)}万元",
        f"本部门2018年度机关运行经费支出{p(public)}万元",
        f"开支会议费为{p(amt(v, 'T6', '30215', '决算数'))}万元",
        f"培训费{p(amt(v, 'T6', '30216', '决算数'))}万元",
        f"公务用车购置费{p(amt(v, 'T7', '决算数', '公务用车购置费'))}万元,"
        f"公务用车运行维护费{p(amt(v, 'T7', '决算数', '公务用车运行维护费'))}万元",
        "本单位2018年度未发生政府性基金预算财政拨款收入支出",
    ]
    for code in ("2010301", "2010302", "2010306", "2010799", "2013699", "2080505"):
        b, f = amt(v, "T5", code, "年初预算数"), amt(v, "T5", code, "合计")
        phrases.append(f"{p(b)}万元,支出决算为{p(f)}万元,完成年初预算的{p(pct(f, b))}%")
    return phrases


@pytest.mark.parametrize("phrase", _seed_phrases())
def test_seed_narrative_sentence_rebuilt_from_data(phrase):
    assert phrase in NARRATIVE.read_text(encoding="utf-8")


def test_seed_narrative_file():
    lines = NARRATIVE.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "第三部分 单位2018年度部门决算情况说明"
    text = [line for line in lines if line]
    assert text[-1].startswith("(四)国有资产占用情况。")
    assert text[-1].endswith("单位价值100万元以上专用设备0台(套)。")
    assert "十、其他重要事项" in text
    assert "\r" not in NARRATIVE.read_text(encoding="utf-8")


@pytest.mark.skipif(not SEED_SOURCE.is_file(), reason="PYTOOLKIT_SEED_SOURCE not set")
def test_seed_narrative_is_verbatim():
    source = SEED_SOURCE.read_text(encoding="utf-8").split("\n")
    start = source.index("第三部分 单位2018年度部门决算情况说明")
    end = next(i for i, line in enumerate(source) if line.startswith("(四)国有资产占用情况"))
    ours = NARRATIVE.read_text(encoding="utf-8").rstrip("\n").split("\n")
    assert ours == source[start:end + 1]


# --- the seed's 绩效自评 forms, exactly as published ----------------------------------------

SEED_PE_ROW = {
    "收入合计": "846.77", "公共财政拨款": "686.97", "政府基金拨款": "159.8",
    "支出合计": "846.77", "基本支出": "307.55", "人员支出": "256.23", "公用支出": "51.32", "项目支出": "539.22",
    "三公经费合计": "4.54", "公务接待费": "4.54",
    "固定资产合计": "1073.35", "在用固定资产": "1073.35",
}
SEED_PP_DETAIL = {
    "政务大厅电费、水费、电话费": "45.8",
    "政务大厅人员补助": "59.4",
    "政务大厅物业费": "10",
    "政务大厅维修费": "25.21",
    "政务大厅食堂补助": "18",
    "汨罗政府网站运行维护": "10.7",
    "12345公众服务热线运行维护": "14.39",
    "电子政务运行维护": "37.5",
}


def test_seed_pe_is_the_published_form():
    pe = SEED.values["PE"]
    assert list(pe) == [catalog.SUMMARY_UNIT, "局机关", "二级机构1", "二级机构2"]
    assert pe[catalog.SUMMARY_UNIT] == SEED_PE_ROW
    assert pe["局机关"] == SEED_PE_ROW
    assert pe["二级机构1"] == {} and pe["二级机构2"] == {}
    assert SEED.fields["PE"] == {"绩效自评综合得分": "98分", "评价等次": "优秀"}


def test_seed_pp_is_the_published_form():
    pp = SEED.values["PP"]
    funds = {"计划安排资金": "221", "实际到位资金": "221", "实际支出": "221", "结余": "0"}
    assert pp["合计"] == funds
    assert pp["县(市)财政"] == funds
    for row in ("中央财政", "省财政", "市财政", "其它"):
        assert pp[row] == {}
    assert list(pp) == [*catalog.PP_FUND_ROWS, *SEED_PP_DETAIL, "支出合计"]
    assert {k: pp[k] for k in SEED_PP_DETAIL} == {k: {"实际支出数": x} for k, x in SEED_PP_DETAIL.items()}
    assert pp["支出合计"] == {"实际支出数": "221"}
    assert SEED.fields["PP"] == {"项目名称": "政务大厅运行、人员补助、平台建设经费",
                                 "绩效自评综合得分": "98分", "评价等次": "优秀"}


def test_seed_pp_detail_sum():
    # Computed, not assumed: the eight published lines add up to the published 支出合计 (221.00),
    # so the PP form is internally consistent; its 221 is part of T3 项目支出.
    detail = sum((Decimal(x) for x in SEED_PP_DETAIL.values()), ZERO)
    assert detail == Decimal("221.00") == amt(SEED.values, "PP", "支出合计", "实际支出数")
    assert amt(SEED.values, "PP", "合计", "实际支出") <= amt(SEED.values, "T3", "合计", "项目支出")


def test_seed_inconsistencies_are_kept():
    v = SEED.values
    summary = catalog.SUMMARY_UNIT
    # PE 三公 4.54 vs the tables' 4.50
    assert amt(v, "PE", summary, "三公经费合计") == Decimal("4.54") != amt(v, "T7", "决算数", "合计")
    assert amt(v, "PE", summary, "公务接待费") == Decimal("4.54") != amt(v, "T7", "决算数", "公务接待费")
    # PE 政府基金拨款 159.8 while the tables have no 政府性基金 at all
    assert amt(v, "PE", summary, "政府基金拨款") == Decimal("159.8")
    assert v["T8"] == {}
    assert amt(v, "T1", "政府性基金预算财政拨款收入", "决算数") == 0
    assert amt(v, "T4", "政府性基金预算财政拨款", "金额") == 0
    # ... and so its 公共财政拨款 686.97 falls short of T1's 846.77 (the form's own sum holds)
    assert amt(v, "PE", summary, "公共财政拨款") != amt(v, "T1", "一般公共预算财政拨款收入", "决算数")
    assert amt(v, "PE", summary, "公共财政拨款") + amt(v, "PE", summary, "政府基金拨款") == \
        amt(v, "PE", summary, "收入合计")
    # the spending block agrees with the tables
    assert amt(v, "PE", summary, "基本支出") == amt(v, "T3", "合计", "基本支出")
    assert amt(v, "PE", summary, "人员支出") == amt(v, "T6", "人员经费合计", "决算数")


# --- the department --------------------------------------------------------------------------


def _total(unit: data.UnitSample, table: str, row: str, col: str) -> Decimal:
    return amt(unit.values, table, row, col)


def test_internal_subsidy_flow_matches():
    paid = _total(BUREAU, "T3", "合计", "对附属单位补助支出")
    received = sum((_total(u, "T2", "合计", "上级补助收入") for u in CHILDREN), ZERO)
    assert paid == received == Decimal("15.00")
    assert sum((_total(u, "T1", "上级补助收入", "决算数") for u in CHILDREN), ZERO) == paid
    assert _total(BUREAU, "T3", "2010399", "对附属单位补助支出") == _total(STATION, "T2", "2010399", "上级补助收入")


def test_internal_remittance_flow_matches():
    paid_up = sum((_total(u, "T3", "合计", "上缴上级支出") for u in CHILDREN), ZERO)
    received = _total(BUREAU, "T2", "合计", "附属单位上缴收入")
    assert paid_up == received == _total(BUREAU, "T1", "附属单位上缴收入", "决算数") == Decimal("12.00")
    assert _total(CENTRE, "T3", "合计", "上缴上级支出") == paid_up


def test_department_exercises_the_rules():
    classes = {c for u in data.DEPARTMENT for c in classes_of(u.values, "T1")}
    assert {"201", "208", "210", "221"} <= classes
    kuan = {k for u in data.DEPARTMENT for k in rows_of(u.values, "T3") if len(k) == 5}
    xiang = {k for u in data.DEPARTMENT for k in rows_of(u.values, "T3") if len(k) == 7}
    assert len(kuan) >= 4 and len(xiang) >= 8
    assert any(u.values["T8"] for u in data.DEPARTMENT)
    assert any(_total(u, "T1", "年初结转和结余", "决算数") > 0 for u in data.DEPARTMENT)
    assert any(_total(u, "T1", "年末结转和结余", "决算数") > 0 for u in data.DEPARTMENT)
    assert any(_total(u, "T4", "年初财政拨款结转和结余", "金额") > 0 for u in data.DEPARTMENT)
    assert any(_total(u, "T4", "年末财政拨款结转和结余", "合计") > 0 for u in data.DEPARTMENT)
    assert any(_total(u, "T1", "事业收入", "决算数") > 0 for u in data.DEPARTMENT)
    assert any(_total(u, "T7", "决算数", "公务用车购置费") > 0 for u in data.DEPARTMENT)
    assert any(_total(u, "T7", "决算数", "公务用车运行维护费") > 0 for u in data.DEPARTMENT)
    # a 项 spent without a year-start budget (the narrative must say 无年初预算, not a percentage)
    assert any(amt(u.values, "T5", k, "年初预算数") == 0 < amt(u.values, "T5", k, "合计")
               for u in data.DEPARTMENT for k in rows_of(u.values, "T5"))


def test_department_pe_rows():
    pe = data.DEPARTMENT_PE["PE"]
    assert list(data.DEPARTMENT_PE) == ["PE"]
    assert list(pe) == [catalog.SUMMARY_UNIT, "局机关", "二级机构1", "二级机构2"]
    assert set(columns_of(pe)) <= set(catalog.PE.column_keys)


@pytest.mark.parametrize(("label", "unit"),
                         list(zip(("局机关", "二级机构1", "二级机构2"), data.DEPARTMENT, strict=True)),
                         ids=("局机关", "二级机构1", "二级机构2"))
def test_department_pe_row_matches_the_unit_tables(label, unit):
    expected = pe_row_from_tables(unit)
    got = {c: amt(data.DEPARTMENT_PE, "PE", label, c) for c in expected}
    assert got == expected
    row = data.DEPARTMENT_PE["PE"][label]
    assert Decimal(row["固定资产合计"]) == sum(
        (amt(data.DEPARTMENT_PE, "PE", label, c) for c in ("在用固定资产", "出租固定资产", "其他")), ZERO)
    assert all(Decimal(x) != 0 for x in row.values())  # zero cells are blank
    # the form's own identities
    a = {c: amt(data.DEPARTMENT_PE, "PE", label, c) for c in catalog.PE.column_keys}
    assert a["收入合计"] == a["上年结转"] + a["公共财政拨款"] + a["政府基金拨款"] + \
        a["纳入专户管理的非税收入拨款"] + a["其他收入"]
    assert a["收入合计"] == a["支出合计"] + a["结余"]
    assert a["基本支出"] == a["人员支出"] + a["公用支出"]
    assert a["三公经费合计"] == a["公务接待费"] + a["公务用车运维费"] + a["公务用车购置费"] + a["因公出国费"]


def test_department_pe_summary_is_the_exact_sum():
    pe = data.DEPARTMENT_PE
    for col in catalog.PE.column_keys:
        parts = sum((amt(pe, "PE", r, col) for r in ("局机关", "二级机构1", "二级机构2")), ZERO)
        assert amt(pe, "PE", catalog.SUMMARY_UNIT, col) == parts, col


def test_department_pe_grade_matches_score():
    score = Decimal(data.DEPARTMENT_PE_FIELDS["绩效自评综合得分"].removesuffix("分"))
    assert 90 <= score <= 100 and data.DEPARTMENT_PE_FIELDS["评价等次"] in ("优", "优秀")


def test_seed_previous_agrees_with_what_the_2018_book_says_of_2017():
    """The invented 2017 book carries the 2018 book's 上年 figures and its carry-over (none)."""
    for row in ("本年收入合计", "本年支出合计", "收入总计", "支出总计", "一般公共预算财政拨款收入"):
        assert amt(SEED_PREVIOUS.values, "T1", row, "决算数") == amt(SEED.values, "T1", row, "上年决算数")
    for col in catalog.T7_COLUMNS:
        assert amt(SEED_PREVIOUS.values, "T7", "决算数", col) == amt(SEED.values, "T7", "上年决算数", col)
    carried = amt(SEED_PREVIOUS.values, "T1", "年末结转和结余", "决算数")
    assert carried == amt(SEED.values, "T1", "年初结转和结余", "决算数")
    assert SEED_PREVIOUS.year == SEED.year - 1 and SEED_PREVIOUS.name == SEED.name
    assert any("虚构" in n for n in SEED_PREVIOUS.notes)
