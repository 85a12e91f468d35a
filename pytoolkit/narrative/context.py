"""Core layer (narrative): what the checks of a 情况说明 share — the context they run in (the
extractions, their binding, the book), the rule ids, how a finding is located (file, line and the
quoted sentence), and the tolerances of stated figures.

The checks themselves live in ``checks`` (within the text), ``book`` (against the tables and
绩效自评 forms) and ``years`` (against last year's book); each registers with ``narrative_check``
in the one registry of check functions (``pytoolkit.checking.CHECKS``, family "narrative") and
they run in registration order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction

from ..checking import CHECKS, BookContext
from ..findings import Finding, Location, Severity
from ..model import Book
from .binding import Binder, Group
from .claims import Claim, Extraction

GROUP = "N"  # the group of every narrative finding (Finding.group): shown under 情况说明

# Rule ids and their Chinese titles; ids are stable and never reused for another meaning.
RULES: dict[str, str] = {
    "N.sum": "分项之和应等于所述总数",
    "N.share": "占比应与所述金额相符",
    "N.share_total": "同一总体的各项占比之和应为100%",
    "N.completion": "完成预算百分比应与所述预算数、决算数相符",
    "N.completion_word": "完成预算百分比应与“决算数大于/小于/等于年初预算数”一致",
    "N.change": "增减额、增减率应与所述金额相符",
    "N.difference": "决算数与预算数的差额应与所述金额相符",
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

SANGONG = ("三公经费", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费",
           "公务接待费")
TABLE_SCOPES = ("T1", "T4", "T5", "T7", "T8", "T9", "")
# Keys that name no single table figure (a 专项 of several, a procurement total).
NOT_TABLE_KEYS = frozenset({"", "专项经费", "政府采购", "会议费", "培训费", "机关运行经费"})


# -- context ------------------------------------------------------------------------------------
class NarrativeContext(BookContext):
    """What a narrative check reads: the extractions of the texts (checked together, as one
    disclosure) and their binding, with the book (None for a text checked alone), its year and
    last year's book (``narrative check --previous``)."""

    def __init__(self, extractions: list[Extraction], book: Book | None = None, year: int | None = None,
                 previous: Book | None = None) -> None:
        super().__init__(book)
        self.extractions = extractions
        self.year = year
        self.previous = previous
        self.binder = Binder(extractions)

    @property
    def groups(self) -> list[Group]:
        return self.binder.groups

    def group_of(self, part: Claim) -> Group | None:
        return self.binder.group_of(part)

    def claims(self) -> Iterator[tuple[Extraction, Claim]]:
        for ex in self.extractions:
            for c in ex.claims:
                yield ex, c


def narrative_check(name: str, explanation: str, emits: Iterable[str]):
    """Register ``fn(ctx: NarrativeContext)`` as the narrative check ``name``: ``explanation`` is
    one Chinese line, ``emits`` the ids its findings carry."""
    return CHECKS.register(name, "narrative", explanation, emits)


def quote(ex: Extraction, c: Claim | None, sentence: int | None = None) -> tuple[int, str]:
    sid = c.sentence if c is not None else sentence
    s = ex.sentence(sid) if sid is not None else None
    if s is None:
        line = ex.doc.lines[c.line_index] if c is not None else ex.doc.lines[0]
        return line.number, line.text.strip()[:80]
    line = ex.doc.lines[s.line_index]
    text = line.original(s.start, s.end).strip()
    if len(text) > 80 and c is not None:
        a = max(s.start, c.start - 40)
        text = "…" + line.original(a, min(s.end, c.end + 30)).strip() + "…"
    return line.number, text


def finding(rule: str, severity: Severity, message: str, ex: Extraction, c: Claim | None,
            expected: Decimal | None = None, actual: Decimal | None = None, sentence: int | None = None) -> Finding:
    """A finding located at ``c`` (file, line and the quoted sentence)."""
    line, text = quote(ex, c, sentence)
    return Finding(rule, severity, message, Location(file=ex.doc.name, line=line, text=text), expected, actual,
                   group=GROUP)


# -- tolerances ---------------------------------------------------------------------------------
def bounds(num: Decimal, num_half: Decimal, den: Decimal, den_half: Decimal) -> tuple[Fraction, Fraction] | None:
    """The range of |num| / |den| × 100 when each is only known to ±its half unit; None
    when the denominator's interval holds 0."""
    if abs(den) <= den_half:
        return None
    n, d = abs(Fraction(num)), abs(Fraction(den))
    nh, dh = Fraction(num_half), Fraction(den_half)
    low = max(n - nh, Fraction(0)) * 100 / (d + dh)
    high = (n + nh) * 100 / (d - dh)
    return low, high


def consistent(stated: Claim, rng: tuple[Fraction, Fraction] | None) -> bool:
    """Some ratio in ``rng`` rounds half up, at the places written, to the stated percentage."""
    if rng is None:
        return True
    v, h = Fraction(stated.value), Fraction(stated.half)
    return v + h > rng[0] and v - h <= rng[1]


def truncated(stated: Claim, exact: Fraction) -> bool:
    """The figure is the exact ratio of the written figures cut off (not rounded) at the places
    written (percentages are rounded half up)."""
    scale = 10 ** stated.places
    cut = Fraction(math.trunc(abs(exact) * scale), scale)
    rounded = Fraction(math.floor(abs(exact) * scale + Fraction(1, 2)), scale)
    return Fraction(stated.value) == cut and cut != rounded


def tolerance(claims: Iterable[Claim]) -> Decimal:
    # n rounded addends may differ from their rounded total by up to n half units of the last place.
    return sum((c.half for c in claims), Decimal(0))


def rate_after(ex: Extraction, d: Claim) -> Claim | None:
    claims = ex.in_sentence(d.sentence)
    i = next((k for k, c in enumerate(claims) if c is d), None)
    if i is None or i + 1 >= len(claims):
        return None
    nxt = claims[i + 1]
    if nxt.kind == "percent" and nxt.relation == "rate" and nxt.segment == d.segment:
        return nxt
    return None


_SCORE = re.compile(r"(整体支出|项目支出|项目)?[^。]{0,20}?(?:综合)?得分(?:为)?\s*(\d+(?:\.\d+)?)\s*分"
                    r"(?:[^。]{0,8}?等次(?:为|:)?\s*(优秀|良好|中等|优|良|中|差))?")


def scores(ex: Extraction) -> Iterator[tuple[int, re.Match[str]]]:
    for s in ex.sentences:
        for m in _SCORE.finditer(s.norm):
            yield s.id, m
