"""Core layer (narrative): bind every derived figure of a 情况说明 to the figures it comes from.

A percentage or a difference is only checkable once it is known what it was computed from. The
binding reads that from the sentence's structure, never from mere adjacency:

- **groups**: a total and its parts — the total a “其中” list hangs on (in the same sentence, or
  stated in the sentence before “其中…”/“分项情况是:”), a bracketed breakdown (“基本支出307.55万元
  (工资福利支出256.23万元、…)”), a list introduced by “主要用于以下方面:”, a list on the lines after
  “其中:”. Parts take the role of their total unless their own clause names one (“年初预算为…”).
  A list nested in another (“…;公务用车…1618万元,其中:购置费414万元,…;运行费1204万元,…”) ends
  where the sums of both lists hold. The changes of a list's items against 上年 (or 预算) form a
  group of their own (role “change”) whose total is the change of the list's total; items that
  each state a share with no total stated form a group whose whole is their sum.
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

    @property
    def strict_half(self) -> Decimal:
        """The rounding bound when figures written with fewer places are read at 2 (“4.5万元” as
        4.50): the sum of its figures' bounds, as ``half`` is."""
        return sum((c.strict_half for c in self.claims), Decimal(0))


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
    role: str  # 决算 | 预算 | 上年, or “change”: the total's change and the items' changes
    topic: str = ""  # words before the colon of a list with no total of its own
    certain: bool = True  # one list in its sentence: the parts are the parts of this total
    closed: bool = True  # the list ends where it is read to end (a shortfall is worth a 核实)

    @property
    def of_changes(self) -> bool:
        return self.role == "change"


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
_NOT_A_LIST = re.compile(r"原因|理由|措施|因素|做法|主要是|备注|注|说明|要求|目标|职责|职能|内容")


def list_starts(text: str) -> list[int]:
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
        if c.each and not (c.pair and c.relation in ("rate", "share")):
            return []
        if c.kind == "percent":
            if c.relation == "share" and c.pair:
                return self._parallel_share(ex, c)
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
        stated = _nearest([c for c in ex.in_sentence(p.sentence) if part.end <= c.start and c.end <= p.start],
                          lambda c: c.kind == "amount" and c.relation == "whole")
        if stated is not None:
            return [Reading(p, "share", num, Operand.of(stated), True, "占比")]
        g = self.group_of(part)
        named = p.whole if p.whole not in ("", "其", "总额", "总数", "比", "全部") else ""
        key = find_key(named) if named else ""
        if named and not key:
            # A whole with no known name (“占政府采购预算的”): the figure whose own words are that
            # name (“2023年政府采购预算17000元”), uncertain.
            name = re.sub(r"\s|总", "", named)  # “占授予中小企业合同总金额的”: “…合同金额为1.3亿元”
            if len(name) < 3:
                return []
            found = {c.value: c for c in reversed(ex.claims) if c.is_level and not c.each and c is not part
                     and c.line_index <= p.line_index and name in re.sub(r"\s|总", "", c.subject)}
            return [Reading(p, "share", num, Operand.of(w), False, "占比") for w in list(found.values())[:3]]
        out: list[Reading] = []
        if key:
            role = "预算" if "预算" in named else part.role
            found = _named_wholes(ex, p, part, key, role)
            if g is not None and g.total is not None and g.total.key == key:
                # The list's total names the whole; another figure of that name in the sentence
                # (“政府采购支出总额33509.75万元,其中授予中小企业…32407.19万元,…,其中授予小微企业
                # …,占政府采购支出总额的8.2%”) is a second reading.
                others = {w.value: w for w in found if w.sentence == p.sentence and w.value != g.total.value}
                certain = g.certain and not others
                return [Reading(p, "share", num, Operand.of(w), certain, "占比")
                        for w in [g.total, *list(others.values())[:2]]]
            certain_possible = True
            if not found:
                # The whole stated further on, or under the other role (a budget document that
                # writes “基本支出预算” in one place and “基本支出” in another).
                found = (_named_wholes(ex, p, part, key, role, later=True) or _named_wholes(ex, p, part, key, None)
                         or _named_wholes(ex, p, part, key, None, later=True))
                certain_possible = False
            if not found:
                return []
            same_sentence = [w for w in found if w.sentence == p.sentence]
            if same_sentence and certain_possible:
                return [Reading(p, "share", num, Operand.of(same_sentence[0]), True, "占比")]
            values = {w.value for w in found}
            certain = len(values) == 1 and certain_possible
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
        if firsts and firsts[0] is not part and self.share_of(ex, firsts[0]) is None:
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

    def parallel_parts(self, ex: Extraction, p: Claim) -> tuple[list[Claim], Claim | None, bool]:
        """For a share in a list of shares (“…分别为0.72亿元、0.02亿元和0.59亿元，占全市政府采购规模
        比例为54.54%、1.51%和44.69%”): the amounts listed alike before it in its sentence, the whole
        they are parts of, and whether that whole is certain — a level stated before the lists (in
        the sentence or the one before) that the listed amounts add up to. Without such a level the
        first level before the lists in the sentence is a plausible whole."""
        n = p.pair[2]
        before = [c for c in ex.in_sentence(p.sentence) if c.end <= p.start]
        head = _nearest(before, lambda c: c.kind == "amount" and c.relation == "" and c.pair and c.pair[2] == n
                        and c.pair[1] == 0)
        if head is None:
            return [], None, False
        parts = [c for c in before if c.pair and c.pair[0] == head.pair[0]]
        total = sum((c.value for c in parts), Decimal(0))
        tol = sum((c.half for c in parts), Decimal(0))
        levels = [c for c in before if c.end <= head.start and c.is_level and not c.each and c.depth == 0]
        line = ex.sentence(p.sentence).line_index
        for sid in range(p.sentence - 1, max(-1, p.sentence - 5), -1):
            # “…规模为1.32亿元。其中,货物、工程、服务…。从组织形式看,…分别为0.54亿元、…”: the whole
            # stated once, a few sentences before, in the paragraph.
            prev = ex.sentence(sid)
            if prev is None or prev.line_index != line:
                break
            levels = [c for c in _levels(ex.in_sentence(prev.id)) if c.depth == 0] + levels
        for w in reversed(levels):
            if abs(total - w.value) <= tol + w.half:
                return parts, w, True
        name = re.sub(r"\s|总|的$", "", p.whole)
        named = [c for c in levels if len(name) >= 3 and name in re.sub(r"\s|总", "", c.subject)]
        own = [c for c in levels if c.sentence == p.sentence]
        return parts, (named or own or [None])[-1], False

    def _parallel_share(self, ex: Extraction, p: Claim) -> list[Reading]:
        parts, whole, certain = self.parallel_parts(ex, p)
        k = p.pair[1]
        if whole is None or k >= len(parts) or whole.value <= 0:
            return []
        return [Reading(p, "share", Operand.of(parts[k]), Operand.of(whole), certain, "占比")]

    def _completion(self, ex: Extraction, p: Claim) -> list[Reading]:
        claims = ex.in_sentence(p.sentence)
        # The figures of a completion rate stand in its own chain of clauses: after the previous
        # completion rate of the sentence (“…完成预算的26.46%，其中：公务用车…决算为2.64万元，
        # 完成预算的28.15%” does not state the 公务用车 budget).
        before = [c for c in claims if c.end <= p.start]
        last = _nearest(before, lambda c: c.kind == "percent" and c.relation == "completion")
        if last is not None:
            before = [c for c in before if c.start > last.end]
        budget = _nearest(before, lambda c: c.is_level and c.role == "预算" and not c.each)
        actual = _nearest(before, lambda c: c.is_level and c.role == "决算" and not c.each)
        nxt = next((c for c in claims if c.start > p.end and c.kind == "percent" and c.relation == "completion"),
                   None)
        diffs = [c for c in claims if c.kind == "amount" and c.relation == "difference" and not c.each
                 and c.base == "预算" and (last is None or c.start > last.end) and (nxt is None or c.end < nxt.start)]
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
                                f"（{wan(budget)}{'＋' if sign > 0 else '－'}{wan(d)}）")
                    out.append(Reading(p, "completion", a, Operand.of(budget), len(signs) == 1, what))
                else:
                    b = Operand(actual.value - sign * d.value, actual.half + d.half, (actual, d),
                                f"（{wan(actual)}{'－' if sign > 0 else '＋'}{wan(d)}）")
                    out.append(Reading(p, "completion", Operand.of(actual), b, len(signs) == 1, what))
            return out
        return []

    def _parallel_rate(self, ex: Extraction, p: Claim) -> list[Reading]:
        """“收、支总计各是4125.49,4143.91万元。…各减少1267.86,2570.97万元，各下降23.51%、38.28%”:
        the k-th rate is the k-th change over the k-th level less that change."""
        _, k, n = p.pair
        claims = ex.in_sentence(p.sentence)
        d = _nearest([c for c in claims if c.end <= p.start],
                     lambda c: c.pair and c.pair[2] == n and c.relation == "change" and c.pair[1] == k)
        if d is None:
            return []
        current = None
        for sid in range(p.sentence, max(-1, p.sentence - 3), -1):
            current = _nearest([c for c in ex.in_sentence(sid) if c.end <= d.start or c.sentence != d.sentence],
                               lambda c: c.pair and c.pair[2] == n and c.is_level and c.pair[1] == k)
            if current is not None:
                break
        if current is None:
            return []
        signed = d.value if d.direction == "增加" else -d.value
        prior = Operand(current.value - signed, current.half + d.half, (current, d),
                        f"（{wan(current)}{'－' if signed >= 0 else '＋'}{wan(d)}）")
        return [Reading(p, "rate", Operand.of(d), prior, True, "增减率")]

    def _rate(self, ex: Extraction, p: Claim) -> list[Reading]:
        if p.pair:
            return self._parallel_rate(ex, p)
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
                           f"（{wan(current)}－{wan(prior)}）")
            return [Reading(p, "rate", _abs(diff), Operand.of(prior), True, what)]
        stated_prior = _nearest([c for c in before if c.end <= d.start],
                                lambda c: c.is_level and c.role == ("预算" if d.base == "预算" else "上年")
                                and not c.each)
        if stated_prior is not None:
            return [Reading(p, "rate", Operand.of(d), Operand.of(stated_prior), True, what)]
        current, certain = self.current_for(ex, d)
        if current is None:
            return []
        currents = [current]
        if d.key_from != "clause":
            # “…,其中:基本支出预算488180.64元,项目支出预算36849227元,同比增加27125219.46元,增长265.6%”:
            # a change whose clause names no subject may be of any level before it in its sentence.
            others = [a for a in claims if a.end <= d.start and a.is_level and not a.each and a.depth == 0
                      and a.role == current.role and a.value != current.value]
            if others:
                certain = False
                currents += list({a.value: a for a in reversed(others)}.values())[:4]
        signed = d.value if d.direction == "增加" else -d.value
        out = []
        for c in currents:
            prior = Operand(c.value - signed, c.half + d.half, (c, d),
                            f"（{wan(c)}{'－' if signed >= 0 else '＋'}{wan(d)}）")
            out.append(Reading(p, "rate", Operand.of(d), prior, certain, what))
        return out

    def _change(self, ex: Extraction, d: Claim) -> list[Reading]:
        """A change with its prior stated (“较上年2.08减少0.03万元”): 本年 − 上年 = ±change."""
        claims = ex.in_sentence(d.sentence)
        before = [c for c in claims if c.end <= d.start and c.segment == d.segment]
        role = "预算" if d.base == "预算" else "上年"
        prior = _nearest(before, lambda c: c.is_level and c.role == role and not c.each)
        if prior is None:
            if not any(c.is_level for c in ex.in_sentence(d.sentence)) and d.key and not _weak(d.key):
                return self._change_stated_before(ex, d, role)
            return []
        current = _nearest([c for c in before if c is not prior],
                           lambda c: c.is_level and c.role not in (role, "上年") and not c.each)
        if current is None:
            return []
        return [Reading(d, "change", Operand.of(current), Operand.of(prior), True, "增减额")]

    def _change_stated_before(self, ex: Extraction, d: Claim, role: str) -> list[Reading]:
        """“2022年的“三公”经费决算数合计为1000.86万…。2021年的三公经费决算数合计为807.95万…。2022年
        “三公”经费决算数相较于上年增加275.76万元”: a change stated on its own, its subject's 本年 and
        上年 stated in the lines just before it (one of each). Only a plausible reading: the text may
        mean a narrower figure of that name."""
        near = [c for c in ex.claims if c.sentence < d.sentence and d.line_index - 2 <= c.line_index
                and c.section == d.section and c.key == d.key and c.is_level and not c.each and c.depth == 0
                and not CHANGE_VERB.search(c.subject)]
        priors = {c.value for c in near if c.role == role}
        currents = {c.value for c in near if c.role == "决算"}
        if len(priors) != 1 or len(currents) != 1 or role == "决算":
            return []
        prior = next(c for c in near if c.role == role)
        current = next(c for c in near if c.role == "决算")
        return [Reading(d, "change", Operand.of(current), Operand.of(prior), False, "增减额")]

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
        # 本年 is the 决算 of the subject, or its budget when the change compares budgets (“预算数比
        # 2017年预算数减少0.06万元”, a budget document).
        want = "预算" if d.explicit_role and d.role == "预算" and d.base != "预算" else "决算"
        if any(a.role == want for a in cands):
            cands = [a for a in cands if a.role == want]
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
                     and a.is_level and a.role == "决算" and not a.each and not CHANGE_VERB.search(a.subject)]
        if same_line:
            return same_line[-1], True
        if d.key in _SANGONG:
            found = {a.value: a for e in [ex, *(x for x in self.extractions if x is not ex)] for a in e.claims
                     if a.key == d.key and a.is_level and a.role == want and not a.each and a.depth == 0
                     and a.scope in ("T7", "T1", "")}
            if len(found) == 1:
                return next(iter(found.values())), False
        return None, False


# “减少了“三公”经费342.74万元”: an amount its own clause calls a change, not the level of its subject.
CHANGE_VERB = re.compile(r"增加|减少|增长|下降|节约|压减|缩减|降低|上升")
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
    """The amount a share is the share of: the nearest level amount before it in its list item,
    with no other share between them (in “…0.8万元,占0.06%,事业收入0,占0%” the second share's
    amount was not read as a figure; it is not the first share's amount)."""
    for c in reversed(ex.in_sentence(p.sentence)):
        if c.end > p.start:
            continue
        if c.segment != p.segment:
            return None
        if c.kind == "percent" and c.relation == "share":
            return None
        if c.is_level and c.depth <= p.depth:
            return None if c.each else c
    return None


def _named_wholes(ex: Extraction, p: Claim, part: Claim, key: str, role: str | None,
                  later: bool = False) -> list[Claim]:
    """Stated amounts of ``key`` (of ``role``, any role for None) before ``p`` — the same sentence
    first, then backwards — or, with ``later``, after it."""
    out = []
    for c in reversed(ex.claims):
        after = c.sentence > p.sentence or (c.sentence == p.sentence and c.start > p.end)
        if after != later:
            continue
        if c is part or not c.is_level or c.each or c.key != key or (role is not None and c.role != role):
            continue
        if (later or role is None) and c.value < part.value:
            continue  # a guessed whole is not smaller than its part
        out.append(c)
    out.sort(key=lambda c: (c.sentence != p.sentence, c.section != p.section, abs(c.sentence - p.sentence)))
    return out


# -- groups ----------------------------------------------------------------------------------------
def _close(a: Decimal, b: Decimal, parts: list[Claim], total: Claim) -> bool:
    return abs(a - b) <= sum((p.half for p in parts), Decimal(0)) + total.half


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
        starts = list_starts(s.norm)
        # “…占基本支出的83.31%，主要包括：基本工资、津贴补贴…；公用经费…”: a colon that lists no
        # figure in its own item opens no list of parts.
        starts = [pos for pos in starts if s.norm.startswith("其中", pos) or not s.norm[pos:].strip(" :。")
                  or any(s.start + pos < a.start < s.start + (s.norm.find(";", pos) % (len(s.norm) + 1))
                         for a in levels)]
        spans = []
        for k, pos in enumerate(starts):
            at = s.start + pos
            stop = s.start + starts[k + 1] if k + 1 < len(starts) else s.end
            before = [a for a in levels if a.end <= at and a.depth == 0]
            after = [a for a in levels if at < a.start < stop and a.depth == 0]
            tail = s.norm[pos:].strip(" :其中,")
            head = s.norm[:pos].strip(" ,")
            if not before and k == 0 and prev is not None and (len(head) <= 2 or not find_key(head, generic=False)):
                # “…实际支出22.62万元。其中公务接待费…”, “…决算总额2771万元,…。分项情况是:…”: the whole
                # stated in the sentence before, when it states one figure of each role.
                before = [a for a in _levels(ex.in_sentence(prev.id)) if a.depth == 0]
                if len({a.role for a in before}) != len(before):
                    before = []
            closed = True
            if not tail:
                after = _following_items(ex, s)
            else:
                closed = _closed(ex, s)
            spans.append((at, before, after, head, closed))
        productive = [sp for sp in spans if sp[2]]
        if len(spans) == 2 and spans[0][2] and _nested(ex, s, groups, spans, levels):
            pass
        else:
            for _at, before, after, head, closed in spans:
                topic = head if not before else ""
                for role, parts in _by_role(after, before).items():
                    totals = [a for a in before if a.role == role]
                    total = totals[-1] if totals else None
                    mislabelled = False
                    if total is None and before and len({a.role for a in before}) == 1 \
                            and before[-1].role not in _by_role(after, before):
                        # ““三公”经费预算54万元,其中:因公出国(境)费支出决算0万元;…”: parts that name
                        # another role than their only total are still its parts, plausibly.
                        total, mislabelled = before[-1], True
                    if total is None and not topic:
                        continue
                    if total is not None:
                        kept = _same_budget(total, parts)
                        if not kept:
                            continue
                        closed = closed or len(kept) < len(parts)  # the list ends where another budget starts
                        parts = kept
                    groups.append(Group(ex, total, parts, role, topic, len(productive) <= 1 and not mislabelled,
                                        closed))
            if len(productive) <= 1:
                for span in spans:
                    groups.extend(_change_groups(ex, s, span[0]))
        if s.norm.rstrip().endswith(":"):
            g = _following_changes(ex, s)
            if g is not None:
                groups.append(g)
        if not any(g.ex is ex and g.total is not None and any(p.sentence == s.id for p in g.parts) for g in groups):
            g = _share_list(ex, s, levels)
            if g is not None:
                groups.append(g)
        prev = s
    return groups


def _closed(ex: Extraction, s: Sentence) -> bool:
    """Whether a list ends with its sentence: the next sentence of the line does not go on
    listing (“其中:因公出国(境)费为0万元,…。公务接待费为1.81万元,…” goes on)."""
    nxt = ex.sentence(s.id + 1)
    if nxt is None or nxt.line_index != s.line_index:
        return True
    first = nxt.norm.split(",")[0]
    return not any(c.is_level and c.end <= nxt.start + len(first) for c in ex.in_sentence(nxt.id))


def _nested(ex: Extraction, s: Sentence, groups: list[Group], spans: list, levels: list[Claim]) -> bool:
    """Two lists in one sentence, the second hanging on a part of the first (“…;公务用车购置及运行
    费决算1618万元,…,其中:公务用车购置费决算414万元,…;公务用车运行费决算1204万元,…”, or “…;公务接待
    费201.25万元,其中:国内公务接待4032批次,…;公务用车…382.58万元”): the second list holds the parts of
    its own item and maybe some of the items after it; where it ends is read from the sums. Adds the
    groups of each role when some extent makes both sums hold; otherwise the closest, as uncertain
    groups."""
    (_, before1, after1, _, closed1), (at2, _, _, _, _) = spans
    item_end = s.norm.find(";", at2 - s.start)
    item_end = s.start + (item_end if item_end >= 0 else len(s.norm))
    later = [a for a in levels if a.start > at2 and a.depth == 0]
    found = False
    for role, outer_all in _by_role(after1 + later, before1).items():
        totals = [a for a in before1 if a.role == role]
        inner_total = _nearest([a for a in outer_all if a.end <= at2], lambda a: True)
        if not totals or inner_total is None:
            continue
        outer_items = [a for a in outer_all if a.end <= at2]
        inner_items = [a for a in outer_all if a.start > at2]
        least = sum(1 for a in inner_items if a.start < item_end)
        outer_total = totals[-1]
        best = None
        for m in range(least, len(inner_items) + 1):
            inner, outer = inner_items[:m], outer_items + inner_items[m:]
            err = abs(sum((p.value for p in outer), Decimal(0)) - outer_total.value)
            both = _close(sum((p.value for p in outer), Decimal(0)), outer_total.value, outer, outer_total)
            if inner:
                err += abs(sum((p.value for p in inner), Decimal(0)) - inner_total.value)
                both = both and _close(sum((p.value for p in inner), Decimal(0)), inner_total.value, inner,
                                       inner_total)
            if best is None or (both, -err) > (best[0], -best[1]):
                best = (both, err, inner, outer)
        if best is None:
            continue
        both, _, inner, outer = best
        groups.append(Group(ex, outer_total, outer, role, "", both, closed1))
        if inner:
            groups.append(Group(ex, inner_total, inner, role, "", both, True))
        found = True
    return found


def _change_groups(ex: Extraction, s: Sentence, at: int) -> list[Group]:
    """“…决算数比2024年度减少19.66万元，下降86.61%，其中：因公出国（境）费…持平；公务用车…减少
    20.06万元…；公务接待费…增加0.40万元…”: the changes of the items add up to the change of the
    total. Each “;”-item of the list states one change against 上年 (and one against 预算, a second
    group), or none with 持平/无变化/“无…”; a group with the total change as ``total`` and the items'
    changes as parts."""
    claims = ex.in_sentence(s.id)
    groups = []
    for base in ("上年", "预算"):
        def is_total(c: Claim, base: str = base) -> bool:
            return c.kind == "amount" and c.relation == "change" and c.base == base and not c.each and c.depth == 0

        total = _nearest([c for c in claims if c.end <= at], is_total)
        if total is None and not s.norm[:at - s.start].strip(" ,"):
            # “经比较,…较上年减少2.97万元,…,较年初预算数减少0.36万元。主要是…。其中:…”: a sentence that
            # opens with its list hangs on the changes of the sentence before (or the one before that)
            # on its line.
            for sid in range(s.id - 1, max(-1, s.id - 3), -1):
                prev = ex.sentence(sid)
                if prev is None or prev.line_index != s.line_index:
                    break
                total = _nearest(ex.in_sentence(sid), is_total)
                if total is not None or any(c.kind == "amount" for c in ex.in_sentence(sid)):
                    break
        if total is None:
            continue
        items = s.norm[at - s.start:].split(";")
        parts: list[Claim] = []
        offset = at
        for item in items:
            changes = [c for c in claims if offset <= c.start < offset + len(item) and c.kind == "amount"
                       and c.relation == "change" and c.base == base and c.depth == 0 and not c.each]
            if len(changes) == 1:
                parts.append(changes[0])
            elif changes or not re.search(r"持平|无变化|没有变化|相同|无增减|^\W*(?:其中)?\W*无", item):
                parts = []
                break
            offset += len(item) + 1
        if parts and len(items) >= 2:
            groups.append(Group(ex, total, parts, "change", "", True, True))
    return groups


def _following_changes(ex: Extraction, s: Sentence) -> Group | None:
    """“基本支出预算较上年增17.1万元,增幅17.18%。主要变动原因如下:” and one numbered line per item
    (“1.工资福利支出较上年增18.67万元,…”): the items' changes add up to the total change."""
    claims = ex.in_sentence(s.id)
    prev = ex.in_sentence(s.id - 1) if s.id else []
    total = _nearest([c for c in (claims or []) if c.end < s.end] or
                     [c for c in prev if ex.sentences[s.id - 1].line_index == s.line_index],
                     lambda c: c.kind == "amount" and c.relation == "change" and c.base == "上年" and not c.each)
    if total is None:
        return None
    parts: list[Claim] = []
    own = _ORDINAL.match(ex.doc.lines[s.line_index].norm)
    style = None
    for li in range(s.line_index + 1, len(ex.doc.lines)):
        line = ex.doc.lines[li]
        if heading(line.text) or sub_heading(line.text):
            break
        m = _ORDINAL.match(line.norm)
        if own and m and m.lastgroup == own.lastgroup:
            break  # the next item of the list the total stands in
        kind = m.lastgroup if m else ""
        if style is None:
            style = kind
        if kind != style:
            break
        first = next((c for c in ex.claims if c.line_index == li and c.kind == "amount" and c.relation == "change"
                      and c.base == "上年" and not c.each), None)
        if first is None:
            return None
        parts.append(first)
    if len(parts) < 2:
        return None
    return Group(ex, total, parts, "change", "", True, True)


def _share_list(ex: Extraction, s: Sentence, levels: list[Claim]) -> Group | None:
    """“因公出国(境)费12.02万元,占19.4%;公务用车…27.46万元,占44.2%;公务接待费…22.59万元,占36.4%”
    with no total in the sentence: the items, each with its share, are the parts of one whole."""
    claims = ex.in_sentence(s.id)
    parts = []
    for a in levels:
        if a.depth != 0:
            continue
        share = next((c for c in claims if c.start > a.end and c.segment == a.segment), None)
        if share is not None and share.kind == "percent" and share.relation == "share" and not share.whole \
                and part_of(ex, share) is a:
            parts.append(a)
    if len(parts) < 2 or len({p.role for p in parts}) != 1:
        return None
    return Group(ex, None, parts, parts[0].role, "", True, True)


_BUDGETS = {"一般公共预算财政拨款收入": "一般公共预算", "一般公共预算财政拨款支出": "一般公共预算",
            "政府性基金收入": "政府性基金", "政府性基金支出": "政府性基金", "国资收入": "国有资本经营",
            "国资支出": "国有资本经营"}


def _same_budget(total: Claim, parts: list[Claim]) -> list[Claim]:
    """The parts of a total of one of the three budgets up to the first figure of another budget:
    in “一般公共预算收入…316580万元,…,其中:税收收入…;非税收入…;政府性基金预算收入1616万元;国有资本
    经营收入1868万元” the list of 一般公共预算 ends before 政府性基金 (the budgets are disjoint)."""
    own = _BUDGETS.get(total.key)
    if own is None:
        return parts
    for i, p in enumerate(parts):
        other = _BUDGETS.get(p.key)
        if other is not None and other != own:
            return parts[:i]
    return parts


def _by_role(parts: list[Claim], totals: list[Claim]) -> dict[str, list[Claim]]:
    """Parts by role; a part whose clause names no role is a 决算 figure, or takes the role of its
    totals when they all have one other role (“预算总计21.8万元,其中:…公务接待11.8万元”), last year's
    figure they are compared with aside."""
    roles = {t.role for t in totals}
    if len(roles) > 1:
        roles.discard("上年")  # “预算总额为1969万元,较2024年的2190万元减少…,其中:”: last year's is compared with
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
    # A total on a numbered line (“1. 基本支出…其中:”) lists its parts up to the next number; the
    # parts' own numbering (“1、…”) is kept to, and lines numbered otherwise are their sub-items.
    own = _ORDINAL.match(lines[s.line_index].norm)
    style = ""
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
        if m and not style:
            style = m.lastgroup or ""
        if style and m and m.lastgroup != style:
            li += 1
            continue
        if li not in ex.items:
            seen: set[str] = set()
            for c in by_line.get(li, []):
                if c.is_level and c.depth == 0 and not c.each and c.role not in seen:
                    seen.add(c.role)
                    out.append(c)
        li += 1
    return out
