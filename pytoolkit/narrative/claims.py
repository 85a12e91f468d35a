"""Core layer (narrative): extract the figures a 情况说明 states, each with what it is about.

A claim is one written figure: an amount (万元/元/亿元, converted to 万元), a percentage, a count
(批次/人次/辆/个…) or a statement that something did not happen (“未发生政府性基金…收入支出”).
Each carries its relation (占 → share, 完成年初预算的 → completion, 增长/下降 → rate, 比上年增加
… → change), its direction word, its role (预算 / 决算 / 上年), a subject key (本年收入合计,
基本支出, 公务接待费, 功能类 201 …) and where it stands (line, sentence, bracket depth, section).

The text is tokenised with regular expressions on a character-by-character NFKC form (full-width
digits and punctuation become ASCII, offsets are kept); numbers are read by ``metrics.to_decimal``
and ``metrics.to_percent``. Nothing is evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import ValueParseError
from ..metrics import to_decimal, to_percent
from ..tables import codes
from .text import Document, heading, sub_heading

AMOUNT_UNITS = ("亿元", "万元", "元")
COUNT_UNITS = ("批次", "人次", "台(套)", "辆", "个", "人", "次", "台", "套", "项", "件", "条", "家", "户", "名")
_UNITS = "|".join(re.escape(u) for u in (*AMOUNT_UNITS, "%", "‰", *COUNT_UNITS))
# Thousands separators only in groups of three (1,348 but not 12,34); a comma followed by other
# digits is the clause comma of the text (“93批次,1348人次”).
_NUMBER = re.compile(
    rf"(?<![\d.])(-?)((?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)\s?({_UNITS})"
)
_SENTENCE_END = re.compile(r"[。!?！？]")
_CLAUSE_DELIMS = ",;:()、"
_CONDITION = re.compile(r"[≧≥≤≦<>~]\s*$|不低于\s*$|不高于\s*$|不少于\s*$|以上\s*$")
_COMPLETION = re.compile(
    r"(?:(?:完成|执行)了?(?:年初|全年|调整后?)?(?:预算|计划)(?:数)?的?(?:比例)?|(?:预算)?执行率|完成率)"
    r"(?:为|达到?|是)?$"
)
_RATE = re.compile(
    r"(增长|增加|上升|提高|增幅|增长率|下降|减少|降低|降幅|下降率|减幅|节约)了?(?:为|达到?|是)?了?$"
)
_CHANGE = re.compile(r"(增加|增长|上升|提高|多|减少|下降|降低|节约|节省|少|超支)了?(?:为)?$")
_COMPARISON = re.compile(r"(?:比|较|与|同比|对比)")
_INCREASE_WORDS = ("增长", "增加", "上升", "提高", "增幅", "增长率", "多", "超支")
_NONE = re.compile(
    r"(?:未发生|无|没有)(政府性基金|国有资本经营)(?:预算)?(?:财政)?(?:拨款)?(?:收入|支出|收支|收入支出|收入、支出)"
)
_ITEM = re.compile(r"^\s*\d{1,2}\s*[、.]\s*(.*)$")
_LEVEL_MARK = re.compile(r"\((类|款|项)\)")


def levels_of(body: str) -> list[tuple[str, str]]:
    """(name, level) pairs of “一般公共服务支出(类)政府办公厅(室)及相关机构事务(款)…(项)”."""
    out, last = [], 0
    for m in _LEVEL_MARK.finditer(body):
        out.append((body[last:m.start()].strip(), m.group(1)))
        last = m.end()
    return out


def _specific_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Subject keys and how the text names them, most specific first within each family."""
    pairs = [
        ("收支总计", r"收、?支总计|收支总计"),
        ("收入总计", r"收入总计"),
        ("支出总计", r"支出总计"),
        ("一般公共预算财政拨款收入", r"一般公共预算(?:财政)?拨款收入|一般公共预算收入"),
        ("政府性基金收入", r"政府性基金(?:预算)?(?:财政)?拨款收入|政府性基金收入"),
        ("财政拨款收入", r"财政拨款收入"),
        ("上级补助收入", r"上级补助收入"),
        ("事业收入", r"事业收入"),
        ("经营收入", r"经营收入"),
        ("附属单位上缴收入", r"附属单位上缴收入"),
        ("其他收入", r"其他收入"),
        ("本年收入合计", r"总收入|收入合计|本年收入|年度收入"),
        ("一般公共预算财政拨款支出", r"一般公共预算(?:财政)?拨款支出|一般公共预算支出"),
        ("政府性基金支出", r"政府性基金(?:预算)?(?:财政)?拨款支出|政府性基金支出"),
        ("财政拨款支出", r"财政拨款支出"),
        ("上缴上级支出", r"上缴上级支出"),
        ("经营支出", r"经营支出"),
        ("对附属单位补助支出", r"对附属单位补助支出"),
        ("基本支出", r"基本支出|其本支出"),
        ("项目支出", r"项目支出"),
        ("专项经费", r"专项经费|专项资金|项目资金|项目经费"),
        ("人员经费", r"人员经费|人员支出"),
        ("公用经费", r"公用经费|公用支出"),
        ("工资福利支出", r"工资福利支出"),
        ("商品和服务支出", r"商品和服务支出"),
        ("对个人和家庭的补助", r"对个人和家庭的?补助"),
        ("资本性支出", r"资本性支出"),
        ("三公经费", r"三公\W{0,2}经费"),
        ("因公出国(境)费", r"因公出国\(?境?\)?(?:费|经费)"),
        ("公务用车购置及运行维护费", r"公务用车购置(?:费)?及运行(?:维护)?费"),
        ("公务用车购置费", r"公务用车购置(?:费)?"),
        ("公务用车运行维护费", r"公务用车运行(?:维护)?费|公务用车运维费"),
        ("公务接待费", r"公务接待(?:费)?"),
        ("机关运行经费", r"机关运行经费"),
        ("会议费", r"会议费"),
        ("培训费", r"培训费"),
        ("政府采购", r"政府采购(?:支出)?总额"),
        ("本年支出合计", r"总支出|支出合计|本年支出|年度支出"),
        ("年初结转和结余", r"年初(?:财政拨款)?结转和?结余"),
        ("年末结转和结余", r"年末(?:财政拨款)?结转和?结余"),
    ]
    out = [(key, re.compile(p)) for key, p in pairs]
    for code, entry in codes.FUNCTION_CODES.items():
        if len(code) != 3:
            continue
        names = {entry} if isinstance(entry, str) else {n for _, n in entry}
        alts = "|".join(re.escape(n).replace("和", "[和与]") for n in sorted(names, key=len, reverse=True))
        out.append((f"class:{code}", re.compile(alts)))
    return out


SPECIFIC = _specific_patterns()
_GENERIC = (
    ("本年收入合计", re.compile(r"收入(?:决算)?(?:数)?(?:为|是|共计|合计|总额)?$")),
    ("本年支出合计", re.compile(r"支出(?:决算)?(?:数)?(?:为|是|共计|合计|总额)?$")),
)
_SHARE_MASK = re.compile(r"占[^,;:。%]*?(?:的|比例|比重)")


@dataclass(frozen=True)
class Sentence:
    id: int
    line_index: int
    start: int  # offset in the line
    end: int
    norm: str  # normalised text of the sentence


@dataclass(frozen=True)
class Claim:
    kind: str  # amount | percent | count | none
    value: Decimal  # 万元 for amounts, per cent for percentages
    written: str  # as written in the text ("846.77万元")
    unit: str
    half: Decimal  # half unit of the written precision, in the value's unit
    line_index: int
    line: int  # source line number
    start: int  # offsets in the line
    end: int
    sentence: int
    depth: int  # bracket depth inside the sentence
    relation: str = ""  # amount: "" | change; percent: share | completion | rate | other
    direction: str = ""  # 增加 | 减少 | ""
    role: str = "决算"  # 决算 | 预算 | 上年
    base: str = ""  # change: 上年 | 预算
    key: str = ""
    subject: str = ""  # the clause before the figure
    whole: str = ""  # share: the whole as named after 占
    section: str = ""
    scope: str = ""
    item: str = ""  # 功能分类 项 code (or item label) from a numbered item heading above

    @property
    def is_amount(self) -> bool:
        return self.kind == "amount"


@dataclass
class Extraction:
    doc: Document
    sentences: list[Sentence] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    items: dict[int, tuple[str, str]] = field(default_factory=dict)  # line index → (item key, label)
    year: int | None = None
    _by_sentence: dict[int, list[Claim]] | None = field(default=None, repr=False)
    _indexed: int = field(default=-1, repr=False)

    def in_sentence(self, sid: int) -> list[Claim]:
        if self._by_sentence is None or self._indexed != len(self.claims):
            self._by_sentence = {}
            for c in self.claims:
                self._by_sentence.setdefault(c.sentence, []).append(c)
            self._indexed = len(self.claims)
        return self._by_sentence.get(sid, [])


def _half(number: str, unit: str) -> Decimal:
    """Half the last written place, in 万元 or per cent; 万元 and % count as 2 places at least
    (RULES §4: published to 2 decimals; “98万元” is 98.00 with its zeros dropped)."""
    places = len(number.split(".")[1]) if "." in number else 0
    if unit == "元":
        return Decimal(5).scaleb(-places - 5)
    if unit == "亿元":
        return Decimal(5).scaleb(3 - places)
    if unit in ("万元", "%"):
        return Decimal(5).scaleb(-max(places, 2) - 1)
    return Decimal(0)


_WINDOW = 160


def _depths(text: str) -> list[int]:
    """Bracket depth before each offset of ``text`` (unbalanced closers are ignored)."""
    out, depth = [], 0
    for ch in text:
        out.append(depth)
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
    out.append(depth)
    return out


def _clause(prefix: str) -> str:
    cut = max(prefix.rfind(d) for d in _CLAUSE_DELIMS)
    return prefix[cut + 1:].strip()


# Names of a whole that yield to a more particular name in the same clause: in
# “三公经费财政拨款支出预算为4.7万元” the figure is about 三公经费.
_WEAK = frozenset({"本年支出合计", "本年收入合计", "财政拨款支出", "一般公共预算财政拨款支出", "财政拨款收入"})


def _best(text: str) -> str:
    found: list[tuple[int, int, str]] = []
    for key, pattern in SPECIFIC:
        found.extend((m.start(), m.end(), key) for m in pattern.finditer(text))
    if not found:
        return ""
    strong = [f for f in found if f[2] not in _WEAK]
    pool = strong or found
    last = max(pool, key=lambda f: (f[1], f[1] - f[0]))
    # Of overlapping names the one starting first is the whole name: 基本支出合计 is 基本支出.
    overlapping = [f for f in pool if f[0] < last[1] and f[1] > last[0]]
    return min(overlapping, key=lambda f: (f[0], -f[1]))[2]


def find_key(prefix: str, generic: bool = True) -> str:
    """The subject key of a figure from the sentence text before it: a name in its own clause,
    else the nearest name in its ;-segment or sentence, else a bare 收入/支出 ending the clause."""
    masked = _SHARE_MASK.sub(lambda m: " " * len(m.group(0)), prefix)
    segment = masked[masked.rfind(";") + 1:]
    for text in (_clause(masked), segment, masked):
        key = _best(text)
        if key:
            return key
    if not generic:
        return ""
    clause = _clause(prefix)
    for key, pattern in _GENERIC:
        if pattern.search(clause):
            return key
    return ""


def _role(clause: str) -> str:
    clause = re.sub(r"(?:一般公共|政府性基金|国有资本经营|基金)预算|预算绩效|预算管理|预算单位", "", clause)
    if "上年" in clause or "去年" in clause:
        return "上年"
    b, a = clause.rfind("预算"), clause.rfind("决算")
    return "预算" if b >= 0 and b > a else "决算"


def item_heading(text: str, year: int | None) -> tuple[str, str] | None:
    """A numbered 功能分类 item line (“1、一般公共服务支出(类)…行政运行(项)”): (key, label)."""
    m = _ITEM.match(text)
    if not m or _NUMBER.search(text):
        return None
    body = m.group(1)
    levels = levels_of(body)
    if not levels:
        return None
    names = [n.strip() for n, _ in levels]
    tail = body[body.rfind(")") + 1:].strip()
    if tail and levels[-1][1] != "项":
        names.append(tail)  # “…(款)机关事业单位基本养老保险缴费支出” without its (项)
    code = resolve_item(names, year)
    return (f"item:{code}" if code else f"label:{names[-1]}", body)


def resolve_item(names: list[str], year: int | None) -> str | None:
    """The 7-digit code whose 项 name is the last name and whose parents match the others."""
    y = year or 2019
    want = names[-1]
    candidates = [c for c in codes.FUNCTION_CODES if len(c) == 7 and codes.function_name(c, y) == want]
    if len(candidates) == 1:
        return candidates[0]
    for c in candidates:
        if any(codes.function_name(c[:5], y) == n for n in names[:-1]):
            return c
    return candidates[0] if candidates else None


def _year(doc: Document) -> int | None:
    m = re.search(r"(20\d\d)\s*年度", "\n".join(line.norm for line in doc.lines[:200]))
    return int(m.group(1)) if m else None


def extract(doc: Document, year: int | None = None) -> Extraction:
    """Every figure of ``doc`` as a Claim; never raises on odd text."""
    ex = Extraction(doc, year=year or _year(doc))
    sid = 0
    item: tuple[str, str] | None = None
    section, scope = "", ""
    sec_index = 0
    for li, line in enumerate(doc.lines):
        while sec_index < len(doc.sections) and doc.sections[sec_index].first <= li:
            section, scope = doc.sections[sec_index].ordinal, doc.sections[sec_index].scope
            sec_index += 1
            item = None
        norm = line.norm
        if heading(line.text) or sub_heading(line.text):
            item = None
        found = item_heading(norm, ex.year)
        if found:
            item = found
            ex.items[li] = found
            continue
        start = 0
        for m in list(_SENTENCE_END.finditer(norm)) + [None]:
            end = m.end() if m else len(norm)
            if end > start and norm[start:end].strip():
                ex.sentences.append(Sentence(sid, li, start, end, norm[start:end]))
                _claims_of(ex, sid, li, line.number, norm, start, end, section, scope, item)
                sid += 1
            start = end
    return ex


def _claims_of(ex: Extraction, sid: int, li: int, number: int, norm: str, s0: int, s1: int,
               section: str, scope: str, item: tuple[str, str] | None) -> None:
    text = norm[s0:s1]
    if scope in ("T8", "T9"):
        scope = "T9" if "国有资本经营" in text else "T8"
    for m in _NONE.finditer(text):
        for key in (("政府性基金收入", "政府性基金支出") if m.group(1) == "政府性基金" else ("国资收入", "国资支出")):
            ex.claims.append(Claim("none", Decimal(0), m.group(0), "", Decimal(0), li, number, s0 + m.start(),
                                   s0 + m.end(), sid, 0, key=key, subject=m.group(0), section=section,
                                   scope=scope))
    depth_at = _depths(text)
    for m in _NUMBER.finditer(text):
        sign, digits, unit = m.groups()
        # What names a figure stands shortly before it; a bounded window keeps long texts linear.
        prefix = text[max(0, m.start() - _WINDOW): m.start()]
        if _CONDITION.search(prefix):
            continue
        raw = digits.replace(",", "")
        try:
            if unit in AMOUNT_UNITS:
                kind = "amount"
                value = to_decimal(f"{sign}{raw}{unit}")
            elif unit in ("%", "‰"):
                kind = "percent"
                value = to_percent(f"{sign}{raw}")
                if unit == "‰" and value is not None:
                    value = value / 10
            else:
                kind = "count"
                value = Decimal(raw)
        except (ValueParseError, ArithmeticError):
            continue
        if value is None:
            continue
        clause = _clause(prefix)
        relation = direction = base = whole = ""
        if kind == "percent":
            stripped = clause.rstrip()
            if "占" in clause:
                relation = "share"
                whole = clause[clause.rfind("占") + 1:]
                whole = re.sub(r"(?:的|比例|比重|比)?(?:为|是|达)?$", "", whole).strip()
            elif _COMPLETION.search(stripped):
                relation = "completion"
            elif r := _RATE.search(stripped):
                relation = "rate"
                direction = "增加" if r.group(1) in _INCREASE_WORDS else "减少"
            else:
                relation = "other"
        elif kind == "amount":
            c = _CHANGE.search(clause.rstrip())
            if c and _COMPARISON.search(prefix):
                relation = "change"
                direction = "增加" if c.group(1) in _INCREASE_WORDS else "减少"
                cmp_at = max(prefix.rfind(w) for w in ("比", "较", "与", "相比", "同比"))
                phrase = prefix[cmp_at:]
                base = "预算" if "预算" in phrase and "上年" not in phrase else "上年"
        key = find_key(prefix, generic=False)
        if not key and item and kind == "amount":
            key = item[0]
        if not key and scope not in ("X", "PE"):
            key = find_key(prefix)
        if not key and kind in ("amount", "percent") and relation in ("change", "rate"):
            for c in reversed(ex.claims[-50:]):
                if c.line_index == li and c.key:
                    key = c.key
                    break
        ex.claims.append(Claim(
            kind, value, m.group(0), unit, _half(raw, unit), li, number, s0 + m.start(), s0 + m.end(), sid,
            depth_at[m.start()], relation, direction, _role(clause) if kind == "amount" else "", base, key,
            clause, whole, section, scope, item[0] if item else "",
        ))
