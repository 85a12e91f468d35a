"""Core layer (catalog): how one year's book relates to the year before.

Two kinds of table knowledge live here, both data:

- **Year links** (``YEAR_LINKS``): which cell of this year's book must equal which cell of last
  year's — the carry-over (this year's 年初结转和结余 is last year's 年末结转和结余, in total, by
  part and by fund type) and the 上年 figures this year's book repeats (T1's 上年决算数 column, T7's
  上年决算数 block: last year's 决算数 for the same line). Each link names its finding id.
- **The edition mapping** (``CODE_MOVES``): 功能分类 codes renumbered between two years, so that a
  line of last year's book is found under this year's code. Renamed codes keep their number and
  need no entry here (their names by year are in ``codes.FUNCTION_CODES``); a class that is new in a
  year (224 in 2019) has no line last year; a table new in an edition (T9 from 2019) takes its
  carry-over from the fund column of last year's T4.

Sources: 财政部《2018年政府收支分类科目》and《2019年政府收支分类科目》(the 2019 list renamed 207
文化体育与传媒支出 → 文化旅游体育与传媒支出, 210 医疗卫生与计划生育支出 → 卫生健康支出, 215 资源勘探信息等支出 →
资源勘探工业信息等支出, 220 国土海洋气象等支出 → 自然资源海洋气象等支出, 款 20805 行政事业单位离退休 →
行政事业单位养老支出; added class 224 灾害防治及应急管理支出 and moved 款 地震事务 from 220 into it); the
published 2018 and 2019+ disclosures of the layout corpus print the old and the new class names
(docs/two-years.md lists which). 财政部 部门决算报表编制说明: 年初结转和结余 = 上年年末结转和结余.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .catalog import FUNDS

# -- the edition mapping --------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeMove:
    """A 功能分类 code (and every code under it) renumbered from ``first_year`` on."""

    old: str  # the code up to ``first_year - 1`` (a 类 or 款; its 项 keep their last two digits)
    new: str  # the code from ``first_year``
    first_year: int
    name: str  # the line's name (the same in both years)
    source: str


CODE_MOVES: tuple[CodeMove, ...] = (
    CodeMove("22004", "22405", 2019, "地震事务",
             "财政部《2019年政府收支分类科目》：新设224类“灾害防治及应急管理支出”，地震事务由220类移入（22405）"),
)

# Codes new in a year: no line of the year before can match them (a 上年 figure there is 0).
NEW_CODES: dict[str, tuple[int, str]] = {
    "224": (2019, "财政部《2019年政府收支分类科目》新设“灾害防治及应急管理支出”类"),
}


def moves_between(last_year: int | None, this_year: int | None) -> tuple[CodeMove, ...]:
    """The renumberings that took effect after ``last_year`` up to ``this_year`` (none when either
    year is unknown: the books are then compared code for code)."""
    if last_year is None or this_year is None:
        return ()
    return tuple(m for m in CODE_MOVES if last_year < m.first_year <= this_year)


def forward(code: str, moves: Iterable[CodeMove]) -> str:
    """Last year's ``code`` under this year's numbering."""
    for m in moves:
        if code == m.old or (code.startswith(m.old) and len(code) > len(m.old)):
            return m.new + code[len(m.old):]
    return code


def is_new(code: str, last_year: int | None, this_year: int | None) -> bool:
    """The code did not exist in ``last_year``'s list but does in ``this_year``'s."""
    entry = NEW_CODES.get(code[:3])
    if entry is None or last_year is None or this_year is None:
        return False
    return last_year < entry[0] <= this_year


def restate(values: dict[str, tuple[Decimal, tuple]], moves: Iterable[CodeMove]) -> dict[str, tuple[Decimal, tuple]]:
    """Last year's coded amounts (code → (amount, cells)) under this year's codes.

    A moved line keeps its amount under its new code; the lines above it lose it in the old class
    and gain it in the new one (the new class's total is what moved into it, when the class is new).
    The cells that make each restated amount travel with it, so a finding can point at them.
    """
    moves = tuple(moves)
    if not moves:
        return dict(values)
    out: dict[str, tuple[Decimal, tuple]] = {}
    for code, (amount, cells) in values.items():
        out[forward(code, moves)] = (amount, cells)
    for m in moves:
        moved = values.get(m.old)
        if moved is None:
            continue
        amount, cells = moved
        # Ancestors of the old line lose it; ancestors of the new line gain it.
        for k in range(3, len(m.old), 2):
            old_parent = m.old[:k]
            if old_parent in out and not old_parent.startswith(m.new[:k]):
                a, c = out[old_parent]
                out[old_parent] = (a - amount, c + cells)
        for k in range(3, len(m.new), 2):
            new_parent = m.new[:k]
            a, c = out.get(new_parent, (Decimal(0), ()))
            out[new_parent] = (a + amount, c + cells)
    return out


# -- the year links -----------------------------------------------------------------------------------

CARRYOVER_TOTAL = "Y.carryover_total"
CARRYOVER_FUND = "Y.carryover_fund"
PREVIOUS_ACTUAL = "Y.previous_actual"
PE_CARRYOVER = "Y.pe_carryover"

EVERY_LINE = "*"  # every coded line of a CODED table (and its 合计), matched by code


@dataclass(frozen=True)
class YearLink:
    """This year's cell (``table``, ``row``, ``column``) must equal last year's (``prev_*``).

    ``row`` may be ``EVERY_LINE``: every coded row and the 合计 row, matched by (restated) code. A
    row of ``PREVIOUS_ROW`` kind (T7's 上年决算数 block) links each column to the same column of last
    year's ``prev_row``; a column link (T1's 上年决算数) each row to the same row. ``fallback`` is
    last year's cell to use when last year's book has no ``prev_table`` (T9 is new in 2019: its
    carry-over is last year's T4 国有资本经营预算 column).
    """

    rule: str
    table: str
    row: str
    column: str
    prev_table: str
    prev_row: str
    prev_column: str
    what: str  # Chinese: what the link is, for messages
    fallback: tuple[str, str, str] | None = None
    every_column: bool = False  # row link: every column of ``row`` ↔ the same column of ``prev_row``
    every_row: bool = False  # column link: every row having ``column`` ↔ the same row's ``prev_column``


YEAR_LINKS: tuple[YearLink, ...] = (
    # 收入支出决算总表: 年初结转和结余 (in total and by part) = last year's 年末结转和结余.
    YearLink(CARRYOVER_TOTAL, "T1", "年初结转和结余", "决算数", "T1", "年末结转和结余", "决算数",
             "收入支出决算总表“年初结转和结余”应等于上年“年末结转和结余”"),
    *(YearLink(CARRYOVER_TOTAL, "T1", f"年初结转和结余/{part}", "决算数", "T1", f"年末结转和结余/{part}", "决算数",
               f"收入支出决算总表年初“{part}”应等于上年年末“{part}”")
      for part in ("基本支出结转", "项目支出结转和结余", "经营结余")),
    # 财政拨款收入支出决算总表: in total and by fund type.
    YearLink(CARRYOVER_TOTAL, "T4", "年初财政拨款结转和结余", "金额", "T4", "年末财政拨款结转和结余", "合计",
             "财政拨款收入支出决算总表“年初财政拨款结转和结余”应等于上年“年末财政拨款结转和结余”"),
    *(YearLink(CARRYOVER_FUND, "T4", f"年初财政拨款结转和结余/{fund}", "金额", "T4", "年末财政拨款结转和结余", fund,
               f"年初{fund}结转和结余应等于上年年末{fund}结转和结余")
      for fund in FUNDS),
    # 政府性基金 / 国有资本经营: every line, by code.
    YearLink(CARRYOVER_FUND, "T8", EVERY_LINE, "年初结转和结余", "T8", EVERY_LINE, "年末结转和结余",
             "政府性基金预算财政拨款年初结转和结余应等于上年年末结转和结余"),
    YearLink(CARRYOVER_FUND, "T9", EVERY_LINE, "年初结转和结余", "T9", EVERY_LINE, "年末结转和结余",
             "国有资本经营预算财政拨款年初结转和结余应等于上年年末结转和结余",
             fallback=("T4", "年末财政拨款结转和结余", "国有资本经营预算财政拨款")),
    # The 上年 figures this year's book repeats.
    YearLink(PREVIOUS_ACTUAL, "T1", "", "上年决算数", "T1", "", "决算数",
             "收入支出决算总表“上年决算数”应等于上年决算", every_row=True),
    YearLink(PREVIOUS_ACTUAL, "T7", "上年决算数", "", "T7", "决算数", "",
             "“三公”经费支出决算表“上年决算数”应等于上年决算", every_column=True),
    # 整体支出绩效自评表: each unit's 上年结转 = its 结余 last year (plus any 使用非财政拨款结余 this year).
    YearLink(PE_CARRYOVER, "PE", EVERY_LINE, "上年结转", "PE", EVERY_LINE, "结余",
             "整体支出绩效自评表“上年结转”应等于上年同一单位的“结余”"),
)
