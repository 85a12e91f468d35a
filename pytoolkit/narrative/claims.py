"""Core layer (narrative): extract the figures a 情况说明 states, each with what it is about.

A claim is one written figure: an amount (万元/元/亿元, converted to 万元), a percentage, a count
(批次/人次/辆/个…) or a statement that something did not happen (“未发生政府性基金…收入支出”).
Each carries

- its **role**: 决算 (what was spent or received), 预算 (年初预算数) or 上年 (上年决算数), read from
  the words of its own clause (“年初预算为”, “支出决算为”, “上年”, a year before the report's);
- its **relation**: an amount is a level (“”), a change against 上年 or 预算 (“比上年增加”, with
  its direction) or a difference of 决算 and 预算 (“差值为”, “决算数大于预算数”); a percentage is a
  share (“占…”), a completion rate (“完成年初预算的”), a rate of change (“增长”, “下降”) or other;
- its **subject** key (本年收入合计, 基本支出, 公务接待费, 功能类 201 …): a name in its own clause,
  else in its list item (the “;”-segment), else in its sentence; a name inside “占…的” is the
  whole of a share, never the subject of a later figure;
- where it stands: line, sentence, “;”-segment, bracket depth, section and 功能分类 item.

Which figures a percentage or a difference is computed from is decided later, from the sentence's
structure (``binding``). The text is tokenised with regular expressions on a character-by-character
NFKC form (full-width digits and punctuation become ASCII, offsets are kept); numbers are read by
``metrics.to_decimal`` and ``metrics.to_percent``. Nothing is evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..errors import ValueParseError
from ..metrics import to_decimal, to_percent
from ..tables import codes
from .text import Document, heading, sub_heading

AMOUNT_UNITS = ("亿元", "万元", "元")
COUNT_UNITS = ("批次", "人次", "台(套)", "辆", "个", "人", "次", "台", "套", "项", "件", "条", "家", "户", "名")
_UNITS = "|".join(re.escape(u) for u in (*AMOUNT_UNITS, "%", "‰", *COUNT_UNITS))
# Thousands separators only in groups of three (1,348 but not 12,34); a comma followed by other
# digits is the clause comma of the text (“93批次,1348人次”). A bare “万” closing a clause is
# 万元 (“经营收入0.00万,”).
_NUMBER = re.compile(
    rf"(?<![\d.])(-?)((?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)\s?({_UNITS}|万(?=[,;。、)\s]|$))"
)
# A prior-year figure written without its unit: “较上年2.08减少0.03万元”.
_BARE_PRIOR = re.compile(
    r"(?:比|较)(?:上年|去年|上年度|上一年度?)(?:同期)?(?:的|决算数?|支出|数)?(?:为)?"
    r"(\d+(?:\.\d+)?)(?=(?:增加|减少|增长|下降|上升|多|少))"
)
# A zero written without its unit: “对个人和家庭的补助为0)”.
_BARE_ZERO = re.compile(r"(?<=[为是])(0(?:\.0+)?)(?=\s*(?:[,;、)。]|$))")
_SENTENCE_END = re.compile(r"[。!?！？]")
_CLAUSE_DELIMS = ",;:()、"
_CONDITION = re.compile(r"[≧≥≤≦<>~]\s*$|不低于\s*$|不高于\s*$|不少于\s*$|不超过\s*$|超过\s*$|低于\s*$")
_THRESHOLD_AFTER = re.compile(r"\s*(?:以上|以下|以内|及以上|及以下|左右|起|至)")
_COMPLETION = re.compile(
    r"(?:(?:完成|执行)了?(?:年初|全年|调整后?)?(?:预算|计划)(?:数)?(?:\d[\d,.]*\s?(?:万元|元|亿元))?的?(?:比例|进度)?"
    r"|(?:预算)?执行率"
    r"|(?:预算)?执行比例|完成率|预算完成率)(?:为|达到?|是)?$"
)
_RATE = re.compile(
    r"(负增长|增长|增加|上升|提高|增幅|增长率|下降|减少|降低|降幅|下降率|减幅|节约|压减|缩减|增|减)了?(?:为|达到?|是)?了?"
    r"(?:约)?$"
)
# “比上年增收1284万元”, “比上年减支9240万元”: the words of a budget execution report.
_CHANGE = re.compile(r"(增加|增长|上升|提高|多|减少|下降|降低|节约|节省|少|超支|压减|缩减|增收|减收|增支|减支|增|减)了?"
                     r"(?:为|约)?$")
_COMPARISON = re.compile(r"比|较|与.{0,20}?相比|同比|对比|相比")
_RATE_AFTER = re.compile(r"\s*,?\s*(?:同比)?(?:增长|下降|增加|减少|上升|降低|增幅|降幅)了?(?:为)?\s*-?\d[\d.]*\s*%")
_INCREASE_WORDS = ("增长", "增加", "上升", "提高", "增幅", "增长率", "多", "超支", "增收", "增支", "增")
# 决算 against 预算, stated as a difference rather than as a change.
_DIFFERENCE = re.compile(
    r"(?:(?:差值|差额|差异|相差)(?:数)?(?:为|是)?"
    r"|(?:决算数?|支出数?|实际支出)(?:比(?:年初)?预算数?)?(大于|小于|超过|低于|少于|多于|高于|超出)(?:年初)?预算数?(?:为)?"
    r"|超(?:出)?(?:年初)?预算(?:数)?(?:为)?)$"
)
_NONE = re.compile(
    r"(?:未发生|无|没有)(政府性基金|国有资本经营)(?:预算)?(?:财政)?(?:拨款)?(?:收入|支出|收支|收入支出|收入、支出)"
)
_ITEM = re.compile(r"^\s*\d{1,2}\s*[、.]\s*(.*)$")
_LEVEL_MARK = re.compile(r"\((类|款|项)\)")
# “收、支总计各是4125.49,4143.91万元”, “分别为…”: figures paired with names listed elsewhere.
_EACH = re.compile(r"各(?:是|为|自|减少|增加|下降|增长|占)|分别(?:为|是|占|增长|增加|减少|下降|比)?")
_YEAR = re.compile(r"(20\d\d)\s*年")
# A form's alternatives left in the text: “较上年增加(减少)0万元，增长(下降)0%”.
_TEMPLATE = re.compile(r"\((?:增加|减少|增长|下降|上升|降低)\)")


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
        ("收入总计", r"收入总计|总收入"),
        ("支出总计", r"支出总计|总支出"),
        ("一般公共预算财政拨款收入", r"一般公共预算(?:财政)?拨款收入|一般公共预算收入"),
        ("政府性基金收入", r"政府性基金(?:预算)?(?:财政)?(?:拨款)?收入"),
        ("财政拨款收入", r"财政拨款收入"),
        ("上级补助收入", r"上级补助收入"),
        ("事业收入", r"事业收入"),
        ("经营收入", r"经营收入"),
        ("附属单位上缴收入", r"附属单位上缴收入"),
        # The third budget, not the 经营收入 of a unit (“国有资本经营收入1868万元”).
        ("国资收入", r"国有资本经营(?:预算)?(?:财政)?(?:拨款)?收入"),
        ("国资支出", r"国有资本经营(?:预算)?(?:财政)?(?:拨款)?支出"),
        ("其他收入", r"其他收入"),
        ("本年收入合计", r"收入合计|本年收入|年度收入"),
        ("一般公共预算财政拨款支出", r"一般公共预算(?:财政)?拨款(?:支出)?|一般公共预算支出"),
        ("政府性基金支出", r"政府性基金(?:预算)?(?:财政)?(?:拨款)?支出"),
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
        ("因公出国(境)费", r"因公出国\(?境?\)?(?:费用?|经费|支出)"),
        ("公务用车购置及运行维护费", r"公务用车(?:购置)?(?:费)?及运(?:行)?(?:维护|维)?费|公务用车购置及运行维护"),
        ("公务用车购置费", r"公务用车购置(?:费)?"),
        ("公务用车运行维护费", r"公务用车运行(?:维护)?(?:费用?)?|公务用车运维费|公车运行(?:及)?维护"),
        ("公务接待费", r"公务接待(?:费)?"),
        ("机关运行经费", r"机关运行经费"),
        ("会议费", r"会议费"),
        ("培训费", r"培训费"),
        ("政府采购", r"政府采购(?:支出)?总额"),
        ("本年支出合计", r"支出合计|本年支出|年度支出|支出总预算|总预算"),
        ("年初结转和结余", r"年初(?:财政拨款)?结转和?结余|上年结转和?结余"),
        ("年末结转和结余", r"年末(?:财政拨款)?结转和?结余"),
    ]
    out = [(key, re.compile(p)) for key, p in pairs]
    for code in codes.FUNCTION_CODES:
        if len(code) != 3:
            continue
        names = set(codes.all_names(code))
        alts = "|".join(re.escape(n).replace("和", "[和与]") for n in sorted(names, key=len, reverse=True))
        out.append((f"class:{code}", re.compile(alts)))
    return out


SPECIFIC = _specific_patterns()
_GENERIC = (
    ("本年收入合计", re.compile(r"收入(?:决算)?(?:数)?(?:为|是|共计|合计|总额)?$")),
    ("本年支出合计", re.compile(r"支出(?:决算)?(?:数)?(?:为|是|共计|合计|总额)?$")),
)
# A share's whole (“占基本支出预算81.25%”, “占年度总支出的36.32%”) names the whole, not the
# subject of the figures around it.
_SHARE_MASK = re.compile(r"占[^,;:。%]*(?:%|$)")


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
    relation: str = ""  # amount: "" | change | difference | whole; percent: share | completion | rate | other
    direction: str = ""  # 增加 | 减少 | "" (a difference: 增加 when 决算 > 预算)
    role: str = "决算"  # 决算 | 预算 | 上年
    base: str = ""  # change: 上年 | 预算
    key: str = ""
    subject: str = ""  # the clause before the figure
    whole: str = ""  # share: the whole as named after 占
    section: str = ""
    scope: str = ""
    item: str = ""  # 功能分类 项 code (or item label) from a numbered item heading above
    segment: int = 0  # “;”-separated part of the sentence the figure stands in
    places: int = 0  # decimal places written
    explicit_role: bool = False  # the clause names the role (预算/决算/上年) itself
    each: bool = False  # one of several figures paired with names listed elsewhere (“各是…”)
    implied: bool = False  # written without its unit (“较上年2.08减少…”, “为0”)
    pair: tuple[int, int, int] = ()  # (list, index, size) in a parallel list (“各减少1267.86,2570.97万元”)
    key_from: str = ""  # where the subject was named: clause | segment | sentence | item | generic | line
    half2: Decimal | None = None  # half unit read at 2 places (“4.5万元” as 4.50) in a text that writes cents

    @property
    def strict_half(self) -> Decimal:
        return self.half if self.half2 is None else self.half2

    @property
    def is_amount(self) -> bool:
        return self.kind == "amount"

    @property
    def is_level(self) -> bool:
        """An amount that states a level (not a change or a difference)."""
        return self.kind == "amount" and self.relation == ""


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

    def sentence(self, sid: int) -> Sentence | None:
        return self.sentences[sid] if 0 <= sid < len(self.sentences) else None


def _places(number: str) -> int:
    return len(number.split(".")[1]) if "." in number else 0


def _half(number: str, unit: str) -> Decimal:
    """Half the last written place, in 万元 or per cent: a figure is known to the precision it is
    written at (“11.8万元” may be 11.75 to 11.85, “31%” any rate from 30.5% to 31.5%); a zero is
    exact (nothing was spent)."""
    places = _places(number)
    if Decimal(number) == 0 and unit not in ("%", "‰"):
        return Decimal(0)
    if unit == "元":
        return Decimal(5).scaleb(-places - 5)
    if unit == "亿元":
        return Decimal(5).scaleb(3 - places)
    if unit in ("万元", "万"):
        return Decimal(5).scaleb(-places - 1)
    if unit == "%":
        return Decimal(5).scaleb(-places - 1)
    if unit == "‰":
        return Decimal(5).scaleb(-places - 2)
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


def _best(text: str, prefer_strong: bool = True) -> str:
    """The name nearest the end of ``text``. Names written together form one name whose key is its
    particular part (““三公”经费财政拨款支出” is 三公经费); in a figure's own clause a particular
    name beats a name of the whole (``_WEAK``) wherever it stands."""
    found: list[tuple[int, int, str]] = []
    for key, pattern in SPECIFIC:
        found.extend((m.start(), m.end(), key) for m in pattern.finditer(text))
    if not found:
        return ""
    # Of overlapping names a particular one is the name written (“年度收入总计” is 收入总计,
    # “基本支出合计” is 基本支出), then the one starting first, then the longest.
    found.sort(key=lambda f: (f[2] in _WEAK, f[0], -f[1]))
    names: list[tuple[int, int, str]] = []
    for f in found:
        if any(f[0] < n[1] and n[0] < f[1] for n in names):
            continue
        names.append(f)
    names.sort()
    compounds: list[list[tuple[int, int, str]]] = []
    for f in names:
        gap = text[compounds[-1][-1][1]:f[0]] if compounds else "-"
        if compounds and len(gap) <= 2 and not re.search(r"[,;:。\d]", gap):
            compounds[-1].append(f)
        else:
            compounds.append([f])
    keyed = [(c[-1][1], next((f[2] for f in c if f[2] not in _WEAK), c[0][2])) for c in compounds]
    pool = [k for k in keyed if k[1] not in _WEAK] if prefer_strong else []
    return max(pool or keyed)[1]


def _mask_shares(text: str) -> str:
    return _SHARE_MASK.sub(lambda m: " " * len(m.group(0)), text)


def find_key(prefix: str, generic: bool = True) -> str:
    """The subject key of a figure from the sentence text before it: a name in its own clause,
    else the nearest name in its ;-segment or sentence, else a bare 收入/支出 ending the clause."""
    return _find_key(prefix, generic)[0]


def _find_key(prefix: str, generic: bool = True) -> tuple[str, str]:
    """(key, where it was found: clause | segment | sentence | generic)."""
    masked = _mask_shares(prefix)
    segment = masked[masked.rfind(";") + 1:]
    clause = _clause(masked)
    for i, text in enumerate((clause, segment, masked)):
        key = _best(text, prefer_strong=i == 0)
        if key:
            if i and (bare := _bare(clause)) and _side(bare) != _side(key) and _side(key):
                # “…收入合计42.5亿元,支出19.43亿元”: a clause that says only 支出 is not about the 收入
                # named before it.
                return bare, "generic"
            return key, ("clause", "segment", "sentence")[i]
    if not generic:
        return "", ""
    clause = _clause(prefix)
    for key, pattern in _GENERIC:
        if pattern.search(clause):
            return key, "generic"
    return "", ""


def _bare(clause: str) -> str:
    """The key of a clause that names nothing but 收入 or 支出 (“支出”, “支出合计为”)."""
    for key, pattern in _GENERIC:
        m = pattern.search(clause)
        if m and m.start() == 0:
            return key
    return ""


def _side(key: str) -> str:
    return "收入" if "收入" in key else "支出" if "支出" in key else ""


_NOT_ROLE = re.compile(
    r"(?:一般公共|政府性基金|国有资本经营|基金)预算|预算绩效|预算管理|预算单位|预算信息|部门预算|上年结转|上年结余"
    r"|预算执行数|决算报表|决算公开"
)


def _role(clause: str) -> tuple[str, bool]:
    """(role, named): 上年 / 预算 / 决算 from the words of the figure's own clause."""
    clause = _NOT_ROLE.sub("", clause)
    if "上年" in clause or "去年" in clause:
        return "上年", True
    b = clause.rfind("预算")
    a = max(clause.rfind("决算"), clause.rfind("实际支出"), clause.rfind("执行数"))
    if b >= 0 and b > a:
        return "预算", True
    return "决算", a >= 0


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
    tail = body[body.rfind(")") + 1:].strip().rstrip(":")
    if tail and levels[-1][1] != "项":
        names.append(tail)  # “…(款)机关事业单位基本养老保险缴费支出” without its (项)
    code = resolve_item(names, year)
    return (f"item:{code}" if code else f"label:{names[-1]}", body)


_INLINE_LABEL = re.compile(r"([^,;:。“”\d]{2,40}\(类\)[^,;:。“”\d]{2,60}\(款\)[^,;:。“”\d]{2,60}?\(项\))")


def _inline_item(before: str, year: int | None) -> str:
    """The key of the last 类/款/项 label in ``before`` (the paragraph up to a figure), if any."""
    labels = list(_INLINE_LABEL.finditer(before[-400:]))
    if not labels:
        return ""
    body = labels[-1].group(1)
    names = [n.strip() for n, _ in levels_of(body)]
    if not names:
        return ""
    code = resolve_item(names, year)
    return f"item:{code}" if code else f"label:{names[-1]}"


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


# A title quoted in the text (“《关于印发四川省预决算公开操作规程(2022年修订)的通知》”) names no year
# of the report.
_QUOTED_TITLE = re.compile(r"《[^》\n]*》|〔[^〕\n]*〕")


def _year(doc: Document) -> int | None:
    text = _QUOTED_TITLE.sub("", "\n".join(line.norm for line in doc.lines[:200]))
    m = re.search(r"(20\d\d)\s*年度", text)
    if m is None:
        m = _YEAR.search("\n".join(text.split("\n")[:50]))
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
    # A text that writes cents elsewhere (846.77万元) drops the zeros of “4.5万元”: read at 2 places
    # too. Checks hold a figure to that reading only for a 核实 (see ``checks.judge``).
    if any(c.unit == "万元" and c.places >= 2 for c in ex.claims):
        ex.claims = [replace(c, half2=min(c.half, Decimal("0.005"))) if c.unit == "万元" and c.places < 2 else c
                     for c in ex.claims]
        ex._by_sentence = None
    return ex


_LIST_NUMBER = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# “收、支总计各是4125.49,4143.91万元”, “各下降23.51%、38.28%”, “分别为3.10万元、6.20万元”: numbers
# paired one by one with names listed before them; a number without a unit takes the list's.
_LIST_SEP = r"(?:[,、]|和|及|与)"
_PARALLEL = re.compile(
    rf"(?:各|分别)(?:是|为|减少|增加|下降|增长|降低|上升|占|达)?了?\s*"
    rf"((?:{_LIST_NUMBER}\s*(?:万元|元|亿元|%)?\s*{_LIST_SEP}\s*)+{_LIST_NUMBER}\s*(?:万元|元|亿元|%))"
)
# “占全市政府采购规模比例为54.54%、1.51%和44.69%”, “分别占…的48.6%、32.4%、16.2%、2.8%”: the shares of
# several items of one whole, in the order the items were listed.
_SHARE_LIST = re.compile(
    rf"占[^,;:。%\d]{{1,40}}?(?:分别)?(?:为|是|达)?\s*"
    rf"((?:{_LIST_NUMBER}\s*%?\s*{_LIST_SEP}\s*)+{_LIST_NUMBER}\s*%)"
)
_LIST_ITEM = re.compile(rf"({_LIST_NUMBER})\s*(万元|元|亿元|%)?")


def _parallel(text: str) -> list[tuple[int, int, str, str, str]]:
    """(start, end, sign, digits, unit) of each number of the parallel lists of a sentence, with
    its position: the list's start offset and the number's index."""
    out = []
    for m in _PARALLEL.finditer(text):
        items = list(_LIST_ITEM.finditer(text, m.start(1), m.end(1)))
        unit = items[-1].group(2) if items else ""
        for it in items:
            digits = it.group(1)
            sign = "-" if digits.startswith("-") else ""
            out.append((it.start(), it.end() if it.group(2) else it.end(1), sign, digits.lstrip("-"),
                        it.group(2) or unit))
    return out


def _figures(text: str) -> list[tuple[int, int, str, str, str, bool]]:
    """(start, end, sign, digits, unit, implied) of every figure of a sentence, in order."""
    out = [(m.start(), m.end(), m.group(1), m.group(2), m.group(3), False) for m in _NUMBER.finditer(text)]
    taken = [(s, e) for s, e, *_ in out]
    for s, e, sign, digits, unit in _parallel(text):
        if not any(a <= s < b for a, b in taken):
            out.append((s, e, sign, digits, unit, True))
            taken.append((s, e))

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in taken)

    units = [(s, u) for s, _, _, _, u, _ in out if u in (*AMOUNT_UNITS, "万")]
    for pattern in (_BARE_PRIOR, _BARE_ZERO):
        for m in pattern.finditer(text):
            s, e = m.start(1), m.end(1)
            if not free(s, e) or not units:
                continue
            after = next((u for p, u in units if p > s), None)
            before = next((u for p, u in reversed(units) if p < s), None)
            unit = (after or before) if pattern is _BARE_PRIOR else (before or after)
            out.append((s, e, "", m.group(1), unit or "万元", True))
            taken.append((s, e))
    out.sort()
    return out


def _claims_of(ex: Extraction, sid: int, li: int, number: int, norm: str, s0: int, s1: int,
               section: str, scope: str, item: tuple[str, str] | None) -> None:
    text = _TEMPLATE.sub(lambda m: " " * len(m.group(0)), norm[s0:s1])
    if scope in ("T8", "T9"):
        scope = "T9" if "国有资本经营" in text else "T8"
    for m in _NONE.finditer(text):
        for key in (("政府性基金收入", "政府性基金支出") if m.group(1) == "政府性基金" else ("国资收入", "国资支出")):
            ex.claims.append(Claim("none", Decimal(0), m.group(0), "", Decimal(0), li, number, s0 + m.start(),
                                   s0 + m.end(), sid, 0, key=key, subject=m.group(0), section=section,
                                   scope=scope))
    depth_at = _depths(text)
    lists: dict[int, tuple[int, int, int]] = {}
    for m in [*_PARALLEL.finditer(text), *_SHARE_LIST.finditer(text)]:
        items = list(_LIST_ITEM.finditer(text, m.start(1), m.end(1)))
        for k, it in enumerate(items):
            lists.setdefault(it.start(), (li * 100_000 + s0 + m.start(1), k, len(items)))
    first_of: dict[int, Claim] = {}
    for f_start, f_end, sign, digits, unit, implied in _figures(text):
        # What names a figure stands shortly before it; a bounded window keeps long texts linear.
        prefix = text[max(0, f_start - _WINDOW): f_start]
        if _CONDITION.search(prefix) or _THRESHOLD_AFTER.match(text, f_end):
            continue
        if unit == "万":
            unit = "万元"
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
        seg_start = text.rfind(";", 0, f_start) + 1
        segment_text = text[seg_start:f_start]
        relation = direction = base = whole = ""
        if kind == "percent":
            stripped = clause.rstrip()
            if "占" in clause:
                relation = "share"
                whole = clause[clause.rfind("占") + 1:]
                whole = re.sub(r"(?:的|比例|比重|比)?(?:为|是|达)?$", "", whole).strip()
                if re.fullmatch(r"(?:年初|全年|调整后?|本年|当年)?预算(?:数)?", whole):
                    relation, whole = "completion", ""  # “占调整预算105.47%”
            elif _COMPLETION.search(stripped):
                relation = "completion"
            elif r := _RATE.search(stripped):
                relation = "rate"
                direction = "增加" if r.group(1) in _INCREASE_WORDS else "减少"
            else:
                relation = "other"
        elif kind == "amount":
            d = _DIFFERENCE.search(clause.rstrip())
            c = _CHANGE.search(clause.rstrip())
            if "占" in clause and re.match(r"\s*的", text[f_end:]):
                # “占本年财政拨款支出488.80万元的0%”: the whole of the share that follows.
                relation = "whole"
            elif d:
                relation = "difference"
                word = d.group(1) or ("超过" if d.group(0).startswith("超") else "")
                direction = ("增加" if word in ("大于", "超过", "多于", "高于", "超出")
                             else "减少" if word in ("小于", "低于", "少于") else "")
                base = "预算"
            elif c and (_COMPARISON.search(prefix) or _RATE_AFTER.match(text, f_end)):
                # “…仍然减少了933.78万元,下降了16.64%”: a change followed by its rate needs no 比/较.
                # “决算数比2024年度减少19.66万元，…，其中：…公务接待费支出决算增加0.40万元”: the
                # comparison named once at the head of the sentence holds for its list.
                relation = "change"
                direction = "增加" if c.group(1) in _INCREASE_WORDS else "减少"
                cmp_at = max(prefix.rfind(w) for w in ("比", "较", "与", "相比", "同比"))
                phrase = prefix[max(0, cmp_at):]
                years = [int(y) for y in _YEAR.findall(phrase)]
                if years and ex.year and years[0] < ex.year:
                    # “比2017年预算数减少0.06万元” is against last year; “比2019年(疫情前)决算数…” against
                    # an older one.
                    base = "上年" if years[0] == ex.year - 1 else "其他"
                else:
                    base = "预算" if "预算" in phrase and "上年" not in phrase else "上年"
        key, key_from = _find_key(prefix, generic=False)
        if kind == "amount" and key_from not in ("clause",):
            # “1.“一般公共服务（类）统计信息事务（款）统计信息事务（项）”20.04万元，…支出决算为20.04
            # 万元”: a 类/款/项 label written in the paragraph names its figures.
            inline = _inline_item(norm[:s0] + text[:f_start], ex.year)
            if inline:
                key, key_from = inline, "label"
        if not key and item and kind == "amount":
            key, key_from = item[0], "item"
        if not key and scope not in ("X", "PE"):
            key, key_from = _find_key(prefix)
        if not key and kind in ("amount", "percent") and relation in ("change", "rate"):
            for prev in reversed(ex.claims[-50:]):
                if prev.line_index == li and prev.key:
                    key, key_from = prev.key, "line"
                    break
        role, named = _role(clause) if kind == "amount" else ("", False)
        if kind == "amount" and relation == "" and (cmp := _COMPARED_TO.search(clause)) \
                and (cmp.group(1) is None or (ex.year and int(cmp.group(1)) == ex.year - 1)):
            role, named = "上年", True  # “较2024年的2190万元减少221万元”: the level compared with
        if kind == "amount" and relation == "" and ex.year and (not named or role == "决算"):
            # “2021年的三公经费决算数合计为807.95万” in a 2022 report is last year's 决算.
            years = [int(y) for y in _YEAR.findall(_mask_comparisons(segment_text))]
            if years and years[-1] < ex.year:
                role, named = "上年", True
        each = bool(_EACH.search(segment_text[-40:]))
        pair = lists.get(f_start, ())
        if pair:
            each, implied = True, False
            head = first_of.get(pair[0]) if pair[1] else None
            if head is not None:  # the list's words stand before its first number only
                relation, direction, base, role, named, whole = (head.relation, head.direction, head.base,
                                                                 head.role, head.explicit_role, head.whole)
                key = head.key
        claim = Claim(
            kind, value, text[f_start:f_end], unit, _half(raw, unit), li, number, s0 + f_start, s0 + f_end, sid,
            depth_at[f_start], relation, direction, role, base, key, clause, whole, section, scope,
            item[0] if item else "", text.count(";", 0, f_start), _places(raw), named, each, implied, pair,
            key_from,
        )
        if pair and pair[1] == 0:
            first_of[pair[0]] = claim
        ex.claims.append(claim)


# A level written right after what it is compared with: “较2024年的2190万元”, “比上年的…”.
_COMPARED_TO = re.compile(r"(?:比|较|与)(?:(20\d\d)\s*年度?|上年度?|去年|上一年度?)(?:同期)?的?"
                          r"(?:决算数?|支出数?|数)?(?:为)?$")
_COMPARISON_PHRASE = re.compile(r"(?:比|较|与|同比|对比)[^,;:]*?(?:相比|增加|减少|增长|下降|持平|$)")


def _mask_comparisons(text: str) -> str:
    return _COMPARISON_PHRASE.sub("", text)
