"""Core layer (render): the sheets of a consolidation (汇总), one design each for every output.

- 汇总说明 (``explain_grid``): what was consolidated (units, money units, eliminations), the
  绩效自评表 汇总 cells the user had filled (ribbon), and every finding with a link to its cell;
- the 汇总 tables themselves (``render.summary``, the official forms);
- 分户明细 (``detail_grid``): every line of the 汇总 (table, code, item, column) with each unit's
  figure side by side; at most ``result.detail_units`` units get their own column (Excel has
  16,384 columns, and a wider sheet is unreadable), the others are shown together;
- 分户主要指标 (``units_grid``): one row per unit (name, source, status, key figures), streamed
  from the consolidation's spool, so 10,000 units cost no more memory than 10;
- 分户对比图 (``chart_grid``): column charts comparing the first units.

The command line writes all of them into the 汇总 workbook (``workbook_grids``); the ribbon
paints the same designs into the open workbook. Line labels come from the codes and the year's
name lists (``line_label``), never from one unit's printed label, so the numbering cannot
differ between units.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from decimal import Decimal

from ..consolidate import KEY_FIGURES, ConsolidationResult
from ..findings import Finding, summary
from ..metrics import format_amount, to_decimal
from ..model import CellRef
from ..tables import catalog, codes
from ..tables.catalog import CODED, SUMMARY_UNIT
from .grid import Chart, Grid, Page, Stream, fit_width, text_width
from .look import (
    AMOUNT,
    CAPTION,
    CENTER,
    HEAD,
    LINK,
    NOTE,
    RULE_ID,
    SEVERITY_RANK,
    TEXT,
    TITLE,
    WRAP,
    severity_style,
)
from .summary import DEFAULT_YEAR, unmapped_note

EXPLAIN_SHEET = "汇总说明"
DETAIL_SHEET = "分户明细"
UNITS_SHEET = "分户主要指标"
CHART_SHEET = "分户对比图"
OWN_SHEETS = (EXPLAIN_SHEET, DETAIL_SHEET, UNITS_SHEET, CHART_SHEET)
CHART_UNITS = 30
MAX_LISTED_UNITS = 200  # 汇总说明 lists this many units; all of them are in 分户主要指标
MAX_LISTED_FINDINGS = 500  # the worst; every finding is in the 问题清单 report of a batch (and its JSON)
# A page of a wide sheet holds about this many width units (A4 landscape is about 135 at 100%):
# 分户明细 is split across pages rather than shrunk below about 75%.
PAGE_UNITS = 180


def kind(result: ConsolidationResult) -> str:
    return "合并" if result.adjustments else "汇总"


# ---------------------------------------------------------------------------------------------
# 汇总说明


def explain_grid(result: ConsolidationResult, findings: Sequence[Finding], *, sheets: Collection[str],
                 kept: Sequence[tuple[CellRef, object, Decimal]] = (), name: str = EXPLAIN_SHEET) -> Grid:
    """The 汇总说明 sheet.

    ``sheets``: the names of the sheets in the workbook it goes into (a finding or a cell on one
    of them becomes a link). ``kept``: cells of a 绩效自评表's 汇总 row holding the user's own
    number, left as they were (cell, the user's value, the sum of the unit rows).
    """
    g = Grid(name, toolkit=True)
    units = [u for u in result.units if u.role != "form"]
    included = result.included
    width = 9
    year = f"{result.year}年度" if result.year else ""
    department = "" if result.name == "汇总" else result.name  # consolidate's name when units share none
    g.box(1, 1, 1, width, f"{department}{year}部门决算{kind(result)}说明（决算工具生成，再次汇总时重写）", TITLE)
    money = "、".join(f"{unit}表{n}张" for unit, n in sorted(result.money_units.items()))
    lines = [
        f"汇总方式：完全汇总。参与汇总的单位{len(included)}个（共提供{len(units)}个）；行按科目编码（无编码的按行名）对应，"
        "列按表头对应，不按位置；任何一个单位有的行都列入汇总。",
        f"金额单位：汇总表一律为万元；各单位原表{money or '—'}，元表已按10000精确换算，"
        "全部用十进制精确相加，未经四舍五入。",
        "各单位先逐户校验，汇总后再按同样的勾稽关系校验一次；发现的问题列在本表下方。",
    ]
    if result.eliminate:
        done = [e for e in result.eliminations if e.amount]
        if done:
            lines.append(f"内部往来抵销（合并）：上级单位（本级）为“{result.parent}”；共抵销{len(done)}项，"
                         f"合计{format_amount(sum((e.amount for e in done), Decimal(0)))}万元，明细见下表。"
                         "汇总表为抵销后的合并数；整体支出绩效自评表、“三公”经费、固定资产为直接相加。")
        elif result.eliminations:
            lines.append(f"内部往来抵销：上级单位（本级）为“{result.parent}”；两方金额不等，未抵销，明细见下表。")
        else:
            lines.append(f"内部往来抵销：已要求抵销，但各单位之间没有内部往来（上级单位“{result.parent}”）。")
    else:
        lines.append("未抵销内部往来（汇总数为各单位直接相加）。")
    if result.eliminate and result.parent_reason:
        lines.append(f"上级单位的确定：{result.parent_reason}。")
    for tid, units_ in result.unmapped().items():
        lines.append(f"{tid} {catalog.BY_ID[tid].title}：" + unmapped_note(units_))
    if len(included) > result.detail_units:
        rest = len(included) - result.detail_units
        lines.append(f"“{DETAIL_SHEET}”逐列列示前{result.detail_units}个单位，其余{rest}个单位合并为一列；"
                     f"每个单位的主要指标见“{UNITS_SHEET}”。")
    r = 2
    for line in lines:
        r += 1
        g.box(r, 1, r, width, line, NOTE)
    columns: dict[int, list[str]] = {}

    def table(top: int, caption: str, heads: Sequence[str], rows: Iterable[Sequence[tuple[object, object]]]) -> int:
        g.box(top, 1, top, width, caption, CAPTION)
        g.row(top + 1, heads, HEAD)
        r = top + 1
        for row in rows:
            r += 1
            for c, (value, style) in enumerate(row, 1):
                g.put(r, c, value, style)
                if isinstance(value, str):
                    columns.setdefault(c, []).append(value)
        return r + 2

    r += 2
    r = table(r, "参与汇总的单位", ("序号", "单位", "来源", "金额单位", "状态", "错误", "核实"), (
        ((i, CENTER), (u.name, TEXT), (u.source, WRAP), ("、".join(u.money_units) or "—", CENTER), (u.status, TEXT),
         (u.errors, CENTER), (u.warnings, CENTER))
        for i, u in enumerate(result.units[:MAX_LISTED_UNITS], 1)))
    if len(result.units) > MAX_LISTED_UNITS:
        g.put(r - 1, 1, f"……其余{len(result.units) - MAX_LISTED_UNITS}个单位见“{UNITS_SHEET}”。", NOTE)
        r += 1
    if result.eliminations:
        r = table(r, "内部往来抵销", ("序号", "内部往来", "支付方", "收到方", "支付金额(万元)", "收到金额(万元)",
                                   "抵销金额(万元)", "说明"), (
            ((i, CENTER), (e.title, WRAP), ("、".join(e.payers), WRAP), ("、".join(e.receivers), WRAP),
             (e.paid, AMOUNT), (e.received, AMOUNT), (e.amount, AMOUNT),
             ("已抵销" if e.amount else "两方金额不等，未抵销，请核对", WRAP))
            for i, e in enumerate(result.eliminations, 1)))
    if kept:
        rows = []
        for i, (ref, value, total) in enumerate(kept, 1):
            mine = value if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
            rows.append(((i, CENTER), (f"{ref.sheet}!{ref.a1}", LINK if ref.sheet in sheets else TEXT),
                         (mine, AMOUNT if not isinstance(mine, str) else TEXT), (total, AMOUNT),
                         ("一致" if same_number(value, total) else "与各单位之和不同，请核对", TEXT)))
        top = r
        r = table(r, f"整体支出绩效自评表“{SUMMARY_UNIT}”行中已有您填写内容的单元格（未改动）",
                  ("序号", "单元格", "您填写的", "各单位之和", "说明"), rows)
        for i, (ref, _, _) in enumerate(kept):
            if ref.sheet in sheets:
                g.link(top + 2 + i, 2, ref.sheet, ref.a1)
    listed = sorted(findings, key=lambda f: SEVERITY_RANK[f.severity])[:MAX_LISTED_FINDINGS]
    counts = summary(findings)
    top = r
    rows = []
    for i, f in enumerate(listed, 1):
        linked = bool(f.location.sheet and f.location.cell and f.location.sheet in sheets)
        rows.append(((i, CENTER), (f.severity.label, severity_style(f.severity)), (f.location.file or None, WRAP),
                     (str(f.location) if f.location.sheet else None, LINK if linked else TEXT), (f.message, WRAP),
                     (f.expected, AMOUNT), (f.actual, AMOUNT), (f.difference, AMOUNT), (f.rule, RULE_ID)))
    r = table(r, f"发现的问题：错误{counts['error']}条，核实{counts['warning']}条，提示{counts['info']}条",
              ("序号", "级别", "文件", "位置", "说明", "应为", "实为", "差额", "规则编号"), rows)
    for i, f in enumerate(listed):
        if f.location.sheet and f.location.cell and f.location.sheet in sheets:
            g.link(top + 2 + i, 4, f.location.sheet, f.location.cell)
    if not findings:
        g.box(r - 1, 1, r - 1, width, "没有发现问题。", NOTE)
    elif len(findings) > MAX_LISTED_FINDINGS:
        g.box(r - 1, 1, r - 1, width, f"……其余{len(findings) - MAX_LISTED_FINDINGS}条见汇总工作簿旁的问题清单"
              "（“汇总工作簿名_问题清单.xlsx”），或 --format json 的输出。", NOTE)
    # Columns as wide as their texts (within bounds); long texts wrap, and rows grow to fit them.
    least = (6, 10, 16, 16, 40, 13, 13, 13, 12)
    most = (6, 28, 36, 30, 60, 16, 16, 30, 12)
    g.column_widths([fit_width(columns.get(c, ()), least=least[c - 1], most=most[c - 1]) for c in range(1, width + 1)])
    g.page = Page(fit_width=1, fit_height=0)
    g.fit_rows()
    return g


def same_number(value: object, total: Decimal) -> bool:
    """Whether a number the user typed equals the sum (Excel holds doubles: read via their repr)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return to_decimal(value) == total


# ---------------------------------------------------------------------------------------------
# 分户明细


_ORDINAL = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|\d+[、.．]|[(（][一二三四五六七八九十\d]+[)）])\s*")


def line_label(table_id: str, key: str, year: int, printed: str = "") -> tuple[str, str]:
    """(code, label) of a line of the 汇总 as 分户明细 shows it: a 科目编码's name from the year's
    name list (功能分类 or 经济分类, as the table's catalog entry says), else the printed label
    without its list number; a fixed row by its catalog key."""
    tdef = catalog.BY_ID[table_id]
    if codes.is_code(key):
        if tdef.code_system == "经济分类":
            name = codes.ECONOMIC_CODES.get(key)
        else:
            name = codes.function_name(key, year)
        return key, name or _ORDINAL.sub("", printed).strip()
    if "/" in key:
        return "", "其中：" + key.split("/", 1)[1]
    return "", key


def _row_order(table_id: str, keys: Iterable[str]) -> list[str]:
    tdef = catalog.BY_ID[table_id]
    keys = list(keys)
    if table_id == "PE":
        return [k for k in keys if k == SUMMARY_UNIT] + [k for k in keys if k != SUMMARY_UNIT]
    fixed = [r.key for r in tdef.rows]
    head = [k for k in (("合计", *fixed) if tdef.kind == CODED else fixed) if k in keys]
    return head + sorted(k for k in keys if k not in head)


LABEL_COLUMNS = 3  # 编码, 项目, 栏目: repeated on every printed page


def detail_grid(result: ConsolidationResult, name: str = DETAIL_SHEET) -> Grid:
    """分户明细: a caption per table, then one line per row × column of the 汇总 with the 汇总数
    (and the eliminations and 合并数), then each unit's figure side by side."""
    g = Grid(name, toolkit=True)
    shown = result.detail
    names = {u.index: u.name for u in result.units}
    others = len(result.included) - len(shown)
    merged = bool(result.adjustments)
    year = result.year or DEFAULT_YEAR
    heads = ["编码", "项目", "栏目", "汇总数"]
    if merged:
        heads += ["抵销", "合并数"]
    first_unit = len(heads) + 1
    heads += [names[i] for i, _ in shown]
    if others > 0:
        heads.append(f"其余{others}个单位")
    g.box(1, 1, 1, min(len(heads), 8), f"{result.name}分户明细（单位：万元）", TITLE)
    g.row(2, heads, HEAD)
    labels_seen: list[str] = []
    cells = g.cells
    r = 2
    for tdef in catalog.ALL_TABLES:
        tid = tdef.id
        rows = result.totals.get(tid)
        if not rows:
            continue
        r += 1
        g.box(r, 1, r, LABEL_COLUMNS, tdef.title, CAPTION)
        printed = result.labels.get(tid, {})
        # 绩效自评表 rows are themselves per unit: nothing to put side by side
        unit_tables = [{} if tid == "PE" else values.get(tid, {}) for _, values in shown]
        for key in _row_order(tid, rows):
            cols = rows[key]
            code, label = ("", key) if tid == "PE" else line_label(tid, key, year, printed.get(key, ""))
            labels_seen.append(label)
            unit_rows = [t.get(key) or {} for t in unit_tables]
            for col in (c for c in tdef.column_keys if c in cols or (tid, key, c) in result.adjustments):
                r += 1
                total = cols.get(col)
                if code:
                    cells[(r, 1)] = (code, TEXT)
                cells[(r, 2)] = (label, TEXT)
                cells[(r, 3)] = (col, TEXT)
                if total is not None:
                    cells[(r, 4)] = (total, AMOUNT)
                if merged:
                    delta = result.adjustments.get((tid, key, col))
                    if delta is not None:
                        cells[(r, 5)] = (delta, AMOUNT)
                    value = result.value(tid, key, col)
                    if value is not None:
                        cells[(r, 6)] = (value, AMOUNT)
                shown_sum = Decimal(0)
                # blank figures stay unwritten: thousands of lines × a hundred units
                for c, unit_row in enumerate(unit_rows, first_unit):
                    v = unit_row.get(col)
                    if v is not None:
                        cells[(r, c)] = (v, AMOUNT)
                        shown_sum += v
                if others > 0 and tid != "PE" and total is not None:
                    cells[(r, first_unit + len(unit_rows))] = (total - shown_sum, AMOUNT)
    label_widths = [10, fit_width(labels_seen, least=16, most=36), 18]
    numbers = [14] * (len(heads) - LABEL_COLUMNS)
    g.column_widths([*label_widths, *numbers])
    g.freeze = (3, first_unit)
    g.heights[2] = 15 * min(3, max(1, math.ceil(max((text_width(h) for h in heads), default=1) / 13)))
    g.page = Page(fit_width=pages_across(g.widths.values(), sum(label_widths)), fit_height=0,
                  title_rows=(2, 2), title_columns=(1, LABEL_COLUMNS))
    g.fit_rows()
    return g


def pages_across(widths: Iterable[float], repeated: float) -> int:
    """How many pages wide a sheet prints so that no page holds more than ``PAGE_UNITS``, with
    ``repeated`` units (the label columns) on every page."""
    total = sum(widths)
    if total <= PAGE_UNITS:
        return 1
    return math.ceil((total - repeated) / (PAGE_UNITS - repeated))


# ---------------------------------------------------------------------------------------------
# 分户主要指标 (streamed) and the charts


def unit_headings() -> list[str]:
    return ["序号", "单位", "来源", "金额单位", "状态", "错误", "核实", *(f"{h}(万元)" for h, *_ in KEY_FIGURES)]


def units_grid(result: ConsolidationResult, name: str = UNITS_SHEET) -> Grid:
    """分户主要指标: the header row, then one row per unit streamed from the spool when painted."""
    g = Grid(name, toolkit=True)
    heads = unit_headings()
    g.row(1, heads, HEAD)
    label_widths = [6, 26]  # 序号, 单位: on every printed page
    g.column_widths([*label_widths, 22, 9, 16, 6, 6, *[13] * len(KEY_FIGURES)])
    g.heights[1] = 15 * max(math.ceil(text_width(h) / 12) for h in heads[7:])
    units = {u.index: u for u in result.units}

    def rows() -> Iterator[Sequence[object]]:
        for n, (index, figures) in enumerate(result.iter_unit_rows(), 1):
            u = units[index]
            yield (n, u.name, u.source, "、".join(u.money_units), u.status, u.errors, u.warnings, *figures)

    count = sum(1 for u in result.units if u.role != "form")
    g.stream = Stream(first_row=2, styles=(CENTER, TEXT, TEXT, CENTER, TEXT, CENTER, CENTER,
                                           *[AMOUNT] * len(KEY_FIGURES)), rows=rows, count=count)
    g.freeze = (2, 3)
    # Wider than a page: across pages with the unit's name repeated, not shrunk to an unreadable scale.
    g.page = Page(fit_width=pages_across(g.widths.values(), sum(label_widths)), fit_height=0,
                  title_rows=(1, 1), title_columns=(1, len(label_widths)))
    return g


def chart_grid(result: ConsolidationResult, name: str = CHART_SHEET) -> Grid:
    """分户对比图: column charts over the first units' figures in 分户主要指标."""
    n = min(CHART_UNITS, sum(1 for u in result.units if u.role != "form"))
    g = Grid(name, toolkit=True)
    g.box(1, 1, 1, 12, f"各单位对比（前{n}个单位，单位：万元；数据见“{UNITS_SHEET}”）", CAPTION)
    if n:
        heads = [h for h, *_ in KEY_FIGURES]
        specs = (("一般公共预算财政拨款支出：年初预算数与决算数",
                  ("一般公共预算年初预算数", "一般公共预算支出决算数"), "A3"),
                 ("本年收入与本年支出", ("本年收入合计", "本年支出合计"), "A25"))
        for title, series, anchor in specs:
            columns = tuple(len(unit_headings()) - len(heads) + 1 + heads.index(h) for h in series)
            g.charts.append(Chart(title=title, categories=(2, 2, n + 1), series=columns, header_row=1, anchor=anchor,
                                  width=max(16, 1.2 * n), height=10, data_sheet=UNITS_SHEET))
    g.page = Page(fit_width=1, fit_height=1)
    return g


def workbook_grids(result: ConsolidationResult) -> Iterator[Grid]:
    """The 汇总 workbook of the command line, in order: 汇总说明, the 汇总 tables, 分户明细,
    分户主要指标, 分户对比图 (one at a time: a painter can drop each grid once painted)."""
    sheets = [EXPLAIN_SHEET, *(t.name for t in result.tables), *OWN_SHEETS[1:]]
    yield explain_grid(result, result.all_findings, sheets=sheets)
    for t in result.tables:
        yield t.grid
    yield detail_grid(result)
    yield units_grid(result)
    yield chart_grid(result)
