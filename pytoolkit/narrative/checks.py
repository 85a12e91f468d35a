"""Core layer (narrative): check the figures of a 情况说明 — within the text, and against a book.

Within the text (RULES.md §4): parts sum to their stated total, shares of one whole add to 100,
完成率 / 占比 / 增减率 recomputed from the stated amounts within their rounding bound
(``metrics.rate_bounds``; a truncated percentage is reported as truncated), direction words agree
with the sign, no percentage from a zero base, 收入总计 = 支出总计, the completion rate agrees
with “决算数大于/小于/等于年初预算数”, one figure stated twice is stated alike, counts agree,
类/款/项 labels match the code list. With a book (RULES.md §3, narrative ↔ table): every amount
and percentage against the public tables, the 整体支出绩效自评表 and the 项目支出绩效自评表.

Each check is a registered function returning findings; a check that crashes becomes an error
finding and the others still run (DESIGN.md “Findings are data”). Every expected figure comes
from ``pytoolkit.metrics``.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ..findings import Finding, Location, Severity
from ..metrics import (
    change,
    completion_rate,
    format_amount,
    format_percent,
    format_wan,
    grade,
    rate_bounds,
    round_half_up,
    share,
)
from ..model import Book, Table
from ..tables import codes
from ..tables.catalog import SUMMARY_UNIT
from .claims import Claim, Extraction, extract, find_key
from .text import Document

GROUP = "情况说明"

# Rule ids and their Chinese titles; ids are stable and never reused for another meaning.
RULES: dict[str, str] = {
    "N.sum": "分项之和应等于所述总数",
    "N.share": "占比应与所述金额相符",
    "N.share_total": "同一总体的各项占比之和应为100%",
    "N.completion": "完成预算百分比应与所述预算数、决算数相符",
    "N.completion_word": "完成预算百分比应与“决算数大于/小于/等于年初预算数”一致",
    "N.change": "增减额、增减率应与所述金额相符",
    "N.direction": "增减方向的用词应一致",
    "N.zero_base": "预算或上年数为0时不应计算百分比",
    "N.truncated": "百分比应四舍五入，不应截断",
    "N.balance": "收入总计应等于支出总计",
    "N.conflict": "同一事项在不同位置的数字应一致",
    "N.count": "数量前后应一致",
    "N.label": "科目名称与类、款、项层级应一致",
    "N.grade": "评价等次应与得分一致",
    "N.table.amount": "金额应与公开表一致",
    "N.table.percent": "百分比应与按公开表计算的结果一致",
    "N.table.change": "比上年增减应与公开表一致",
    "N.pe": "应与整体支出绩效自评表一致",
    "N.pp": "应与项目支出绩效自评表一致",
    "N.crash": "情况说明检查程序出错",
}

_HALF = Decimal("0.005")
_SANGONG = ("三公经费", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费",
            "公务接待费")
_T7_COLUMN = {"三公经费": "合计", **{k: k for k in _SANGONG[1:]}}
_TABLE_SCOPES = ("T1", "T4", "T5", "T7", "T8", "T9", "")
# Keys that name no single table figure (a 专项 of several, a procurement total).
_NOT_TABLE_KEYS = frozenset({"", "专项经费", "政府采购", "会议费", "培训费", "机关运行经费"})


# -- context ------------------------------------------------------------------------------------
@dataclass
class Group:
    """A stated total and its parts (“其中…”, “主要用于以下方面：…”, a numbered list)."""

    ex: Extraction
    total: Claim | None
    parts: list[Claim]
    role: str
    topic: str = ""  # words before the colon of a list with no total of its own


@dataclass
class Context:
    extractions: list[Extraction]
    book: Book | None = None
    groups: list[Group] = field(default_factory=list)
    year: int | None = None

    _parts: dict[int, Group] | None = None

    def group_of(self, part: Claim) -> Group | None:
        """The group (with a total) ``part`` is listed in, by identity: equal figures are not one."""
        if self._parts is None:
            self._parts = {id(p): g for g in self.groups if g.total is not None for p in g.parts}
        return self._parts.get(id(part))

    def claims(self) -> Iterator[tuple[Extraction, Claim]]:
        for ex in self.extractions:
            for c in ex.claims:
                yield ex, c


CHECKS: list[tuple[str, Callable[[Context], Iterable[Finding]]]] = []


def narrative_check(name: str):
    def register(fn):
        CHECKS.append((name, fn))
        return fn
    return register


def _quote(ex: Extraction, c: Claim | None, sentence: int | None = None) -> tuple[int, str]:
    sid = c.sentence if c is not None else sentence
    s = next((s for s in ex.sentences if s.id == sid), None)
    if s is None:
        line = ex.doc.lines[c.line_index] if c is not None else ex.doc.lines[0]
        return line.number, line.text.strip()[:80]
    line = ex.doc.lines[s.line_index]
    text = line.text[s.start:s.end].strip()
    if len(text) > 80 and c is not None:
        a = max(s.start, c.start - 40)
        text = "…" + line.text[a:min(s.end, c.end + 30)].strip() + "…"
    return line.number, text


def finding(rule: str, severity: Severity, message: str, ex: Extraction, c: Claim | None,
            expected: Decimal | None = None, actual: Decimal | None = None, sentence: int | None = None) -> Finding:
    line, text = _quote(ex, c, sentence)
    return Finding(rule, severity, message, Location(file=ex.doc.name, line=line, text=text), expected, actual,
                   table=GROUP)


def _places(c: Claim) -> int:
    digits = re.sub(r"[^\d.]", "", c.written)
    return len(digits.split(".")[1]) if "." in digits else 0


def _pct_places(c: Claim) -> int:
    return max(_places(c), 2)


def _consistent(stated: Claim, bounds: tuple[Decimal, Decimal] | None) -> bool:
    """The stated percentage's own rounding interval meets the bounds of the recomputed one."""
    if bounds is None:
        return True
    return stated.value + stated.half >= bounds[0] and stated.value - stated.half <= bounds[1]


def _bounds(num: Decimal, num_half: Decimal, den: Decimal, den_half: Decimal) -> tuple[Decimal, Decimal] | None:
    """As ``metrics.rate_bounds`` when numerator and denominator carry different rounding
    (a change written in 元 over a base derived from two 万元 figures)."""
    if num_half == den_half:
        return rate_bounds(num, den, num_half)
    if abs(den) <= den_half:
        return None
    corners = [Fraction(n) * 100 / Fraction(d) for n in (num - num_half, num + num_half)
               for d in (den - den_half, den + den_half)]
    low, high = min(corners), max(corners)
    return (Decimal(math.floor(low * 10**10)).scaleb(-10), Decimal(math.ceil(high * 10**10)).scaleb(-10))


def _truncated(stated: Claim, numerator: Decimal, denominator: Decimal) -> bool:
    """The figure is the exact ratio cut off (not rounded) at the stated places (RULES §4)."""
    if denominator == 0:
        return False
    exact = Fraction(numerator) * 100 / Fraction(denominator)
    scale = 10 ** _places(stated)
    cut = Fraction(math.trunc(exact * scale), scale)
    return Fraction(stated.value) == abs(cut) and abs(exact) != abs(cut)


def _exact_wan(x: Decimal) -> str:
    return format_wan(x) if x == round_half_up(x, 2) else f"{x.normalize():f}万元"


def _wan(c: Claim) -> str:
    return c.written if c.unit == "万元" else f"{c.written}（{format_wan(c.value, 4).replace('.0000', '')}）"


# -- structure: totals and their parts ------------------------------------------------------------
def _amounts(claims: Iterable[Claim]) -> list[Claim]:
    return [c for c in claims if c.kind == "amount" and c.relation == ""]


def build_groups(ex: Extraction) -> list[Group]:
    groups: list[Group] = []
    by_sentence: dict[int, list[Claim]] = {}
    for c in ex.claims:
        by_sentence.setdefault(c.sentence, []).append(c)
    for s in ex.sentences:
        claims = by_sentence.get(s.id, [])
        amounts = _amounts(claims)
        # Bracketed breakdowns: “基本支出307.55万元(工资福利支出256.23万元、…)”.
        for i, a in enumerate(amounts):
            inner = []
            for b in amounts[i + 1:]:
                if b.depth == a.depth + 1:
                    inner.append(b)
                elif b.depth <= a.depth:
                    break
            if len(inner) >= 2 and s.norm[a.end - s.start:].lstrip().startswith("("):
                groups.append(Group(ex, a, inner, a.role))
        pos = _qizhong(s.norm)
        colon = s.norm.find(":")
        if pos is None and colon > 0 and "其中" not in s.norm[:colon]:
            pos = colon
        if pos is None:
            continue
        at = s.start + pos
        before = [a for a in amounts if a.end <= at and a.depth == 0]
        after = [a for a in amounts if a.start > at and a.depth == 0]
        tail = s.norm[pos:].strip(" :其中,")
        if not before and pos <= 1:
            prev = next((p for p in reversed(ex.sentences) if p.id < s.id), None)
            prev_amounts = _amounts(by_sentence.get(prev.id, [])) if prev else []
            if len(prev_amounts) == 1:
                before = prev_amounts
        if not tail:
            after = _following_items(ex, s)
        topic = s.norm[:pos] if not before else ""
        roles = {a.role for a in after}
        for role in roles:
            parts = [a for a in after if a.role == role]
            totals = [a for a in before if a.role == role]
            total = totals[-1] if totals else None
            if total is None and not topic:
                continue
            groups.append(Group(ex, total, parts, role, topic))
    return groups


def _qizhong(text: str) -> int | None:
    for m in re.finditer(r"其中|主要用于[^:,;]*:|主要包括[^:,;]*:", text):
        depth = text[:m.start()].count("(") - text[:m.start()].count(")")
        if depth <= 0:
            return m.start() if m.group(0) == "其中" else m.end() - 1
    return None


def _following_items(ex: Extraction, s) -> list[Claim]:
    """Parts listed on the lines after a line ending in “其中：”: the first figure per role of each."""
    from .text import heading, sub_heading

    out: list[Claim] = []
    li = s.line_index + 1
    lines = ex.doc.lines
    while li < len(lines):
        line = lines[li]
        if heading(line.text) or sub_heading(line.text):
            break
        if li not in ex.items:
            seen: set[str] = set()
            for c in ex.claims:
                if c.line_index == li and c.kind == "amount" and c.relation == "" and c.depth == 0 \
                        and c.role not in seen:
                    seen.add(c.role)
                    out.append(c)
        li += 1
    return out


def _tolerance(claims: Iterable[Claim]) -> Decimal:
    # RULES §4: n rounded addends may differ from the rounded total by up to n × 0.005.
    return sum((c.half for c in claims), Decimal(0))


@narrative_check("sum")
def check_sums(ctx: Context) -> Iterator[Finding]:
    for g in ctx.groups:
        if g.total is None or len(g.parts) < 2:
            continue
        total = sum((p.value for p in g.parts), Decimal(0))
        diff = total - g.total.value
        if abs(diff) <= _tolerance(g.parts):
            continue
        listed = "＋".join(format_amount(p.value, 4).rstrip("0").rstrip(".") for p in g.parts)
        if diff > 0:
            msg = (f"所列{len(g.parts)}项之和{format_wan(total)}大于所述总数{_wan(g.total)}"
                   f"（{listed}），相差{format_wan(diff)}。")
            sev = Severity.ERROR
        else:
            msg = (f"所列{len(g.parts)}项之和{format_wan(total)}小于所述总数{_wan(g.total)}"
                   f"（{listed}），相差{format_wan(-diff)}，请核实是否漏列或数字有误。")
            sev = Severity.WARNING
        yield finding("N.sum", sev, msg, g.ex, g.parts[0], g.total.value, total)


def _topic_total(ctx: Context, g: Group) -> Claim | None:
    """A list with no total of its own (“具体的项目资金实际使用情况为：…”) is measured against
    the nearest earlier total on the same topic in the same document."""
    if "项目" not in g.topic and "专项" not in g.topic:
        return None
    first = g.parts[0] if g.parts else None
    if first is None:
        return None
    for c in reversed(g.ex.claims):
        if c.sentence < first.sentence and c.kind == "amount" and c.relation == "" \
                and c.key in ("专项经费", "项目支出"):
            return c
    return None


@narrative_check("list_sum")
def check_topic_lists(ctx: Context) -> Iterator[Finding]:
    for g in ctx.groups:
        if g.total is not None or len(g.parts) < 2:
            continue
        total = _topic_total(ctx, g)
        if total is None:
            continue
        s = sum((p.value for p in g.parts), Decimal(0))
        if abs(s - total.value) > _tolerance(g.parts):
            word = "大于" if s > total.value else "小于"
            line, _ = _quote(g.ex, total)
            yield finding(
                "N.sum", Severity.ERROR if s > total.value else Severity.WARNING,
                f"所列{len(g.parts)}项支出合计{format_wan(s)}，{word}第{line}行所述{_wan(total)}，"
                f"相差{format_wan(abs(s - total.value))}。", g.ex, g.parts[0], total.value, s)


# -- percentages ----------------------------------------------------------------------------------
_STARTS: dict[int, tuple[list[Claim], list[int]]] = {}


def _before(ex: Extraction, c: Claim) -> list[Claim]:
    """The claims of ``c``'s sentence that end before it, nearest last."""
    claims = ex.in_sentence(c.sentence)
    if len(claims) <= 64:
        return [x for x in claims if x.end <= c.start]
    starts = _STARTS.get(id(claims))
    if starts is None or starts[0] is not claims:
        starts = _STARTS[id(claims)] = (claims, [x.start for x in claims])
    i = bisect.bisect_left(starts[1], c.start)
    return [x for x in claims[max(0, i - 64):i] if x.end <= c.start]


def _part_of(ex: Extraction, p: Claim) -> Claim | None:
    for c in reversed(_before(ex, p)):
        if c.kind == "amount" and c.relation == "" and c.depth <= p.depth:
            return c
    return None


def _whole_of(ctx: Context, ex: Extraction, p: Claim, part: Claim) -> Claim | None:
    g = ctx.group_of(part)
    in_group = g.total if g is not None else None
    if p.whole and p.whole not in ("其", "总额"):
        key = find_key(p.whole)
        for c in reversed(ex.claims):
            if c.sentence > p.sentence or c is part or c.kind != "amount" or c.relation:
                continue
            if c.section != p.section:
                continue
            if (key and c.key == key) or (len(p.whole) >= 3 and p.whole in c.subject):
                return c
        return in_group
    if in_group is not None:
        return in_group
    firsts = [c for c in ex.in_sentence(p.sentence) if c.kind == "amount" and c.relation == ""
              and c.depth == 0 and c.end <= part.start]
    return firsts[0] if firsts else None


def _check_ratio(rule: str, ex: Extraction, stated: Claim, numerator: Claim, denominator: Claim,
                 expected: Decimal | None, what: str) -> Finding | None:
    if denominator.value == 0:
        if rule == "N.share":
            return None
        return finding("N.zero_base", Severity.ERROR,
                       f"{what}的基数为0，不应计算百分比（应写“无年初预算”），文中为{stated.written}。", ex, stated,
                       None, stated.value)
    half = max(numerator.half, denominator.half)
    if _consistent(stated, rate_bounds(numerator.value, denominator.value, half)):
        return None
    exp_text = format_percent(expected)
    if _truncated(stated, numerator.value, denominator.value):
        return finding("N.truncated", Severity.ERROR,
                       f"{what}{stated.written}是截断所得，按四舍五入应为{exp_text}"
                       f"（{_wan(numerator)}÷{_wan(denominator)}）。", ex, stated, expected, stated.value)
    return finding(rule, Severity.ERROR,
                   f"{what}写作{stated.written}，按文中{_wan(numerator)}÷{_wan(denominator)}计算应为{exp_text}。",
                   ex, stated, expected, stated.value)


@narrative_check("share")
def check_shares(ctx: Context) -> Iterator[Finding]:
    for ex, p in ctx.claims():
        if p.kind != "percent" or p.relation != "share":
            continue
        part = _part_of(ex, p)
        if part is None:
            continue
        whole = _whole_of(ctx, ex, p, part)
        if whole is None or whole is part:
            continue
        f = _check_ratio("N.share", ex, p, part, whole, share(part.value, whole.value), "占比")
        if f:
            yield f


@narrative_check("share_total")
def check_share_totals(ctx: Context) -> Iterator[Finding]:
    for g in ctx.groups:
        if g.total is None or len(g.parts) < 2:
            continue
        shares = []
        for part in g.parts:
            nxt = next((c for c in g.ex.in_sentence(part.sentence) if c.start > part.end), None)
            if nxt is not None and nxt.kind == "percent" and nxt.relation == "share" and _part_of(g.ex, nxt) is part:
                shares.append(nxt)
        if len(shares) < 2:
            continue
        total = sum((s.value for s in shares), Decimal(0))
        complete = abs(sum((p.value for p in g.parts), Decimal(0)) - g.total.value) <= _tolerance(g.parts)
        tol = _tolerance(shares)
        if total > 100 + tol or (complete and len(shares) == len(g.parts) and abs(total - 100) > tol):
            yield finding("N.share_total", Severity.ERROR,
                          f"各项占{_wan(g.total)}的比例之和为{format_percent(total)}，应为100%（舍入误差不超过"
                          f"{format_amount(tol, 3)}个百分点）。", g.ex, shares[0], Decimal(100), total)


def _nearest(ex: Extraction, c: Claim, role: str) -> Claim | None:
    for a in reversed(_before(ex, c)):
        if a.kind == "amount" and a.relation == "" and a.role == role:
            return a
    return None


_COMPARE_WORD = re.compile(r"决算数?\s*(大于|小于|等于|超过|低于|少于|高于)\s*(?:年初)?预算数?")


@narrative_check("completion")
def check_completion(ctx: Context) -> Iterator[Finding]:
    for ex, c in ctx.claims():
        if c.kind != "percent" or c.relation != "completion":
            continue
        budget, actual = _nearest(ex, c, "预算"), _nearest(ex, c, "决算")
        if budget is not None and actual is not None:
            f = _check_ratio("N.completion", ex, c, actual, budget, completion_rate(actual.value, budget.value),
                             "完成预算百分比")
            if f:
                yield f
        # The comparison word of the same line must agree with the stated rate (RULES §4).
        line = ex.doc.lines[c.line_index].norm
        m = _COMPARE_WORD.search(line, c.end - 0)
        if not m:
            continue
        word = {"超过": "大于", "高于": "大于", "低于": "小于", "少于": "小于"}.get(m.group(1), m.group(1))
        implied = "大于" if c.value > 100 else "小于" if c.value < 100 else "等于"
        if budget is not None and actual is not None:
            diff = actual.value - budget.value
            if abs(diff) > actual.half + budget.half:
                implied = "大于" if diff > 0 else "小于"
        if word != implied:
            yield finding("N.completion_word", Severity.ERROR,
                          f"完成预算{c.written}，却写“决算数{m.group(1)}年初预算数”，应为“决算数{implied}年初预算数”。",
                          ex, c, None, c.value)


def _current_for(ctx: Context, ex: Extraction, d: Claim) -> Claim | None:
    cands = [a for a in ex.in_sentence(d.sentence) if a.end <= d.start and a.kind == "amount"
             and a.relation == "" and a.role == "决算"]
    if cands:
        return cands[-1]
    if not d.key:
        return None
    same_line = [a for a in ex.claims if a.line_index == d.line_index and a.start < d.start and a.key == d.key
                 and a.kind == "amount" and a.relation == "" and a.role == "决算"]
    if same_line:
        return same_line[-1]
    for e in [ex, *(x for x in ctx.extractions if x is not ex)]:
        for a in e.claims:
            if a.key == d.key and a.kind == "amount" and a.relation == "" and a.role == "决算" \
                    and a.scope in ("T7", "T1", "") and d.key in _SANGONG:
                return a
    return None


def _rate_after(ex: Extraction, d: Claim) -> Claim | None:
    nxt = next((c for c in ex.in_sentence(d.sentence) if c.start > d.end), None)
    return nxt if nxt is not None and nxt.kind == "percent" and nxt.relation == "rate" else None


@narrative_check("change")
def check_changes(ctx: Context) -> Iterator[Finding]:
    for ex, d in ctx.claims():
        if d.kind != "amount" or d.relation != "change":
            continue
        r = _rate_after(ex, d)
        if r is not None and r.direction != d.direction:
            yield finding("N.direction", Severity.ERROR,
                          f"同一句中增减额为“{d.direction}{d.written}”，增减率却为“{r.direction}{r.written}”，方向矛盾。",
                          ex, r)
        current = _current_for(ctx, ex, d)
        if current is None or r is None:
            continue
        signed = d.value if d.direction == "增加" else -d.value
        previous = current.value - signed
        what = "预算数" if d.base == "预算" else "上年数"
        if previous == 0:
            yield finding("N.zero_base", Severity.ERROR,
                          f"按文中数字{what}为0（{_wan(current)}，{d.direction}{d.written}），不应计算增减率，"
                          f"文中写作{r.written}。", ex, r, None, r.value)
            continue
        if previous < 0:
            continue
        expected = change(current.value, previous).rate
        fake_prev = Claim("amount", previous, format_amount(previous, 4), "万元", current.half + d.half,
                          current.line_index, current.line, current.start, current.end, current.sentence, 0)
        if _consistent(r, _bounds(d.value, d.half, previous, current.half + d.half)):
            continue
        if _truncated(r, d.value, previous):
            yield finding("N.truncated", Severity.ERROR,
                          f"增减率{r.written}是截断所得，按四舍五入应为{format_percent(abs(expected))}"
                          f"（{_wan(d)}÷{what}{format_wan(fake_prev.value)}）。", ex, r, abs(expected), r.value)
        else:
            yield finding("N.change", Severity.ERROR,
                          f"增减率写作{r.written}，按文中本年{_wan(current)}、{d.direction}{_wan(d)}（{what}"
                          f"{_exact_wan(previous)}）计算应为{format_percent(abs(expected))}。",
                          ex, r, abs(expected), r.value)


_REASON = re.compile(r"(增加|减少|增长|下降)的主要原因")


@narrative_check("reason_direction")
def check_reason_direction(ctx: Context) -> Iterator[Finding]:
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
        if not between and said != d.direction:
            yield finding("N.direction", Severity.WARNING,
                          f"前文为“{d.direction}{d.written}”，后文却说明“{m.group(0)}”，方向矛盾。", ex, d)


@narrative_check("balance")
def check_balance(ctx: Context) -> Iterator[Finding]:
    for ex in ctx.extractions:
        incomes = [c for c in _amounts(ex.claims) if c.key == "收入总计" and c.role == "决算"]
        spends = [c for c in _amounts(ex.claims) if c.key == "支出总计" and c.role == "决算"]
        for a in incomes:
            for b in spends:
                if a.scope == b.scope and a.value != b.value:
                    yield finding("N.balance", Severity.ERROR,
                                  f"收入总计{_wan(a)}与支出总计{_wan(b)}不相等（收入总计应等于支出总计）。", ex, b,
                                  a.value, b.value)


def _same(a: Claim, b: Claim) -> bool:
    return abs(a.value - b.value) <= max(a.half, b.half) if a.unit != b.unit else a.value == b.value


@narrative_check("conflict")
def check_conflicts(ctx: Context) -> Iterator[Finding]:
    seen: dict[tuple, tuple[Extraction, Claim]] = {}
    for ex, c in ctx.claims():
        if c.kind != "amount" or c.key in _NOT_TABLE_KEYS or c.key.startswith("label:") \
                or c.scope not in _TABLE_SCOPES:
            continue
        if c.relation == "change" and c.base == "上年":
            k = ("change", c.key, c.scope if c.key not in _SANGONG else "T7")
        elif c.relation == "" and c.depth == 0:
            k = ("amount", c.key, c.role, c.scope)
        else:
            continue
        if k not in seen:
            seen[k] = (ex, c)
            continue
        ex0, first = seen[k]
        if _same(first, c) and (c.relation == "" or first.direction == c.direction):
            continue
        line, _ = _quote(ex0, first)
        where = f"第{line}行" if ex0 is ex else f"{ex0.doc.name}第{line}行"
        what = f"比上年{c.direction}" if c.relation == "change" else ""
        yield finding("N.conflict", Severity.ERROR,
                      f"“{c.key}”{what}{_wan(c)}，与{where}所述"
                      f"{first.direction if c.relation else ''}{_wan(first)}不一致。",
                      ex, c, first.value, c.value)
    # A part that is the whole of 三公 this year must change from last year as the whole does.
    totals = [(ex, c) for ex, c in ctx.claims() if c.key == "三公经费" and c.relation == "change"]
    for ex, t in totals:
        now_t = _current_for(ctx, ex, t)
        for ex2, p in ctx.claims():
            if p.key not in _SANGONG[1:] or p.relation != "change":
                continue
            now_p = _current_for(ctx, ex2, p)
            if now_t is None or now_p is None or now_t.value != now_p.value or now_t.value == 0:
                continue
            if _same(t, p) and t.direction == p.direction:
                continue
            line, _ = _quote(ex2, p)
            yield finding("N.conflict", Severity.WARNING,
                          f"“三公”经费比上年{t.direction}{_wan(t)}，而{ex2.doc.name}第{line}行{p.key}（本年{_wan(now_p)}，"
                          f"即“三公”经费的全部）比上年{p.direction}{_wan(p)}，两处同比说法不一致，请核实。",
                          ex, t, p.value, t.value)


@narrative_check("count")
def check_counts(ctx: Context) -> Iterator[Finding]:
    for ex in ctx.extractions:
        for s in ex.sentences:
            claims = ex.in_sentence(s.id)
            counts = [c for c in claims if c.kind == "count"]
            zero_amounts = {c.key for c in claims if c.kind == "amount" and c.value == 0 and c.key in _SANGONG}
            for c in counts:
                if c.value > 0 and c.key in zero_amounts and c.unit in ("批次", "人次", "个", "次"):
                    yield finding("N.count", Severity.WARNING,
                                  f"“{c.key}”支出为0，却有{c.written}，请核实。", ex, c, Decimal(0), c.value)
            groups = [c for c in counts if c.unit == "个"]
            people = [c for c in counts if c.unit == "人次"]
            if groups and people and groups[0].value == 0 and people[0].value > 0:
                yield finding("N.count", Severity.ERROR, f"团组为0个，却累计{people[0].written}。", ex, people[0])
            q = _qizhong(s.norm)
            if q is not None:
                at = s.start + q
                head = [c for c in counts if c.end <= at]
                tail = [c for c in counts if c.start > at]
                for t in tail:
                    h = next((h for h in reversed(head) if h.unit == t.unit), None)
                    if h is not None and t.value > h.value:
                        yield finding("N.count", Severity.ERROR,
                                      f"总数为{h.written}，其中却有{t.written}。", ex, t, h.value, t.value)
            for c in counts:
                amount = next((a for a in claims if a.kind == "amount" and a.start > c.end), None)
                if c.unit != "个" or "项目" not in c.subject + s.norm[c.end - s.start:c.end - s.start + 2] \
                        or amount is None:
                    continue
                for g in ctx.groups:
                    if g.total is not None and g.total.value == amount.value and len(g.parts) != c.value \
                            and len(g.parts) >= 2:
                        line, _ = _quote(g.ex, g.total)
                        yield finding("N.count", Severity.WARNING,
                                      f"文中称项目{c.written}、涉及资金{_wan(amount)}，而{g.ex.doc.name}第{line}行"
                                      f"将{_wan(g.total)}列为{len(g.parts)}项专项，请核实项目个数。",
                                      ex, c, Decimal(len(g.parts)), c.value)
                        break
            for m in re.finditer(r"对([^。;:]{2,80}?)等(\d+)个项目", s.norm):
                names = [n for n in re.split(r"[、,]", m.group(1)) if n.strip()]
                if len(names) > int(m.group(2)):
                    yield finding("N.count", Severity.WARNING,
                                  f"列出{len(names)}个项目，却写“等{m.group(2)}个项目”。", ex, None,
                                  Decimal(m.group(2)), Decimal(len(names)), sentence=s.id)


@narrative_check("label")
def check_labels(ctx: Context) -> Iterator[Finding]:
    from .claims import levels_of

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
                              table=GROUP)


def _norm_name(name: str) -> str:
    return name.strip().replace("与", "和").replace("（", "(").replace("）", ")")


# -- against the book -------------------------------------------------------------------------------
def _cell(t: Table | None, row: str, col: str) -> Decimal | None:
    if t is None:
        return None
    cell = t.cell(row, col)
    return cell.value if cell is not None else None


def _blank_zero(t: Table | None, row: str, col: str) -> Decimal | None:
    """A blank amount on a form whose row exists reads as 0 (the forms leave zero cells blank)."""
    if t is None or t.row(row) is None:
        return None
    v = _cell(t, row, col)
    return Decimal(0) if v is None else v


def book_values(book: Book, key: str, role: str, scope: str) -> list[tuple[Decimal, str]]:
    """Where a figure of the text sits in the tables: candidate (value, description) pairs."""
    T = book.table
    out: list[tuple[Decimal | None, str]] = []
    col1 = {"决算": "决算数", "预算": "年初预算数", "上年": "上年决算数"}[role or "决算"]

    def t1(row: str) -> None:
        out.append((_cell(T("T1"), row, col1), f"收入支出决算总表“{row}”{col1}"))

    if scope in ("T8", "T9"):
        col = {"本年收入合计": "本年收入", "本年支出合计": "本年支出合计", "年初结转和结余": "年初结转和结余",
               "年末结转和结余": "年末结转和结余", "基本支出": "基本支出", "项目支出": "项目支出"}.get(key)
        t = T(scope)
        if col and role == "决算" and t is not None:
            out.append((_blank_zero(t, "合计", col) if t.row("合计") else Decimal(0), f"{t.tdef.title}合计“{col}”"))
    elif key in ("年初结转和结余", "年末结转和结余"):
        if scope in ("T1", "") and role == "决算":
            t1(key)
        elif scope == "T4" and role == "决算":
            row = key.replace("结转", "财政拨款结转")
            col = "金额" if key.startswith("年初") else "合计"
            out.append((_cell(T("T4"), row, col), f"财政拨款收入支出决算总表“{row}”"))
    elif key.startswith("item:") or key.startswith("class:"):
        code = key.split(":", 1)[1]
        if scope == "T5" or key.startswith("item:"):
            col = "年初预算数" if role == "预算" else "合计"
            out.append((_blank_zero(T("T5"), code, col), f"一般公共预算财政拨款支出决算表{code}“{col}”"))
        if role == "决算" and scope in ("T1", "") and key.startswith("class:"):
            out.append((_blank_zero(T("T3"), code, "本年支出合计"), f"支出决算表{code}“本年支出合计”"))
        if role == "决算" and scope == "T4":
            out.append((_blank_zero(T("T4"), code, "合计"), f"财政拨款收入支出决算总表{code}“合计”"))
    elif key in _T7_COLUMN:
        row = {"决算": "决算数", "预算": "预算数", "上年": "上年决算数"}[role or "决算"]
        out.append((_cell(T("T7"), row, _T7_COLUMN[key]), f"“三公”经费支出决算表{row}“{_T7_COLUMN[key]}”"))
    elif role in ("预算", "上年"):
        if key in ("本年收入合计", "本年支出合计", "收入总计", "支出总计") and scope in ("T1", ""):
            t1(key)
        elif key in ("一般公共预算财政拨款支出", "财政拨款支出", "本年支出合计") and scope == "T5" and role == "预算":
            out.append((_cell(T("T5"), "合计", "年初预算数"), "一般公共预算财政拨款支出决算表合计“年初预算数”"))
    elif key in ("本年收入合计", "本年支出合计", "收入总计", "支出总计", "收支总计"):
        keys = ("收入总计", "支出总计") if key == "收支总计" else (key,)
        if scope == "T4":
            for k in keys:
                row = k
                col = "金额" if k.startswith("收入") or k == "本年收入合计" else "合计"
                out.append((_cell(T("T4"), row, col), f"财政拨款收入支出决算总表“{row}”"))
        elif scope == "T5" and key == "本年支出合计":
            out.append((_cell(T("T5"), "合计", "合计"), "一般公共预算财政拨款支出决算表合计"))
        elif scope in ("T1", ""):
            for k in keys:
                t1(k)
            if key in ("本年收入合计", "本年支出合计"):
                t1("收入总计" if "收入" in key else "支出总计")
    elif key in ("一般公共预算财政拨款收入", "政府性基金收入", "上级补助收入", "事业收入", "经营收入",
                 "附属单位上缴收入", "其他收入"):
        row = {"政府性基金收入": "政府性基金预算财政拨款收入"}.get(key, key)
        t1(row)
    elif key == "财政拨款收入":
        out.append((_cell(T("T4"), "本年收入合计", "金额"), "财政拨款收入支出决算总表“本年收入合计”"))
        out.append((_cell(T("T2"), "合计", "财政拨款收入"), "收入决算表合计“财政拨款收入”"))
    elif key == "一般公共预算财政拨款支出" or (key == "财政拨款支出" and scope == "T5"):
        out.append((_cell(T("T5"), "合计", "合计"), "一般公共预算财政拨款支出决算表合计"))
    elif key == "财政拨款支出":
        out.append((_cell(T("T4"), "本年支出合计", "合计"), "财政拨款收入支出决算总表“本年支出合计”"))
    elif key == "政府性基金支出":
        out.append((_cell(T("T4"), "本年支出合计", "政府性基金预算财政拨款"), "财政拨款收入支出决算总表政府性基金支出"))
    elif key in ("基本支出", "项目支出"):
        if scope == "T5":
            out.append((_cell(T("T5"), "合计", key), f"一般公共预算财政拨款支出决算表合计“{key}”"))
        elif scope in ("T1", ""):
            out.append((_cell(T("T3"), "合计", key), f"支出决算表合计“{key}”"))
    elif key in ("上缴上级支出", "经营支出", "对附属单位补助支出") and scope in ("T1", ""):
        out.append((_blank_zero(T("T3"), "合计", key), f"支出决算表合计“{key}”"))
    elif key in ("人员经费", "公用经费"):
        out.append((_cell(T("T6"), f"{key}合计", "决算数"), f"基本支出决算表“{key}合计”"))
    elif key in ("工资福利支出", "商品和服务支出", "对个人和家庭的补助", "资本性支出") and scope == "T5":
        code = {"工资福利支出": "301", "商品和服务支出": "302", "对个人和家庭的补助": "303", "资本性支出": "310"}[key]
        out.append((_blank_zero(T("T6"), code, "决算数") if T("T6") and T("T6").row(code) else Decimal(0),
                    f"基本支出决算表{code}{key}"))
    return [(v, d) for v, d in out if v is not None]


def _matches(c: Claim, v: Decimal) -> bool:
    if c.unit == "万元" and _places(c) <= 2:
        return c.value == round_half_up(v, 2)
    return abs(c.value - v) <= max(c.half, _HALF)


def _emit_once(seen: set, key: tuple) -> bool:
    if key in seen:
        return False
    seen.add(key)
    return True


@narrative_check("table_amounts")
def check_table_amounts(ctx: Context) -> Iterator[Finding]:
    if ctx.book is None:
        return
    seen: set = set()
    for ex, c in ctx.claims():
        if c.kind != "amount" or c.relation != "" or not c.key or c.scope not in _TABLE_SCOPES or c.depth > 1:
            continue
        cands = book_values(ctx.book, c.key, c.role, c.scope)
        if not cands or any(_matches(c, v) for v, _ in cands):
            continue
        v, desc = cands[0]
        if _emit_once(seen, (c.key, c.role, c.value, v)):
            yield finding("N.table.amount", Severity.ERROR,
                          f"文中{c.role if c.role != '决算' else ''}“{c.key.split(':')[-1]}”为{_wan(c)}，"
                          f"{desc}为{format_wan(v)}。", ex, c, v, c.value)


def _prior_cells(book: Book, key: str, scope: str) -> tuple[Decimal | None, Decimal | None, str]:
    if key in _T7_COLUMN:
        col = _T7_COLUMN[key]
        t7 = book.table("T7")
        return _cell(t7, "决算数", col), _cell(t7, "上年决算数", col), f"“三公”经费表“{col}”"
    row = {"收支总计": "收入总计", "财政拨款收入": "一般公共预算财政拨款收入",
           "财政拨款支出": "本年支出合计", "一般公共预算财政拨款支出": "本年支出合计"}.get(key, key)
    if row in ("本年收入合计", "本年支出合计", "收入总计", "支出总计", "一般公共预算财政拨款收入"):
        t1 = book.table("T1")
        return _cell(t1, row, "决算数"), _cell(t1, row, "上年决算数"), f"收入支出决算总表“{row}”"
    return None, None, ""


@narrative_check("table_changes")
def check_table_changes(ctx: Context) -> Iterator[Finding]:
    if ctx.book is None:
        return
    for ex, d in ctx.claims():
        if d.kind != "amount" or d.relation != "change" or d.base != "上年" or not d.key:
            continue
        now, prev, desc = _prior_cells(ctx.book, d.key, d.scope)
        if now is None or prev is None:
            continue
        ch = change(now, prev)
        if ch.direction != d.direction or not _matches(d, abs(ch.amount)):
            yield finding("N.table.change", Severity.ERROR,
                          f"文中“{d.key}”比上年{d.direction}{_wan(d)}，按{desc}（本年{format_wan(now)}，上年"
                          f"{format_wan(prev)}）应为{ch.describe()}。", ex, d, abs(ch.amount), d.value)
            continue
        r = _rate_after(ex, d)
        if r is not None and ch.rate is not None and r.value != abs(ch.rate):
            rule = "N.truncated" if _truncated(r, abs(ch.amount), prev) else "N.table.percent"
            yield finding(rule, Severity.ERROR,
                          f"文中增减率{r.written}，按{desc}应为{format_percent(abs(ch.rate))}"
                          f"{'（截断而非四舍五入）' if rule == 'N.truncated' else ''}。", ex, r, abs(ch.rate), r.value)


@narrative_check("table_percents")
def check_table_percents(ctx: Context) -> Iterator[Finding]:
    if ctx.book is None:
        return
    for ex, p in ctx.claims():
        if p.kind != "percent" or p.scope not in _TABLE_SCOPES:
            continue
        if p.relation == "completion":
            budget, actual = _nearest(ex, p, "预算"), _nearest(ex, p, "决算")
            if budget is None or actual is None:
                continue
            b = book_values(ctx.book, budget.key, "预算", budget.scope)
            a = book_values(ctx.book, actual.key, "决算", actual.scope)
        elif p.relation == "share":
            part = _part_of(ex, p)
            if part is None:
                continue
            whole = _whole_of(ctx, ex, p, part)
            a = book_values(ctx.book, part.key, part.role, part.scope)
            if whole is not None and whole is not part:
                b = book_values(ctx.book, whole.key, whole.role, whole.scope)
            elif whole is None and p.whole and find_key(p.whole) in ("本年支出合计", "本年收入合计"):
                # “占本年支出合计的…%” names a 收入支出决算总表 figure the text need not restate.
                b = book_values(ctx.book, find_key(p.whole), "决算", "T1")[:1]
            else:
                continue
        else:
            continue
        if not a or not b:
            continue
        av, bv = a[0][0], b[0][0]
        expected = completion_rate(av, bv) if p.relation == "completion" else share(av, bv)
        if expected is None:
            if p.relation == "completion":
                yield finding("N.zero_base", Severity.ERROR,
                              f"{b[0][1]}为0，不应计算完成预算百分比（应写“无年初预算”）。", ex, p, None, p.value)
            continue
        if p.value == expected:
            continue
        rule = "N.truncated" if _truncated(p, av, bv) else "N.table.percent"
        yield finding(rule, Severity.ERROR,
                      f"文中{p.written}，按公开表（{a[0][1]}{format_wan(av)}÷{b[0][1]}{format_wan(bv)}）应为"
                      f"{format_percent(expected)}{'（截断而非四舍五入）' if rule == 'N.truncated' else ''}。",
                      ex, p, expected, p.value)


# 整体支出绩效自评表 column of each text key (RULES.md §1; see samples.data on how PE is filled).
_PE_COLUMN = {
    "收入总计": "收入合计", "一般公共预算财政拨款收入": "公共财政拨款", "政府性基金收入": "政府基金拨款",
    "本年支出合计": "支出合计", "基本支出": "基本支出", "项目支出": "项目支出", "人员经费": "人员支出",
    "公用经费": "公用支出", "三公经费": "三公经费合计", "公务接待费": "公务接待费",
    "公务用车运行维护费": "公务用车运维费",
    "公务用车购置费": "公务用车购置费", "因公出国(境)费": "因公出国费",
}


def _pe_row(book: Book):
    pe = book.table("PE")
    if pe is None:
        return None, None
    row = pe.row(SUMMARY_UNIT)
    if row is None or not any(c.value is not None for c in row.values.values()):
        row = next((r for r in pe.rows.values() if any(c.value is not None for c in r.values.values())), None)
    return pe, row


@narrative_check("pe")
def check_pe(ctx: Context) -> Iterator[Finding]:
    if ctx.book is None:
        return
    pe, row = _pe_row(ctx.book)
    if row is None:
        return
    seen: set = set()
    for ex, c in ctx.claims():
        if c.kind not in ("amount", "none") or c.relation != "" or c.role != "决算" or c.key not in _PE_COLUMN:
            continue
        if c.scope in ("T4", "T5") and c.key in ("基本支出", "项目支出", "本年支出合计"):
            continue  # 一般公共预算 only; the form has the unit's whole spending
        col = _PE_COLUMN[c.key]
        cell = row.values.get(col)
        if cell is None:
            continue
        v = cell.value if cell.value is not None else Decimal(0)
        if c.kind == "none":
            if v != 0 and _emit_once(seen, (col, "none")):
                yield finding("N.pe", Severity.ERROR,
                              f"文中称“{c.written}”，而整体支出绩效自评表“{row.label}”{col}为{format_wan(v)}"
                              f"（{cell.ref}），收入来源说法矛盾。", ex, c, v, Decimal(0))
            continue
        if _matches(c, v) or not _emit_once(seen, (col, c.value)):
            continue
        n = sum(1 for _, o in ctx.claims() if o.key == c.key and o.kind == "amount" and o.relation == ""
                and o.role == "决算" and o.value == c.value)
        more = f"（文中共{n}处）" if n > 1 else ""
        yield finding("N.pe", Severity.ERROR,
                      f"文中“{c.key}”为{_wan(c)}{more}，整体支出绩效自评表“{row.label}”{col}为{format_wan(v)}"
                      f"（{cell.ref}）。", ex, c, v, c.value)


def _same_name(a: str, b: str) -> bool:
    a, b = re.sub(r"[为是:\s]", "", a), re.sub(r"[为是:\s]", "", b)
    return len(a) >= 4 and len(b) >= 4 and (a in b or b in a)


_PROJECT = re.compile(r"项目“([^”]{2,60})”实际支出")


@narrative_check("pp")
def check_pp(ctx: Context) -> Iterator[Finding]:
    if ctx.book is None:
        return
    forms = {getattr(t.fields.get("项目名称"), "raw", None): t for t in ctx.book.all("PP")}
    for ex in ctx.extractions:
        for s in ex.sentences:
            for m in _PROJECT.finditer(s.norm):
                pp = forms.get(m.group(1))
                amount = next((c for c in ex.in_sentence(s.id) if c.kind == "amount" and c.start >= s.start + m.end()),
                              None)
                spent = _cell(pp, "合计", "实际支出") if pp is not None else None
                if amount is not None and spent is not None and not _matches(amount, spent):
                    yield finding("N.pp", Severity.ERROR,
                                  f"文中项目“{m.group(1)}”实际支出{_wan(amount)}，项目支出绩效自评表为{format_wan(spent)}。",
                                  ex, amount, spent, amount.value)
    for pp in ctx.book.all("PP"):
        details = {k: r for k, r in pp.rows.items() if r.side == "明细" and k != "支出合计"}
        total = _cell(pp, "支出合计", "实际支出数")
        if total is None:
            total = _cell(pp, "合计", "实际支出")
        if total is None or not details:
            continue
        for g in ctx.groups:
            matched = sum(1 for p in g.parts if any(_same_name(p.subject, k) for k in details))
            if matched < 2:
                continue
            s = sum((p.value for p in g.parts), Decimal(0))
            if abs(s - total) > _tolerance(g.parts):
                yield finding("N.pp", Severity.ERROR,
                              f"文中所列项目支出明细{len(g.parts)}项合计{format_wan(s)}，项目支出绩效自评表"
                              f"“支出合计”为{format_wan(total)}，相差{format_wan(abs(total - s))}。",
                              g.ex, g.parts[0], total, s)


_SCORE = re.compile(r"(整体支出|项目支出|项目)?[^。]{0,20}?(?:综合)?得分(?:为)?\s*(\d+(?:\.\d+)?)\s*分"
                    r"(?:[^。]{0,8}?等次(?:为|:)?\s*(优秀|良好|中等|优|良|中|差))?")


@narrative_check("grade")
def check_grades(ctx: Context) -> Iterator[Finding]:
    for ex in ctx.extractions:
        for s in ex.sentences:
            for m in _SCORE.finditer(s.norm):
                score, word = Decimal(m.group(2)), m.group(3)
                try:
                    g = grade(score)
                except ValueError:
                    continue
                if word and word not in (g.short, g.long):
                    yield finding("N.grade", Severity.ERROR, f"得分{score}分对应等次为“{g.long}”，文中写作“{word}”。",
                                  ex, None, sentence=s.id)
                if ctx.book is None:
                    continue
                forms = ctx.book.all("PP" if m.group(1) in ("项目支出", "项目") else "PE")
                fields = [t.fields.get("绩效自评综合得分") for t in forms]
                values = [f.value for f in fields if f is not None and getattr(f, "value", None) is not None]
                if values and score not in values:
                    yield finding("N.grade", Severity.ERROR,
                                  f"文中得分{score}分，绩效自评表综合得分为{values[0]}分。", ex, None,
                                  values[0], score, sentence=s.id)


# -- entry point ------------------------------------------------------------------------------------
def check(documents: Document | list[Document], book: Book | None = None) -> list[Finding]:
    """Every finding on ``documents`` (checked together, as one disclosure) and, with ``book``,
    against its tables and 绩效自评 forms. Never raises on odd text."""
    docs = [documents] if isinstance(documents, Document) else list(documents)
    _STARTS.clear()
    year = book.year if book is not None else None
    ctx = Context([extract(d, year) for d in docs], book, year=year)
    for ex in ctx.extractions:
        ctx.groups.extend(build_groups(ex))
    out: list[Finding] = []
    for name, fn in CHECKS:
        try:
            out.extend(fn(ctx))
        except Exception as exc:  # a crashing check is a finding; the others still run
            out.append(Finding("N.crash", Severity.ERROR, f"检查“{name}”出错：{type(exc).__name__}: {exc}",
                               Location(file=docs[0].name if docs else ""), table=GROUP))
    order = {s: i for i, s in enumerate(Severity)}
    out.sort(key=lambda f: (docs.index(next(d for d in docs if d.name == f.location.file))
                            if any(d.name == f.location.file for d in docs) else 0,
                            f.location.line or 0, order[f.severity]))
    return out
