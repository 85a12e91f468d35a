"""Tests for pytoolkit.metrics: known figures of the 2018 disclosure, then invariants."""

from __future__ import annotations

import re
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytoolkit.errors import ValueParseError
from pytoolkit.metrics import (
    Change,
    Grade,
    change,
    completion_rate,
    format_amount,
    format_percent,
    format_wan,
    grade,
    parse_grade,
    rate_bounds,
    round_half_up,
    share,
    to_decimal,
    to_percent,
    wan_to_yuan,
    yuan_to_wan,
)

D = Decimal
BLANKS = [None, "", "   ", "-", "—", "——", "－", "/", "\u00a0"]

# Money as a disclosure has it: up to 4 places (元 precision in 万元), any size.
amounts = st.decimals(
    min_value=D("-1e12"),
    max_value=D("1e12"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
any_input = st.one_of(
    amounts,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(BLANKS),
)


def _has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


# --- known figures from the real 2018 disclosure -------------------------------------------


@pytest.mark.parametrize(
    ("actual", "budget", "expected"),
    [
        (846.77, 500.87, "169.06"),
        (43.93, 31.92, "137.63"),
        (101, 98, "103.06"),
        (658.9, 328.01, "200.88"),
        (4.5, 4.7, "95.74"),
    ],
)
def test_completion_rate_of_published_figures(actual, budget, expected):
    assert completion_rate(actual, budget) == D(expected)


def test_change_of_published_figures():
    result = change(846.77, 575.88)
    assert result == Change(D("270.89"), D("47.04"), "增加")
    assert result.describe() == "比上年增加270.89万元，增长47.04%"


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(307.55, 846.77, "36.32"), (539.22, 846.77, "63.68"), (256.23, 307.55, "83.31")],
)
def test_share_of_published_figures(part, whole, expected):
    assert share(part, whole) == D(expected)


def test_shares_of_one_whole_add_to_100_here():
    assert share(307.55, 846.77) + share(539.22, 846.77) == D("100.00")


def test_grade_of_published_score():
    assert grade(98).long == "优秀"
    assert grade("98分") is Grade.EXCELLENT


# --- to_decimal / to_percent ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("１，２３４．５６", "1234.56"),
        ("８４６．７７", "846.77"),
        ("\u00a0 846.77 \u3000", "846.77"),
        ("846.77万元", "846.77"),
        ("846.77 万元", "846.77"),
        ("8467700元", "846.77"),
        ("0.08亿元", "800"),
        ("(12.00)", "-12.00"),
        ("（12.00）", "-12.00"),
        ("（12.00万元）", "-12.00"),
        ("(12.00)万元", "-12.00"),
        ("-12", "-12"),
        ("－１２", "-12"),
        ("+5", "5"),
        ("'123", "123"),
        ("-0.00", "0"),
    ],
)
def test_to_decimal_textual_forms(text, expected):
    assert to_decimal(text) == D(expected)


def test_to_decimal_keeps_written_places_and_float_text():
    assert str(to_decimal("846.70")) == "846.70"
    assert str(to_decimal(846.77)) == "846.77"  # not 846.7699999999999818...
    assert str(to_decimal("-0.00")) == "0.00"  # no negative zero to print as "-0.00"


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_is_none_not_zero(blank):
    assert to_decimal(blank) is None
    assert to_percent(blank) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("169.06%", "169.06"),
        ("１６９．０６％", "169.06"),
        ("169.06", "169.06"),
        ("(5.00%)", "-5.00"),
    ],
)
def test_to_percent(value, expected):
    assert to_percent(value) == D(expected)


def test_to_percent_does_not_rescale_fractions():
    assert to_percent(1.6906) == D("1.6906")


@pytest.mark.parametrize("value", ["≧95%", "≥95%", "95%以上", "90%～100%"])
def test_conditions_are_not_a_single_number(value):
    with pytest.raises(ValueParseError, match="不是单个数值"):
        to_percent(value)


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "12.3.4",
        True,
        float("nan"),
        float("inf"),
        "≧95%",
        "12,34",
        "1e5",
        "(-12)",
        D("NaN"),
    ],
)
def test_unusable_input_raises_with_quoted_value(value):
    with pytest.raises(ValueParseError) as info:
        to_decimal(value, where="收入决算表!C7")
    message = str(info.value)
    assert f"“{value}”" in message
    assert "收入决算表!C7" in message
    assert _has_chinese(message)


@pytest.mark.parametrize("value", ["169.06%", "98分"])
def test_to_decimal_refuses_percent_and_score(value):
    with pytest.raises(ValueParseError):
        to_decimal(value)


def test_to_percent_refuses_amount():
    with pytest.raises(ValueParseError):
        to_percent("846.77万元")


# --- rounding and formatting ----------------------------------------------------------------


def test_round_half_up_where_round_and_float_fail():
    assert round_half_up(D("2.675")) == D("2.68")  # round(2.675, 2) gives 2.67
    assert round_half_up(2.675) == D("2.68")
    assert round_half_up(D("0.125")) == D("0.13")  # half to even would give 0.12
    assert round_half_up(D("-2.675")) == D("-2.68")


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_round_half_up_is_half_away_from_zero(n):
    # n thousandths; 四舍五入 looks at the magnitude, so negatives mirror positives.
    magnitude = (abs(n) + 5) // 10
    expected = D(magnitude if n >= 0 else -magnitude).scaleb(-2)
    result = round_half_up(D(n).scaleb(-3))
    assert result == expected
    assert result.as_tuple().exponent == -2


@given(st.integers(min_value=0, max_value=10**15))
def test_every_xx5_boundary_rounds_up_in_magnitude(m):
    half = D(10 * m + 5).scaleb(-3)  # m/100 + 0.005
    assert round_half_up(half) == D(m + 1).scaleb(-2)
    assert round_half_up(-half) == -D(m + 1).scaleb(-2)


def test_format_examples():
    assert format_wan(846.77) == "846.77万元"
    assert format_wan(98) == "98.00万元"
    assert format_wan(D("-12")) == "-12.00万元"
    assert format_wan(D("-0.001")) == "0.00万元"
    assert format_wan(D("12345678.905")) == "12345678.91万元"  # no thousands separator
    assert format_amount(D("846.775")) == "846.78"
    assert format_percent(D("169.0571")) == "169.06%"
    assert format_percent(None) == "—"
    assert format_wan(None) == "—"


@given(amounts)
def test_format_round_trip(x):
    assert to_decimal(format_wan(x)) == round_half_up(x)
    assert to_decimal(format_amount(x)) == round_half_up(x)
    assert to_percent(format_percent(x)) == round_half_up(x)


# --- textual forms of any amount ------------------------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")


@given(amounts)
def test_to_decimal_accepts_every_written_form(x):
    forms = [
        f"{x:f}",
        f"{x:,f}",
        f"{x:,f}".translate(_FULL_WIDTH),
        f"\u00a0{x:,f} ",
        f"'{x:f}",
        f"{x:f}万元",
        f"{wan_to_yuan(x):f}元",
        f"{x.scaleb(-4):f}亿元",
    ]
    if x < 0:
        forms += [f"({-x:,f})", f"（{-x:,f}）".translate(_FULL_WIDTH), f"({-x:f})万元"]
    for text in forms:
        assert to_decimal(text) == x, text


@given(amounts)
def test_yuan_wan_conversions_are_exact(x):
    assert yuan_to_wan(wan_to_yuan(x)) == x
    assert wan_to_yuan(x) == x * 10000


def test_yuan_to_wan_refuses_text_that_already_has_a_unit():
    with pytest.raises(ValueParseError):
        yuan_to_wan("8467700元")


# --- completion rate, share, change ---------------------------------------------------------


@given(any_input, any_input)
def test_completion_rate_is_decimal_with_two_places_or_none(actual, budget):
    for result in (completion_rate(actual, budget), share(actual, budget)):
        assert result is None or (
            isinstance(result, Decimal) and result.as_tuple().exponent == -2
        )


@pytest.mark.parametrize("base", [0, 0.0, D("0.00"), "0", "０.００", "0元", *BLANKS])
def test_zero_or_blank_base_gives_no_percentage(base):
    assert completion_rate(12, base) is None
    assert share(12, base) is None
    assert change(12, base).rate is None


def test_blank_actual_with_a_budget_is_nothing_spent():
    assert completion_rate(None, 500) == D("0.00")
    assert completion_rate("—", "500.87") == D("0.00")


def test_completion_rate_with_units():
    assert completion_rate("846.77万元", "5008700元") == D("169.06")


@given(amounts, amounts)
def test_completion_rate_agrees_with_a_long_division(actual, budget):
    # With denominators below 1e16 (as integers), 80 digits leave no room for a double rounding.
    if budget != 0:
        with localcontext() as ctx:
            ctx.prec = 80
            expected = round_half_up(actual * 100 / budget)
        assert completion_rate(actual, budget) == expected


@given(any_input, any_input)
def test_change_direction_agrees_with_sign(current, previous):
    result = change(current, previous)
    exact = Fraction(to_decimal(current) or 0) - Fraction(to_decimal(previous) or 0)
    assert Fraction(result.amount) == exact
    expected = "增加" if result.amount > 0 else "减少" if result.amount < 0 else "持平"
    assert result.direction == expected
    # docs/rules.md §4: the direction word and the sign of the rate must agree.
    if result.rate is not None:
        assert result.rate.as_tuple().exponent == -2
        if result.direction == "增加":
            assert result.rate >= 0 and result.rate_word == "增长"
        elif result.direction == "减少":
            assert result.rate <= 0 and result.rate_word == "下降"
        else:
            assert result.rate == 0 and result.rate_word == "持平"


def test_change_against_negative_base_keeps_direction():
    result = change(-5, -10)  # a negative 结余 shrinking towards zero is an increase
    assert (result.direction, result.rate) == ("增加", D("50.00"))


@pytest.mark.parametrize(
    ("current", "previous", "phrase"),
    [
        (846.77, 575.88, "比上年增加270.89万元，增长47.04%"),
        (4.5, 4.95, "比上年减少0.45万元，下降9.09%"),
        (0, 0, "与上年持平"),
        (None, "—", "与上年持平"),
        (12.3, "12.30", "与上年持平"),
        (5, 0, "比上年增加5.00万元（上年数为0，不计算增长率）"),
        (5, None, "比上年增加5.00万元（上年数为0，不计算增长率）"),
    ],
)
def test_change_describe(current, previous, phrase):
    assert change(current, previous).describe() == phrase


def test_zero_base_is_never_growth_of_100_percent():
    assert "100" not in change(5, 0).describe()


# --- rate bounds ----------------------------------------------------------------------------


def test_rate_bounds_of_published_figures():
    low, high = rate_bounds(846.77, 500.87)
    assert low <= D("169.06") <= high
    assert high - low < D("0.01")


def test_rate_bounds_none_when_denominator_may_be_zero():
    assert rate_bounds(1, D("0.005")) is None
    assert rate_bounds(1, 0) is None
    assert rate_bounds(1, None) is None
    assert rate_bounds(1, D("0.006")) is not None


@given(amounts, amounts)
def test_rate_bounds_enclose_every_true_ratio(a, b):
    # a and b are the true figures; a disclosure shows them rounded to 2 places.
    bounds = rate_bounds(round_half_up(a), round_half_up(b))
    if bounds is None:
        assert abs(round_half_up(b)) <= D("0.005")
    else:
        low, high = bounds
        assert Fraction(low) <= Fraction(a) * 100 / Fraction(b) <= Fraction(high)


# --- grade ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, Grade.POOR),
        ("59.99", Grade.POOR),
        (60, Grade.FAIR),
        ("79.99", Grade.FAIR),
        (80, Grade.GOOD),
        ("89.99", Grade.GOOD),
        (90, Grade.EXCELLENT),
        (100, Grade.EXCELLENT),
        ("１００分", Grade.EXCELLENT),
    ],
)
def test_grade_boundaries(score, expected):
    assert grade(score) is expected


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_grade_bands(score):
    expected = (
        "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"
    )
    assert grade(score).short == expected


@pytest.mark.parametrize("score", ["-0.01", "100.01", None, "98%", "abc"])
def test_grade_refuses_out_of_range_or_blank(score):
    with pytest.raises(ValueParseError):
        grade(score)


def test_grade_names():
    assert [(g.short, g.long) for g in Grade] == [
        ("优", "优秀"),
        ("良", "良好"),
        ("中", "中等"),
        ("差", "差"),
    ]


@pytest.mark.parametrize("grade_", list(Grade))
def test_parse_grade_reads_short_and_long_names(grade_):
    assert parse_grade(grade_.short) is grade_
    assert parse_grade(f" {grade_.long} ") is grade_


@pytest.mark.parametrize("blank", [None, "", " ", "—", "/"])
def test_parse_grade_blank(blank):
    assert parse_grade(blank) is None


@pytest.mark.parametrize("text", ["合格", "及格", "较差", "A", 90])
def test_parse_grade_refuses_other_scales(text):
    with pytest.raises(ValueParseError) as info:
        parse_grade(text)
    assert f"“{text}”" in str(info.value)
