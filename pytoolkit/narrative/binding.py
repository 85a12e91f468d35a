"""Core layer (narrative): bind every derived figure of a 情况说明 to the figures it comes from.

A percentage or a difference is only checkable once it is known what it was computed from. The
binding reads that from the sentence's structure, never from mere adjacency:

- **groups**: a total and its parts — the total a “其中” list hangs on (in the same sentence, or
  stated in the sentence before “其中…”), a bracketed breakdown (“基本支出307.55万元(工资福利支出
  256.23万元、…)”), a list introduced by “主要用于以下方面:”, a list on the lines after “其中:”.
  Parts take the role of their total unless their own clause names one (“年初预算为…”).
- **readings** of a stated percentage, difference or change: which operands it is a ratio or
  difference of. A share's whole is the whole it names (“占“三公”经费的”, “占基本支出预算”), else
  the total of its group, else the sum of its group's parts when the shares of the group add to
  100; a completion rate is 决算 ÷ 预算 of its sentence (a 决算 given as “预算数 + 决算数大于预算数
  的差额” counts); a rate of change is the change ÷ (本年 − change), or (本年 − 上年) ÷ 上年 when
  上年 is stated.

A reading is **certain** when the structure leaves one way to read the figure (its operands stand in
the same sentence, named or in its group); otherwise it is one of several plausible readings. A
check reports an error only when a certain reading fails; when only uncertain readings exist and
none of them holds, it asks the accountant to verify (核实) — an ambiguous binding never gives an
error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..metrics import format_wan
from .claims import Claim, Extraction, Sentence, find_key
from .text import heading, sub_heading


@dataclass(frozen=True)
class Operand:
    """One side of a ratio or difference: a stated figure, or one derived from stated figures."""

    value: Decimal
    half: Decimal  # rounding bound of the value, in 万元 (or per cent)
    claims: tuple[Claim, ...]  # the stated figures it is made of
    label: str  # how a message names it (“4.50万元”, “4.70万元+0.35万元”)

    @classmethod
    def of(cls, c: Claim) -> Operand:
        return cls(c.value, c.half, (c,), wan(c))


def wan(c: Claim) -> str:
    """A stated amount as written, with its 万元 value when it was written in another unit."""
    if c.unit == "万元" and not c.implied:
        return c.written
    text = f"{c.value.normalize():f}"
    if c.implied:
        return f"{text}万元"
    return f"{c.written}（{text}万元）"


@dataclass
class Group:
    """A stated total and its parts (“其中…”, a bracketed breakdown, a list)."""

    ex: Extraction
    total: Claim | None
    parts: list[Claim]
    role: str
    topic: str = ""  # words before the colon of a list with no total of its own
    certain: bool = True  # one list in its sentence: the parts are the parts of this total


@dataclass(frozen=True)
class Reading:
    """One way to read a stated derived figure: ``stated`` = f(numerator, denominator)."""

    stated: Claim
    relation: str  # share | completion | rate | change | difference
    numerator: Operand
    denominator: Operand
    certain: bool
    what: str = ""  # how a message names the figure (“占比”, “完成预算百分比”, “增减率”)


_QIZHONG = re.compile(r"其中|:")
# A colon after these words opens reasons or measures, not a list of parts.
_NOT_A_LIST = re.compile(r"原因|理由|措施|因素|做法|主要是|备注|注|说明|情况如下|要求|目标|职责|职能")


def _lists(text: str) -> list[int]:
    """Offsets where a list of parts starts (at bracket depth 0): “其中”, “主要用于以下方面:”,
    “具体的项目资金实际使用情况为:”; not a colon after “主要原因”."""
    out = []
    for m in _QIZHONG.finditer(text):
        before = text[:m.start()]
        if before.count("(") - before.count(")") > 0:
            continue
        if m.group(0) == ":":
            if out and out[-1] >= m.start() - 3:
                continue  # the colon of “其中:”
            if _NOT_A_LIST.search(before[-12:]):
                continue
        out.append(m.start())
    return out


_ORDINAL = re.compile(r"\s*(?:(?P<arabic>\d{1,2}\s*[、.])|(?P<paren>\(\d{1,2}\))"
                      r"|(?P<chinese>[一二三四五六七八九十]+、))")


def _levels(claims: list[Claim]) -> list[Claim]:
    return [c for c in claims if c.is_level and not c.each]


class Binder:
    """Groups and readings of every claim of the documents checked together."""

    def __init__(self, extractions: list[Extraction]):
        self.extractions = extractions
        self.groups: list[Group] = []
        for ex in extractions:
            self.groups.extend(_build_groups(ex))
        self._group_of: dict[int, Group] = {}
        for g in self.groups:
            for p in g.parts:
                self._group_of.setdefault(id(p), g)
        self._shares: dict[int, list[Claim]] = {}

    # -- structure ---------------------------------------------------------------------------
    def group_of(self, part: Claim) -> Group | None:
        """The group ``part`` is listed in (by identity: equal figures are not one)."""
        return self._group_of.get(id(part))

    def share_of(self, ex: Extraction, part: Claim) -> Claim | None:
        """The percentage stated right after ``part`` in its clause chain (“…3.10万元，占25.0%”)."""
        claims = ex.in_sentence(part.sentence)
        i = next((k for k, c in enumerate(claims) if c is part), None)
        if i is None:
            return None
        for c in claims[i + 1:]:
            if c.kind == "percent" and c.relation == "share" and c.segment == part.segment:
                return c if part_of(ex, c) is part else None
            if c.is_level and c.depth <= part.depth:
                return None
        return None

    # -- readings ----------------------------------------------------------------------------
    def readings(self, ex: Extraction, c: Claim) -> list[Reading]:
        if c.each:
            return []
        if c.kind == "percent":
            if c.relation == "share":
                return self._share(ex, c)
            if c.relation == "completion":
                return self._completion(ex, c)
            if c.relation == "rate":
                return self._rate(ex, c)
        elif c.kind == "amount":
            if c.relation == "difference":
                return self._difference(ex, c)
            if c.relation == "change":
                return self._change(ex, c)
        return []

    def _share(self, ex: Extraction, p: Claim) -> list[Reading]:
        part = part_of(ex, p)
        if part is None:
            return []
        num = Operand.of(part)
        g = self.group_of(part)
        named = p.whole if p.whole not in ("", "其", "总额", "总数", "比", "全部") else ""
        key = find_key(named) if named else ""
        if named and not key:
            return []
        out: list[Reading] = []
        if key:
            if g is not None and g.total is not None and g.total.key == key:
                return [Reading(p, "share", num, Operand.of(g.total), g.certain, "占比")]
            role = "预算" if "预算" in named else part.role
            found = _named_wholes(ex, p, part, key, role)
            if not found:
                return []
            same_sentence = [w for w in found if w.sentence == p.sentence]
            if same_sentence:
                return [Reading(p, "share", num, Operand.of(same_sentence[0]), True, "占比")]
            values = {w.value for w in found}
            certain = len(values) == 1
            seen: set[Decimal] = set()
            for w in found:
                if w.value not in seen:
                    seen.add(w.value)
                    out.append(Reading(p, "share", num, Operand.of(w), certain, "占比"))
            return out[:3]
        if g is not None and g.total is not None:
            return [Reading(p, "share", num, Operand.of(g.total), g.certain, "占比")]
        if g is not None and g.total is None and len(g.parts) >= 2:
            shares = [self.share_of(ex, q) for q in g.parts]
            if all(s is not None for s in shares):
                total = sum((s.value for s in shares), Decimal(0))
                tol = sum((s.half for s in shares), Decimal(0))
                whole = Operand(sum((q.value for q in g.parts), Decimal(0)), sum((q.half for q in g.parts),
                                Decimal(0)), tuple(g.parts), "（" + "＋".join(wan(q) for q in g.parts) + "）")
                return [Reading(p, "share", num, whole, abs(total - 100) <= tol, "占比")]
        # No structure: the first amount of the sentence is the likeliest whole, or the subject the
        # sentence opens with (““三公”经费财政拨款支出决算中,公务接待费支出决算4.5万元,占100%”).
        firsts = [c for c in _levels(ex.in_sentence(p.sentence)) if c.depth == 0 and c.end <= part.start
                  and c.role == part.role]
        if firsts and firsts[0] is not part:
            return [Reading(p, "share", num, Operand.of(firsts[0]), False, "占比")]
        s = ex.sentence(p.sentence)
        opening = s.norm[:max(0, part.start - s.start)] if s is not None else ""
        opening = opening[:opening.find(",")] if "," in opening else ""
        topic = find_key(opening, generic=False) if opening else ""
        if topic and topic != part.key:
            wholes = _named_wholes(ex, p, part, topic, part.role)
            if len({w.value for w in wholes}) == 1:
                return [Reading(p, "share", num, Operand.of(wholes[0]), False, "占比")]
        return []

    def _completion(self, ex: Extraction, p: Claim) -> list[Reading]:
        claims = ex.in_sentence(p.sentence)
        before = [c for c in claims if c.end <= p.start]
        budget = _nearest(before, lambda c: c.is_level and c.role == "预算" and not c.each)
        actual = _nearest(before, lambda c: c.is_level and c.role == "决算" and not c.each)
        diffs = [c for c in claims if c.kind == "amount" and c.relation == "difference" and not c.each
                 and c.base == "预算"]
        what = "完成预算百分比"
        if budget is not None and actual is not None:
            certain = not (budget.key and actual.key and budget.key != actual.key
                           and budget.key.split(":")[0] == actual.key.split(":")[0] and not _weak(budget.key)
                           and not _weak(actual.key))
            return [Reading(p, "completion", Operand.of(actual), Operand.of(budget), certain, what)]
        if diffs and (budget is not None or actual is not None):
            d = diffs[0]
            signs = [1] if d.direction == "增加" else [-1] if d.direction == "减少" else [1, -1]
            out = []
            for sign in signs:
                if budget is not None:
                    a = Operand(budget.value + sign * d.value, budget.half + d.half, (budget, d),
                                f"（{wan(budget)}{'+' if sign > 0 else '−'}{wan(d)}）")
                    out.append(Reading(p, "completion", a, Operand.of(budget), len(signs) == 1, what))
                else:
                    b = Operand(actual.value - sign * d.value, actual.half + d.half, (actual, d),
                                f"（{wan(actual)}{'−' if sign > 0 else '+'}{wan(d)}）")
                    out.append(Reading(p, "completion", Operand.of(actual), b, len(signs) == 1, what))
            return out
        return []

    def _rate(self, ex: Extraction, p: Claim) -> list[Reading]:
        claims = ex.in_sentence(p.sentence)
        before = [c for c in claims if c.end <= p.start and c.segment == p.segment]
        d = None
        for c in reversed(before):
            if c.kind == "percent":
                break
            if c.kind == "amount" and c.relation == "change" and not c.each:
                d = c
                break
        what = "增减率"
        if d is None:
            current = _nearest(before, lambda c: c.is_level and c.role != "上年" and not c.each)
            prior = _nearest(before, lambda c: c.is_level and c.role == "上年" and not c.each)
            if current is None or prior is None or current.key != prior.key:
                return []
            diff = Operand(current.value - prior.value, current.half + prior.half, (current, prior),
                           f"（{wan(current)}−{wan(prior)}）")
            return [Reading(p, "rate", _abs(diff), Operand.of(prior), True, what)]
        stated_prior = _nearest([c for c in before if c.end <= d.start],
                                lambda c: c.is_level and c.role == ("预算" if d.base == "预算" else "上年")
                                and not c.each)
        if stated_prior is not None:
            return [Reading(p, "rate", Operand.of(d), Operand.of(stated_prior), True, what)]
        current, certain = self.current_for(ex, d)
        if current is None:
            return []
        signed = d.value if d.direction == "增加" else -d.value
        prior = Operand(current.value - signed, current.half + d.half, (current, d),
                        f"（{wan(current)}{'−' if signed >= 0 else '+'}{wan(d)}）")
        return [Reading(p, "rate", Operand.of(d), prior, certain, what)]

    def _change(self, ex: Extraction, d: Claim) -> list[Reading]:
        """A change with its prior stated (“较上年2.08减少0.03万元”): 本年 − 上年 = ±change."""
        claims = ex.in_sentence(d.sentence)
        before = [c for c in claims if c.end <= d.start and c.segment == d.segment]
        role = "预算" if d.base == "预算" else "上年"
        prior = _nearest(before, lambda c: c.is_level and c.role == role and not c.each)
        if prior is None:
            return []
        current = _nearest([c for c in before if c.end <= prior.start],
                           lambda c: c.is_level and c.role != role and not c.each)
        if current is None:
            return []
        return [Reading(d, "change", Operand.of(current), Operand.of(prior), True, "增减额")]

    def _difference(self, ex: Extraction, d: Claim) -> list[Reading]:
        """决算 − 预算 stated as “差值为…” or “决算数大于预算数…”."""
        claims = ex.in_sentence(d.sentence)
        before = [c for c in claims if c.end <= d.start]
        seg = [c for c in before if c.segment == d.segment]
        budget = _nearest(seg, lambda c: c.is_level and c.role == "预算" and not c.each)
        actual = _nearest(seg, lambda c: c.is_level and c.role == "决算" and not c.each)
        certain = True
        if budget is None or actual is None:
            budget = budget or _nearest(before, lambda c: c.is_level and c.role == "预算" and not c.each)
            actual = actual or _nearest(before, lambda c: c.is_level and c.role == "决算" and not c.each)
            certain = False
        if budget is None or actual is None:
            return []
        if budget.key and actual.key and budget.key != actual.key and not (_weak(budget.key) or _weak(actual.key)):
            certain = False
        return [Reading(d, "difference", Operand.of(actual), Operand.of(budget), certain, "决算数与预算数的差额")]

    def current_for(self, ex: Extraction, d: Claim) -> tuple[Claim | None, bool]:
        """The level a change is measured from (本年 of “比上年增加…”), and whether that is certain:
        the nearest level of the same subject in its sentence, else of any subject in its list
        item, else the same subject earlier on its line, else (三公, whose figures recur across the
        情况说明 and the 绩效自评报告) the one 决算 of that subject in the documents."""
        role = "预算" if d.base == "预算" else "上年"
        cands = [a for a in ex.in_sentence(d.sentence) if a.end <= d.start and a.is_level and a.role != role
                 and a.role != "上年" and not a.each]
        if d.key:
            same_key = [a for a in cands if a.key == d.key]
            if same_key:
                return same_key[-1], True
        same_seg = [a for a in cands if a.segment == d.segment]
        if same_seg and (not d.key or not same_seg[-1].key or _weak(same_seg[-1].key) or _weak(d.key)):
            return same_seg[-1], True
        if cands and not d.key:
            return cands[-1], False
        if not d.key:
            return None, False
        same_line = [a for a in ex.claims if a.line_index == d.line_index and a.start < d.start and a.key == d.key
                     and a.is_level and a.role == "决算" and not a.each]
        if same_line:
            return same_line[-1], True
        if d.key in _SANGONG:
            found = {a.value: a for e in [ex, *(x for x in self.extractions if x is not ex)] for a in e.claims
                     if a.key == d.key and a.is_level and a.role == "决算" and not a.each
                     and a.scope in ("T7", "T1", "")}
            if len(found) == 1:
                return next(iter(found.values())), False
        return None, False


_SANGONG = ("三公经费", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费",
            "公务接待费")


def _weak(key: str) -> bool:
    return key in ("本年支出合计", "本年收入合计", "财政拨款支出", "一般公共预算财政拨款支出", "财政拨款收入")


def _abs(o: Operand) -> Operand:
    return o if o.value >= 0 else Operand(-o.value, o.half, o.claims, o.label)


def _nearest(claims: list[Claim], want) -> Claim | None:
    for c in reversed(claims):
        if want(c):
            return c
    return None


def part_of(ex: Extraction, p: Claim) -> Claim | None:
    """The amount a share is the share of: the nearest level amount before it in its list item."""
    for c in reversed(ex.in_sentence(p.sentence)):
        if c.end > p.start:
            continue
        if c.segment != p.segment:
            return None
        if c.is_level and c.depth <= p.depth:
            return None if c.each else c
    return None


def _named_wholes(ex: Extraction, p: Claim, part: Claim, key: str, role: str) -> list[Claim]:
    """Stated amounts of ``key`` before ``p``: the same sentence first, then backwards."""
    out = []
    for c in reversed(ex.claims):
        if c.line_index > p.line_index or (c.sentence == p.sentence and c.end > p.start):
            continue
        if c is part or not c.is_level or c.each or c.key != key or c.role != role:
            continue
        out.append(c)
    out.sort(key=lambda c: (c.sentence != p.sentence, c.section != p.section))
    return out


# -- groups ----------------------------------------------------------------------------------------
def _build_groups(ex: Extraction) -> list[Group]:
    groups: list[Group] = []
    prev: Sentence | None = None
    for s in ex.sentences:
        claims = ex.in_sentence(s.id)
        levels = _levels(claims)
        # Bracketed breakdowns: “基本支出307.55万元(工资福利支出256.23万元、…)”.
        for i, a in enumerate(levels):
            inner = []
            for b in levels[i + 1:]:
                if b.depth == a.depth + 1:
                    inner.append(b)
                elif b.depth <= a.depth:
                    break
            if len(inner) >= 2 and s.norm[a.end - s.start:].lstrip().startswith("("):
                groups.append(Group(ex, a, inner, a.role))
        starts = _lists(s.norm)
        # Lists that list figures (“主要包括:基本工资、津贴补贴…” lists none).
        productive = sum(1 for k, pos in enumerate(starts)
                         if any(s.start + pos < a.start < (s.start + starts[k + 1] if k + 1 < len(starts) else s.end)
                                and a.depth == 0 for a in levels) or not s.norm[pos:].strip(" :其中,"))
        for k, pos in enumerate(starts):
            at = s.start + pos
            stop = s.start + starts[k + 1] if k + 1 < len(starts) else s.end
            before = [a for a in levels if a.end <= at and a.depth == 0]
            after = [a for a in levels if at < a.start < stop and a.depth == 0]
            tail = s.norm[pos:].strip(" :其中,")
            head = s.norm[:pos].strip(" ,")
            if not before and len(head) <= 2 and prev is not None and k == 0:
                # “…实际支出22.62万元。其中公务接待费…”: the whole stated in the sentence before,
                # when it states one figure of each role.
                before = [a for a in _levels(ex.in_sentence(prev.id)) if a.depth == 0]
                if len({a.role for a in before}) != len(before):
                    before = []
            if not tail:
                after = _following_items(ex, s)
            topic = head if not before else ""
            certain = productive <= 1
            for role, parts in _by_role(after, before).items():
                totals = [a for a in before if a.role == role]
                total = totals[-1] if totals else None
                if total is None and not topic:
                    continue
                groups.append(Group(ex, total, parts, role, topic, certain))
        prev = s
    return groups


def _by_role(parts: list[Claim], totals: list[Claim]) -> dict[str, list[Claim]]:
    """Parts by role; a part whose clause names no role is a 决算 figure, or takes the role of its
    totals when they all have one other role (“预算总计21.8万元,其中:…公务接待11.8万元”)."""
    roles = {t.role for t in totals}
    inherit = roles.pop() if len(roles) == 1 else "决算"
    out: dict[str, list[Claim]] = {}
    for p in parts:
        role = p.role if p.explicit_role else inherit
        out.setdefault(role, []).append(p)
    return out


def _following_items(ex: Extraction, s: Sentence) -> list[Claim]:
    """Parts listed on the lines after a line ending in “其中：”: the first figure per role of each."""
    out: list[Claim] = []
    li = s.line_index + 1
    lines = ex.doc.lines
    # A total on a numbered line (“1. 基本支出…其中:”) lists its parts up to the next number.
    own = _ORDINAL.match(lines[s.line_index].norm)
    by_line: dict[int, list[Claim]] = {}
    for c in ex.claims:
        if c.line_index > s.line_index:
            by_line.setdefault(c.line_index, []).append(c)
    while li < len(lines):
        line = lines[li]
        if heading(line.text) or sub_heading(line.text):
            break
        m = _ORDINAL.match(line.norm)
        if own and m and m.lastgroup == own.lastgroup:
            break
        if li not in ex.items:
            seen: set[str] = set()
            for c in by_line.get(li, []):
                if c.is_level and c.depth == 0 and not c.each and c.role not in seen:
                    seen.add(c.role)
                    out.append(c)
        li += 1
    return out


def describe(o: Operand) -> str:
    return o.label or format_wan(o.value)

