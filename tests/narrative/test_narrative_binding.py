"""What each derived figure of real published sentences is bound to, and what the checks make of it.

Each sentence is transcribed from a public disclosure (source beside it); where a test changes a
figure to make an error, it says so. The issue's own examples (figures changed, kinds real) are
kept as regression cases at the end.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from pytoolkit.findings import Severity
from pytoolkit.narrative import check, extract, from_text
from pytoolkit.narrative.binding import Binder


def findings(text: str):
    return check(from_text(text, "t.txt"))


def rules(text: str) -> list[tuple[str, str]]:
    return sorted((f.rule, f.severity.value) for f in findings(text))


def readings(text: str):
    ex = extract(from_text(text, "t.txt"))
    b = Binder([ex])
    return ex, {c.written.replace(" ", ""): b.readings(ex, c) for c in ex.claims}


# 桃江县 2019 (http://taojiang.gov.cn/26631/26632/content_2001885.html): the shares' whole is the
# 决算 of the sentence before, not the figure just before them nor the budget.
TAOJIANG = ("2019年度“三公”经费财政拨款支出预算为44.52万元,2019年实际支出“三公经费”决算为22.62万元。"
            "其中公务接待费为20.10万元,占88.86%;公务用车运行维护费为2.52万元,占11.14%。")


def test_the_whole_of_a_list_is_the_total_stated_in_the_sentence_before():
    _, r = readings(TAOJIANG)
    (share,) = r["11.14%"]
    assert share.denominator.value == Decimal("22.62") and share.numerator.value == Decimal("2.52")
    assert share.certain
    assert findings(TAOJIANG) == []


def test_a_share_of_the_wrong_size_is_an_error_against_that_whole():
    # 11.14% changed to 12.14%
    fs = findings(TAOJIANG.replace("11.14%", "12.14%"))
    assert [(f.rule, f.severity) for f in fs] == [("N.share", Severity.ERROR)] or \
        {f.rule for f in fs} <= {"N.share", "N.share_total"}
    share = next(f for f in fs if f.rule == "N.share")
    assert share.expected == Decimal("11.14") and "22.62" in share.message


# 黄陵县 2018 (https://hlx.gov.cn/zfxxgk/fdzdgknr/czxx/sgjf/1571070720929275906.html): 年初预算 and
# 差值 are a budget and a difference, not more 三公 spending.
HLX = ("2018年度本部门一般公共预算财政拨款安排的“三公\"经费支出2.05万元,年初预算为2.95万元,差值为0.9万元。"
       "其中:因公出国(境)支出0万元,年初预算为0万元,差值为0万元,原因为落实中央八项规定精神,压缩各项开支;"
       "公务用车购置支出0万元,年初预算为0万元,差值为0万元,原因为落实中央八项规定精神,压缩各项开支;"
       "公务用车运行维护费支出0万元,年初预算为0.95万元,差值为0.95万元,原因为厉行节约,压减开支;"
       "公务接待费支出2.05万元,年初预算为2万元,差值为0.05万元,原因为项目增多,下乡次数增加。")


def test_budget_and_difference_phrasing_is_bound_as_budget_and_difference():
    ex, r = readings(HLX)
    roles = [(c.written, c.role, c.relation) for c in ex.claims if c.kind == "amount"][:3]
    assert roles == [("2.05万元", "决算", ""), ("2.95万元", "预算", ""), ("0.9万元", "决算", "difference")]
    (diff,) = r["0.9万元"]
    assert (diff.numerator.value, diff.denominator.value) == (Decimal("2.05"), Decimal("2.95"))
    assert findings(HLX) == []


def test_a_wrong_difference_is_found():
    # 差值为0.95万元 changed to 0.85万元: an error
    fs = findings(HLX.replace("差值为0.95万元", "差值为0.85万元"))
    assert [(f.rule, f.severity) for f in fs] == [("N.difference", Severity.ERROR)]
    assert fs[0].expected == Decimal("0.95")
    # 差值为0.05万元 changed to 0.15万元: “年初预算为2万元” may be a rounded 1.9万元, so a 核实
    fs = findings(HLX.replace("差值为0.05万元", "差值为0.15万元"))
    assert [(f.rule, f.severity) for f in fs] == [("N.difference", Severity.WARNING)]


# 广东省财政厅 2023 (http://czt.gd.gov.cn/sgjf/content/post_4484831.html): the rate's base is the
# 决算 of its subject less the change — not the budget stated in between; a small base is only
# known within the rounding of the amounts.
GUANGDONG = ("广东省财政厅2023年度“三公”经费财政拨款支出决算为62.07万元,完成全年预算84.82万元的73.2%,"
             "比上年决算数增加38.97万元,增长168.7%;比2019年(疫情前)决算数减少24.87万元,降低28.6%。")


def test_a_rate_is_measured_from_the_actual_figure_not_the_budget():
    _, r = readings(GUANGDONG)
    (rate,) = r["168.7%"]
    assert rate.denominator.value == Decimal("23.10")
    (completion,) = r["73.2%"]
    assert (completion.numerator.value, completion.denominator.value) == (Decimal("62.07"), Decimal("84.82"))
    assert findings(GUANGDONG) == []


def test_a_growth_rate_from_a_small_base_holds_within_the_rounding_of_the_amounts():
    text = "公务接待费支出决算为22.59万元,比上年决算数增加20.63万元,增长1,055.4%。"
    assert findings(text) == []  # 20.63 ÷ 1.96 = 1,052.6%, but 1.96 is known only to ±0.01


# 上海市普陀区文化和旅游局 2025 (GovBudgetChecker tests/fixtures/wenlv_narrative_truth_page_data.json):
# the items' completion rates have no budget in the text; the changes of the items add up to the
# change of the total; growth from a zero base is named.
PUTUO = ("“三公”经费财政拨款支出年初预算为 11.49 万元，支出决算为 3.04 万元，完成预算的 26.46%，其中：因公出国（境）费"
         "决算为 0 万元，完成预算的 0%；公务用车购置及运行维护费支出决算为 2.64 万元，完成预算的 28.15%；公务接待费支出"
         "决算为 0.40 万元，完成预算的 18.96%。\n"
         "2025 年度“三公”经费财政拨款支出决算数比 2024 年度减少 19.66 万元，下降 86.61%，其中：因公出国（境）费支出决"
         "算与 2024 年持平；公务用车购置及运行维护费支出决算减少20.06 万元，下降 88.37%；公务接待费支出决算增加 0.40 万"
         "元，增长 100%。")


def test_completion_rates_without_their_budget_are_not_checked():
    _, r = readings(PUTUO)
    assert r["28.15%"] == [] and r["18.96%"] == []
    assert len(r["26.46%"]) == 1


def test_growth_from_a_zero_base_is_found_and_the_item_changes_add_up():
    fs = findings(PUTUO)
    assert [(f.rule, f.location.line) for f in fs] == [("N.zero_base", 2)]
    # 减少20.06 changed to 减少20.16: the items no longer add up to 减少19.66
    fs = findings(PUTUO.replace("减少20.06", "减少20.16"))
    assert "N.change" in {f.rule for f in fs}


# 四川 dyrmt.com 2022 (https://dyrmt.com/article-133619-2.html): “各…各…” pairs the figures one by one.
DYRMT = ("2022年度收、支总计各是4125.49,4143.91万元。与2021年相比,收、支总计各减少1267.86,2570.97万元,"
         "各下降23.51%、38.28%。")


def test_parallel_figures_are_paired_and_a_truncated_rate_is_an_error():
    fs = findings(DYRMT)
    assert [(f.rule, f.severity, f.actual) for f in fs] == [("N.truncated", Severity.ERROR, Decimal("38.28"))]
    assert f"{fs[0].expected}" == "38.29"


# 梧州 2023 budget (http://117.141.250.58:10060/wzyjsgkpt/uploadFile/upload1284/upload20230330/
# F81E71B98EB0CEC7E44621E17170A7D9.html): amounts in 元, a share off by one hundredth.
WUZHOU = ("1. 基本支出预算 881300.39 元,占一般公共预算支出的96.74%,同比减少 166271.4 元,下降 15.87 %。其中:\n"
          "工资福利支出预算 716052.51 元,占基本支出预算81.25%,同比减少 148979.48 元,下降 17.22%。\n"
          "商品和服务支出预算 165247.88 元,占基本支出预算18.76%,同比减少 17291.92 元,下降 9.47%。")


def test_a_share_in_yuan_is_checked_to_the_cent():
    fs = findings(WUZHOU)
    assert [(f.rule, f.severity, f.location.line) for f in fs] == [("N.share", Severity.ERROR, 3)]
    assert fs[0].expected == Decimal("18.75")


# -- the issue's examples (figures changed there; the kinds are real) --------------------------------
def test_issue_list_shares_take_the_total_before_the_list():
    text = ("“三公”经费支出12.40万元。其中：因公出国(境)费3.10万元，占25.0%；公务用车购置及运行费6.20万元，占50.0%；"
            "公务接待费3.10万元，占25.0%。")
    assert findings(text) == []
    text = "实际支出22.00万元。其中公务接待费为16.50万元，占75.00%；公务用车运行维护费为5.50万元，占25.00%。"
    assert findings(text) == []


def test_issue_truncated_share_whose_whole_is_the_sum_of_two_stated_figures():
    text = "其中：公务接待费2.2万元，占14.37%；公务用车运行维护费13.1万元，占85.63%。"
    fs = findings(text)
    assert ("N.truncated", Decimal("14.37")) in [(f.rule, f.actual) for f in fs]
    assert all(f.severity is not Severity.ERROR for f in fs)  # within the rounding of the amounts: 核实


def test_issue_completion_100_beside_a_stated_excess():
    text = "“三公”经费年初预算为1.20万元，完成年初预算的100%，决算数大于预算数0.35万元。"
    fs = findings(text)
    assert [(f.rule, f.severity) for f in fs] == [("N.completion", Severity.ERROR)]
    assert fs[0].expected == Decimal("129.17")


def test_issue_budget_difference_is_no_conflict_with_the_actual_figures():
    text = ("“三公”经费支出决算为0.85万元，年初预算为1.20万元，差值为0.35万元。"
            "“三公”经费决算0.85万元，其中公务接待费0.85万元。")
    assert findings(text) == []


@pytest.mark.parametrize("text, expected", [
    ("本年收入合计846.77万元，比上年增加270.89万元，增长47.0%。", []),  # one place, half up
    ("本年收入合计846.77万元，比上年增加270.89万元，增长47%。", []),  # a whole percent
    ("本年收入合计846.77万元，比上年增加270.89万元，增长48%。", [("N.change", "error")]),
])
def test_a_percentage_is_checked_at_the_places_it_is_written(text, expected):
    assert rules(text) == expected


# 天水市幼儿园 2017 (http://www.kmxxf.com/jyj/info/1217/105784.htm, shown there in traditional
# characters; transcribed in simplified): the issue's “完成年初预算100%” beside a stated excess, in
# a published text.
TIANSHUI = ("2017年度,本单位一般公共预算财政拨款支出总计1741.75万元,与上年相比减少53.7万元,降低2.99%;"
            "完成年初预算100%,决算数大于预算数55.93万元,主要原因:2017年度62名职工工资调标个人部分增加。")


def test_a_published_completion_of_100_beside_an_excess_is_an_error():
    fs = findings(TIANSHUI)
    assert [(f.rule, f.severity) for f in fs] == [("N.completion", Severity.ERROR)]
    assert fs[0].expected == Decimal("103.32")


# 财政部 2019 (https://bj.crntt.com/doc/93_15733_105827854_3_0719103159.html): a nested “其中” whose
# share names the outer total.
CAIZHENGBU = ("财政部2019年度政府采购支出总额33509.75万元,其中授予中小企业合同金额32407.19万元,"
              "占政府采购支出总额的96.7%,其中授予小微企业合同金额2739.43万元,占政府采购支出总额的8.2%。")


def test_a_share_naming_the_outer_total_of_a_nested_list_holds():
    assert findings(CAIZHENGBU) == []
    fs = findings(CAIZHENGBU.replace("8.2%", "8.9%"))  # changed: now true of neither total
    assert [f.rule for f in fs] == ["N.share"]
