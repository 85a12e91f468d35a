"""Internal arithmetic of the text (the rounding rules of published figures), one small text per rule."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from pytoolkit.checking import CHECKS, CheckFunction
from pytoolkit.findings import lookup
from pytoolkit.narrative import RULES, check, from_text


def rules(text: str) -> list[str]:
    return [f.rule for f in check(from_text(text, "t.txt"))]


@pytest.mark.parametrize("text, expected", [
    # parts sum to their total
    ("本年支出合计100.00万元，其中：基本支出60.00万元，项目支出40.00万元。", []),
    ("本年支出合计100.00万元，其中：基本支出60.00万元，项目支出41.00万元。", ["N.sum"]),
    ("本年支出合计100.00万元，其中：基本支出60.00万元，项目支出30.00万元。", ["N.sum"]),
    # shares recomputed from the stated amounts; truncation named
    ("本年支出合计3.00万元，其中：基本支出1.00万元，占33.33%；项目支出2.00万元，占66.67%。", []),
    # (1.00÷3.00 allows 33.11%–33.56%: the bound follows from ±0.005 on both amounts; 66.66% is
    # 2.00÷3.00 cut off, which unrounded amounts could explain: a 核实, not an error)
    ("本年支出合计3.00万元，其中：基本支出1.00万元，占33.34%；项目支出2.00万元，占66.67%。", []),
    ("本年支出合计3.00万元，其中：基本支出1.00万元，占33.34%；项目支出2.00万元，占66.66%。", ["N.truncated"]),
    ("本年支出合计3000.00万元，其中：基本支出1000.00万元，占33.34%；项目支出2000.00万元，占66.66%。",
     ["N.share", "N.truncated"]),
    ("本年支出合计3000.00万元，其中：基本支出1000.00万元，占33.33%；项目支出2000.00万元，占66.70%。",
     ["N.share", "N.share_total"]),
    # completion rate, zero budget, and the comparison word
    ("年初预算为31.92万元，支出决算为43.93万元，完成年初预算的137.63%，决算数大于年初预算数。", []),
    ("年初预算为31.92万元，支出决算为43.93万元，完成年初预算的137.64%。", []),  # within the rounding bound
    # 137.6253…% cut off: within the bound of the rounded amounts, so a 核实 (see below)
    ("年初预算为31.92万元，支出决算为43.93万元，完成年初预算的137.62%。", ["N.truncated"]),
    ("年初预算为3000.00万元，支出决算为2000.00万元，完成年初预算的66.66%。", ["N.truncated"]),
    ("年初预算为0万元，支出决算为20.00万元，完成年初预算的100%。", ["N.zero_base"]),
    ("年初预算为19.00万元，支出决算为19.50万元，完成年初预算的100%，决算数大于年初预算数。", ["N.completion"]),
    ("年初预算为98.00万元，支出决算为101.00万元，完成年初预算的103.06%，决算数小于年初预算数的主要原因是增支。",
     ["N.completion_word"]),
    # changes: rate from the amounts, direction words, zero base
    ("本年收入合计846.77万元，比上年增加270.89万元，增长47.04%。", []),
    ("本年收入合计846.77万元，比上年增加270.89万元，增长47.03%。", ["N.truncated"]),
    ("本年收入合计846.77万元，比上年增加270.89万元，增长48.00%。", ["N.change"]),
    ("本年收入合计846.77万元，比上年增加270.89万元，下降47.04%。", ["N.direction"]),
    ("本年收入合计20.00万元，比上年增加20.00万元，增长100%。", ["N.zero_base"]),
    # 收入总计 = 支出总计, a figure stated twice
    ("收入总计846.77万元，支出总计846.70万元。", ["N.balance"]),
    ("一、收入支出决算总体情况说明\n本年收入合计846.77万元。\n二、收入决算情况说明\n本年收入合计846.70万元。",
     ["N.conflict"]),
    # counts and grades
    ("公务用车保有量2辆，其中：载客汽车3辆。", ["N.count"]),
    ("因公出国(境)费支出决算为0万元，全年安排因公出国(境)团组0个，累计5人次。", ["N.count", "N.count"]),
    ("整体支出绩效自评综合得分85分，评价等次为优秀。", ["N.grade"]),
])
def test_internal_rules(text, expected):
    assert sorted(rules(text)) == sorted(expected)


@pytest.mark.parametrize("text, severity", [
    ("年初预算为31.92万元，支出决算为43.93万元，完成年初预算的137.62%。", "warning"),
    ("年初预算为3000.00万元，支出决算为2000.00万元，完成年初预算的66.66%。", "error"),
])
def test_truncation_is_an_error_only_outside_the_rounding_bound(text, severity):
    (f,) = check(from_text(text, "t.txt"))
    assert f.rule == "N.truncated" and f.severity.value == severity and f.expected is not None


def test_label_check_knows_the_year_of_the_codes():
    text = ("2019年度部门决算\n1、社会保障和就业支出(类)行政事业单位离退休(款)机关事业单位基本养老保险缴费支出(项)\n"
            "年初预算为1.00万元，支出决算为1.00万元，完成年初预算的100%。")
    fs = check(from_text(text, "t.txt"))
    assert [f.rule for f in fs] == ["N.label"] and "行政事业单位养老支出(款)" in fs[0].message


def test_findings_carry_file_line_and_quote():
    f = check(from_text("标题\n本年收入合计846.77万元，比上年增加270.89万元，增长48.00%。", "说明.txt"))[0]
    assert f.location.file == "说明.txt" and f.location.line == 2 and "48.00%" in f.location.text
    assert f.expected == Decimal("47.04") and f.actual == Decimal("48.00")


def test_a_crashing_check_becomes_a_finding(monkeypatch):
    def boom(ctx):
        raise RuntimeError("x")
        yield

    monkeypatch.setitem(CHECKS._checks, ("narrative", "boom"), CheckFunction("boom", "narrative", boom, "出错的检查"))
    fs = check(from_text("本年收入合计1.00万元，比上年增加1.00万元，增长100%。", "t.txt"))
    assert "N.crash" in [f.rule for f in fs] and "N.zero_base" in [f.rule for f in fs]
    [crash] = [f for f in fs if f.rule == "N.crash"]
    assert "“boom”" in crash.message and crash.group == "N" and crash.table == ""


def test_the_narrative_checks_run_in_registration_order():
    """The order of the checks decides the order of findings on one line: it is the order in
    which the modules register them, pinned here."""
    assert CHECKS.names("narrative") == [
        "table_amounts", "table_changes", "table_percents", "pe", "pp", "table_grade", "previous_year",
        "derived", "negative_base", "sum", "list_sum", "share_total", "share_list", "share_same_whole",
        "completion_word", "direction", "reason_direction", "balance", "leftover", "restated", "conflict", "count",
        "label", "grade"]
    for c in CHECKS.of("narrative"):
        assert re.search(r"[\u4e00-\u9fff]", c.explanation) and "\n" not in c.explanation, c.name
        assert c.emits and all(lookup(rule) is not None for rule in c.emits), c.name
    emitted = {rule for c in CHECKS.of("narrative") for rule in c.emits}
    assert emitted | {"N.crash"} >= set(RULES)


def test_every_rule_has_a_chinese_title():
    import re
    for rule, title in RULES.items():
        assert re.fullmatch(r"N\.[a-z_.]+", rule) and re.search(r"[\u4e00-\u9fff]", title)
