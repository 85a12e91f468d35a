"""Core layer (narrative): check the figures of a 情况说明 — within the text, and against a book.

Within the text, on the bindings of ``binding``: parts sum to their stated total,
shares of one whole add to 100, 完成率 / 占比 / 增减率 / 差值 recomputed from the figures they are
bound to, direction words agree with the sign, no percentage from a zero base, 收入总计 = 支出总计,
the completion rate agrees with “决算数大于/小于/等于年初预算数”, one figure stated twice is stated
alike, counts agree, 类/款/项 labels match the code list. Against a book (``book``): every amount
and percentage against the public tables and the 绩效自评 forms.

Tolerances follow from what is written (published figures are themselves rounded): a stated
percentage holds when some rounding half up of the true ratio at the places written (“31%”,
“29.2%”, “47.04%”) gives it, the ratio being bounded by ±half a unit of the last written place of
each amount; a percentage that is the ratio cut off instead of rounded is reported as truncated; n
rounded addends may differ from their rounded total by n half units. A figure whose binding is
certain and fails is an error; one whose binding is only plausible and fails is a 核实 (warning).

Each check is a registered function returning findings; a check that crashes becomes an error
finding and the others still run (findings are data). Every expected figure comes
from ``pytoolkit.metrics``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..checking import CHECKS, CheckFunction
from ..findings import Finding, Location, Severity
from ..metrics import format_amount, format_percent, format_wan, grade, round_half_up
from ..model import Book
from ..tables import codes
from . import book as _book  # noqa: F401  (registers the checks against the book)
from . import years as _years  # noqa: F401  (registers the checks against last year's book)
from .binding import CHANGE_VERB, Group, Reading, list_starts, part_of, wan
from .claims import Claim, Extraction, extract, find_key, levels_of
from .context import (
    GROUP,
    RULES,
    SANGONG,
    TABLE_SCOPES,
    NarrativeContext,
    bounds,
    consistent,
    finding,
    narrative_check,
    quote,
    rate_after,
    scores,
    tolerance,
    truncated,
)
from .text import Document

__all__ = ["RULES", "NarrativeContext", "check", "judge"]


def _exact_wan(x: Decimal) -> str:
    return format_wan(x) if x == round_half_up(x, 2) else f"{x.normalize():f}万元"


def _subject(c: Claim) -> str:
    key = c.key.split(":")[-1] if c.key else ""
    if c.key.startswith("class:"):
        key = codes.function_name(key, 2019) or key
    return f"“{key}”" if key else ""


def _pct(exact: Fraction, places: int = 2) -> Decimal:
    scale = 10 ** places
    return Decimal(math.floor(abs(exact) * scale + Fraction(1, 2))).scaleb(-places)


# -- derived figures: shares, completion rates, rates of change, changes, differences ----------------
_RULE = {"share": "N.share", "completion": "N.completion", "rate": "N.change", "change": "N.change",
         "difference": "N.difference"}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rule: str = ""
    expected: Decimal | None = None
    message: str = ""
    severity: Severity = Severity.ERROR


_LOOSE = "（若金额按所写精度舍入，如“4.5万元”可为4.45至4.55万元，则可能成立，请核实。）"


def judge(r: Reading) -> Verdict:
    """Whether the stated figure holds on this reading, and if not, what to say.

    Two readings of precision: strict, where a 万元 figure written with fewer than 2
    places in a text that writes cents is read at 2 places (its zeros dropped), and loose, where
    every figure is known only to the places written. A figure that fails the loose reading is
    wrong (error); one that fails only the strict reading asks for a 核实.
    """
    s, num, den = r.stated, r.numerator, r.denominator
    if r.relation in ("change", "difference"):
        expected = num.value - den.value
        signed = s.value if s.direction != "减少" else -s.value
        gap = abs(abs(expected) - s.value) if s.direction == "" else abs(expected - signed)
        if gap <= num.strict_half + den.strict_half + s.strict_half:
            return Verdict(True)
        if r.relation == "change":
            say = f"本年{num.label}、上年{den.label}"
            word = "增加" if expected > 0 else "减少" if expected < 0 else "持平"
            msg = (f"增减额写作{s.direction}{wan(s)}，按文中{say}计算应为{word}"
                   f"{_exact_wan(abs(expected))}。")
        else:
            word = "大于" if expected > 0 else "小于" if expected < 0 else "等于"
            msg = (f"决算数与预算数的差额写作{wan(s)}，按文中决算数{num.label}、预算数{den.label}计算，"
                   f"决算数{word}预算数{_exact_wan(abs(expected))}。")
        if gap <= num.half + den.half + s.half:
            return Verdict(False, _RULE[r.relation], abs(expected), msg + _LOOSE, Severity.WARNING)
        return Verdict(False, _RULE[r.relation], abs(expected), msg)
    if den.value == 0:
        if r.relation == "share" or (num.value == 0 and s.value == 0):
            return Verdict(True)  # “减少0万元，降低0%”: nothing changed, and nothing is claimed
        what, none = ("预算数", "无年初预算") if r.relation == "completion" else ("上年数", "上年无此项支出")
        return Verdict(False, "N.zero_base", None,
                       f"{what}为0（{den.label.strip('（）')}），不应计算{r.what}（应写“{none}”），文中为{s.written}。")
    exact = Fraction(num.value) * 100 / Fraction(den.value)
    expected = _pct(exact)
    strict = consistent(s, bounds(num.value, num.strict_half, den.value, den.strict_half))
    loose = consistent(s, bounds(num.value, num.half, den.value, den.half))
    cut = truncated(s, exact)
    if strict and not cut:
        return Verdict(True)
    calc = f"{num.label}÷{den.label}"
    if cut:
        shown = _pct(exact, s.places + 2)
        right = format_percent(_pct(exact, s.places), s.places)
        msg = f"{r.what}{s.written}是截断所得：按文中{calc}={shown}%，四舍五入应为{right}。"
        if loose:
            msg += "（若按未经舍入的金额计算也可能得出该数，请核实。）"
        return Verdict(False, "N.truncated", _pct(exact, s.places), msg,
                       Severity.WARNING if loose else Severity.ERROR)
    msg = f"{r.what}写作{s.written}，按文中{calc}计算应为{format_percent(expected)}。"
    if loose:
        return Verdict(False, _RULE[r.relation], expected, msg + _LOOSE, Severity.WARNING)
    return Verdict(False, _RULE[r.relation], expected, msg)


@narrative_check("derived",
                 "文中占比、完成预算百分比、增减额、增减率、差额按所述金额重新计算应一致（按所写精度容许舍入误差）。",
                 ("N.share", "N.completion", "N.change", "N.difference", "N.zero_base", "N.truncated"))
def check_derived(ctx: NarrativeContext) -> Iterator[Finding]:
    """Every share, completion rate, rate of change, change and difference against its readings."""
    for ex, c in ctx.claims():
        readings = ctx.binder.readings(ex, c)
        if not readings:
            continue
        verdicts = [judge(r) for r in readings]
        if any(v.ok for v in verdicts):
            continue
        r, v = readings[0], verdicts[0]
        severity = v.severity if r.certain else Severity.WARNING
        msg = v.message if r.certain else v.message + "（文中未明确其计算依据，按最可能的读法核对，请核实。）"
        actual = c.value
        yield finding(v.rule, severity, msg, ex, c, v.expected, actual)


@narrative_check("negative_base", "比上年的增加额不应大于本年数（否则上年数为负数）。",
                 ("N.change",))
def check_negative_bases(ctx: NarrativeContext) -> Iterator[Finding]:
    """An increase larger than the year's own figure (“支出决算为12.02万元,比上年增加21.02万元”) makes
    last year's figure negative, which no spending figure can be."""
    for ex, d in ctx.claims():
        if d.kind != "amount" or d.relation != "change" or d.direction != "增加" or d.each:
            continue
        current, certain = ctx.binder.current_for(ex, d)
        if current is None or not certain or current.value < 0:
            continue
        if d.value - current.value > d.half + current.half:
            yield finding("N.change", Severity.ERROR,
                          f"比上年增加{wan(d)}，大于本年{_subject(current)}{wan(current)}，上年数将为负数"
                          f"（{_exact_wan(current.value - d.value)}），增加额或本年数有误。", ex, d,
                          current.value, d.value)


# -- structure: totals and their parts ------------------------------------------------------------
def _signed(c: Claim) -> Decimal:
    return -c.value if c.relation == "change" and c.direction == "减少" else c.value


def _where(g: Group) -> Claim:
    """Where a sum that does not hold is shown: at a part that repeats the total (“公务用车运行费
    1116.14万元” under a total of 1116.14万元 is the figure copied), else at the total."""
    if len(g.parts) == 1:
        return g.parts[0]
    copies = [p for p in g.parts if p.value == g.total.value and p.value != 0]
    if len(copies) == 1:
        return copies[0]
    return g.total


@narrative_check("sum", "所列分项之和（含各项增减额之和）应等于所述总数。",
                 ("N.sum", "N.change"))
def check_sums(ctx: NarrativeContext) -> Iterator[Finding]:
    for g in ctx.groups:
        if g.total is None or not g.parts:
            continue
        total = sum((_signed(p) for p in g.parts), Decimal(0))
        stated = _signed(g.total)
        diff = total - stated
        if abs(diff) <= sum((p.strict_half for p in g.parts), g.total.strict_half):
            continue
        loose = abs(diff) <= tolerance(g.parts) + g.total.half
        listed = "＋".join(format_amount(_signed(p), 4).rstrip("0").rstrip(".") for p in g.parts).replace("＋-", "－")
        if g.of_changes:
            word = "增加" if total >= 0 else "减少"
            yield finding("N.change", Severity.ERROR if g.certain and not loose else Severity.WARNING,
                          f"其中各项增减额合计为{word}{format_wan(abs(total))}（{listed}），"
                          f"与所述总额{g.total.direction}{wan(g.total)}不符。", g.ex, g.total, stated, total)
            continue
        if len(g.parts) == 1 and diff <= 0:
            continue  # one part named, the others not: a shortfall says nothing
        if diff > 0:
            msg = (f"所列{len(g.parts)}项之和{format_wan(total)}大于所述总数{wan(g.total)}"
                   f"（{listed}），相差{format_wan(diff)}。")
            sev = Severity.ERROR if g.certain and not loose else Severity.WARNING
        else:
            if not g.closed:
                continue
            msg = (f"所列{len(g.parts)}项之和{format_wan(total)}小于所述总数{wan(g.total)}"
                   f"（{listed}），相差{format_wan(-diff)}，请核实是否漏列或数字有误。")
            sev = Severity.WARNING
        yield finding("N.sum", sev, msg, g.ex, _where(g), g.total.value, total)


def _topic_total(g: Group) -> Claim | None:
    """A list with no total of its own (“具体的项目资金实际使用情况为：…”) is measured against
    the nearest earlier total on the same topic in the same document."""
    if "项目" not in g.topic and "专项" not in g.topic:
        return None
    first = g.parts[0] if g.parts else None
    if first is None:
        return None
    for c in reversed(g.ex.claims):
        if c.sentence < first.sentence and c.is_level and c.key in ("专项经费", "项目支出"):
            return c
    return None


@narrative_check("list_sum", "未写总数的项目支出清单，其合计应与前文所述项目支出或专项经费相符。",
                 ("N.sum",))
def check_topic_lists(ctx: NarrativeContext) -> Iterator[Finding]:
    for g in ctx.groups:
        if g.total is not None or len(g.parts) < 2:
            continue
        total = _topic_total(g)
        if total is None:
            continue
        s = sum((p.value for p in g.parts), Decimal(0))
        if abs(s - total.value) > tolerance(g.parts):
            word = "大于" if s > total.value else "小于"
            line, _ = quote(g.ex, total)
            yield finding(
                "N.sum", Severity.ERROR if s > total.value else Severity.WARNING,
                f"所列{len(g.parts)}项支出合计{format_wan(s)}，{word}第{line}行所述{wan(total)}，"
                f"相差{format_wan(abs(s - total.value))}。", g.ex, g.parts[0], total.value, s)


@narrative_check("share_total", "同一总体的各项占比之和应为100%（舍入误差以内）。",
                 ("N.share_total",))
def check_share_totals(ctx: NarrativeContext) -> Iterator[Finding]:
    for g in ctx.groups:
        if len(g.parts) < 2 or g.of_changes:
            continue
        shares = [s for s in (ctx.binder.share_of(g.ex, p) for p in g.parts) if s is not None]
        if len(shares) < 2 or any(s.whole for s in shares):
            continue
        total = sum((s.value for s in shares), Decimal(0))
        tol = tolerance(shares)
        if g.total is None:
            complete = True
        else:
            complete = abs(sum((p.value for p in g.parts), Decimal(0)) - g.total.value) <= tolerance(g.parts)
        if total > 100 + tol or (complete and len(shares) == len(g.parts) and abs(total - 100) > tol):
            whole = f"占{wan(g.total)}的" if g.total is not None else "的"
            yield finding("N.share_total", Severity.ERROR if g.certain else Severity.WARNING,
                          f"各项{whole}比例之和为{format_percent(total)}，应为100%（舍入误差不超过"
                          f"{format_amount(tol, 3)}个百分点）。", g.ex, shares[0], Decimal(100), total)


@narrative_check("share_list", "同一句中并列写出的各项占同一总体的比例之和不应超过100%，各项合计等于总体时应为100%。",
                 ("N.share_total",))
def check_share_lists(ctx: NarrativeContext) -> Iterator[Finding]:
    """“…分别为0.72亿元、0.02亿元和0.59亿元，占全市政府采购规模比例为54.54%、1.51%和44.69%”: the
    shares of one list are shares of one whole; they cannot add to more than 100%, and when the
    listed amounts add up to the whole (the items are all of it), they add to 100%."""
    for ex in ctx.extractions:
        lists: dict[int, list[Claim]] = {}
        for c in ex.claims:
            if c.kind == "percent" and c.relation == "share" and c.pair:
                lists.setdefault(c.pair[0], []).append(c)
        for shares in lists.values():
            if len(shares) < 2 or len(shares) != shares[0].pair[2]:
                continue
            total = sum((s.value for s in shares), Decimal(0))
            tol = tolerance(shares)
            parts, whole, certain = ctx.binder.parallel_parts(ex, shares[0])
            complete = certain and whole is not None and len(parts) == len(shares)
            if total > 100 + tol or (complete and abs(total - 100) > tol):
                of = f"占{wan(whole)}的" if complete else "的"
                listed = "、".join(s.written for s in shares)
                yield finding("N.share_total", Severity.ERROR,
                              f"并列各项（{listed}）{of}比例之和为{format_percent(total)}，应为100%"
                              f"（舍入误差不超过{format_amount(tol, 3)}个百分点）。", ex, shares[-1],
                              Decimal(100), total)


_ORDINAL_STYLE = re.compile(r"\s*(?:(?P<arabic>\d{1,2}\s*[、.])|(?P<paren>\(\d{1,2}\))"
                            r"|(?P<chinese>[一二三四五六七八九十]+、)|(?P<pchinese>\([一二三四五六七八九十]+\)))")


@narrative_check("share_same_whole", "同一清单中各项占同一总体的比例之和不应超过100%。",
                 ("N.share_total",))
def check_shares_of_a_named_whole(ctx: NarrativeContext) -> Iterator[Finding]:
    """Shares of one named whole taken by items of one list (“1. 基本支出…占一般公共预算支出的
    84.06%” … “2. 项目支出…占一般公共预算支出的19.62%”) cannot add to more than 100%."""
    for ex in ctx.extractions:
        by_whole: dict[tuple, list[tuple[Claim, Claim, object]]] = {}
        for c in ex.claims:
            if c.kind != "percent" or c.relation != "share" or not c.whole or c.each:
                continue
            part = part_of(ex, c)
            if part is None:
                continue
            m = _ORDINAL_STYLE.match(ex.doc.lines[c.line_index].norm)
            place = (m.lastgroup if m else None, None if m else c.sentence)
            by_whole.setdefault((re.sub(r"\s", "", c.whole), c.section, place), []).append((c, part, m))
        for items in by_whole.values():
            keys = [part.key for _, part, _ in items]
            if len(items) < 2 or len(set(keys)) != len(keys) or len({c.line_index for c, _, _ in items}) < 2 \
                    and items[0][2] is not None:
                continue
            total = sum((c.value for c, _, _ in items), Decimal(0))
            tol = tolerance(c for c, _, _ in items)
            if total > 100 + tol:
                last = items[-1][0]
                yield finding("N.share_total", Severity.WARNING,
                              f"占{last.whole}的各项比例（{'、'.join(c.written for c, _, _ in items)}）之和为"
                              f"{format_percent(total)}，超过100%，请核实。", ex, last, Decimal(100), total)


# -- words against figures ------------------------------------------------------------------------
_COMPARE_WORD = re.compile(r"决算数?\s*(大于|小于|等于|超过|低于|少于|高于)\s*(?:年初)?预算数?")


@narrative_check("completion_word", "完成预算百分比应与“决算数大于/小于/等于年初预算数”的说法一致。",
                 ("N.completion_word",))
def check_completion_words(ctx: NarrativeContext) -> Iterator[Finding]:
    """The comparison word of the sentence must agree with the stated rate (大于 ⇔ 决算 > 预算)."""
    for ex, c in ctx.claims():
        if c.kind != "percent" or c.relation != "completion" or c.each:
            continue
        s = ex.sentence(c.sentence)
        m = _COMPARE_WORD.search(s.norm) if s is not None else None
        nxt = ex.sentence(c.sentence + 1)
        if not m and s is not None and nxt is not None and nxt.line_index == s.line_index \
                and not any(x.relation == "completion" for x in ex.in_sentence(nxt.id)):
            # “…决算为3.46万元,完成预算100%,…。决算数小于预算数的主要原因是…”: the word opens the next
            # sentence, which states no rate of its own.
            m = _COMPARE_WORD.match(nxt.norm.strip())
        if not m:
            continue
        word = {"超过": "大于", "高于": "大于", "低于": "小于", "少于": "小于"}.get(m.group(1), m.group(1))
        implied, certain = "", False
        for r in ctx.binder.readings(ex, c):
            diff = r.numerator.value - r.denominator.value
            if abs(diff) > r.numerator.half + r.denominator.half:
                implied, certain = ("大于" if diff > 0 else "小于"), r.certain
            elif diff == 0:
                implied, certain = "等于", r.certain
            else:
                implied, certain = word, False  # within rounding: either word may be right
            break
        if not implied:
            if c.value - c.half > 100:
                implied, certain = "大于", True
            elif c.value + c.half < 100:
                implied, certain = "小于", True
            elif c.value == 100 and c.places >= 2:
                implied, certain = "等于", True
            elif word != "等于":
                yield finding("N.completion_word", Severity.WARNING,
                              f"完成预算{c.written}，却写“决算数{m.group(1)}年初预算数”，请核实两者是否一致。",
                              ex, c, None, c.value)
                continue
        if word != implied:
            yield finding("N.completion_word", Severity.ERROR if certain else Severity.WARNING,
                          f"完成预算{c.written}，却写“决算数{m.group(1)}年初预算数”，应为“决算数{implied}年初预算数”。",
                          ex, c, None, c.value)


@narrative_check("direction", "同一句中增减额与增减率的方向（增加/减少）应一致。",
                 ("N.direction",))
def check_directions(ctx: NarrativeContext) -> Iterator[Finding]:
    for ex, d in ctx.claims():
        if d.kind != "amount" or d.relation != "change" or d.each:
            continue
        r = rate_after(ex, d)
        if r is not None and r.direction != d.direction and r.value != 0 and d.value != 0:
            yield finding("N.direction", Severity.ERROR,
                          f"同一句中增减额为“{d.direction}{d.written}”，增减率却为“{r.direction}{r.written}”，方向矛盾。",
                          ex, r)


_REASON = re.compile(r"(增加|减少|增长|下降)的主要原因")


@narrative_check("reason_direction", "“增加/减少的主要原因”的方向应与前文所述增减一致。",
                 ("N.direction",))
def check_reason_direction(ctx: NarrativeContext) -> Iterator[Finding]:
    for ex, d in ctx.claims():
        if d.kind != "amount" or d.relation != "change":
            continue
        line = ex.doc.lines[d.line_index].norm
        m = _REASON.search(line, d.end)
        if not m:
            continue
        said = "增加" if m.group(1) in ("增加", "增长") else "减少"
        between = [c for c in ex.claims if c.line_index == d.line_index and d.end < c.start < m.start()
                   and c.relation == "change"]
        # “公务用车…支出减少的主要原因是…”: a reason that names another subject is not about this one.
        own = re.split(r"[,;:。]", line[:m.start()])[-1]
        named = find_key(own, generic=False)
        if named and d.key and named != d.key:
            continue
        if not between and said != d.direction:
            yield finding("N.direction", Severity.WARNING,
                          f"前文为“{d.direction}{d.written}”，后文却说明“{m.group(0)}”，方向矛盾。", ex, d)


@narrative_check("balance", "同一句中收入总计应等于支出总计。",
                 ("N.balance",))
def check_balance(ctx: NarrativeContext) -> Iterator[Finding]:
    for ex in ctx.extractions:
        # The totals of 收入支出决算总表, named as such (“财政拨款收入总计” is often written for the
        # year's 财政拨款收入 alone).
        levels = [c for c in ex.claims if c.is_level and not c.each and c.role == "决算" and c.scope in ("T1", "")
                  and "财政拨款" not in c.subject]
        incomes = [c for c in levels if c.key == "收入总计"]
        spends = [c for c in levels if c.key == "支出总计"]
        for a in incomes:
            for b in spends:
                if a.scope == b.scope and a.value != b.value and a.sentence == b.sentence:
                    yield finding("N.balance", Severity.ERROR,
                                  f"收入总计{wan(a)}与支出总计{wan(b)}不相等（收入总计应等于支出总计）。", ex, b,
                                  a.value, b.value)


_LEFTOVER = re.compile(r"(?:(?:年终|年末|期末)(?:滚存)?|滚存)结余(?:为|是)?$")


@narrative_check("leftover", "同一句中收入合计减去支出（合计）应等于年终结余。",
                 ("N.sum",))
def check_leftover(ctx: NarrativeContext) -> Iterator[Finding]:
    """“收入合计55.60亿元,支出合计49.10亿元,年终结余6.50亿元”: what is left at the end of the year is
    the total received less what was spent, stated in that order in one sentence. (A 年末结转和结余
    also carries last year's balance and is not read here.)"""
    for ex in ctx.extractions:
        for s in ex.sentences:
            levels = [c for c in ex.in_sentence(s.id) if c.is_level and not c.each and c.depth == 0]
            for k, left in enumerate(levels):
                if not _LEFTOVER.search(left.subject):
                    continue
                before = levels[:k]
                spent = next((c for c in reversed(before) if c.key == "本年支出合计"), None)
                if spent is None:
                    continue
                got = next((c for c in reversed(before) if c.key == "本年收入合计" and c.start < spent.start
                            and re.search(r"合计(?:为|是)?$", c.subject)), None)
                if got is None:
                    continue
                expected = got.value - spent.value
                gap = abs(expected - left.value)
                if gap <= got.strict_half + spent.strict_half + left.strict_half:
                    continue
                loose = gap <= got.half + spent.half + left.half
                yield finding("N.sum", Severity.WARNING if loose else Severity.ERROR,
                              f"年终结余写作{wan(left)}，按文中收入合计{wan(got)}－支出{wan(spent)}计算应为"
                              f"{_exact_wan(expected)}。", ex, left, expected, left.value)


def _same(a: Claim, b: Claim) -> bool:
    return abs(a.value - b.value) <= max(a.half, b.half) if a.unit != b.unit else a.value == b.value


# -- the same figure stated twice -------------------------------------------------------------------
_CONFLICT_KEYS = frozenset({"收入总计", "支出总计", "本年收入合计", "本年支出合计", "基本支出", "项目支出",
                            "人员经费", "公用经费", *SANGONG, "一般公共预算财政拨款支出"})


@narrative_check("restated", "同一段中重复写出的同一科目支出金额应一致。",
                 ("N.conflict",))
def check_restated_items(ctx: NarrativeContext) -> Iterator[Finding]:
    """A 功能分类 item's amount restated in its own paragraph (““…(项)”20.04万元，…支出决算为
    20.04万元”) is stated alike."""
    for ex in ctx.extractions:
        first: dict[tuple, Claim] = {}
        for c in ex.claims:
            if not (c.is_level and c.key_from == "label" and c.role == "决算" and c.depth == 0 and not c.each):
                continue
            k = (c.line_index, c.key)
            if k not in first:
                first[k] = c
            elif not _same(first[k], c):
                a = first[k]
                yield finding("N.conflict", Severity.ERROR,
                              f"同一科目的支出在同一段中先写{wan(a)}，后写{wan(c)}，两者应一致。", ex, c, a.value,
                              c.value)


_BUDGET_WORD = re.compile(r"一般公共预算|政府性基金|国有资本经营|社会保险基金")
_LEVEL_WORD = re.compile(r"[全本]?[省市区县州旗镇乡]本级|本级|全[省市区县州旗镇乡]|[省市区县]级|[省市区县]直")


def _qualifiers(ex: Extraction, c: Claim) -> tuple[str, str]:
    """The budget and the level of government a figure's paragraph names before it (“全区政府性基金…
    收入合计42.5亿元”, “区本级一般公共预算支出29.35亿元”): the same name under other qualifiers names
    another figure."""
    before = ex.doc.lines[c.line_index].norm[:c.start]
    budgets = _BUDGET_WORD.findall(before)
    level = _LEVEL_WORD.search(before)
    return (budgets[-1] if budgets else "", level.group(0) if level else "")


@narrative_check("conflict", "同一事项在不同位置写出的金额、比上年增减应一致。",
                 ("N.conflict",))
def check_conflicts(ctx: NarrativeContext) -> Iterator[Finding]:
    """One subject stated twice with different figures (same role, same section scope, the same
    budget and level of government named)."""
    seen: dict[tuple, tuple[Extraction, Claim]] = {}
    for ex, c in ctx.claims():
        if c.kind != "amount" or c.each or c.implied or c.key not in _CONFLICT_KEYS or c.scope not in TABLE_SCOPES \
                or c.key_from not in ("clause", "segment"):
            continue
        if c.relation == "change" and c.base == "上年":
            k = ("change", c.key, c.scope if c.key not in SANGONG else "T7", _qualifiers(ex, c))
        elif c.is_level and c.depth == 0 and not CHANGE_VERB.search(c.subject):
            # A part of a list is the part of its total: “机构运行1100910.5元,其中:基本支出1100910.5元”
            # is not the 基本支出 of the whole budget. “减少了“三公”经费342.74万元” states a change.
            g = ctx.group_of(c)
            context = (g.total.key, g.total.value) if g is not None and g.total is not None else ()
            k = ("amount", c.key, c.role, c.scope, context, _qualifiers(ex, c))
        else:
            continue
        if k not in seen:
            seen[k] = (ex, c)
            continue
        ex0, first = seen[k]
        if _same(first, c) and (c.relation == "" or first.direction == c.direction):
            continue
        if ex0 is ex and first.sentence == c.sentence and c.key_from != "clause":
            continue  # “一般公共预算拨款17000元,财政专户管理的资金安排0元”: a subject of its own
        line, _ = quote(ex0, first)
        where = f"第{line}行" if ex0 is ex else f"{ex0.doc.name}第{line}行"
        what = f"比上年{c.direction}" if c.relation == "change" else ""
        yield finding("N.conflict", Severity.WARNING,
                      f"“{c.key}”{what}{wan(c)}，与{where}所述"
                      f"{first.direction if c.relation else ''}{wan(first)}不一致，请核实。",
                      ex, c, first.value, c.value)
    # A part that is the whole of 三公 this year must change from last year as the whole does.
    totals = [(ex, c) for ex, c in ctx.claims() if c.key == "三公经费" and c.relation == "change" and not c.each]
    for ex, t in totals:
        now_t, _ = ctx.binder.current_for(ex, t)
        for ex2, p in ctx.claims():
            if p.key not in SANGONG[1:] or p.relation != "change" or p.each:
                continue
            now_p, _ = ctx.binder.current_for(ex2, p)
            if now_t is None or now_p is None or now_t.value != now_p.value or now_t.value == 0:
                continue
            if _same(t, p) and t.direction == p.direction:
                continue
            line, _ = quote(ex2, p)
            yield finding("N.conflict", Severity.WARNING,
                          f"“三公”经费比上年{t.direction}{wan(t)}，而{ex2.doc.name}第{line}行{p.key}（本年{wan(now_p)}，"
                          f"即“三公”经费的全部）比上年{p.direction}{wan(p)}，两处同比说法不一致，请核实。",
                          ex, t, p.value, t.value)


# -- counts -----------------------------------------------------------------------------------------
@narrative_check("count", "团组、人次、项目个数等数量前后应一致，支出为0时不应有数量。",
                 ("N.count",))
def check_counts(ctx: NarrativeContext) -> Iterator[Finding]:
    for ex in ctx.extractions:
        for s in ex.sentences:
            claims = ex.in_sentence(s.id)
            counts = [c for c in claims if c.kind == "count"]
            if not counts:
                continue
            zero_amounts = {c.key for c in claims if c.kind == "amount" and c.value == 0 and c.key in SANGONG}
            for c in counts:
                if c.value > 0 and c.key in zero_amounts and c.unit in ("批次", "人次", "个", "次"):
                    yield finding("N.count", Severity.WARNING,
                                  f"“{c.key}”支出为0，却有{c.written}，请核实。", ex, c, Decimal(0), c.value)
            groups = [c for c in counts if c.unit == "个"]
            people = [c for c in counts if c.unit == "人次"]
            if groups and people and groups[0].value == 0 and people[0].value > 0 \
                    and groups[0].segment == people[0].segment:
                yield finding("N.count", Severity.ERROR, f"团组为0个，却累计{people[0].written}。", ex, people[0])
            starts = list_starts(s.norm)
            if starts:
                at = s.start + starts[0]
                head = [c for c in counts if c.end <= at]
                tail = [c for c in counts if c.start > at]
                by_unit: dict[str, list[Claim]] = {}
                for t in tail:
                    by_unit.setdefault(t.unit, []).append(t)
                for unit, parts in by_unit.items():
                    h = next((h for h in reversed(head) if h.unit == unit), None)
                    if h is None:
                        continue
                    if any(t.value > h.value for t in parts):
                        t = next(t for t in parts if t.value > h.value)
                        yield finding("N.count", Severity.ERROR,
                                      f"总数为{h.written}，其中却有{t.written}。", ex, t, h.value, t.value)
                    elif len(parts) >= 2 and sum(t.value for t in parts) > h.value:
                        n = sum(t.value for t in parts)
                        yield finding("N.count", Severity.ERROR,
                                      f"总数为{h.written}，其中所列各项合计{n}{unit}，多于总数。",
                                      ex, parts[0], h.value, n)
            for c in counts:
                amount = next((a for a in claims if a.kind == "amount" and a.start > c.end), None)
                if c.unit != "个" or "项目" not in c.subject + s.norm[c.end - s.start:c.end - s.start + 2] \
                        or amount is None:
                    continue
                for g in ctx.groups:
                    if g.total is not None and g.total.value == amount.value and len(g.parts) != c.value \
                            and len(g.parts) >= 2:
                        line, _ = quote(g.ex, g.total)
                        yield finding("N.count", Severity.WARNING,
                                      f"文中称项目{c.written}、涉及资金{wan(amount)}，而{g.ex.doc.name}第{line}行"
                                      f"将{wan(g.total)}列为{len(g.parts)}项专项，请核实项目个数。",
                                      ex, c, Decimal(len(g.parts)), c.value)
                        break
            for m in re.finditer(r"对([^。;:]{2,80}?)等(\d+)个项目", s.norm):
                names = [n for n in re.split(r"[、,]", m.group(1)) if n.strip()]
                if len(names) > int(m.group(2)):
                    yield finding("N.count", Severity.WARNING,
                                  f"列出{len(names)}个项目，却写“等{m.group(2)}个项目”。", ex, None,
                                  Decimal(m.group(2)), Decimal(len(names)), sentence=s.id)


@narrative_check("label", "功能分类科目的名称与类、款、项层级应与该年度科目表一致。",
                 ("N.label",))
def check_labels(ctx: NarrativeContext) -> Iterator[Finding]:
    for ex in ctx.extractions:
        year = ctx.year or ex.year or 2019
        for li, (key, body) in ex.items.items():
            if not key.startswith("item:"):
                continue
            code = key[5:]
            levels = levels_of(body)
            expected = {"类": code[:3], "款": code[:5], "项": code}
            wrong = []
            for name, level in levels:
                want = codes.function_name(expected[level], year)
                if want and _norm_name(name) != _norm_name(want):
                    wrong.append(f"“{name.strip()}({level})”")
            if wrong:
                right = "".join(f"{codes.function_name(expected[lv], year)}({lv})" for lv in ("类", "款", "项"))
                line = ex.doc.lines[li]
                yield Finding("N.label", Severity.WARNING,
                              f"科目层级或名称有误：{'、'.join(wrong)}；按{year}年科目，{code}应为“{right}”。",
                              Location(file=ex.doc.name, line=line.number, text=line.text.strip()[:80]),
                              group=GROUP)


def _norm_name(name: str) -> str:
    return name.strip().replace("与", "和").replace("（", "(").replace("）", ")")


@narrative_check("grade", "绩效评价等次应与文中所述得分一致。",
                 ("N.grade",))
def check_grades(ctx: NarrativeContext) -> Iterator[Finding]:
    for ex in ctx.extractions:
        for sid, m in scores(ex):
            score, word = Decimal(m.group(2)), m.group(3)
            try:
                g = grade(score)
            except ValueError:
                continue
            if word and word not in (g.short, g.long):
                yield finding("N.grade", Severity.ERROR, f"得分{score}分对应等次为“{g.long}”，文中写作“{word}”。",
                              ex, None, sentence=sid)


# -- entry point ------------------------------------------------------------------------------------
def check(documents: Document | list[Document], book: Book | None = None,
          previous: Book | None = None) -> list[Finding]:
    """Every finding on ``documents`` (checked together, as one disclosure) and, with ``book``,
    against its tables and 绩效自评 forms; with ``previous`` (last year's book), every “比上年”
    statement against last year's book itself. Never raises on odd text."""
    docs = [documents] if isinstance(documents, Document) else list(documents)
    year = book.year if book is not None else (previous.year + 1 if previous is not None and previous.year else None)
    ctx = NarrativeContext([extract(d, year) for d in docs], book, year=year, previous=previous)
    where = Location(file=docs[0].name if docs else "")

    def crashed(c: CheckFunction, exc: Exception) -> Finding:  # the others still run
        return Finding("N.crash", Severity.ERROR, f"检查“{c.name}”出错：{type(exc).__name__}: {exc}", where,
                       group=GROUP)

    out = CHECKS.run("narrative", ctx, crashed)
    names = [d.name for d in docs]
    order = {s: i for i, s in enumerate(Severity)}
    out.sort(key=lambda f: (names.index(f.location.file) if f.location.file in names else 0,
                            f.location.line or 0, order[f.severity]))
    return out
