"""Core layer (narrative): the “较上年” statements of a 情况说明 against last year's book itself.

Without last year's book a “比上年增加/减少…” statement can only be checked against the 上年 column
this year's book prints (``book.check_table_changes``), which the accountant copied by hand. With
it (``narrative check --previous``), the change is recomputed from last year's 决算数 for the same
line (``book.change_cells`` says where the line sits; ``pytoolkit.metrics.change`` computes it):
a statement that disagrees is ``Y.narrative_previous``; where this year's book's 上年 figure for
that line disagrees with last year's book, the two sources contradict each other and that is its
own finding, ``Y.previous_conflict`` (located at this year's 上年 cell).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, Location, Severity
from ..metrics import change, format_percent, format_wan
from ..rules.years import GROUP as YEARS
from ..rules.years import NARRATIVE_PREVIOUS, PREVIOUS_CONFLICT, YEAR_RULES
from .binding import wan
from .book import _matches, _truncated, change_cells
from .context import NarrativeContext, finding, narrative_check, rate_after


def _value(book, tid: str, row: str, col: str):
    t = book.table(tid) if book is not None else None
    cell = t.cell(row, col) if t is not None else None
    return cell


@narrative_check("previous_year",
                 "有上年决算时，文中“比上年增加/减少”按上年决算本身重新计算应一致；本年报表的上年数与上年决算不符的另行报告。",
                 ("Y.narrative_previous", "Y.previous_conflict"))
def check_previous_year(ctx: NarrativeContext) -> Iterator[Finding]:
    last = ctx.previous
    if last is None:
        return
    conflicts: set[str] = set()
    for ex, d in ctx.claims():
        if d.kind != "amount" or d.relation != "change" or d.base != "上年" or not d.key:
            continue
        spec = change_cells(d.key)
        if spec is None:
            continue
        tid, now_at, prev_at, desc = spec
        before_cell = _value(last, tid, *now_at)
        if before_cell is None:
            continue
        before = before_cell.amount
        now_cell = _value(ctx.book, tid, *now_at)
        if now_cell is not None:
            now = now_cell.amount
        else:
            stated, certain = ctx.binder.current_for(ex, d)
            if stated is None or not certain:
                continue
            now = stated.value
        name = last.path.name
        copied = _value(ctx.book, tid, *prev_at)
        if copied is not None and copied.value is not None and copied.value != before and d.key not in conflicts:
            conflicts.add(d.key)
            yield Finding(PREVIOUS_CONFLICT, YEAR_RULES[PREVIOUS_CONFLICT][0],
                          f"文中“{d.key}”比上年的增减所依据的上年数两处不一致：本年报表{desc}上年决算数为"
                          f"{format_wan(copied.value)}（{copied.ref}），上年决算《{name}》为{format_wan(before)}"
                          f"（{before_cell.ref}）。",
                          Location.at(copied.ref, ctx.book.path.name), before, copied.value, table=tid,
                          related=(f"上年《{name}》{before_cell.ref}",), group=YEARS)
        ch = change(now, before)
        if ch.direction != d.direction or not _matches(d, abs(ch.amount)):
            yield finding(NARRATIVE_PREVIOUS, Severity.ERROR,
                          f"文中“{d.key}”比上年{d.direction}{wan(d)}，按上年决算《{name}》{desc}（上年"
                          f"{format_wan(before)}，本年{format_wan(now)}）应为{ch.describe()}。", ex, d,
                          abs(ch.amount), d.value)
            continue
        r = rate_after(ex, d)
        if r is not None and ch.rate is not None and r.value != abs(ch.rate):
            cut = "（截断而非四舍五入）" if _truncated(r, abs(ch.amount), before) else ""
            yield finding(NARRATIVE_PREVIOUS, Severity.ERROR,
                          f"文中增减率{r.written}，按上年决算《{name}》{desc}（上年{format_wan(before)}）应为"
                          f"{format_percent(abs(ch.rate))}{cut}。", ex, r, abs(ch.rate), r.value)

