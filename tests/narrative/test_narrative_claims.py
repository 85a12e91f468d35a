"""Claim extraction: figures, units, relations, roles and subjects; properties on generated text."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytoolkit.metrics import format_amount
from pytoolkit.narrative import check, extract, from_text
from pytoolkit.narrative.seed import seed_documents


def claims(text: str):
    return extract(from_text(text, "t.txt")).claims


def test_amounts_with_subject_role_and_unit():
    cs = claims("本年收入合计846.77万元，其中基本支出307.55万元，年初预算为4,050元，上年决算数1.2亿元。")
    assert [(c.kind, c.value, c.key) for c in cs] == [
        ("amount", Decimal("846.77"), "本年收入合计"),
        ("amount", Decimal("307.55"), "基本支出"),
        ("amount", Decimal("0.405"), "基本支出"),
        ("amount", Decimal("12000"), "基本支出"),
    ]
    assert [c.role for c in cs] == ["决算", "决算", "预算", "上年"]


def test_percentages_and_their_relations():
    cs = claims("支出846.77万元，占本年支出合计的36.32%，完成年初预算的169.06%，比上年增加270.89万元，增长47.04%；"
                "满意率≧95%。")
    rel = [(c.kind, c.relation, c.direction) for c in cs]
    assert rel == [("amount", "", ""), ("percent", "share", ""), ("percent", "completion", ""),
                   ("amount", "change", "增加"), ("percent", "rate", "增加")]
    assert cs[1].whole == "本年支出合计"


def test_full_width_digits_and_counts():
    cs = claims("公务接待费支出决算为４．５万元，全年共接待９３批次，1,348人次，公务用车保有量为0辆。")
    assert [(c.kind, c.value, c.unit) for c in cs] == [
        ("amount", Decimal("4.5"), "万元"), ("count", Decimal("93"), "批次"), ("count", Decimal("1348"), "人次"),
        ("count", Decimal("0"), "辆")]
    assert cs[0].key == "公务接待费"


def test_none_statement_and_general_budget_is_not_a_budget_role():
    cs = claims("一般公共预算财政拨款支出846.77万元。本单位2018年度未发生政府性基金预算财政拨款收入支出。")
    assert cs[0].role == "决算" and cs[0].key == "一般公共预算财政拨款支出"
    assert {c.key for c in cs if c.kind == "none"} == {"政府性基金收入", "政府性基金支出"}


def test_numbers_without_units_are_not_figures():
    assert claims("12345公众服务热线，电话0730-5244006，2019年05月23日，JZ-02-0004。") == []


# -- properties -------------------------------------------------------------------------------------
FULL = str.maketrans("0123456789.,%", "０１２３４５６７８９．，％")
amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False)
subjects = st.sampled_from(["本年收入合计", "基本支出", "项目支出", "公务接待费", "“三公”经费", "人员经费"])


def _with_separators(text: str) -> str:
    head, _, tail = text.partition(".")
    groups = []
    while len(head) > 3:
        groups.insert(0, head[-3:])
        head = head[:-3]
    return ",".join([head, *groups]) + ("." + tail if tail else "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=amounts, subject=subjects, unit=st.sampled_from(["万元", "元", "亿元"]),
       full=st.booleans(), sep=st.booleans())
def test_any_written_amount_is_read_back_exactly(amount, subject, unit, full, sep):
    written = format_amount(amount)
    if sep:
        written = _with_separators(written)
    text = f"我单位2018年度{subject}{written}{unit}，主要原因是工作需要。"
    if full:
        text = text.translate(FULL)
    cs = claims(text)
    assert len(cs) == 1
    scale = {"万元": 0, "元": -4, "亿元": 4}[unit]
    assert cs[0].value == amount.scaleb(scale)
    assert cs[0].kind == "amount" and cs[0].relation == ""


@settings(max_examples=150, deadline=None)
@given(pct=st.decimals(min_value=0, max_value=Decimal("999.99"), places=2), full=st.booleans(),
       form=st.sampled_from(["占本年支出合计的{p}%", "完成年初预算的{p}%", "比上年增长{p}%", "下降了{p}%"]))
def test_any_written_percentage_is_read_back_with_its_relation(pct, full, form):
    text = "本年支出846.77万元，" + form.format(p=format_amount(pct)) + "。"
    if full:
        text = text.translate(FULL)
    cs = [c for c in claims(text) if c.kind == "percent"]
    assert len(cs) == 1 and cs[0].value == pct
    expected = {"占": "share", "完": "completion", "比": "rate", "下": "rate"}[form[0]]
    assert cs[0].relation == expected
    if expected == "rate":
        assert cs[0].direction == ("增加" if "增长" in form else "减少")


@settings(max_examples=150, deadline=None)
@given(now=amounts, delta=amounts, up=st.booleans())
def test_change_sentences(now, delta, up):
    word = "增加" if up else "减少"
    cs = claims(f"本年支出合计{format_amount(now)}万元，比上年{word}{format_amount(delta)}万元。")
    assert [c.relation for c in cs] == ["", "change"]
    assert cs[1].direction == word and cs[1].base == "上年" and cs[1].value == delta


alphabet = st.sampled_from(list("0123456789.,，．０１２万元亿%％（）()、；;：:。其中占比上年增加减少下降"
                                "完成预算决算数为的批次人次辆个一二三四五六七八九十\n -—“”"))


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=alphabet, max_size=400) | st.text(max_size=300))
def test_extractor_never_crashes_on_arbitrary_text(text):
    ex = extract(from_text(text, "fuzz.txt"))
    for c in ex.claims:
        assert 0 <= c.start <= c.end <= len(ex.doc.lines[c.line_index].text)


def test_extractor_does_not_hang_on_long_adversarial_text(no_hang):
    text = ("1" * 5000 + "，" + "占" * 3000 + "2,000,000.5万元" * 200 + "(" * 2000 + "其中:" * 500) * 2
    many = "支出100万元，其中基本支出50万元，占50%，" * 500 + "。"
    with no_hang(60):
        extract(from_text(text, "long.txt"))
        check(from_text(text, "long.txt"))
        check(from_text(many, "many.txt"))
        for doc in seed_documents():
            extract(doc)
