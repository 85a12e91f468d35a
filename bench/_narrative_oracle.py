"""An arithmetic oracle for the narrative mutation bench, independent of the product's code.

It reads the figures of a text with its own tokenizer (numbers with 万元/元/亿元/%) and lists the
arithmetic identities among them that hold at the precision written (a figure written
to k places is known to ±half a unit of its last place; a zero is exact):

- a **sum**: an amount equals the sum of a run of at least two later amounts (every first, second or
  third amount of its sentence; or the last amount before “其中:” ending a line and the amounts of
  the lines listed after it), two of them non-zero (a zero in the run is not evidence: the identity
  names the non-zero figures only);
- a **ratio**: a percentage equals a ÷ b, d ÷ (c − d), d ÷ (c + d) or (a − b) ÷ b of two amounts of
  its sentence or the sentence before (× 100, at the places written), the numerator not zero;
- a **difference**: an amount equals |a − b| of two earlier amounts of its sentence, not both zero;
- **shares to 100**: two or more consecutive percentages of one sentence add to 100.

An identity is taken to exist when it holds with the amounts read as written to the cent (a whole
“20万元” as 20.00: rounding tolerance makes chance identities among round numbers); percentages at
the places written. A mutation of one figure is *countable* when some identity the figure takes
part in exists in the text and no longer holds after the mutation even at the precision written
(“4.5万元” as 4.45 to 4.55): the text has become inconsistent. A mutation that
breaks no identity (a figure nothing else depends on, or a change within the rounding bound) leaves
the text consistent and is not counted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

_FIGURE = re.compile(r"(?<![\d.])(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s?(亿元|万元|元|%)")
_SCALE = {"亿元": Fraction(10000), "万元": Fraction(1), "元": Fraction(1, 10000), "%": Fraction(1)}


@dataclass(frozen=True)
class Figure:
    index: int
    value: Fraction
    half: Fraction  # at the places written
    strict: Fraction  # an amount read as written to the cent (万元 at 2 places, 元 to the 分)
    percent: bool
    line: int
    sentence: int
    start: int  # offset in the line
    end: int
    text: str  # the number as written (no unit)


def figures(text: str) -> list[Figure]:
    out = []
    sentence = 0
    for li, raw in enumerate(text.split("\n")):
        line = "".join(c if len(unicodedata.normalize("NFKC", c)) != 1 else unicodedata.normalize("NFKC", c)
                       for c in raw)
        ends = [m.end() for m in re.finditer(r"[。!?！？]", line)]
        for m in _FIGURE.finditer(line):
            number, unit = m.group(1), m.group(2)
            digits = number.replace(",", "")
            places = len(digits.split(".")[1]) if "." in digits else 0
            value = Fraction(digits) * _SCALE[unit]
            half = Fraction(0) if value == 0 and unit != "%" else Fraction(5, 10 ** (places + 1)) * _SCALE[unit]
            strict = min(half, Fraction(5, 1000) * _SCALE[unit]) if unit != "%" else half
            sid = sentence + sum(1 for e in ends if e <= m.start())
            out.append(Figure(len(out), value, half, strict, unit == "%", li, sid, m.start(),
                              m.start() + len(number), number))
        sentence += len(ends) + 1
    return out


def _meets(v: Fraction, h: Fraction, low: Fraction, high: Fraction) -> bool:
    return v + h >= low and v - h <= high


def _ratio_bounds(n: Fraction, nh: Fraction, d: Fraction, dh: Fraction) -> tuple[Fraction, Fraction] | None:
    if d - dh <= 0 or n + nh < 0:
        return None
    return max(n - nh, Fraction(0)) * 100 / (d + dh), (n + nh) * 100 / (d - dh)


def _list_lines(text: str) -> dict[int, int]:
    """Line → the line of the sentence ending in “其中:” whose list it continues."""
    out = {}
    lines = text.split("\n")
    head = None
    for li, raw in enumerate(lines):
        line = unicodedata.normalize("NFKC", raw).strip()
        if head is not None and line and not re.match(r"^[一二三四五六七八九十]+、|^\([一二三四五六七八九十]+\)", line):
            out[li] = head
        else:
            head = None
        if re.search(r"其中\s*:?\s*$|如下\s*:\s*$", line):
            head = li
    return out


def identities(text: str, figs: list[Figure] | None = None, strict: bool = True) -> set[tuple]:
    """Every identity that holds, as (kind, indices of the figures it involves): at the strict
    precision (fewer chance identities) or, with ``strict=False``, at the places written."""
    figs = figures(text) if figs is None else figs
    if not strict:
        figs = [Figure(f.index, f.value, f.half, f.half, f.percent, f.line, f.sentence, f.start, f.end, f.text)
                for f in figs]
    out: set[tuple] = set()
    by_sentence: dict[int, list[Figure]] = {}
    for f in figs:
        by_sentence.setdefault(f.sentence, []).append(f)
    lists = _list_lines(text)
    # A sentence ending in “其中:” with the lines listed after it.
    heads: dict[int, list[Figure]] = {}
    for f in figs:
        if f.line in lists:
            heads.setdefault(lists[f.line], []).append(f)
    for scope in by_sentence.values():
        _sums([f for f in scope if not f.percent], out)
        _shares(scope, out)
    # The list's total is the last amount before it.
    for head_line, items in heads.items():
        head = [f for f in figs if f.line == head_line and not f.percent]
        if head:
            _sums([head[-1], *(f for f in items if not f.percent)], out, first_only=True)
        _shares(items, out)
    for sid, scope in by_sentence.items():
        _differences([f for f in scope if not f.percent], out)
        prev = by_sentence.get(sid - 1, [])
        _ratios([f for f in scope if f.percent], [f for f in prev + scope if not f.percent], out)
    return out


def _sums(amounts: list[Figure], out: set, first_only: bool = False) -> None:
    """Zeros in a run are no evidence that they belong to it (0 adds nothing): an identity lists
    its non-zero figures only."""
    for i, t in enumerate(amounts[:1] if first_only else amounts):
        if t.value <= 0:
            continue
        for stride in (1, 2, 3):
            for first in range(i + 1, min(len(amounts), i + 1 + stride)):
                run = amounts[first::stride][:8]
                for n in range(2, len(run) + 1):
                    part = run[:n]
                    if sum(1 for p in part if p.value != 0) < 2:
                        continue
                    total = sum((p.value for p in part), Fraction(0))
                    tol = sum((p.strict for p in part), t.strict)
                    if abs(total - t.value) <= tol:
                        out.add(("sum", t.index, *(p.index for p in part if p.value != 0)))


def _differences(amounts: list[Figure], out: set) -> None:
    for k, d in enumerate(amounts):
        for a, b in combinations(amounts[:k], 2):
            if a.value == 0 and b.value == 0:
                continue
            if abs(abs(a.value - b.value) - d.value) <= a.strict + b.strict + d.strict:
                out.add(("difference", d.index, a.index, b.index))


def _ratios(percents: list[Figure], amounts: list[Figure], out: set) -> None:
    for p in percents:
        for a in amounts:
            for b in amounts:
                if a.index == b.index:
                    continue
                forms = (
                    ("a/b", a.value, a.strict, b.value, b.strict),
                    ("d/(c-d)", a.value, a.strict, b.value - a.value, b.strict + a.strict),
                    ("d/(c+d)", a.value, a.strict, b.value + a.value, b.strict + a.strict),
                    ("(a-b)/b", abs(a.value - b.value), a.strict + b.strict, b.value, b.strict),
                )
                for name, n, nh, d, dh in forms:
                    if n == 0:
                        continue  # 0% of anything: no evidence of which figures it relates
                    rng = _ratio_bounds(n, nh, d, dh)
                    if rng is not None and _meets(p.value, p.strict, *rng):
                        out.add(("ratio", p.index, a.index, b.index, name))


def _shares(scope: list[Figure], out: set) -> None:
    percents = [f for f in scope if f.percent]
    for i in range(len(percents)):
        for j in range(i + 2, len(percents) + 1):
            run = percents[i:j]
            if abs(sum((f.value for f in run), Fraction(0)) - 100) <= sum((f.strict for f in run), Fraction(0)):
                out.add(("shares", *(f.index for f in run)))


_CACHE: dict[str, set[tuple]] = {}


def countable(original: str, mutated: str, index: int) -> bool:
    """Whether mutating figure ``index`` (same figures, one number changed) broke an identity: one
    that holds in the original at the strict precision and fails in the mutated text even at the
    places written."""
    if original not in _CACHE:
        _CACHE.clear()
        _CACHE[original] = identities(original)
    before = {i for i in _CACHE[original] if index in i[1:]}
    if not before:
        return False
    after = identities(mutated, strict=False)
    return any(i not in after for i in before)
