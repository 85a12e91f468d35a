"""Core layer: the standard tables of the 部门决算 disclosure, as data.

One source of truth for the recogniser (``tables.recognise``), the writers (sample data,
templates) and the rule packs: each table has a canonical title, the keys of its columns and,
where the official form fixes them, of its rows. Keys are the Chinese names accountants use, so
rule packs read like the forms (``T1[本年收入合计].决算数``); code identifiers stay English.

Sources: 财政部 部门决算报表编制说明; docs/rules.md §1 (tables), §2 (codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
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
    optional: bool = False  # printed by some forms only; the writer prints it when it has values

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


def _rows(side: str, *specs: str | tuple[str, ...], parent: str = "", optional: bool = False
          ) -> tuple[RowDef, ...]:
    out = []
    for spec in specs:
        key, *aliases = (spec,) if isinstance(spec, str) else spec
        if parent and "/" not in key:  # a sub-row is keyed under its parent: 年末结转和结余/经营结余
            key, aliases = f"{parent}/{key}", [key, *aliases]
        out.append(RowDef(key, tuple(aliases), side, parent, optional))
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

# Sub-rows some forms print under a T1 row (2019 central template and provinces): kept under
# their parent's key ("年末结转和结余/基本支出结转"), matched only after the parent row.
_CARRY_PARTS = ("基本支出结转", ("项目支出结转和结余", "项目支出结转结余", "项目支出结转"), "经营结余")
_SURPLUS_PARTS = ("交纳所得税", "提取职工福利基金", "转入事业基金", ("其他", "其他结余分配"))

T1 = TableDef(
    id="T1",
    title="收入支出决算总表",
    kind=FIXED,
    columns=_cols(("决算数", "金额", "本年决算数", "决算金额", "本年数"), ("年初预算数", "年初预算"),
                  ("调整预算数", "调整预算", "全年预算数", "全年预算"), ("上年决算数", "上年数"),
                  optional=("年初预算数", "调整预算数", "上年决算数")),
    rows=(
        *_rows("收入", *T1_INCOME_ROWS),
        *_rows("收入", "本年收入合计",
               ("使用非财政拨款结余", "用事业基金弥补收支差额", "使用非财政拨款结余(含专用结余)"),
               ("年初结转和结余", "上年结转和结余", "年初结转结余"), ("收入总计", "总计")),
        *_rows("收入", *_CARRY_PARTS, parent="年初结转和结余", optional=True),
        # 支出 side: one row per 功能分类 类 (keyed by its 3-digit code), then these.
        *_rows("支出", "本年支出合计", "结余分配", ("年末结转和结余", "年末结转结余"),
               ("支出总计", "总计")),
        *_rows("支出", *_SURPLUS_PARTS, parent="结余分配", optional=True),
        *_rows("支出", *_CARRY_PARTS, parent="年末结转和结余", optional=True),
    ),
    title_aliases=("收入支出决算总表(财决01表)", "部门收支决算总表"),
    sides=(("收入", ("决算数", "年初预算数", "调整预算数", "上年决算数")),
           ("支出", ("决算数", "年初预算数", "调整预算数", "上年决算数"))),
)

T2 = TableDef(
    id="T2",
    title="收入决算表",
    title_aliases=("收入决算总表", "部门收入决算表"),
    kind=CODED,
    code_system="功能分类",
    columns=_cols(("本年收入合计", "合计", "收入合计"), ("财政拨款收入", "财政拨款"),
                  ("上级补助收入",), ("事业收入",), ("经营收入",), ("附属单位上缴收入",),
                  ("其他收入",)),
)

T3 = TableDef(
    id="T3",
    title="支出决算表",
    title_aliases=("支出决算总表", "部门支出决算表"),
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
    title_aliases=("一般公共预算财政拨款基本支出决算明细表", "财政拨款基本支出决算表", "基本支出决算明细表",
                   "一般公共预算基本支出决算表", "一般公共预算财政拨款基本支出决算明细"),
    kind=CODED,
    code_system="经济分类",
    # Some provinces print one row per 经济分类 with the columns 合计 / 人员经费 / 公用经费.
    columns=_cols(("决算数", "金额", "合计", "决算数合计"), "人员经费", "公用经费",
                  optional=("人员经费", "公用经费")),
    rows=_rows("", "人员经费合计", "公用经费合计"),
    # In that layout the 合计 row's 人员经费 / 公用经费 cells are the two totals the other
    # layouts print as rows: (row, column) of the form → (row, column) of the standard table.
    extra={"cell_aliases": {("合计", "人员经费"): ("人员经费合计", "决算数"),
                            ("合计", "公用经费"): ("公用经费合计", "决算数")},
           # A heading row over each part of a one-column form (湖南 邵东): not a header, not a line.
           "section_rows": ("人员经费", "公用经费")},
)

T7_COLUMNS = ("合计", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费",
              "公务用车运行维护费", "公务接待费")

T7 = TableDef(
    id="T7",
    title="一般公共预算财政拨款“三公”经费支出决算表",
    title_aliases=("三公经费支出决算表", "“三公”经费支出决算表", "财政拨款“三公”经费支出决算表",
                   "“三公”经费及会议费、培训费支出决算表", "“三公”经费及会议费培训费支出决算表",
                   "“三公”经费、会议费、培训费支出决算表", "三公经费支出情况表", "“三公”经费支出决算情况表",
                   "“三公”经费决算情况表", "“三公”经费决算表", "“三公”经费汇总情况决算表"),
    kind=FIXED,
    columns=_cols(("合计", "三公经费合计", "三公经费支出", "三公经费支出合计", "三公经费", "支出合计", "总计"),
                  ("因公出国(境)费", "因公出国（境）费", "因公出国(境)费用", "因公出国(境)经费"),
                  ("公务用车购置及运行维护费", "公务用车购置及运行费", "公务用车费", "小计"),
                  ("公务用车购置费", "公务用车购置", "购置费"),
                  ("公务用车运行维护费", "公务用车运行费", "公务用车运行维护", "运行维护费", "运行费"),
                  "公务接待费", "会议费", "培训费", optional=("会议费", "培训费")),
    # 上年决算数 is optional (some provinces print it; the narrative compares with it).
    rows=_rows("", ("预算数", "年初预算数", "预算", "全年预算数", "本年预算数"), ("决算数", "决算", "本年决算数"),
               ("上年决算数", "上年数")),
    # The vertical layout (items as rows) ends with counts, never money: 二、相关统计数 and rows
    # such as 因公出国(境)团组数(个). They are recorded as skipped, never read as amounts.
    extra={"count_block": ("相关统计数", "统计数"),
           "count_words": ("团组数", "人次", "人数", "批次", "辆", "(个)", "(人)", "(辆)", "数量", "保有量",
                           "购置数")},
)

_FUND_TABLE_COLUMNS = _cols(("年初结转和结余", "年初结转结余"), ("本年收入",),
                            ("本年支出合计", "本年支出", "合计"), ("基本支出",), ("项目支出",),
                            ("年末结转和结余", "年末结转结余"))

T8 = TableDef(
    id="T8",
    title="政府性基金预算财政拨款收入支出决算表",
    title_aliases=("政府性基金预算财政拨款支出决算表",),
    kind=CODED,
    code_system="功能分类",
    columns=_FUND_TABLE_COLUMNS,
    empty_note="本单位本年度无政府性基金预算财政拨款收入支出",
)

T9 = TableDef(
    id="T9",
    title="国有资本经营预算财政拨款支出决算表",
    title_aliases=("国有资本经营预算财政拨款收入支出决算表",),
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

# Tables some provinces publish beside the nine (四川's 13 附表) whose titles contain a public
# table's (“…项目支出决算表” contains 支出决算表): never read as that table; they end the table above.
OTHER_TITLES = ("一般公共预算财政拨款项目支出决算表", "项目支出决算表", "项目支出决算明细表",
                "财政拨款支出决算明细表", "一般公共预算财政拨款支出决算明细表", "政府采购支出决算表",
                "国有资产占用情况表")
SELF_EVALUATION_FORMS = (PE, PP)
ALL_TABLES = PUBLIC_TABLES + SELF_EVALUATION_FORMS
BY_ID = {t.id: t for t in ALL_TABLES}

EDITIONS = {
    "2018": ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"),
    "2019": ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"),
}


@dataclass(frozen=True)
class Edition:
    """What a year's forms hold: which public tables, and the 功能分类 类 of that year."""

    id: str  # "2018" (eight tables) or "2019" (nine, from the 2019 books on)
    year: int | None
    table_ids: tuple[str, ...]
    classes: dict = field(compare=False, hash=False, default_factory=dict)  # code → name that year


@lru_cache(maxsize=64)
def edition_for(year: int | None) -> Edition:
    """The edition of a book of ``year`` (the newest when unknown): tables and class list."""
    from . import codes

    eid = "2018" if year is not None and year <= 2018 else "2019"
    return Edition(eid, year, EDITIONS[eid], codes.classes(year))


# Header vocabulary shared by every table (normalised forms). Code and label columns, the split
# 类/款/项 code, and columns that number rows or columns (栏次/行次): those hold integers that are
# never money.
CODE_HEADERS = frozenset({"科目编码", "功能分类科目编码", "经济分类科目编码", "编码", "科目代码", "代码",
                          "支出功能分类科目编码", "支出经济分类科目编码"})
SPLIT_CODE_HEADERS = ("类", "款", "项")
LABEL_HEADERS = frozenset({"科目名称", "项目", "名称", "功能分类科目名称", "经济分类科目名称", "支出功能分类科目",
                           "项目(按功能分类)", "项目(按经济分类)", "机构名称", "支出内容", "单位名称",
                           "支出功能分类科目名称", "支出经济分类科目名称", "科目", "项目名称"})
NUMBERING_HEADERS = frozenset({"行次", "栏次", "序号"})
IGNORED_HEADERS = frozenset({"会计凭证号", "备注", "说明"})
TOTAL_LABELS = frozenset({"合计", "总计", "本年合计"})
# Rows that end a table's data: notes under it, or a statement that the table is empty.
NOTE_PREFIXES = ("注:", "注1", "注2", "注3", "注释", "说明:", "备注:", "填报说明", "附注")
EMPTY_STATEMENTS = (r"本表为空|为空表|空表|无数据|没有.{0,40}(数据|收入|支出|经费)|"
                    r"(无|未发生|未安排).{0,30}(收入|支出|经费)")


# -- the user's alias file -------------------------------------------------------------------------
@dataclass(frozen=True)
class Aliases:
    """Extra wordings for a local template (the alias file): per table id, title wordings, and
    column / row key → wordings. ``classes`` maps a 功能分类 类 name to its code."""

    titles: dict = field(default_factory=dict)  # table id → (title, ...)
    columns: dict = field(default_factory=dict)  # table id → {column key: (wording, ...)}
    rows: dict = field(default_factory=dict)  # table id → {row key: (wording, ...)}
    classes: dict = field(default_factory=dict)  # class name → 3-digit code
    source: str = ""

    def __bool__(self) -> bool:
        return bool(self.titles or self.columns or self.rows or self.classes)


def with_aliases(aliases: Aliases | None) -> tuple[TableDef, ...]:
    """Every table's definition with the alias file's wordings added (the catalog unchanged)."""
    if not aliases:
        return ALL_TABLES
    out = []
    for t in ALL_TABLES:
        titles = aliases.titles.get(t.id, ())
        cols = aliases.columns.get(t.id, {})
        rows = aliases.rows.get(t.id, {})
        if not (titles or cols or rows):
            out.append(t)
            continue
        columns = tuple(replace(c, aliases=(*c.aliases, *cols.get(c.key, ()))) for c in t.columns)
        row_defs = tuple(replace(r, aliases=(*r.aliases, *rows.get(r.key, ()))) for r in t.rows)
        # Row keys a table has no RowDef for (codes of a CODED table): new rows with their wordings.
        known = {r.key for r in t.rows}
        row_defs += tuple(RowDef(k, tuple(v)) for k, v in rows.items() if k not in known)
        out.append(replace(t, title_aliases=(*t.title_aliases, *titles), columns=columns, rows=row_defs))
    return tuple(out)


_PUNCT = str.maketrans({"（": "(", "）": ")", "“": "", "”": "", '"': "", "‘": "", "’": "", "：": ":",
                        "　": "", " ": "", "\u00a0": "", "\n": "", "\r": "", "\t": ""})
_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+、|\(?[一二三四五六七八九十]+\)|\d+[、.．]|[(（]\d+[)）])")


def normalise_label(text: object) -> str:
    """The comparable form of a label: no spaces, ASCII brackets, no quotes, no list ordinal.

    Forms write “一、一般公共服务支出”, “其中：基本支出”, “1、局机关” for the same row keys.
    """
    if text is None:
        return ""
    return normalise_text(text if isinstance(text, str) else str(text))


@lru_cache(maxsize=65536)
def normalise_text(text: str) -> str:
    """``normalise_label`` of a ``str`` (the recogniser's hot loops call it directly)."""
    # Cached: every book repeats the same header and row labels, and this is the recogniser's
    # hottest function.
    s = text.translate(_PUNCT)
    s = _ORDINAL.sub("", s)
    for prefix in ("其中:", "其中"):
        if s.startswith(prefix) and len(s) > len(prefix):
            s = _ORDINAL.sub("", s[len(prefix):])  # 其中：(1)公务用车购置费
            break
    return s.rstrip(":")
