"""rules.years and tables.editions: the edition mapping (2018 → 2019 renumbering, new class 224,
the added T9), unmatched lines, the 整体支出绩效自评表's 上年结转, and the batch over two folders."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from pytoolkit.batch import check_files, previous_index
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.rules.years import compare_years, comparison_lines
from pytoolkit.samples.data import DEPARTMENT, UnitSample
from pytoolkit.tables.editions import CODE_MOVES, forward, moves_between, restate

D = Decimal


def test_forward_maps_a_moved_line_and_everything_under_it():
    moves = moves_between(2018, 2019)
    assert [m.old for m in moves] == ["22004"]
    assert forward("22004", moves) == "22405" and forward("2200401", moves) == "2240501"
    assert forward("22005", moves) == "22005" and forward("201", moves) == "201"
    assert moves_between(2019, 2020) == () and moves_between(None, 2019) == ()
    assert all(m.source for m in CODE_MOVES)


def test_restate_moves_the_amount_between_classes():
    values = {"220": (D("150"), ("a",)), "22004": (D("100"), ("b",)), "2200401": (D("100"), ("c",)),
              "22005": (D("50"), ("d",))}
    out = restate(values, moves_between(2018, 2019))
    assert out["220"][0] == D("50") and out["224"][0] == D("100") and out["22405"][0] == D("100")
    assert out["2240501"][0] == D("100") and "22004" not in out
    assert set(out["224"][1]) == {"b"}


TOTALS_150 = {k: "150.00" for k in ("一般公共预算财政拨款收入", "本年收入合计", "收入总计", "本年支出合计", "支出总计")}


def _unit(year: int, classes: dict[str, str], prev: dict[str, str] | None = None, t3: dict | None = None,
          t9: bool = False) -> UnitSample:
    total = sum(D(v) for v in classes.values())
    t1 = {"一般公共预算财政拨款收入": {"决算数": f"{total:.2f}"}, "本年收入合计": {"决算数": f"{total:.2f}"},
          "年初结转和结余": {"决算数": "0.00"}, "收入总计": {"决算数": f"{total:.2f}"},
          "本年支出合计": {"决算数": f"{total:.2f}"}, "年末结转和结余": {"决算数": "0.00"},
          "支出总计": {"决算数": f"{total:.2f}"}}
    for code, v in classes.items():
        t1[code] = {"决算数": v}
    if prev:
        for key, v in prev.items():
            t1.setdefault(key, {})["上年决算数"] = v
    values = {"T1": t1, "T3": t3 or {}, "T8": {}}
    if t9:
        values["T9"] = {}
    return UnitSample(name="示例地震局", year=year, values=values)


def test_2018_to_2019_the_moved_class_is_matched_by_the_mapping(tmp_path):
    # 2018: 220 国土海洋气象等支出 150.00, of which 22004 地震事务 100.00 (T3).
    t3 = {"合计": {"本年支出合计": "150.00"}, "220": {"本年支出合计": "150.00"},
          "22004": {"本年支出合计": "100.00"}, "2200401": {"本年支出合计": "100.00"},
          "22005": {"本年支出合计": "50.00"}, "2200501": {"本年支出合计": "50.00"}}
    last = tmp_path / "2018.xlsx"
    write_book(last, _unit(2018, {"220": "150.00"}, t3=t3), tables=["T1", "T3", "T8"])
    # 2019: the 上年 column restates 2018 under the 2019 codes: 220 → 50.00, 224 → 100.00.
    this = tmp_path / "2019.xlsx"
    prev = {"220": "50.00", "224": "100.00", **TOTALS_150}
    write_book(this, _unit(2019, {"220": "60.00", "224": "110.00"}, prev=prev, t9=True), tables=["T1", "T8", "T9"])
    found = compare_years(read_book(this), read_book(last))
    assert not [f for f in found if f.rule.startswith("Y.") and f.severity.value != "info"], \
        [(f.rule, f.message) for f in found]
    # Copied code for code instead (220 → 150.00, 224 → 0): both lines are wrong.
    wrong = tmp_path / "2019_wrong.xlsx"
    prev = {"220": "150.00", "224": "0.00", **TOTALS_150}
    write_book(wrong, _unit(2019, {"220": "60.00", "224": "110.00"}, prev=prev, t9=True), tables=["T1", "T8", "T9"])
    found = [f for f in compare_years(read_book(wrong), read_book(last)) if f.rule == "Y.previous_actual"]
    assert {(f.expected, f.actual) for f in found} == {(D("50.00"), D("150.00")), (D("100.00"), D("0.00"))}
    assert all(f.location.file == "2019_wrong.xlsx" and f.location.cell for f in found)
    lines = {x.label: x for x in comparison_lines(read_book(this), read_book(last))}
    assert lines["224 灾害防治及应急管理支出"].last == D("100.00")
    assert lines["220 自然资源海洋气象等支出"].change.amount == D("10.00")


def test_a_line_that_cannot_be_matched_is_reported(tmp_path):
    last = tmp_path / "上年.xlsx"
    write_book(last, _unit(2020, {"201": "100.00"}), tables=["T1", "T8"])
    this = tmp_path / "本年.xlsx"
    # 上年 of 205 stated but last year has no 205; last year's 201 has no 上年 figure this year.
    write_book(this, _unit(2021, {"205": "80.00"}, prev={"205": "30.00", "本年支出合计": "100.00"}),
               tables=["T1", "T8"])
    found = compare_years(read_book(this), read_book(last))
    unmatched = [f for f in found if f.rule == "Y.unmatched_line"]
    files = {f.location.file for f in unmatched}
    assert files == {"本年.xlsx", "上年.xlsx"}, [(f.location, f.message) for f in unmatched]
    assert any("205" in f.message for f in unmatched) and any("201" in f.message for f in unmatched)


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory):
    """This year's department (2019) and a last-year folder made from its 上年 figures: the
    局机关 with a carry-over that differs, the 信息中心 matching, the 服务站 missing, and a unit
    that is gone this year."""
    root = tmp_path_factory.mktemp("两年")
    this_dir, last_dir = root / "2019", root / "2018"
    this_dir.mkdir()
    last_dir.mkdir()
    for i, unit in enumerate(DEPARTMENT):
        write_book(this_dir / f"{i}_{unit.name}.xlsx", unit)
    for i, unit in enumerate(DEPARTMENT[:2]):
        t1 = unit.values["T1"]
        carry = t1["年初结转和结余"]["决算数"]
        if i == 0:
            carry = f"{D(carry) + 1:.2f}"  # last year's 年末 differs from this year's 年初 by 1.00
        last_t1 = {"年末结转和结余": {"决算数": carry}}
        write_book(last_dir / f"{unit.name}2018年度.xlsx", replace(unit, year=2018, values={"T1": last_t1}),
                   tables=["T1"])
    write_book(last_dir / "已撤销单位2018年度.xlsx", replace(DEPARTMENT[1], name="汨罗市示例局已撤销中心", year=2018,
                                                        values={"T1": {}}), tables=["T1"])
    return this_dir, last_dir


def test_batch_matches_units_across_years_and_lists_carryover_mismatch(two_folders):
    this_dir, last_dir = two_folders
    index = previous_index(sorted(last_dir.glob("*.xlsx")))
    results = list(check_files(sorted(this_dir.glob("*.xlsx")), previous=index.by_unit))
    by_unit = {r.unit: r for r in results}
    bureau, centre, station = (by_unit[u.name] for u in DEPARTMENT)
    assert bureau.previous is not None and bureau.carryover_ok is False
    hit = [f for f in bureau.findings if f.rule == "Y.carryover_total"]
    assert hit and hit[0].expected - hit[0].actual == D("1.00")
    assert centre.previous is not None and centre.carryover_ok is True
    assert station.previous is None and [f for f in station.findings if f.rule == "Y.unit_one_year"]
    matched = {r.previous for r in results if r.previous}
    gone = [p for p in index.units if p not in matched]
    assert [index.units[p] for p in gone] == ["汨罗市示例局已撤销中心"]


def test_every_year_id_has_a_chinese_title_and_explanation():
    import re

    from pytoolkit.rules import years
    from pytoolkit.tables import editions

    cjk = re.compile(r"[\u4e00-\u9fff]")
    ids = {v for k, v in vars(years).items() if k.isupper() and isinstance(v, str) and v.startswith("Y.")}
    ids |= {link.rule for link in editions.YEAR_LINKS}
    assert ids == set(years.YEAR_RULES), ids ^ set(years.YEAR_RULES)
    for rule, (severity, title, explanation) in years.YEAR_RULES.items():
        assert cjk.search(title) and cjk.search(explanation) and severity, rule


# -- the year-to-year checks in the one registry of check functions --------------------------------
def test_the_year_checks_are_registered_in_order_with_what_they_emit():
    import re

    from pytoolkit.checking import CHECKS
    from pytoolkit.findings import lookup
    from pytoolkit.tables.editions import YEAR_LINKS

    assert CHECKS.names("years") == ["pair", "carryover_total", "carryover_fund", "previous_actual", "pe_carryover"]
    for c in CHECKS.of("years"):
        assert re.search(r"[\u4e00-\u9fff]", c.explanation) and "\n" not in c.explanation, c.name
        assert c.emits and all(lookup(rule) is not None for rule in c.emits), c.name
    emitted = {rule for c in CHECKS.of("years") for rule in c.emits}
    assert {link.rule for link in YEAR_LINKS} <= emitted


def _broken_pair(tmp_path):
    last = tmp_path / "2018.xlsx"
    write_book(last, _unit(2018, {"201": "150.00"}), tables=["T1", "T8"])
    this = tmp_path / "2019.xlsx"
    # 上年决算数 of 201 copied wrong (140 for 150), and the two books name different units.
    write_book(this, replace(_unit(2019, {"201": "150.00"}, prev={"201": "140.00", **TOTALS_150}), name="另一单位"),
               tables=["T1", "T8"])
    return read_book(this), read_book(last)


def test_year_findings_are_grouped_apart_and_carry_their_table(tmp_path):
    found = compare_years(*_broken_pair(tmp_path))
    assert {f.rule for f in found} >= {"Y.unit_mismatch", "Y.previous_actual"}
    assert all(f.group == "Y" for f in found)
    assert {f.table for f in found if f.rule == "Y.previous_actual"} == {"T1"}
    assert {f.table for f in found if f.rule == "Y.unit_mismatch"} == {""}


def test_a_crashing_year_check_is_a_finding_and_the_others_still_run(tmp_path, monkeypatch):
    from pytoolkit.checking import CHECKS, CheckFunction

    def boom(ctx):
        raise RuntimeError("x")
        yield

    key = ("years", "carryover_total")
    monkeypatch.setitem(CHECKS._checks, key, CheckFunction("carryover_total", "years", boom, "出错的检查"))
    found = compare_years(*_broken_pair(tmp_path))
    [crash] = [f for f in found if f.rule == "Y.crash"]
    assert crash.severity.value == "error" and "carryover_total" in crash.message and crash.group == "Y"
    assert {"Y.unit_mismatch", "Y.previous_actual"} <= {f.rule for f in found}


def test_a_link_that_crashes_costs_only_that_link(tmp_path, monkeypatch):
    from pytoolkit.rules import years

    original = years._check_link

    def t7_breaks(link, this, prior):
        if link.rule == "Y.previous_actual" and link.table == "T7":
            raise RuntimeError("x")
        return original(link, this, prior)

    monkeypatch.setattr(years, "_check_link", t7_breaks)
    found = compare_years(*_broken_pair(tmp_path))
    [crash] = [f for f in found if f.rule == "Y.crash"]
    assert crash.table == "T7" and "“三公”经费" in crash.message and "上年决算数" in crash.message
    assert crash.group == "Y" and "T7" not in crash.message  # users read the table's title, not its id
    # T1's 上年决算数, a link of the same rule, is still checked
    assert {f.table for f in found if f.rule == "Y.previous_actual"} == {"T1"}


def test_each_year_check_emits_only_the_ids_it_declares(tmp_path):
    from pytoolkit.checking import CHECKS
    from pytoolkit.rules.years import YearContext
    from pytoolkit.samples.data import SEED
    from pytoolkit.samples.previous import SEED_PREVIOUS

    write_book(tmp_path / "2018.xlsx", SEED)
    write_book(tmp_path / "2017.xlsx", SEED_PREVIOUS)
    pairs = [_broken_pair(tmp_path), (read_book(tmp_path / "2018.xlsx"), read_book(tmp_path / "2017.xlsx"))]
    seen = set()
    for this, last in pairs:
        ctx = YearContext(this, last)
        for c in CHECKS.of("years"):
            rules = {f.rule for f in c.fn(ctx)}
            assert rules <= set(c.emits), (c.name, rules)
            seen |= rules
    assert {"Y.unit_mismatch", "Y.previous_actual"} <= seen
