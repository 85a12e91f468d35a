"""Core layer (render): the findings report of a batch (问题清单), three sheets as grids.

- 单位概览: one row per unit, worst first (as the overview on screen): counts, status, a link that
  opens the unit's workbook and one to the unit's first row in 问题清单;
- 问题清单: one row per finding, the units in input order (as their folder lists them), with an
  autofilter on the header so that a reader filters by 单位, 严重性, 规则编号 or 表; 位置 links to
  the very cell in the unit's workbook;
- 规则统计: every rule id that fired, with its Chinese title, in how many units and how often.

Each sheet: title and note (rows 1–2), header (row 3), body rows streamed (a batch of 1,000 units
can carry tens of thousands of findings); A4 landscape, one page wide, the header on every page.
``finding_rows`` gives one unit's 问题清单 rows, so that a painter can write them while the batch
runs (``io.paint.PaintedRows``).

Links to the units' workbooks are relative to the report's folder (``..\\各单位\\单位.xlsx``, with
Windows separators, as Excel writes them), so that the report and the units' folder can be moved
together; a workbook on another drive is linked by its absolute ``file:///`` address. The cell is
the link's location (``'收入支出决算总表'!C12``), kept apart from the file as Excel keeps it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from functools import lru_cache

from ..findings import FAMILIES, Finding, Severity
from ..overview import VERDICTS, Overview, UnitRow, build, file_name, rule_title
from ..tables.catalog import BY_ID
from .grid import FileLink, Grid, Stream, StreamRow, line_height_for
from .look import AMOUNT, CENTER, HEAD, LINK, NOTE, TEXT, TITLE, WRAP, report_page, severity_style

UNITS_SHEET, FINDINGS_SHEET, RULES_SHEET = "单位概览", "问题清单", "规则统计"
HEADER_ROW = 3  # title, note, header
SEVERITY_STYLES = tuple(severity_style(s) for s in Severity)


def report_grids(overview: Overview, report_folder: str, subject: str, first: Mapping[int, int] | None = None
                 ) -> list[Grid]:
    """The three sheets of the report on ``overview``; links relative to ``report_folder``.
    ``subject`` names the batch in the titles (“各单位校验”, “某某局2019年度部门决算汇总”).
    ``first``: where each unit's first finding is in 问题清单 when its rows were painted as they
    came (``finding_rows``); by default the units' findings follow each other in input order."""
    rows = dict(first) if first is not None else first_rows(overview.units)
    titles = {r.rule: r.title for r in overview.rules}  # looked up once per rule, not per finding
    verdicts = overview.verdicts()
    t = overview.totals
    tally = f"错误{t.get('error', 0)}条，核实{t.get('warning', 0)}条，提示{t.get('info', 0)}条"
    states = "，".join(f"{v}{verdicts[v]}个" for v in VERDICTS if verdicts[v])
    units = _sheet(
        UNITS_SHEET, f"{subject}问题清单：单位概览",
        f"共{len(overview.units)}个单位（{states or '无'}）；{tally}。按问题从多到少排列。点击“文件”打开单位的"
        f"工作簿，点击“问题”转到“{FINDINGS_SHEET}”中该单位的第一条问题。",
        ("序号", "单位", "文件", "错误", "核实", "提示", "状态", "问题", "说明"),
        UNIT_WIDTHS,
        UNIT_STYLES,
        len(overview.units), lambda: _unit_rows(overview, report_folder, rows))
    in_order = sorted(overview.units, key=lambda u: u.index)
    findings = _sheet(
        FINDINGS_SHEET, f"{subject}问题清单",
        "每行一条问题，各单位按文件顺序排列；用表头的筛选按钮按单位、严重性、规则编号或表筛选。"
        "点击“位置”打开单位的工作簿并转到该单元格。应为、实为、差额按该表自己的金额单位（元或万元）列示。",
        FINDINGS_HEADERS, FINDING_WIDTHS, FINDINGS_STYLES,
        overview.findings,
        lambda: (row for u in in_order if u.index in rows
                 for row in finding_rows(u, rows[u.index], report_folder, titles)),
        SEVERITY_STYLES)
    rules = _sheet(
        RULES_SHEET, f"{subject}问题清单：规则统计",
        "每个出现过的规则编号：涉及多少个单位、共多少条，按涉及单位数从多到少排列。",
        ("序号", "规则编号", "规则标题", "严重性", "涉及单位数", "问题条数"),
        RULE_WIDTHS, RULE_STYLES,
        len(overview.rules), lambda: _rule_rows(overview), SEVERITY_STYLES)
    return [units, findings, rules]


def empty_grids(report_folder: str, subject: str) -> list[Grid]:
    """The report's grids before any unit is known: their styles are those of the final ones (a
    painter that paints 问题清单's rows as they come numbers its styles from these)."""
    return report_grids(build([]), report_folder, subject)


UNIT_WIDTHS = (6, 28, 30, 7, 7, 7, 16, 10, 40)
# 问题清单: what a reader reads first on the left; the file and the rule id (kept for the filter and
# for JSON users) in the last, narrow columns.
FINDINGS_HEADERS = ("序号", "单位", "严重性", "规则标题", "表", "位置", "问题说明", "应为", "实为", "差额", "金额单位",
                    "文件", "规则编号")
FINDING_WIDTHS = (6, 18, 7, 22, 12, 16, 46, 12, 12, 12, 8, 16, 14)
FINDINGS_STYLES = (TEXT, WRAP, CENTER, WRAP, WRAP, LINK, WRAP, AMOUNT, AMOUNT, AMOUNT, CENTER, WRAP, TEXT)
RULE_WIDTHS = (6, 24, 60, 8, 12, 12)
UNIT_STYLES = (TEXT, WRAP, LINK, TEXT, TEXT, TEXT, CENTER, LINK, WRAP)
RULE_STYLES = (TEXT, TEXT, WRAP, CENTER, TEXT, TEXT)


def _wrapped(styles: tuple, widths: tuple[float, ...]) -> tuple[tuple[int, float], ...]:
    return tuple((i, w) for i, (s, w) in enumerate(zip(styles, widths, strict=True)) if s.wrap)


def row_height(values: tuple, wrapped: tuple[tuple[int, float], ...], unique: int = -1) -> float | None:
    """The height a streamed row's wrapped texts need (points), None for one line: painters do
    not autofit rows (see ``Grid.fit_rows``). Texts recur from row to row (a unit's name, a rule's
    title) and are measured once, but for the column ``unique`` (the message)."""
    lines = 1
    for i, width in wrapped:
        text = values[i]
        if text.__class__ is str:
            n = text_lines(text, width) if i == unique else _recurring_lines(text, width)
            if n > lines:
                lines = n
    return None if lines == 1 else math.ceil((lines * line_height_for(10) + 4) * 4) / 4


def text_lines(text: str, width: float) -> int:
    """Lines of ``text`` in a wrapped cell ``width`` units wide, as ``grid.text_lines`` counts
    them (a CJK character two units, another 1.1, at 10 pt), counted from the UTF-8 length so that
    tens of thousands of rows cost little."""
    n = len(text)
    wide = (len(text.encode("utf-8")) - n) // 2
    units = (1.1 * (n - wide) + 2.0 * wide) * 10 / 11
    return max(1, math.ceil(units / max(width - 1.0, 1.0) - 1e-9)) + text.count("\n")


_recurring_lines = lru_cache(maxsize=8192)(text_lines)


def _sheet(name: str, title: str, note: str, headers: tuple[str, ...], widths: tuple[float, ...],
           styles: tuple, count: int, rows, extra: tuple = ()) -> Grid:
    g = Grid(name, toolkit=True)
    width = len(headers)
    g.box(1, 1, 1, width, title, TITLE)
    g.box(2, 1, 2, width, note, NOTE)
    g.row(HEADER_ROW, headers, HEAD)
    g.column_widths(widths)
    g.stream = Stream(HEADER_ROW + 1, styles, rows, count, extra)
    g.page = report_page(HEADER_ROW)
    g.freeze = (HEADER_ROW + 1, 1)
    g.autofilter = HEADER_ROW
    g.fit_rows()
    return g


def first_rows(units: Iterable[UnitRow]) -> dict[int, int]:
    """The row of each unit's first finding in 问题清单 (units with findings, by input index),
    the units in input order."""
    out: dict[int, int] = {}
    row = HEADER_ROW + 1
    for u in sorted(units, key=lambda u: u.index):
        if u.findings:
            out[u.index] = row
            row += len(u.findings)
    return out


def _unit_rows(overview: Overview, folder: str, rows: dict[int, int]) -> Iterator[StreamRow]:
    for i, u in enumerate(overview.units):
        errors, warnings, infos = u.counts
        links: dict = {3: FileLink(link_target(u.file, folder))} if u.file else {}
        jump = None
        if u.index in rows:
            jump = f"第{rows[u.index]}行"
            links[8] = (FINDINGS_SHEET, f"A{rows[u.index]}")
        values = (i + 1, u.name, file_name(u.file), errors, warnings, infos, u.status or u.verdict, jump,
                  u.problem or None)
        yield StreamRow(values, links=links, height=row_height(values, _UNIT_WRAPPED))


def finding_rows(u: UnitRow, first: int, folder: str, titles: dict[str, str] | None = None
                 ) -> Iterator[StreamRow]:
    """The 问题清单 rows of one unit's findings, the first at row ``first``; ``titles`` caches the
    rule ids' titles (filled as they are looked up)."""
    titles = {} if titles is None else titles
    target = link_target(u.file, folder) if u.file else ""
    name, file = u.name, file_name(u.file)
    for n, f in enumerate(u.findings, start=first - HEADER_ROW):
        loc = f.location
        links = {_PLACE: FileLink(target, cell_location(loc.sheet, loc.cell))} if target and loc.sheet else {}
        amounts = (f.expected, f.actual, f.difference)
        if f.unit == "元" and f.expected is not None:  # as the message has them: a 0.01 元 break is not 0.00 万元
            amounts = tuple(None if a is None else a * _YUAN for a in amounts)
        title = titles.get(f.rule)
        if title is None:
            title = titles[f.rule] = rule_title(f.rule)
        values = (n, name, _LABELS[f.severity], title, _table_title(f), str(loc) or None, f.message, *amounts,
                  f.unit if f.expected is not None else None, file, f.rule)
        yield StreamRow(values, {_SEVERITY: SEVERITY_STYLES[_RANK[f.severity]]}, links,
                        row_height(values, _FINDING_WRAPPED, _MESSAGE))


_RANK = {s: i for i, s in enumerate(Severity)}
_LABELS = {s: s.label for s in Severity}
_YUAN = Decimal(10000)  # 元 per 万元
_UNIT_WRAPPED = _wrapped(UNIT_STYLES, UNIT_WIDTHS)
_FINDING_WRAPPED = _wrapped(FINDINGS_STYLES, FINDING_WIDTHS)
_MESSAGE = FINDINGS_HEADERS.index("问题说明")
_SEVERITY = FINDINGS_HEADERS.index("严重性") + 1  # columns, counted from 1
_PLACE = FINDINGS_HEADERS.index("位置") + 1
_RULE_WRAPPED = _wrapped(RULE_STYLES, RULE_WIDTHS)


def _rule_rows(overview: Overview) -> Iterator[StreamRow]:
    for i, r in enumerate(overview.rules, start=1):
        values = (i, r.rule, r.title, r.severity.label, r.units, r.findings)
        yield StreamRow(values, {4: SEVERITY_STYLES[_RANK[r.severity]]}, height=row_height(values, _RULE_WRAPPED))


def _table_title(f: Finding) -> str | None:
    """The 表 column: 情况说明 or 与上年核对 for those checks, else the table, else the id's family."""
    if f.group:
        return FAMILIES.get(f.group) or None
    if f.table in BY_ID:
        return BY_ID[f.table].title
    return FAMILIES.get(f.family) or None


# -- links --------------------------------------------------------------------------------------
# What Excel itself escapes in a hyperlink's file address (space as %20, # as %23, ...); other
# characters, Chinese included, are written as they are.
_ESCAPES = {"%": "%25", '"': "%22", " ": "%20", "<": "%3c", ">": "%3e", "[": "%5b", "]": "%5d", "^": "%5e",
            "`": "%60", "{": "%7b", "}": "%7d", "#": "%23"}


def link_target(source: str, report_folder: str) -> str:
    """The address of ``source`` (a workbook path) as a hyperlink in a workbook saved in
    ``report_folder``: relative with Windows separators when both are on one drive, else an
    absolute ``file:///`` address."""
    path = os.path.abspath(source)
    try:
        rel = os.path.relpath(path, os.path.abspath(report_folder))
    except ValueError:  # another drive (Windows): no relative path exists
        rel = None
    if rel is not None:
        return _escape(rel.replace(os.sep, "\\").replace("/", "\\"))
    return "file:///" + _escape(path.lstrip("/"))  # D:\决算\单位.xlsx (or /home/… elsewhere)


def _escape(text: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def cell_location(sheet: str, cell: str) -> str:
    """``'Sheet'!C12`` (the sheet name always quoted, a quote in it doubled)."""
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{cell or 'A1'}"


def unescape_target(target: str) -> str:
    """The file path a link target names (for tests and readers): ``%xx`` decoded, separators of
    this system."""
    from urllib.parse import unquote

    path = unquote(target)
    if path.startswith("file:///"):
        path = path[len("file:///"):]
        if os.name != "nt":
            path = "/" + path
    return path.replace("\\", os.sep).replace("/", os.sep)
