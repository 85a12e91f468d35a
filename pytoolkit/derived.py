"""Core layer: the derived figures of the disclosure (完成率, 增减, 占比, 等次) from a recognised book.

Every figure is computed by ``pytoolkit.metrics`` from the tables' exact values, so the CLI, the
narrative writer and the Excel ribbon show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .metrics import Change, change, completion_rate, format_percent, format_wan, grade, share
from .model import Book
from .tables import codes


@dataclass(frozen=True)
class Figure:
    group: str  # 收支总体 / 支出结构 / 完成预算 / 三公经费 / 绩效自评
    subject: str  # what the figure is about, as the narrative names it
    text: str  # the published phrase
    value: Decimal | None = None


def _amount(book: Book, table: str, row: str, col: str) -> Decimal | None:
    t = book.table(table)
    cell = t.cell(row, col) if t else None
    return cell.value if cell else None


def _change_text(c: Change) -> str:
    return c.describe()


def derived_figures(book: Book) -> list[Figure]:
    out: list[Figure] = []
    income = _amount(book, "T1", "本年收入合计", "决算数")
    spending = _amount(book, "T1", "本年支出合计", "决算数")
    for subject, key, value in (("本年收入合计", "本年收入合计", income), ("本年支出合计", "本年支出合计", spending)):
        if value is None:
            continue
        prior = _amount(book, "T1", key, "上年决算数")
        text = format_wan(value)
        if prior is not None:
            text += "，" + _change_text(change(value, prior))
        out.append(Figure("收支总体", subject, text, value))
    t3 = book.table("T3")
    if t3 and t3.row("合计"):
        total = t3.cell("合计", "本年支出合计")
        for col in ("基本支出", "项目支出"):
            part = t3.cell("合计", col)
            if part is not None and part.value is not None and total is not None:
                s = share(part.value, total.value)
                out.append(Figure("支出结构", col, f"{format_wan(part.value)}，占本年支出合计的{format_percent(s)}", s))
    t5 = book.table("T5")
    if t5 is not None and "年初预算数" in t5.columns:
        for row in t5.rows.values():
            if row.code and codes.level(row.code) != 3 and row.key != "合计":
                continue
            budget, actual = row.get("年初预算数"), row.get("合计")
            if actual is None:
                continue
            rate = completion_rate(actual.value, budget.value if budget else None)
            b = budget.value if budget is not None else None
            if rate is None:
                text = f"决算{format_wan(actual.amount)}，无年初预算"
            else:
                rel = "大于" if actual.amount > b else ("小于" if actual.amount < b else "等于")
                text = (
                    f"年初预算{format_wan(b)}，决算{format_wan(actual.amount)}，完成年初预算的"
                    f"{format_percent(rate)}，决算数{rel}年初预算数"
                )
            subject = "一般公共预算财政拨款支出合计" if row.key == "合计" else f"{row.code} {row.label}"
            out.append(Figure("完成预算", subject, text, rate))
    t7 = book.table("T7")
    if t7 is not None and t7.row("决算数"):
        actual = t7.cell("决算数", "合计")
        budget = t7.cell("预算数", "合计")
        prior = t7.cell("上年决算数", "合计")
        if actual is not None:
            text = f"决算{format_wan(actual.amount)}"
            if budget is not None:
                rate = completion_rate(actual.amount, budget.value)
                text += f"，预算{format_wan(budget.amount)}，" + (
                    f"完成预算的{format_percent(rate)}" if rate is not None else "无预算"
                )
            if prior is not None and prior.value is not None:
                text += "，" + _change_text(change(actual.amount, prior.value))
            out.append(Figure("三公经费", "“三公”经费合计", text, actual.value))
    for t in [*book.all("PE"), *book.all("PP")]:
        score = t.fields.get("绩效自评综合得分")
        if score is not None and score.value is not None:
            g = grade(score.value)
            out.append(Figure("绩效自评", t.tdef.title, f"综合得分{score.value}分，评价等次：{g.long}", score.value))
    return out
