"""Core layer: this year's book against last year's (``validate --previous``).

Every link of ``tables.editions.YEAR_LINKS`` is checked: the carry-over (this year's 年初结转和结余
= last year's 年末结转和结余, in total, by part and by fund type, line by line in the fund tables)
and every 上年 figure this year's book repeats (T1's 上年决算数 column, T7's 上年决算数 block,
the 整体支出绩效自评表's 上年结转). Lines are matched by code, under this year's numbering (the
edition mapping of ``tables.editions``); a line that cannot be matched is reported
(``Y.unmatched_line``), never skipped. A finding points at this year's cell and names last year's
(``related``); a line only last year has points at last year's cell, in last year's file. Its
``table`` is the table of the cell it points at, its ``group`` "Y" (shown under 与上年核对).

The checks register in the one registry of check functions (``pytoolkit.checking.CHECKS``, family
"years", ``year_check``): one for the two books as a pair, one per finding id of the links. They
run in registration order on a ``YearContext``; a check that crashes is a ``Y.crash`` finding and
the others still run.

``comparison_lines`` gives the lines of the 上年对比 sheet: last year, this year and the change,
computed by ``pytoolkit.metrics``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from ..checking import CHECKS, BookContext, CheckFunction
from ..findings import Finding, Location, Severity, register
from ..metrics import Change, change, format_amount
from ..model import Book, Cell, CellRef, Table
from ..tables import codes
from ..tables.catalog import BY_ID, CODED, FORM
from ..tables.editions import (
    CARRYOVER_FUND,
    CARRYOVER_TOTAL,
    EVERY_LINE,
    PE_CARRYOVER,
    PREVIOUS_ACTUAL,
    YEAR_LINKS,
    CodeMove,
    YearLink,
    is_new,
    moves_between,
    restate,
)

UNMATCHED = "Y.unmatched_line"
NARRATIVE_PREVIOUS = "Y.narrative_previous"
PREVIOUS_CONFLICT = "Y.previous_conflict"
NO_PREVIOUS_TABLE = "Y.no_previous_table"
SAME_BOOK = "Y.same_book"
YEAR_ORDER = "Y.year_order"
UNIT_MISMATCH = "Y.unit_mismatch"
UNIT_ONLY_ONE_YEAR = "Y.unit_one_year"
CRASH = "Y.crash"

# Finding ids of the year-to-year checks: id → (severity, Chinese title, one-line explanation).
YEAR_RULES: dict[str, tuple[Severity, str, str]] = {
    CARRYOVER_TOTAL: (Severity.ERROR, "年初结转和结余应等于上年年末结转和结余",
                      "收入支出决算总表、财政拨款收入支出决算总表的年初结转和结余（合计及各组成部分）应与上年决算的年末数一致。"),
    CARRYOVER_FUND: (Severity.ERROR, "分资金性质的年初结转和结余应等于上年年末数",
                     "一般公共预算、政府性基金、国有资本经营预算财政拨款的年初结转和结余，以及政府性基金、国有资本经营"
                     "预算表逐科目的年初数，应与上年决算的年末数一致。"),
    PREVIOUS_ACTUAL: (Severity.ERROR, "上年决算数应与上年决算一致",
                      "本年报表中列示的上年决算数（收入支出决算总表上年决算数列、“三公”经费表上年决算数）应等于上年决算中"
                      "同一科目的决算数（按科目编码对应，跨年度科目调整按对照表换算）。"),
    PE_CARRYOVER: (Severity.WARNING, "绩效自评表上年结转应与上年结余一致",
                   "整体支出绩效自评表各单位的“上年结转”应等于该单位上年的“结余”（本年使用非财政拨款结余的，差额应等于该数）。"),
    UNMATCHED: (Severity.WARNING, "上年科目无法与本年对应",
                "本年报表的上年数或上年决算中的科目，在另一年度中找不到对应的科目（含跨年度科目调整），需人工核对。"),
    NO_PREVIOUS_TABLE: (Severity.INFO, "上年工作簿缺少对应的表",
                        "上年工作簿中没有识别出这张表，相关的跨年度关系无法核对。"),
    NARRATIVE_PREVIOUS: (Severity.ERROR, "情况说明的比上年增减应与上年决算一致",
                         "情况说明中“比上年增加/减少……”的金额和比率，按上年决算本身（而非本年报表的上年数列）重新计算应一致。"),
    PREVIOUS_CONFLICT: (Severity.ERROR, "本年报表的上年数与上年决算矛盾",
                        "情况说明所述事项在本年报表中列示的上年数，与上年决算中的决算数不一致，两者必有一处有误。"),
    SAME_BOOK: (Severity.ERROR, "上年工作簿与本年工作簿是同一文件", "--previous 给出的应是上年的决算工作簿。"),
    YEAR_ORDER: (Severity.WARNING, "上年工作簿的年度不是本年的上一年",
                 "上年工作簿标明的年度应比本年早一年；年度不相邻时，结转和上年数的对应关系不成立。"),
    UNIT_MISMATCH: (Severity.WARNING, "两年的单位名称不一致",
                    "上年工作簿的单位名称与本年不同，请确认选对了上年的工作簿。"),
    UNIT_ONLY_ONE_YEAR: (Severity.WARNING, "单位只在一个年度出现",
                         "批量核对两个年度时，该单位只在其中一个年度的文件夹中找到，无法做跨年度核对。"),
    CRASH: (Severity.ERROR, "与上年核对的检查程序出错",
            "跨年度核对的某项检查执行时出错，该项没有结果，其余各项照常核对；请将工作簿和此信息反馈给维护者。"),
}

# Registered in the one registry of finding ids (pytoolkit.findings), as every emitted id is.
for _rule, (_severity, _title, _explanation) in YEAR_RULES.items():
    register(_rule, _severity, _title, _explanation, "pytoolkit.rules.years")

GROUP = "Y"  # the group of every year-to-year finding (Finding.group): shown under 与上年核对
_HALF_CENT = Decimal("0.005")
_ZERO = Decimal(0)


def year_finding(rule: str, message: str, location: Location, expected: Decimal | None = None,
                 actual: Decimal | None = None, related: tuple[str, ...] = (), unit: str = "万元",
                 severity: Severity | None = None, table: str = "") -> Finding:
    """A finding of ``rule``; ``table`` is the catalog id of the table the located cell is in."""
    return Finding(rule, severity or YEAR_RULES[rule][0], message, location, expected, actual, table=table,
                   related=related, unit=unit, group=GROUP)


# -- last year's figures under this year's codes ---------------------------------------------------
@dataclass
class Prior:
    """Last year's book seen from this year: its lines under this year's codes."""

    book: Book
    moves: tuple[CodeMove, ...]
    this_year: int | None
    last_year: int | None = None

    @property
    def name(self) -> str:
        return self.book.path.name

    def where(self, ref: CellRef) -> str:
        return f"上年《{self.name}》{ref}"

    def lines(self, table: Table, column: str) -> dict[str, tuple[Decimal, tuple[Cell, ...]]]:
        """Row key → (amount, cells) of ``column``; coded rows keyed by this year's code."""
        coded: dict[str, tuple[Decimal, tuple[Cell, ...]]] = {}
        other: dict[str, tuple[Decimal, tuple[Cell, ...]]] = {}
        for row in table.rows.values():
            cell = row.values.get(column)
            if cell is None:
                continue
            if row.code and codes.is_code(row.code):
                coded[row.code] = (cell.amount, (cell,))
            else:
                other[row.key] = (cell.amount, (cell,))
        if self.moves and coded:
            classes_only = all(len(c) == 3 for c in coded)
            if classes_only:
                # A form that lists classes only (T1, T4): the moved 款 is read from last year's T3.
                t3 = self.book.table("T3")
                for m in self.moves:
                    cell = t3.cell(m.old, "本年支出合计") if t3 is not None else None
                    if cell is not None:
                        coded[m.old] = (cell.amount, (cell,))
            coded = restate(coded, self.moves)
            if classes_only:
                coded = {c: v for c, v in coded.items() if len(c) == 3}
        return {**other, **coded}


def years_of(this: Book, last: Book) -> tuple[int | None, int | None]:
    """(last year, this year) as the books state them; when neither says, the edition tells: a
    book with the ninth table (T9, from 2019) after one without it crosses 2018 → 2019."""
    this_year, last_year = this.year, last.year
    if this_year is None and last_year is not None:
        this_year = last_year + 1
    if last_year is None and this_year is not None:
        last_year = this_year - 1
    if this_year is None and this.table("T9") is not None and last.table("T9") is None:
        last_year, this_year = 2018, 2019
    return last_year, this_year


def prior_of(this: Book, last: Book) -> Prior:
    last_year, this_year = years_of(this, last)
    return Prior(last, moves_between(last_year, this_year), this_year, last_year)


def _location(book: Book, cell: Cell | None, table: Table) -> Location:
    return Location.at(cell.ref if cell is not None else table.title_ref, book.path.name)


def _unit(*tables: Table | None) -> str:
    units = {t.money_unit for t in tables if t is not None}
    return "元" if units == {"元"} else "万元"


def _fmt(value: Decimal, unit: str) -> str:
    return f"{format_amount(value * 10000)}元" if unit == "元" else f"{format_amount(value)}万元"


def _tolerance(a: Table, b: Table) -> Decimal:
    # Values stored at the precision shown are the data: equal to the cent. A 万元 figure compared
    # with 元 data is itself rounded (docs/rules.md §4): half a cent of 万元.
    return _HALF_CENT if a.money_unit != b.money_unit else _ZERO


def _label(table: Table, key: str) -> str:
    row = table.rows.get(key)
    if row is None:
        return key
    if row.code and codes.is_code(row.code):
        return f"{row.code} {row.label}".strip()
    return row.label or key


def _compare(link: YearLink, this: Book, prior: Prior, t: Table, p: Table, key: str, col: str,
             cur: Cell | None, prev: tuple[Decimal, tuple[Cell, ...]], what: str) -> Finding | None:
    now = cur.amount if cur is not None else _ZERO
    before, cells = prev
    if abs(now - before) <= _tolerance(t, p):
        return None
    unit = _unit(t, p)
    where = "、".join(prior.where(c.ref) for c in cells) if cells else f"上年《{prior.name}》"
    # A 上年 column left blank where last year has an amount is an omission to look at (核实); a
    # blank carry-over is 0 on the forms, so a difference there is an error.
    blank = (cur is None or cur.value is None) and link.rule == PREVIOUS_ACTUAL
    stated = "本年未填列（空白）" if blank else f"本年填列{_fmt(now, unit)}"
    return year_finding(
        link.rule,
        f"{what}［{_label(t, key)}{'/' + col if col else ''}］：{stated}，上年决算为{_fmt(before, unit)}"
        f"（{where}），相差{_fmt(now - before, unit)}。",
        _location(this, cur, t), expected=before, actual=None if blank else now,
        related=tuple(prior.where(c.ref) for c in cells), unit=unit,
        severity=Severity.WARNING if blank else None, table=t.id)


def _unmatched_this(this: Book, t: Table, key: str, cur: Cell, why: str) -> Finding:
    unit = _unit(t)
    return year_finding(UNMATCHED, f"本年{t.tdef.title}“{_label(t, key)}”{_fmt(cur.amount, unit)}：{why}",
                        _location(this, cur, t), actual=cur.amount, unit=unit, table=t.id)


def _unmatched_prior(prior: Prior, p: Table, key: str, cells: tuple[Cell, ...], amount: Decimal, why: str,
                     rule: str = UNMATCHED) -> Finding:
    unit = _unit(p)
    cell = cells[0] if cells else None
    return year_finding(rule, f"上年{p.tdef.title}“{_label(p, key)}”{_fmt(amount, unit)}：{why}",
                        _location(prior.book, cell, p), expected=amount, unit=unit, table=p.id)


def _why_new(key: str, prior: Prior, last_year: int | None) -> str:
    if is_new(key, last_year, prior.this_year):
        return "该科目为本年新设，上年没有对应科目，上年数应为0。"
    return f"上年决算中找不到科目{key}（按科目编码及跨年度科目调整对照均未找到），请人工核对。"


def _check_link(link: YearLink, this: Book, prior: Prior) -> Iterator[Finding]:
    t = this.table(link.table)
    if t is None:
        return
    last_year = prior.last_year
    p = prior.book.table(link.prev_table)
    prev_column = link.prev_column
    if p is None and link.fallback is not None:
        fb_table, fb_row, fb_col = link.fallback
        fp = prior.book.table(fb_table)
        if fp is None:
            return
        # Only the total can be compared: last year's fund column of T4 has no lines of this table.
        cur = t.cell("合计", link.column)
        prev = fp.cell(fb_row, fb_col)
        if cur is None and prev is None:
            return
        pv = (prev.amount, (prev,)) if prev is not None else (_ZERO, ())
        what = link.what + "（上年无此表，按上年财政拨款收入支出决算总表）"
        f = _compare(link, this, prior, t, fp, "合计", link.column, cur, pv, what)
        if f:
            yield f
        return
    if p is None:
        if _has_amounts(t, link):
            yield year_finding(NO_PREVIOUS_TABLE, f"上年工作簿《{prior.name}》中没有识别出{t.tdef.title}，"
                                                  f"{link.what}无法核对。", Location.at(t.title_ref, this.path.name),
                               table=t.id)
        return
    if link.every_column:
        yield from _check_row_link(link, this, prior, t, p)
    elif link.every_row:
        yield from _check_column_link(link, this, prior, t, p, last_year)
    elif link.row == EVERY_LINE:
        yield from _check_lines(link, this, prior, t, p, last_year)
    else:
        cur = t.cell(link.row, link.column)
        if cur is None:
            return  # this year's form does not print the line
        prev = p.cell(link.prev_row, prev_column)
        if prev is None and p.row(link.prev_row) is None and cur.amount != 0 and "/" in link.row:
            yield _unmatched_this(this, t, link.row, cur, f"上年{p.tdef.title}未列“{link.prev_row}”，无法核对。")
            return
        pv = (prev.amount, (prev,)) if prev is not None else (_ZERO, ())
        f = _compare(link, this, prior, t, p, link.row, "", cur, pv, link.what)
        if f:
            yield f


def _has_amounts(t: Table, link: YearLink) -> bool:
    for row in t.rows.values():
        for key, cell in row.values.items():
            if cell.amount != 0 and (key == link.column or row.key == link.row):
                return True
    return False


def _check_row_link(link: YearLink, this: Book, prior: Prior, t: Table, p: Table) -> Iterator[Finding]:
    """T7: each column of this year's 上年决算数 block ↔ the same column of last year's 决算数."""
    row = t.row(link.row)
    if row is None:
        return
    prev_row = p.row(link.prev_row)
    for col, cur in row.values.items():
        cell = prev_row.values.get(col) if prev_row is not None else None
        if cell is None:
            if cur.amount != 0:
                yield _unmatched_this(this, t, link.row, cur, f"上年“三公”经费表未列“{col}”决算数，无法核对。")
            continue
        f = _compare(link, this, prior, t, p, link.row, col, cur, (cell.amount, (cell,)), link.what)
        if f:
            yield f


def _check_column_link(link: YearLink, this: Book, prior: Prior, t: Table, p: Table,
                       last_year: int | None) -> Iterator[Finding]:
    """T1: each row's 上年决算数 ↔ the same line's 决算数 last year (classes by restated code)."""
    if not any(link.column in r.values for r in t.rows.values()):
        return
    lines = prior.lines(p, link.prev_column)
    seen = set()
    for key, row in t.rows.items():
        cur = row.values.get(link.column)
        if cur is None:
            continue
        seen.add(key)
        prev = lines.get(key)
        if prev is None:
            if cur.amount != 0:
                yield _unmatched_this(this, t, key, cur, _why_new(key, prior, last_year))
            continue
        f = _compare(link, this, prior, t, p, key, "", cur, prev, link.what)
        if f:
            yield f
    for key, (amount, cells) in lines.items():
        if key in seen or amount == 0 or not codes.is_code(key):
            continue
        yield _unmatched_prior(prior, p, key, cells, amount,
                               f"本年{t.tdef.title}没有对应的行，其上年决算数未列示（科目{key}）。")


def _check_lines(link: YearLink, this: Book, prior: Prior, t: Table, p: Table,
                 last_year: int | None) -> Iterator[Finding]:
    """T8/T9 (by code) and the 绩效自评表 (by unit): each line's figure ↔ last year's."""
    lines = prior.lines(p, link.prev_column)
    by_code = t.tdef.kind == CODED
    prev_has_lines = any(k != "合计" for k in lines) if by_code else bool(lines)
    seen = set()
    for key, row in t.rows.items():
        cur = row.values.get(link.column)
        if cur is None:
            continue
        line = row.code if by_code and row.code and codes.is_code(row.code) else key
        seen.add(line)
        prev = lines.get(line)
        if prev is None:
            if cur.amount == 0:
                continue
            if by_code and line != "合计" and prev_has_lines:
                yield _unmatched_this(this, t, key, cur, _why_new(line, prior, last_year))
                continue
            prev = (_ZERO, ())
        f = _compare(link, this, prior, t, p, key, link.column if t.tdef.kind == FORM else "", cur, prev, link.what)
        if f:
            yield f
    for line, (amount, cells) in lines.items():
        if line in seen or amount == 0:
            continue
        if t.tdef.kind == FORM:
            why = "本年绩效自评表没有这个单位的行。"
        else:
            why = f"上年年末有结转和结余，本年{t.tdef.title}却没有这一科目的年初数。"
        yield _unmatched_prior(prior, p, line, cells, amount, why, rule=link.rule if by_code else UNMATCHED)


class YearContext(BookContext):
    """What a year-to-year check reads: this year's book (``book``, its tables) and last year's
    seen from it (``prior``: its lines under this year's codes)."""

    def __init__(self, this: Book, last: Book) -> None:
        super().__init__(this)
        self.last = last
        self.prior = prior_of(this, last)


def year_check(name: str, explanation: str, emits: Iterable[str]):
    """Register ``fn(ctx: YearContext)`` as the year-to-year check ``name``: ``explanation`` is one
    Chinese line, ``emits`` the ids its findings carry."""
    return CHECKS.register(name, "years", explanation, emits)


@year_check("pair", "上年工作簿应是同一单位上一年度的决算：年度相邻、单位名称一致。", (YEAR_ORDER, UNIT_MISMATCH))
def check_pair(ctx: YearContext) -> Iterator[Finding]:
    this, last = ctx.book, ctx.last
    if this.year is not None and last.year is not None and last.year != this.year - 1:
        yield year_finding(YEAR_ORDER, f"本年工作簿为{this.year}年度，上年工作簿《{last.path.name}》为"
                                       f"{last.year}年度，不是上一年度。", Location(file=last.path.name))
    if this.unit_name and last.unit_name and unit_key(this.unit_name) != unit_key(last.unit_name):
        yield year_finding(UNIT_MISMATCH, f"本年单位为“{this.unit_name}”，上年工作簿《{last.path.name}》"
                                          f"为“{last.unit_name}”。", Location(file=last.path.name))


def _links(ctx: YearContext, rule: str) -> Iterator[Finding]:
    """The findings of every link of ``rule`` (in ``YEAR_LINKS`` order). A link whose check crashes
    is a ``Y.crash`` finding naming the link; the other links of the rule are still checked."""
    for link in YEAR_LINKS:
        if link.rule != rule:
            continue
        try:
            found = list(_check_link(link, ctx.book, ctx.prior))
        except Exception as exc:  # one odd table must not cost the rule's other links
            row = {"": "各行", EVERY_LINE: "各科目"}.get(link.row, f"“{link.row}”行")
            column = f"“{link.column}”列" if link.column else "各列"
            where = f"{BY_ID[link.table].title}{row}{column}"
            found = [year_finding(CRASH, f"跨年度核对{where}时出错（{rule}）：{type(exc).__name__}: {exc}",
                                  Location(file=ctx.book.path.name if ctx.book.path else ""), table=link.table)]
        yield from found


_LINK_IDS = (UNMATCHED, NO_PREVIOUS_TABLE, CRASH)  # what any link may emit besides its own id


@year_check("carryover_total",
            "收入支出决算总表、财政拨款收入支出决算总表的年初结转和结余（合计及各组成部分）应等于上年年末数。",
            (CARRYOVER_TOTAL, *_LINK_IDS))
def check_carryover_total(ctx: YearContext) -> Iterator[Finding]:
    yield from _links(ctx, CARRYOVER_TOTAL)


@year_check("carryover_fund",
            "分资金性质的年初财政拨款结转和结余，及政府性基金、国有资本经营预算表逐科目的年初数，应等于上年年末数。",
            (CARRYOVER_FUND, *_LINK_IDS))
def check_carryover_fund(ctx: YearContext) -> Iterator[Finding]:
    yield from _links(ctx, CARRYOVER_FUND)


@year_check("previous_actual", "收入支出决算总表、“三公”经费表列示的上年决算数应等于上年决算中同一科目的决算数。",
            (PREVIOUS_ACTUAL, *_LINK_IDS))
def check_previous_actual(ctx: YearContext) -> Iterator[Finding]:
    yield from _links(ctx, PREVIOUS_ACTUAL)


@year_check("pe_carryover", "整体支出绩效自评表各单位的上年结转应等于该单位上年的结余。", (PE_CARRYOVER, *_LINK_IDS))
def check_pe_carryover(ctx: YearContext) -> Iterator[Finding]:
    yield from _links(ctx, PE_CARRYOVER)


def compare_years(this: Book, last: Book) -> list[Finding]:
    """Every cross-year finding of ``this`` year's book against ``last`` year's: the registered
    year-to-year checks in order (none when the two are one file)."""
    if this.path is not None and last.path is not None and this.path.resolve() == last.path.resolve():
        return [year_finding(SAME_BOOK, f"上年工作簿与本年工作簿是同一个文件：{this.path.name}。",
                             Location(file=this.path.name))]

    def crashed(c: CheckFunction, exc: Exception) -> Finding:  # the others still run
        return year_finding(CRASH, f"跨年度核对的检查“{c.name}”出错：{type(exc).__name__}: {exc}",
                            Location(file=this.path.name))

    return CHECKS.run("years", YearContext(this, last), crashed)


# -- unit identity across years ----------------------------------------------------------------------
_UNIT_NOISE = ("（", "）", "(", ")", " ", "\u3000", "：", ":")


def unit_key(name: str) -> str:
    """A unit's name as compared across years: no spaces, brackets or a 单位/部门 prefix."""
    s = name.strip()
    for prefix in ("单位名称", "部门名称", "单位", "部门", "编制单位"):
        if s.startswith(prefix) and len(s) > len(prefix) + 1:
            s = s[len(prefix):]
            break
    for ch in _UNIT_NOISE:
        s = s.replace(ch, "")
    return s


# -- the 上年对比 lines ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonLine:
    """One line of the 上年对比 sheet: last year's and this year's 决算数 and the change."""

    group: str  # 收入支出决算总表 / 基本支出 / “三公”经费
    label: str
    last: Decimal | None
    this: Decimal | None

    @property
    def change(self) -> Change | None:
        if self.last is None or self.this is None:
            return None
        return change(self.this, self.last)


def _zero(cell: Cell | None) -> bool:
    return cell is None or cell.amount == 0


def comparison_lines(this: Book, last: Book) -> list[ComparisonLine]:
    """The lines both years state (T1's rows, T3/T6 totals, T7's items), last year's under this
    year's codes."""
    prior = prior_of(this, last)
    this_year = prior.this_year
    out: list[ComparisonLine] = []
    t1, p1 = this.table("T1"), last.table("T1")
    if t1 is not None and p1 is not None:
        lines = prior.lines(p1, "决算数")
        for key, row in t1.rows.items():
            cell = row.values.get("决算数")
            if cell is None or "/" in key:
                continue
            prev = lines.get(key)
            if prev is None and cell.amount == 0:
                continue
            if prev is not None and prev[0] == 0 and cell.amount == 0:
                continue  # nothing either year: not a line worth comparing
            label = key if not (row.code and codes.is_code(row.code)) else \
                f"{row.code} {codes.function_name(row.code, this_year or 2019) or row.label}"
            out.append(ComparisonLine("收入支出决算总表", label, prev[0] if prev else None, cell.amount))
    for tid, keys, column, group in (("T3", ("基本支出", "项目支出"), None, "支出决算表"),
                                     ("T6", ("人员经费合计", "公用经费合计"), "决算数", "基本支出")):
        t, p = this.table(tid), last.table(tid)
        if t is None or p is None:
            continue
        for key in keys:
            a = t.cell("合计", key) if column is None else t.cell(key, column)
            b = p.cell("合计", key) if column is None else p.cell(key, column)
            if (a is not None or b is not None) and not (_zero(a) and _zero(b)):
                out.append(ComparisonLine(group, key, b.amount if b is not None else None,
                                          a.amount if a is not None else None))
    t7, p7 = this.table("T7"), last.table("T7")
    if t7 is not None and p7 is not None and t7.row("决算数") is not None and p7.row("决算数") is not None:
        for col in t7.tdef.column_keys:
            a, b = t7.cell("决算数", col), p7.cell("决算数", col)
            if (a is not None or b is not None) and not (_zero(a) and _zero(b)):
                out.append(ComparisonLine("“三公”经费", "“三公”经费合计" if col == "合计" else col,
                                          b.amount if b is not None else None, a.amount if a is not None else None))
    return out


def unmatched_unit(book: Book, this_year: bool = True) -> Finding:
    """A unit found in one year's folder only (``validate --previous-dir``)."""
    name = book.unit_name or book.path.stem
    if this_year:
        text = f"单位“{name}”在上年文件夹中没有找到对应的工作簿（按单位名称及文件名匹配），未做跨年度核对。"
    else:
        text = f"上年单位“{name}”在本年文件夹中没有找到对应的工作簿。"
    return year_finding(UNIT_ONLY_ONE_YEAR, text, Location(file=book.path.name))
