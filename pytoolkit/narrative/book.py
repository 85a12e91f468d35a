"""Core layer (narrative): the figures of a 情况说明 against the book's tables and 绩效自评 forms.

Where a figure of the text sits in the tables (``book_values``) follows the catalog's rows and
columns (the narrative ↔ table relations); every expected figure is computed by
``pytoolkit.metrics`` (completion rate, share, change) from the cells. A percentage of the text is
recomputed on the same binding as the internal checks (``binding``): the figures it is bound to are
looked up in the tables instead of taken from the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

from ..findings import Finding, Severity
from ..metrics import change, completion_rate, format_percent, format_wan, round_half_up, share
from ..model import Book, Table
from ..tables.catalog import SUMMARY_UNIT, T7_COLUMNS
from .binding import part_of, wan
from .claims import Claim, find_key
from .context import (
    TABLE_SCOPES,
    NarrativeContext,
    finding,
    narrative_check,
    rate_after,
    scores,
    tolerance,
    truncated,
)

_HALF = Decimal("0.005")
# The text's names of the 三公 figures are the 三公 table's column names; 三公经费 is its 合计.
_T7_COLUMN = {"三公经费": T7_COLUMNS[0], **{k: k for k in T7_COLUMNS[1:]}}


def _truncated(stated: Claim, numerator: Decimal, denominator: Decimal) -> bool:
    if denominator == 0:
        return False
    return truncated(stated, Fraction(numerator) * 100 / Fraction(denominator))


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
    if c.unit == "万元" and c.places <= 2:
        return c.value == round_half_up(v, 2)
    return abs(c.value - v) <= max(c.half, _HALF)


def _emit_once(seen: set, key: tuple) -> bool:
    if key in seen:
        return False
    seen.add(key)
    return True


@narrative_check("table_amounts", "文中金额应与公开表中同一项目的金额一致。",
                 ("N.table.amount",))
def check_table_amounts(ctx: NarrativeContext) -> Iterator[Finding]:
    if ctx.book is None:
        return
    seen: set = set()
    for ex, c in ctx.claims():
        if c.kind != "amount" or c.relation != "" or not c.key or c.scope not in TABLE_SCOPES or c.depth > 1:
            continue
        cands = book_values(ctx.book, c.key, c.role, c.scope)
        if not cands or any(_matches(c, v) for v, _ in cands):
            continue
        v, desc = cands[0]
        if _emit_once(seen, (c.key, c.role, c.value, v)):
            yield finding("N.table.amount", Severity.ERROR,
                          f"文中{c.role if c.role != '决算' else ''}“{c.key.split(':')[-1]}”为{wan(c)}，"
                          f"{desc}为{format_wan(v)}。", ex, c, v, c.value)


def change_cells(key: str) -> tuple[str, tuple[str, str], tuple[str, str], str] | None:
    """Where the figure a “比上年” statement is about sits: (table, this year's (row, column), the
    (row, column) of its 上年 figure in the same book, description); None for a key no table has."""
    if key in _T7_COLUMN:
        col = _T7_COLUMN[key]
        return "T7", ("决算数", col), ("上年决算数", col), f"“三公”经费表“{col}”"
    row = {"收支总计": "收入总计", "财政拨款收入": "一般公共预算财政拨款收入",
           "财政拨款支出": "本年支出合计", "一般公共预算财政拨款支出": "本年支出合计"}.get(key, key)
    if row in ("本年收入合计", "本年支出合计", "收入总计", "支出总计", "一般公共预算财政拨款收入"):
        return "T1", (row, "决算数"), (row, "上年决算数"), f"收入支出决算总表“{row}”"
    return None


def _prior_cells(book: Book, key: str, scope: str) -> tuple[Decimal | None, Decimal | None, str]:
    spec = change_cells(key)
    if spec is None:
        return None, None, ""
    tid, now, prev, desc = spec
    t = book.table(tid)
    return _cell(t, *now), _cell(t, *prev), desc


@narrative_check("table_changes", "文中“比上年增加/减少”的金额和增减率应与本年报表的本年数、上年数算出的一致。",
                 ("N.table.change", "N.table.percent", "N.truncated"))
def check_table_changes(ctx: NarrativeContext) -> Iterator[Finding]:
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
                          f"文中“{d.key}”比上年{d.direction}{wan(d)}，按{desc}（本年{format_wan(now)}，上年"
                          f"{format_wan(prev)}）应为{ch.describe()}。", ex, d, abs(ch.amount), d.value)
            continue
        r = rate_after(ex, d)
        if r is not None and ch.rate is not None and r.value != abs(ch.rate):
            rule = "N.truncated" if _truncated(r, abs(ch.amount), prev) else "N.table.percent"
            yield finding(rule, Severity.ERROR,
                          f"文中增减率{r.written}，按{desc}应为{format_percent(abs(ch.rate))}"
                          f"{'（截断而非四舍五入）' if rule == 'N.truncated' else ''}。", ex, r, abs(ch.rate), r.value)


@narrative_check("table_percents", "文中占比、完成预算百分比按公开表中相应金额重新计算应一致，四舍五入而非截断。",
                 ("N.table.percent", "N.truncated", "N.zero_base"))
def check_table_percents(ctx: NarrativeContext) -> Iterator[Finding]:
    """A share or completion rate recomputed from the table cells of the figures it is bound to."""
    if ctx.book is None:
        return
    for ex, p in ctx.claims():
        if p.kind != "percent" or p.scope not in TABLE_SCOPES or p.relation not in ("completion", "share"):
            continue
        a = b = None
        readings = [r for r in ctx.binder.readings(ex, p) if r.certain and len(r.numerator.claims) == 1
                    and len(r.denominator.claims) == 1]
        if readings:
            num, den = readings[0].numerator.claims[0], readings[0].denominator.claims[0]
            a = book_values(ctx.book, num.key, num.role, num.scope)
            b = book_values(ctx.book, den.key, den.role, den.scope)
        elif p.relation == "share" and p.whole and find_key(p.whole) in ("本年支出合计", "本年收入合计"):
            # “占本年支出合计的…%” names a 收入支出决算总表 figure the text need not restate.
            part = part_of(ex, p)
            if part is not None:
                a = book_values(ctx.book, part.key, part.role, part.scope)
                b = book_values(ctx.book, find_key(p.whole), "决算", "T1")[:1]
        if not a or not b:
            continue
        av, bv = a[0][0], b[0][0]
        expected = completion_rate(av, bv) if p.relation == "completion" else share(av, bv)
        if expected is None:
            if p.relation == "completion":
                yield finding("N.zero_base", Severity.ERROR,
                              f"{b[0][1]}为0，不应计算完成预算百分比（应写“无年初预算”）。", ex, p, None, p.value)
            continue
        exact = Fraction(av) * 100 / Fraction(bv)
        if p.value == round_half_up(Decimal(exact.numerator) / Decimal(exact.denominator), p.places) \
                or p.value == expected:
            continue
        rule = "N.truncated" if _truncated(p, av, bv) else "N.table.percent"
        yield finding(rule, Severity.ERROR,
                      f"文中{p.written}，按公开表（{a[0][1]}{format_wan(av)}÷{b[0][1]}{format_wan(bv)}）应为"
                      f"{format_percent(expected)}{'（截断而非四舍五入）' if rule == 'N.truncated' else ''}。",
                      ex, p, expected, p.value)


# 整体支出绩效自评表 column of each text key (see samples.data on how PE is filled).
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


@narrative_check("pe", "文中收支、“三公”经费等决算数应与整体支出绩效自评表一致。",
                 ("N.pe",))
def check_pe(ctx: NarrativeContext) -> Iterator[Finding]:
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
                      f"文中“{c.key}”为{wan(c)}{more}，整体支出绩效自评表“{row.label}”{col}为{format_wan(v)}"
                      f"（{cell.ref}）。", ex, c, v, c.value)


def _same_name(a: str, b: str) -> bool:
    a, b = re.sub(r"[为是:\s]", "", a), re.sub(r"[为是:\s]", "", b)
    return len(a) >= 4 and len(b) >= 4 and (a in b or b in a)


_PROJECT = re.compile(r"项目“([^”]{2,60})”实际支出")


@narrative_check("pp", "文中项目的实际支出及所列项目支出明细之和应与项目支出绩效自评表一致。",
                 ("N.pp",))
def check_pp(ctx: NarrativeContext) -> Iterator[Finding]:
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
                                  f"文中项目“{m.group(1)}”实际支出{wan(amount)}，项目支出绩效自评表为{format_wan(spent)}。",
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
            if abs(s - total) > tolerance(g.parts):
                yield finding("N.pp", Severity.ERROR,
                              f"文中所列项目支出明细{len(g.parts)}项合计{format_wan(s)}，项目支出绩效自评表"
                              f"“支出合计”为{format_wan(total)}，相差{format_wan(abs(total - s))}。",
                              g.ex, g.parts[0], total, s)




@narrative_check("table_grade", "文中绩效自评得分应与绩效自评表的综合得分一致。",
                 ("N.grade",))
def check_book_grades(ctx: NarrativeContext) -> Iterator[Finding]:
    if ctx.book is None:
        return
    for ex in ctx.extractions:
        for sid, m in scores(ex):
            score = Decimal(m.group(2))
            forms = ctx.book.all("PP" if m.group(1) in ("项目支出", "项目") else "PE")
            fields = [t.fields.get("绩效自评综合得分") for t in forms]
            values = [f.value for f in fields if f is not None and getattr(f, "value", None) is not None]
            if values and score not in values:
                yield finding("N.grade", Severity.ERROR,
                              f"文中得分{score}分，绩效自评表综合得分为{values[0]}分。", ex, None,
                              values[0], score, sentence=sid)
