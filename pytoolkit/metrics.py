"""Core layer: the derived figures of the 部门决算 disclosure, as pure functions on Decimal.

完成预算百分比, 增减额与增减率, 占比 and 绩效等次, plus reading and writing numbers the way
accountants write them. Nothing here does float arithmetic or uses Python's built-in rounding:
docs/rules.md §4 asks for 四舍五入 (ROUND_HALF_UP) to 2 places, the built-in rounds half to even, and a
float cannot even hold 2.675. Amounts are in 万元, the unit of the published tables and text.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal
from enum import Enum
from fractions import Fraction
from functools import cache

from pytoolkit.errors import ValueParseError

__all__ = [
    "describe_completion",
    "Change",
    "Grade",
    "change",
    "completion_rate",
    "format_amount",
    "format_percent",
    "format_wan",
    "grade",
    "parse_grade",
    "rate_bounds",
    "round_half_up",
    "share",
    "to_decimal",
    "to_percent",
    "wan_to_yuan",
    "yuan_to_wan",
]

# Wide enough that additions, shifts and quantize never round behind our back: the only
# rounding in this module is the explicit half-up one (docs/architecture.md “Numbers”: money is exact).
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)

# What a blank cell looks like in the published tables: blank means "no figure", not zero.
_BLANKS = frozenset({"", "-", "--", "—", "——", "―", "――", "–", "/"})
# Longest first, so "846.77万元" is not cut as "846.77万" + "元".
_SUFFIXES = ("亿元", "万元", "元", "%", "分")
# Power of ten that brings a unit to 万元, the unit of the disclosure.
_TO_WAN = {"万元": 0, "元": -4, "亿元": 4}
# Thousands separators only where they belong, so a European "12,34" is not misread as 1234.
_NUMBER = re.compile(
    r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[+-]?\.[0-9]+"
)
# 绩效 targets such as "≧95%" state a condition, not a value.
_CONDITION = re.compile(r"[≧≥≤≦<>~]|以上|以下|不低于|不高于|不少于|不超过|至")


def _clean(number: Decimal) -> Decimal:
    """Drop a negative zero (it would print as "-0.00") and a positive exponent ("8E+2")."""
    if number.is_zero():
        number = number.copy_abs()
    if number.as_tuple().exponent > 0:  # type: ignore[operator]  # finite here
        number = number.quantize(Decimal(1), context=_EXACT)
    return number


def _shift(number: Decimal, places: int) -> Decimal:
    """Multiply by 10**places exactly (a unit change never rounds)."""
    return _clean(number.scaleb(places, context=_EXACT))


def _parse(value: object, where: str) -> tuple[Decimal | None, str]:
    """Read a value into (number, suffix), suffix "" or one of _SUFFIXES; blank → (None, "")."""
    if value is None:
        return None, ""
    if isinstance(value, bool):  # bool is an int subclass; TRUE in a cell is not 1
        raise ValueParseError(value, "逻辑值不是数值", where)
    if isinstance(value, str):
        return _parse_text(value, where)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, numbers.Integral):
        number = Decimal(int(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueParseError(value, "不是有限数值", where)
        # repr is the shortest text that reads back as the same float, so 846.77 stays 846.77
        # instead of Decimal(846.77) = 846.769999999999981810105964541435241699218750.
        number = Decimal(repr(value))
    else:
        raise ValueParseError(
            value, f"不是数值（类型为 {type(value).__name__}）", where
        )
    if not number.is_finite():
        raise ValueParseError(value, "不是有限数值", where)
    return _clean(number), ""


def _parse_text(value: str, where: str) -> tuple[Decimal | None, str]:
    # NFKC turns full-width digits and ，．－（）％ into ASCII and NBSP / 全角空格 into spaces.
    text = unicodedata.normalize("NFKC", value)
    # Minus sign, zero-width space and BOM come with text pasted from web pages and Word.
    for odd, plain in (("\u2212", "-"), ("\u200b", ""), ("\ufeff", "")):
        text = text.replace(odd, plain)
    text = text.strip()
    if text.startswith("'"):  # Excel's "store as text" prefix
        text = text[1:].strip()
    if text in _BLANKS:
        return None, ""
    if _CONDITION.search(text):
        raise ValueParseError(value, "这是条件或区间，不是单个数值", where)

    def cut_suffix(text: str) -> tuple[str, str]:
        suffix = next((s for s in _SUFFIXES if text.endswith(s)), "")
        return text[: len(text) - len(suffix)].strip(), suffix

    text, suffix = cut_suffix(text)
    # Accounting notation: "(12.00)" is -12.00; the unit may sit inside or outside the brackets.
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
        if not suffix:
            text, suffix = cut_suffix(text)
    if not _NUMBER.fullmatch(text) or (negative and text.startswith(("+", "-"))):
        raise ValueParseError(value, "不是可识别的数字写法", where)
    # Decimal keeps the places written: "846.70" → 846.70.
    number = Decimal(text.replace(",", ""))
    return _clean(-number if negative else number), suffix


def _plain(value: object) -> Decimal:
    """A number with no unit and not blank, for functions whose unit is fixed by their name."""
    number, suffix = _parse(value, "")
    if number is None:
        raise ValueParseError(value, "空白，不是数值")
    if suffix:
        raise ValueParseError(value, f"带有单位“{suffix}”，此处只接受数字")
    return number


def to_decimal(value: object, *, where: str = "") -> Decimal | None:
    """Read an amount as accountants have it; None means blank (not zero).

    Accepts int, Decimal, float (via its repr), and text: "1,234.56", full-width "１，２３４．５６",
    "-12", "+5", "'123", "(12.00)" / "（12.00）" for -12.00, and the blanks "", "-", "—", "——",
    "－", "/". A unit suffix 元 / 万元 / 亿元 converts the result to 万元 (the disclosure's unit);
    a bare number is returned as it is, keeping its places. Percent text is refused: use
    ``to_percent``. Anything else raises ValueParseError quoting the value and ``where``.
    """
    number, suffix = _parse(value, where)
    if suffix == "%":
        raise ValueParseError(value, "这是百分数，不是金额", where)
    if suffix == "分":
        raise ValueParseError(value, "这是得分，不是金额", where)
    if number is None or not suffix:
        return number
    return _shift(number, _TO_WAN[suffix])


def to_percent(value: object, *, where: str = "") -> Decimal | None:
    """Read a percentage as its number of percent: "169.06%", "１６９．０６％", "169.06" → 169.06.

    A bare number is never rescaled: 1.6906 gives 1.6906 (per cent), not 169.06, because 1.5
    could mean 1.5% or 150% and guessing would hide the error. An adapter reading an Excel cell
    formatted as percentage (stored as 1.6906) multiplies by 100 itself. Conditions such as
    "≧95%" are not a single number and raise ValueParseError; blank gives None.
    """
    number, suffix = _parse(value, where)
    if suffix not in ("", "%"):
        raise ValueParseError(value, "这是金额或得分，不是百分数", where)
    return number


@cache
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def round_half_up(x: Decimal, places: int = 2) -> Decimal:
    """四舍五入 to ``places`` decimals: halves go away from zero, for negatives too (docs/rules.md §4)."""
    exponent = Decimal(1).scaleb(-places)
    return _clean(_plain(x).quantize(exponent, rounding=ROUND_HALF_UP, context=_EXACT))


def _to_places(
    value: Fraction, places: int, to_int: Callable[[Fraction], int]
) -> Decimal:
    return Decimal(to_int(value * 10**places)).scaleb(-places, context=_EXACT)


def _half_up(value: Fraction) -> int:
    units = math.floor(abs(value) + Fraction(1, 2))
    return units if value >= 0 else -units


def _percent(numerator: Decimal, denominator: Decimal, places: int = 2) -> Decimal:
    # Divide exactly, then round once: a Decimal division rounds at its precision first, and
    # that double rounding can turn a true ...4999 into ...5 and then round it up (docs/rules.md §4).
    return _to_places(
        Fraction(numerator) * 100 / Fraction(denominator), places, _half_up
    )


def _or_zero(value: object) -> Decimal:
    number = to_decimal(value)
    return Decimal(0) if number is None else number


def completion_rate(actual: object, budget: object) -> Decimal | None:
    """完成年初预算的百分比 = 决算 / 年初预算 × 100, half up to 2 places.

    None when the budget is 0 or blank: docs/rules.md §4 says "无年初预算", never 0% or 100%. A blank
    决算 beside a nonzero budget is 0.00: nothing was spent.
    """
    base = to_decimal(budget)
    if base is None or base.is_zero():
        return None
    return _percent(_or_zero(actual), base)


def share(part: object, whole: object) -> Decimal | None:
    """占比 = 部分 / 总体 × 100, half up to 2 places.

    None if the whole is 0 or blank; a blank part is 0.00.
    """
    base = to_decimal(whole)
    if base is None or base.is_zero():
        return None
    return _percent(_or_zero(part), base)


@dataclass(frozen=True)
class Change:
    """本年 against 上年: the exact amount, the rate (None from a zero base) and the direction."""

    amount: Decimal
    rate: Decimal | None
    direction: str

    @property
    def rate_word(self) -> str:
        return {"增加": "增长", "减少": "下降"}.get(self.direction, "持平")

    def describe(self, unit: str = "万元") -> str:
        """The standard phrase, e.g. "比上年增加270.89万元，增长47.04%"; ``unit`` is only the label."""
        if self.direction == "持平":
            return "与上年持平"
        head = f"比上年{self.direction}{format_amount(abs(self.amount))}{unit}"
        if self.rate is None:
            # docs/rules.md §4: growth from a zero base has no rate, never "增长100%".
            return f"{head}（上年数为0，不计算{self.rate_word}率）"
        return f"{head}，{self.rate_word}{format_percent(abs(self.rate))}"


def change(current: object, previous: object) -> Change:
    """比上年增减: amount = 本年 − 上年 (exact), rate = amount / |上年| × 100 (half up, 2 places).

    Blank counts as 0. The base is taken as |上年| so that with a negative base (a negative
    结余) the sign of the rate still follows the direction, as docs/rules.md §4 requires of the words.
    """
    amount = _EXACT.subtract(_or_zero(current), _or_zero(previous))
    base = abs(_or_zero(previous))
    rate = None if base.is_zero() else _percent(amount, base)
    direction = "增加" if amount > 0 else "减少" if amount < 0 else "持平"
    return Change(amount, rate, direction)


class Grade(Enum):
    """绩效评价等次 (财预〔2020〕10号) with the lowest score of each band."""

    EXCELLENT = ("优", "优秀", 90)
    GOOD = ("良", "良好", 80)
    FAIR = ("中", "中等", 60)
    POOR = ("差", "差", 0)

    def __init__(self, short: str, long: str, floor: int) -> None:
        self.short = short
        self.long = long
        self.floor = floor

    def __str__(self) -> str:
        return self.long


def grade(score: object, *, where: str = "") -> Grade:
    """等次 of a score 0–100: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 (财预〔2020〕10号). Accepts "98分"."""
    number, suffix = _parse(score, where)
    if suffix not in ("", "分"):
        raise ValueParseError(score, "不是得分", where)
    if number is None:
        raise ValueParseError(score, "空白，无法评定等次", where)
    if not 0 <= number <= 100:
        raise ValueParseError(score, "得分应在0至100之间", where)
    return next(g for g in Grade if number >= g.floor)


def parse_grade(text: object, *, where: str = "") -> Grade | None:
    """Read a written 等次: only 优/优秀, 良/良好, 中/中等 and 差; blank gives None.

    合格, 及格, 较差 and the like belong to other scales; mapping them onto this one would be a
    guess, so they raise ValueParseError.
    """
    if text is None or isinstance(text, Grade):
        return text
    if not isinstance(text, str):
        raise ValueParseError(text, "不是等次", where)
    key = unicodedata.normalize("NFKC", text).strip()
    if key in _BLANKS:
        return None
    found = next((g for g in Grade if key in (g.short, g.long)), None)
    if found is None:
        raise ValueParseError(
            text, "等次应为优（优秀）、良（良好）、中（中等）或差", where
        )
    return found


def yuan_to_wan(x: object) -> Decimal:
    """元 → 万元, exact (no rounding): 8467700 → 846.7700."""
    return _shift(_plain(x), -4)


def wan_to_yuan(x: object) -> Decimal:
    """万元 → 元, exact: 846.77 → 8467700."""
    return _shift(_plain(x), 4)


def format_amount(x: object, places: int = 2) -> str:
    """Half up to ``places`` and keep them ("98.00"), no thousands separator; blank gives "—"."""
    if x.__class__ is Decimal and x.is_finite():
        # The common case (every finding's numbers), without parsing: as round_half_up does it.
        return f"{_clean(x.quantize(_quantum(places), rounding=ROUND_HALF_UP, context=_EXACT)):f}"
    number = to_decimal(x)
    return "—" if number is None else f"{round_half_up(number, places):f}"


def format_wan(x: object, places: int = 2) -> str:
    """As published texts write an amount: "846.77万元", "-12.00万元"; blank gives "—"."""
    text = format_amount(x, places)
    return text if text == "—" else f"{text}万元"


def format_percent(p: object, places: int = 2) -> str:
    """Half up to ``places``: "169.06%".

    None (no percentage, e.g. 无年初预算) gives "—", never "0.00%".
    """
    number = to_percent(p)
    return "—" if number is None else f"{round_half_up(number, places):f}%"


def rate_bounds(
    numerator: object, denominator: object, half_unit: Decimal = Decimal("0.005")
) -> tuple[Decimal, Decimal] | None:
    """Range of numerator / denominator × 100 when both are published figures rounded to ±half_unit.

    docs/rules.md §4: a percentage computed from rounded amounts is only known within these bounds, so a
    stated percentage is consistent when its own rounding interval meets them. None when either
    input is blank or the denominator's interval holds 0 (the ratio is unbounded). The bounds
    are rounded outward to 10 places, so they always enclose the exact interval.
    """
    num, den = to_decimal(numerator), to_decimal(denominator)
    half = Fraction(_plain(half_unit))
    if half < 0:
        raise ValueParseError(half_unit, "舍入误差不能为负数")
    if num is None or den is None or abs(Fraction(den)) <= half:
        return None
    # With the denominator's sign fixed, the ratio is monotone in each input, so its extremes
    # over the box of possible true values are at the corners.
    corners = [
        n * 100 / d
        for n in (Fraction(num) - half, Fraction(num) + half)
        for d in (Fraction(den) - half, Fraction(den) + half)
    ]
    low, high = min(corners), max(corners)
    return _to_places(low, 10, math.floor), _to_places(high, 10, math.ceil)


def describe_completion(actual: object, budget: object) -> str:
    """The standard phrase: “完成年初预算的169.06%，决算数大于年初预算数”, or “无年初预算”.

    The comparison word follows the exact amounts, not the rounded percentage
    (docs/rules.md §4: 大于 ⇔ 决算 − 预算 > 0).
    """
    rate = completion_rate(actual, budget)
    if rate is None:
        return "无年初预算"
    difference = (to_decimal(actual) or Decimal(0)) - (to_decimal(budget) or Decimal(0))
    word = "大于" if difference > 0 else "小于" if difference < 0 else "等于"
    return f"完成年初预算的{format_percent(rate)}，决算数{word}年初预算数"
