"""Sentence structures of 情况说明 written outside the standard outline — budget execution reports,
决算 reports of a government, procurement notices, 三公 notices of towns — as met in the real corpus:
each read the way its structure says, right when the text is right, flagged when a figure is changed."""

from __future__ import annotations

import pytest

from pytoolkit.findings import Severity
from pytoolkit.narrative import check, extract, from_text


def found(text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.severity.label) for f in check(from_text(text, "t.txt"))]


EXECUTION = ("4月,一般公共预算收入累计完成24627万元,完成年初预算数60999万元的40.4%,比上年减收1070万元,下降4.2%。"
             "其中:税收收入8103万元,比上年增收1284万元,增长18.8%;非税收入16524万元,比上年减收2354万元,下降12.5%。")
PRIOR_NAMED = ("2025年全市使用财政拨款安排“三公”经费预算总额为1969万元,较2024年的2190万元减少221万元,下降10.1%;"
               "其中:因公出国(境)经费40万元,较上年持平;公务接待费242万元,较上年减少12万元,下降4.7%;"
               "公务用车购置及运行维护费1687万元,较上年减少209万元,下降11%。")
BUDGETS = ("6月,全区一般公共预算收入累计完成316580万元,增长17.2%,其中:税收收入累计完成238998万元,增长9.7%;"
           "非税收入累计完成77582万元,增长48.1%;政府性基金预算收入1616万元;国有资本经营收入1868万元。")
SHARES = ("2025年一季度全市政府采购规模为1.32亿元。其中,货物、工程、服务政府采购规模分别为0.72亿元、0.02亿元和0.58亿元,"
          "占全市政府采购规模比例为54.55%、1.52%和43.94%。从组织形式看,政府集中采购、部门集中采购、分散采购规模分别为"
          "0.54亿元、0.04亿元和0.74亿元,占全市政府采购规模的40.91%、3.03%和56.06%。")
LEFTOVER = ("全区一般公共预算收入35.01亿元,上级补助收入11.96亿元。一般公共预算支出30.09亿元,上解上级支出11.30亿元。"
            "收入合计55.60亿元,支出合计49.10亿元,年终结余6.50亿元。\n"
            "全区政府性基金上年结余26.38亿元,上级补助收入14.78亿元,收入合计42.5亿元,支出19.43亿元,年终结余23.07亿元。\n"
            "区本级一般公共预算支出29.35亿元,上解上级支出11.30亿元。区本级财政收入合计54.95亿元,支出48.54亿元,"
            "年终结余6.41亿元。")
TOWN = ("2020年度“三公”经费15.37万元,其中:因公出国(境)费0万元,公务用车购置及运行维护费14.03万元,公务接待费1.34万元。\n"
        "经比较,2020年度“三公”经费较上年减少15.29万元,下降49.87% ,较年初预算数减少0.08万元。主要是严控一般性支出。"
        "其中:公务用车购置及运行维护费较上年减少2.90万元,较年初预算数减少0.04万元;公务接待费较上年减少12.39万元,"
        "较年初预算数减少0.04万元。")


@pytest.mark.parametrize("text", [EXECUTION, PRIOR_NAMED, BUDGETS, SHARES, LEFTOVER, TOWN])
def test_a_right_text_gives_no_error(text):
    assert not [f for f in found(text) if f[1] == Severity.ERROR.label]


@pytest.mark.parametrize("text, old, new, rule", [
    # 增收/减收 are changes: their rate and the items' changes hold them
    (EXECUTION, "增收1284万元", "增收1824万元", "N.change"),
    (EXECUTION, "下降4.2%", "下降2.4%", "N.change"),
    # “较2024年的2190万元” is last year's figure: the rate is 221 ÷ 2190
    (PRIOR_NAMED, "下降10.1%", "下降9.2%", "N.change"),
    (PRIOR_NAMED, "1687万元", "1678万元", "N.sum"),
    # the list of 一般公共预算 ends where 政府性基金 starts, and ends there for sure
    (BUDGETS, "77582万元", "75782万元", "N.sum"),
    # shares listed together after one 占; the amounts add up to the whole stated before
    (SHARES, "43.94%", "44.69%", "N.share_total"),
    (SHARES, "0.54亿元", "5.04亿元", "N.share"),
    (SHARES, "3.03%", "0.33%", "N.share_total"),
    # 收入合计 − 支出 = 年终结余, in one sentence
    (LEFTOVER, "年终结余6.50", "年终结余5.60", "N.sum"),
    (LEFTOVER, "支出19.43", "支出91.43", "N.sum"),
    # a list opening its own sentence hangs on the changes stated before it
    (TOWN, "减少12.39万元", "减少21.39万元", "N.change"),
    (TOWN, "较年初预算数减少0.08万元", "较年初预算数减少0.04万元", "N.change"),
])
def test_a_changed_figure_is_flagged(text, old, new, rule):
    assert old in text
    assert rule in [r for r, _ in found(text.replace(old, new))]


def test_a_title_quoted_in_the_text_does_not_set_the_year():
    doc = from_text("根据《关于印发四川省预决算公开操作规程(2022年修订)的通知》的有关规定,经汇总,2025年全市“三公”经费"
                    "预算总额为1969万元。", "t.txt")
    assert extract(doc).year == 2025


def test_qualified_totals_are_not_one_figure_stated_twice():
    assert [r for r, _ in found(LEFTOVER) if r == "N.conflict"] == []
    # the same name under the same qualifiers still is
    twice = "全区一般公共预算支出30.09亿元,上解上级支出11.30亿元。\n全区一般公共预算支出31.09亿元。"
    assert "N.conflict" in [r for r, _ in found(twice)]


def test_a_change_stated_on_its_own_is_read_against_the_lines_before_as_a_check():
    text = ("鄂城区2022年的“三公”经费决算数合计为1000.86万,其中:公务用车购置费399.25万元、公务接待费601.61万元。"
            "2021年的三公经费决算数合计为807.95万。\n2022年“三公”经费决算数相较于上年增加275.76万元,主要原因是:")
    assert ("N.change", Severity.WARNING.label) in found(text)
    assert not [f for f in found(text.replace("275.76", "192.91")) if f[0] == "N.change"]


def test_the_comparison_word_may_open_the_next_sentence():
    text = "“三公”经费财政拨款支出决算为3.46万元,完成预算101%。决算数小于预算数的主要原因是公务用车年久失修。"
    assert "N.completion_word" in [r for r, _ in found(text)]
    assert "N.completion_word" not in [r for r, _ in found(text.replace("101%", "99%"))]


def test_a_change_followed_by_its_rate_needs_no_comparison_word():
    text = ("2017年度“三公”经费总支出为4,333.33万元。如果剔除上划因素,2017年度“三公”经费仍然减少了933.78万元,"
            "下降了17.73%。")
    assert not found(text)
    assert "N.change" in [r for r, _ in found(text.replace("17.73%", "16.64%"))]


def test_parts_labelled_with_another_role_than_their_only_total_are_a_plausible_breakdown():
    text = ("2018年度“三公”经费预算54万元,其中:因公出国(境)费支出决算0万元;公务用车购置及运行费支出决算12万元;"
            "公务接待费支出决算42万元。")
    assert not found(text)
    assert ("N.sum", Severity.WARNING.label) in found(text.replace("42万元", "52万元"))
