"""Core layer: the standard tables of the 部门决算 disclosure, as data.

One source of truth for the recogniser (``tables.recognise``), the writers (sample data,
templates) and the rule packs: each table has a canonical title, the keys of its columns and,
where the official form fixes them, of its rows. Keys are the Chinese names accountants use, so
rule packs read like the forms (``T1[本年收入合计].决算数``); code identifiers stay English.

Sources: 财政部 部门决算报表编制说明; RULES.md §1 (tables), §2 (codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# Row kinds
CODED = "coded"  # rows are 功能分类 or 经济分类 codes (类/款/项) plus a 合计 row
FIXED = "fixed"  # rows are fixed labels of the official form (T1, T4, T7)
FORM = "form"  # 绩效自评 forms: unit rows and labelled fields


@dataclass(frozen=True)
class ColumnDef:
    key: str
    aliases: tuple[str, ...] = ()
    optional: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.key, *self.aliases)


@dataclass(frozen=True)
class RowDef:
    key: str
    aliases: tuple[str, ...] = ()
    side: str = ""  # "收入" / "支出" on two-sided tables
    parent: str = ""  # a sub-row (年初结转和结余 by fund) belongs to this row key

    def names(self) -> tuple[str, ...]:
        return (self.key, *self.aliases)


@dataclass(frozen=True)
class TableDef:
    id: str
    title: str
    kind: str
    columns: tuple[ColumnDef, ...]
    rows: tuple[RowDef, ...] = ()
    title_aliases: tuple[str, ...] = ()
    code_system: str = ""  # "功能分类" or "经济分类" for CODED tables
    editions: tuple[str, ...] = ("2018", "2019")
    # Column keys per side of a two-sided table (T1, T4): income side first.
    sides: tuple[tuple[str, tuple[str, ...]], ...] = ()
    empty_note: str = ""  # what an empty table says, e.g. T8 "未发生政府性基金..."
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def column(self, key: str) -> ColumnDef:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)


def _cols(*specs: str | tuple[str, ...], optional: tuple[str, ...] = ()) -> tuple[ColumnDef, ...]:
    out = []
    for spec in specs:
        key, *aliases = (spec,) if isinstance(spec, str) else spec
        out.append(ColumnDef(key, tuple(aliases), key in optional))
    return tuple(out)


def _rows(side: str, *specs: str | tuple[str, ...], parent: str = "") -> tuple[RowDef, ...]:
    out = []
    for spec in specs:
        key, *aliases = (spec,) if isinstance(spec, str) else spec
        out.append(RowDef(key, tuple(aliases), side, parent))
    return tuple(out)


FUNDS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")

T1_INCOME_ROWS = (
    "一般公共预算财政拨款收入",
    "政府性基金预算财政拨款收入",
    "国有资本经营预算财政拨款收入",
    "上级补助收入",
    "事业收入",
    "经营收入",
    "附属单位上缴收入",
    "其他收入",
)

T1 = TableDef(
    id="T1",
    title="收入支出决算总表",
    kind=FIXED,
    columns=_cols("决算数", ("年初预算数", "年初预算"), ("调整预算数", "调整预算"),
                  ("上年决算数", "上年数"), optional=("年初预算数", "调整预算数", "上年决算数")),
    rows=(
        *_rows("收入", *T1_INCOME_ROWS),
        *_rows("收入", "本年收入合计", ("使用非财政拨款结余", "用事业基金弥补收支差额"),
               ("年初结转和结余", "上年结转和结余", "年初结转结余"), ("收入总计", "总计")),
        # 支出 side: one row per 功能分类 类 (keyed by its 3-digit code), then these.
        *_rows("支出", "本年支出合计", "结余分配", ("年末结转和结余", "年末结转结余"),
               ("支出总计", "总计")),
    ),
    sides=(("收入", ("决算数", "年初预算数", "调整预算数", "上年决算数")),
           ("支出", ("决算数", "年初预算数", "调整预算数", "上年决算数"))),
)

T2 = TableDef(
    id="T2",
    title="收入决算表",
    kind=CODED,
    code_system="功能分类",
    columns=_cols(("本年收入合计", "合计", "收入合计"), ("财政拨款收入", "财政拨款"),
                  ("上级补助收入",), ("事业收入",), ("经营收入",), ("附属单位上缴收入",),
                  ("其他收入",)),
)

T3 = TableDef(
    id="T3",
    title="支出决算表",
    kind=CODED,
    code_system="功能分类",
    columns=_cols(("本年支出合计", "合计", "支出合计"), ("基本支出",), ("项目支出",),
                  ("上缴上级支出",), ("经营支出",), ("对附属单位补助支出",)),
)

T4 = TableDef(
    id="T4",
    title="财政拨款收入支出决算总表",
    kind=FIXED,
    columns=_cols(("金额", "决算数"), "合计", *FUNDS),
    rows=(
        *_rows("收入", *FUNDS),
        *_rows("收入", "本年收入合计", ("年初财政拨款结转和结余", "年初结转和结余")),
        *_rows("收入", *(f"年初财政拨款结转和结余/{f}" for f in FUNDS),
               parent="年初财政拨款结转和结余"),
        *_rows("收入", ("收入总计", "总计")),
        *_rows("支出", "本年支出合计", ("年末财政拨款结转和结余", "年末结转和结余"),
               ("支出总计", "总计")),
    ),
    sides=(("收入", ("金额",)), ("支出", ("合计", *FUNDS))),
)

T5 = TableDef(
    id="T5",
    title="一般公共预算财政拨款支出决算表",
    kind=CODED,
    code_system="功能分类",
    columns=_cols(("年初预算数", "年初预算"), ("合计", "本年支出合计", "决算数合计"), ("基本支出",),
                  ("项目支出",), optional=("年初预算数",)),
)

T6 = TableDef(
    id="T6",
    title="一般公共预算财政拨款基本支出决算表",
    kind=CODED,
    code_system="经济分类",
    columns=_cols(("决算数", "金额")),
    rows=_rows("", "人员经费合计", "公用经费合计"),
)

T7_COLUMNS = ("合计", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费",
              "公务用车运行维护费", "公务接待费")

T7 = TableDef(
    id="T7",
    title="一般公共预算财政拨款“三公”经费支出决算表",
    title_aliases=("三公经费支出决算表", "“三公”经费支出决算表"),
    kind=FIXED,
    columns=_cols("合计", ("因公出国(境)费", "因公出国（境）费", "因公出国(境)费用"),
                  ("公务用车购置及运行维护费", "公务用车购置及运行费", "小计"),
                  ("公务用车购置费", "公务用车购置"), ("公务用车运行维护费", "公务用车运行费"),
                  "公务接待费"),
    # 上年决算数 is optional (some provinces print it; the narrative compares with it).
    rows=_rows("", ("预算数", "年初预算数", "预算"), ("决算数", "决算"), ("上年决算数", "上年数")),
)

_FUND_TABLE_COLUMNS = _cols(("年初结转和结余", "年初结转结余"), ("本年收入",),
                            ("本年支出合计", "本年支出", "合计"), ("基本支出",), ("项目支出",),
                            ("年末结转和结余", "年末结转结余"))

T8 = TableDef(
    id="T8",
    title="政府性基金预算财政拨款收入支出决算表",
    kind=CODED,
    code_system="功能分类",
    columns=_FUND_TABLE_COLUMNS,
    empty_note="本单位本年度无政府性基金预算财政拨款收入支出",
)

T9 = TableDef(
    id="T9",
    title="国有资本经营预算财政拨款支出决算表",
    kind=CODED,
    code_system="功能分类",
    columns=_FUND_TABLE_COLUMNS,
    editions=("2019",),
    empty_note="本单位本年度无国有资本经营预算财政拨款支出",
)

# 部门(单位)整体支出绩效自评表 (Hunan form): four blocks of unit rows, read as one table whose
# rows are the units and whose columns are the union of the blocks' columns.
PE_BLOCKS = (
    ("收入", ("收入合计", "上年结转", "公共财政拨款", "政府基金拨款", "纳入专户管理的非税收入拨款",
              "其他收入")),
    ("支出", ("支出合计", "基本支出", "人员支出", "公用支出", "项目支出", "结余")),
    ("三公", ("三公经费合计", "公务接待费", "公务用车运维费", "公务用车购置费", "因公出国费",
              "会议费")),
    ("资产", ("固定资产合计", "在用固定资产", "出租固定资产", "其他")),
)
SUMMARY_UNIT = "局机关及二级机构汇总"

PE = TableDef(
    id="PE",
    title="整体支出绩效自评表",
    title_aliases=("整体支出绩效评价自评报告", "整体支出绩效自评", "部门(单位)整体支出绩效自评表"),
    kind=FORM,
    columns=tuple(ColumnDef(k) for _, keys in PE_BLOCKS for k in keys),
    rows=_rows("", (SUMMARY_UNIT, "汇总", "合计")),
    extra={"blocks": PE_BLOCKS, "fields": ("绩效自评综合得分", "评价等次")},
)

PP_FUND_COLUMNS = ("计划安排资金", "实际到位资金", "实际支出", "结余")
PP_FUND_ROWS = ("合计", "中央财政", "省财政", "市财政", "县(市)财政", "其它")

PP = TableDef(
    id="PP",
    title="项目支出绩效自评表",
    title_aliases=("财政支出项目绩效评价自评报告", "项目支出绩效评价自评报告", "项目绩效自评表"),
    kind=FORM,
    columns=_cols(*PP_FUND_COLUMNS, "实际支出数"),
    rows=(*_rows("资金", *PP_FUND_ROWS), *_rows("明细", "支出合计")),
    extra={"fields": ("项目名称", "绩效自评综合得分", "评价等次")},
)

PUBLIC_TABLES = (T1, T2, T3, T4, T5, T6, T7, T8, T9)
SELF_EVALUATION_FORMS = (PE, PP)
ALL_TABLES = PUBLIC_TABLES + SELF_EVALUATION_FORMS
BY_ID = {t.id: t for t in ALL_TABLES}

EDITIONS = {
    "2018": ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"),
    "2019": ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"),
}

_PUNCT = str.maketrans({"（": "(", "）": ")", "“": "", "”": "", '"': "", "‘": "", "’": "", "：": ":",
                        "　": "", " ": "", "\u00a0": "", "\n": "", "\r": "", "\t": ""})
_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+、|\(?[一二三四五六七八九十]+\)|\d+[、.．]|[(（]\d+[)）])")


def normalise_label(text: object) -> str:
    """The comparable form of a label: no spaces, ASCII brackets, no quotes, no list ordinal.

    Forms write “一、一般公共服务支出”, “其中：基本支出”, “1、局机关” for the same row keys.
    """
    if text is None:
        return ""
    return _normalise(text if isinstance(text, str) else str(text))


@lru_cache(maxsize=65536)
def _normalise(text: str) -> str:
    # Cached: every book repeats the same header and row labels, and this is the recogniser's
    # hottest function.
    s = text.translate(_PUNCT)
    s = _ORDINAL.sub("", s)
    for prefix in ("其中:", "其中"):
        if s.startswith(prefix) and len(s) > len(prefix):
            s = s[len(prefix):]
    return s.rstrip(":")
