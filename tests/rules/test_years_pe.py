"""Y.pe_carryover: each unit's 上年结转 on this year's 整体支出绩效自评表 against the same unit's
结余 on last year's form, and the demo's invented 2017 book paired with the 2018 seed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.rules.years import compare_years
from pytoolkit.samples.data import DEPARTMENT_PE, SEED, UnitSample
from pytoolkit.samples.previous import SEED_PREVIOUS

D = Decimal
UNIT = "汨罗市示例局"


def _form(values: dict[str, dict[str, str]], year: int) -> UnitSample:
    return UnitSample(name=UNIT, year=year, values={"PE": values})


def _last_year(carry: dict[str, str]) -> dict[str, dict[str, str]]:
    """Last year's form whose 结余 per row is ``carry`` (what this year's 上年结转 should be)."""
    return {row: {"收入合计": "100.00", "支出合计": f"{D('100.00') - D(v):.2f}", "结余": v} for row, v in carry.items()}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("绩效两年")
    this = {k: dict(v) for k, v in DEPARTMENT_PE["PE"].items()}
    carry = {row: v["上年结转"] for row, v in this.items() if "上年结转" in v}
    assert len(carry) == 4  # the 汇总 row and three units
    write_book(root / "2019.xlsx", _form(this, 2019), tables=["PE"])
    write_book(root / "2018.xlsx", _form(_last_year(carry), 2018), tables=["PE"])
    return root, this, carry


def test_matching_carry_over_gives_no_finding(pair):
    root, _, _ = pair
    found = compare_years(read_book(root / "2019.xlsx"), read_book(root / "2018.xlsx"))
    assert not [f for f in found if f.rule == "Y.pe_carryover"], [(f.rule, f.message) for f in found]


@pytest.mark.parametrize("row", ["局机关", "二级机构1", "二级机构2"])
def test_a_units_carry_over_that_differs_is_found_at_its_cell(pair, tmp_path, row):
    root, this, carry = pair
    changed = dict(carry)
    changed[row] = f"{D(carry[row]) + D('0.01'):.2f}"
    last = tmp_path / "2018_改.xlsx"
    write_book(last, _form(_last_year(changed), 2018), tables=["PE"])
    found = [f for f in compare_years(read_book(root / "2019.xlsx"), read_book(last)) if f.rule == "Y.pe_carryover"]
    assert len(found) == 1, [(f.location, f.message) for f in found]
    f = found[0]
    assert f.actual == D(this[row]["上年结转"]) and f.expected == D(changed[row])
    assert f.location.file == "2019.xlsx" and f.location.cell
    assert row in f.message or row in str(f.location)


def test_the_demo_pair_of_seed_books_agrees(tmp_path):
    """The invented 2017 book is built to agree with every 上年 figure of the 2018 seed."""
    write_book(tmp_path / "2018.xlsx", SEED)
    write_book(tmp_path / "2017.xlsx", SEED_PREVIOUS)
    found = compare_years(read_book(tmp_path / "2018.xlsx"), read_book(tmp_path / "2017.xlsx"))
    errors = [f for f in found if f.severity.value == "error"]
    assert not errors, [(f.rule, f.message) for f in errors]
