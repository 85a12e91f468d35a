"""Core layer (io): write the consolidated (汇总) workbook, and render 汇总 tables for other callers.

The workbook holds, in this order:

- 汇总说明: what was consolidated (units, money units, eliminations) and every finding;
- the 汇总 tables, styled like the standard tables (``io.layout.write_table``);
- 分户明细: every row × column of the 汇总 with its value per unit side by side; at most
  ``result.detail_units`` units get their own column (Excel has 16,384 columns, and a wider sheet
  is unreadable); the others are shown together in one column, and each unit's key figures are in
- 分户主要指标: one row per unit (name, source, status, key figures). This sheet is streamed:
  openpyxl writes a placeholder, and its sheet XML is then rewritten row by row from the
  consolidation's spool file, so 10,000 units cost no more memory than 10;
- 分户对比图: Excel bar charts comparing the units (年初预算 vs 决算, 收入 vs 支出), first 30 units.

Written atomically (``io.output.write_atomic``); an output path equal to an input is refused; text
from the inputs is written as text, never as a formula.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from copy import copy
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import PytoolkitError
from ..findings import Finding, Location, Severity
from ..metrics import format_amount
from ..model import Sheet
from ..tables import catalog, codes
from ..tables.catalog import CODED, SUMMARY_UNIT
from .charts import bar_chart
from .layout import BODY_FONT, BORDER, FONT_NAME, HEADER_FONT, NUMBER_FORMAT, SHEET_NAMES, TableLayout, write_table
from .output import check_output, set_text, write_atomic

if TYPE_CHECKING:
    from ..consolidate import ConsolidationResult

EXPLAIN_SHEET = "汇总说明"
DETAIL_SHEET = "分户明细"
UNITS_SHEET = "分户主要指标"
CHART_SHEET = "分户对比图"
CHART_UNITS = 30
MAX_LISTED_UNITS = 200  # 汇总说明 lists this many units; all of them are in 分户主要指标
MAX_LISTED_FINDINGS = 2000
DEFAULT_YEAR = 2019

# The standard tables' look (io.layout), with a smaller title for the toolkit's own sheets.
_TITLE = Font(name=FONT_NAME, size=14, bold=True)
_HEAD = HEADER_FONT
_BODY = BODY_FONT
_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_SEVERITY_FILL = {Severity.ERROR: PatternFill("solid", fgColor="F8CBAD"),
                  Severity.WARNING: PatternFill("solid", fgColor="FFE699")}


# ---------------------------------------------------------------------------------------------
# The 汇总 tables


def _renderable(table_id: str, key: str) -> bool:
    """Whether the official form has a place for this row key (io.layout refuses others)."""
    tdef = catalog.BY_ID[table_id]
    if table_id in ("T1", "T4"):
        return key in {r.key for r in tdef.rows} or (codes.is_code(key) and len(key) == 3)
    if table_id == "T6":
        return key in ("人员经费合计", "公用经费合计") or (codes.is_code(key) and len(key) in (3, 5))
    if table_id == "T7":
        return key in ("预算数", "决算数", "上年决算数")
    if tdef.kind == CODED:
        return key == "合计" or codes.is_code(key)
    return True


def _suffix(result: ConsolidationResult) -> str:
    return "（合并）" if result.adjustments else "（汇总）"


def render_tables(wb: Workbook, result: ConsolidationResult, sheet_prefix: str = ""
                  ) -> tuple[dict[str, TableLayout], list[Finding]]:
    """Write each 汇总 table into a new sheet of ``wb`` (official layout); their layouts and any
    finding about rows the form cannot print (those stay in 分户明细)."""
    findings: list[Finding] = []
    layouts: dict[str, TableLayout] = {}
    year = result.year or DEFAULT_YEAR
    unit_name = f"{result.name}{_suffix(result)}"
    for tdef in catalog.ALL_TABLES:
        tid = tdef.id
        if tid == "PP" or tid not in result.totals:
            continue
        texts = result.texts(tid)
        dropped = [k for k in texts if not _renderable(tid, k)]
        for k in dropped:
            del texts[k]
        if dropped:
            findings.append(Finding("consolidate.row_not_rendered", Severity.WARNING,
                                    f"“{tdef.title}”的行“{'、'.join(dropped[:10])}”{'等' if len(dropped) > 10 else ''}"
                                    "不是标准表中的行（无科目编码），未列入汇总表，其数字见“分户明细”。",
                                    Location(file=result.name), table=tid))
        name = (sheet_prefix + SHEET_NAMES.get(tid, tdef.title))[:31]
        ws = wb.create_sheet(name)
        try:
            layout = write_table(ws, tdef, texts, unit_name=unit_name, year=year, money_unit="万元")
        except (ValueError, PytoolkitError) as exc:
            wb.remove(ws)
            findings.append(Finding("consolidate.render_failed", Severity.ERROR,
                                    f"汇总的“{tdef.title}”无法按标准表样写出：{exc}；其数字见“分户明细”。",
                                    Location(file=result.name), table=tid))
            continue
        for key, coordinate in layout.labels.items():
            label = result.labels.get(tid, {}).get(key)
            if label and ws[coordinate].value in (None, ""):
                set_text(ws[coordinate], label)
        layouts[tid] = layout
    return layouts, findings


def worksheet_sheet(ws: Worksheet) -> Sheet:
    """An openpyxl worksheet as the reader's ``Sheet`` (blank = "", merged ranges 0-based)."""
    cells = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
    merged = [((r.min_row - 1, r.min_col - 1), (r.max_row - 1, r.max_col - 1)) for r in ws.merged_cells.ranges]
    return Sheet(ws.title, cells, merged)


def worksheet_grid(ws: Worksheet) -> dict:
    """An openpyxl worksheet as a plain grid for an adapter: cells, merged, amount_cells, column_widths."""
    cells = [list(row) for row in ws.iter_rows(values_only=True)]
    amounts = [c.coordinate for row in ws.iter_rows() for c in row if c.number_format == NUMBER_FORMAT]
    widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
    return {"cells": cells, "merged": [str(r) for r in ws.merged_cells.ranges], "amount_cells": amounts,
            "column_widths": widths}


# ---------------------------------------------------------------------------------------------
# Cells


_STYLE_CACHE: dict[tuple, object] = {}


def _cell(ws: Worksheet, row: int, col: int, value: object, *, font: Font = _BODY, border: bool = True,
          fill: PatternFill | None = None, align: Alignment | None = None):
    cell = ws.cell(row=row, column=col)
    number = isinstance(value, Decimal)
    if isinstance(value, str):
        set_text(cell, value)
    elif number:
        cell.value = float(value)  # the exact amount: ≤ 6 decimals in 万元 survive a double
    else:
        cell.value = value
    # Assigning font/border/fill per cell makes openpyxl hash every style object; thousands of
    # 分户明细 cells share a handful of styles, so copy the style of the first cell styled alike.
    key = (id(ws.parent), id(font), border, id(fill), id(align), number)
    cached = _STYLE_CACHE.get(key)
    if cached is not None:
        cell._style = copy(cached)
        return cell
    cell.font = font
    if number:
        cell.number_format = NUMBER_FORMAT
    if border:
        cell.border = BORDER
    if fill is not None:
        cell.fill = fill
    if align is not None:
        cell.alignment = align
    _STYLE_CACHE[key] = copy(cell._style)
    return cell


def _header(ws: Worksheet, row: int, headings: Iterable[str], widths: Iterable[float] = ()) -> None:
    for c, text in enumerate(headings, start=1):
        _cell(ws, row, c, text, font=_HEAD, fill=_FILL, align=_CENTER)
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w


# ---------------------------------------------------------------------------------------------
# 汇总说明


def _explain(ws: Worksheet, result: ConsolidationResult, findings: list[Finding]) -> None:
    units = [u for u in result.units if u.role != "form"]
    included = result.included
    year = f"{result.year}年度" if result.year else ""
    _cell(ws, 1, 1, f"{result.name}{year}部门决算{'合并' if result.adjustments else '汇总'}说明", font=_TITLE,
          border=False)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=7)
    money = "、".join(f"{unit}表{n}张" for unit, n in sorted(result.money_units.items()))
    lines = [
        f"汇总方式：完全汇总。参与汇总的单位{len(included)}个（共提供{len(units)}个）；行按科目编码（无编码的按行名）对应，"
        "列按表头对应，不按位置；任何一个单位有的行都列入汇总。",
        f"金额单位：汇总表一律为万元；各单位原表{money or '—'}，元表已按10000精确换算，"
        "全部用十进制精确相加，未经四舍五入。",
        "各单位先逐户校验，汇总后再按同样的勾稽关系校验一次；发现的问题列在本表下方。",
    ]
    if result.eliminate:
        if result.eliminations:
            done = [e for e in result.eliminations if e.amount]
            lines.append(f"内部往来抵销（合并）：上级单位（本级）为“{result.parent}”；"
                         f"共抵销{len(done)}项，合计{format_amount(sum((e.amount for e in done), Decimal(0)))}万元，"
                         "明细见下表。汇总表为抵销后的合并数；整体支出绩效自评表、“三公”经费、固定资产为直接相加。")
        else:
            lines.append(f"内部往来抵销：已要求抵销，但各单位之间没有内部往来（上级单位“{result.parent}”）。")
    else:
        lines.append("未抵销内部往来（汇总数为各单位直接相加）；如需合并数，请使用 --eliminate。")
    if len(included) > result.detail_units:
        lines.append(f"“分户明细”逐列列示前{result.detail_units}个单位，其余{len(included) - result.detail_units}个单位"
                     "合并为一列；每个单位的主要指标见“分户主要指标”。")
    r = 3
    for line in lines:
        _cell(ws, r, 1, line, border=False, align=_WRAP)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
        ws.row_dimensions[r].height = 30
        r += 1
    r += 1
    if result.eliminations:
        _cell(ws, r, 1, "内部往来抵销", font=_HEAD, border=False)
        r += 1
        heads = ("内部往来", "支付方", "收到方", "支付金额(万元)", "收到金额(万元)", "抵销金额(万元)", "说明")
        for c, h in enumerate(heads, start=1):
            _cell(ws, r, c, h, font=_HEAD, fill=_FILL, align=_CENTER)
        r += 1
        for e in result.eliminations:
            note = "已抵销" if e.amount else "两方金额不等，未抵销，请核对"
            for c, v in enumerate((e.title, "、".join(e.payers), "、".join(e.receivers), e.paid, e.received,
                                   e.amount, note), start=1):
                _cell(ws, r, c, v, align=_WRAP if isinstance(v, str) else None)
            r += 1
        r += 1
    _cell(ws, r, 1, "参与汇总的单位", font=_HEAD, border=False)
    r += 1
    for c, h in enumerate(("序号", "单位", "来源", "金额单位", "状态", "错误", "核实"), start=1):
        _cell(ws, r, c, h, font=_HEAD, fill=_FILL, align=_CENTER)
    r += 1
    for i, u in enumerate(units[:MAX_LISTED_UNITS], start=1):
        for c, v in enumerate((i, u.name, u.source, "、".join(u.money_units), u.status, u.errors, u.warnings), start=1):
            _cell(ws, r, c, v)
        r += 1
    if len(units) > MAX_LISTED_UNITS:
        _cell(ws, r, 1, f"……其余{len(units) - MAX_LISTED_UNITS}个单位见“{UNITS_SHEET}”。", border=False)
        r += 1
    r += 1
    _cell(ws, r, 1, f"发现的问题（{len(findings)}条）", font=_HEAD, border=False)
    r += 1
    for c, h in enumerate(("序号", "级别", "规则", "文件", "位置", "说明"), start=1):
        _cell(ws, r, c, h, font=_HEAD, fill=_FILL, align=_CENTER)
    r += 1
    if not findings:
        _cell(ws, r, 1, "没有发现问题。", border=False)
    for i, f in enumerate(findings[:MAX_LISTED_FINDINGS], start=1):
        where = f"{f.location.sheet}!{f.location.cell}" if f.location.cell else f.location.sheet
        for c, v in enumerate((i, f.severity.label, f.rule, f.location.file, where, f.message), start=1):
            _cell(ws, r, c, v, fill=_SEVERITY_FILL.get(f.severity) if c == 2 else None,
                  align=_WRAP if c == 6 else None)
        r += 1
    if len(findings) > MAX_LISTED_FINDINGS:
        _cell(ws, r, 1, f"……其余{len(findings) - MAX_LISTED_FINDINGS}条见命令行输出（--format json）。", border=False)
    for col, w in zip("ABCDEFG", (8, 30, 36, 22, 22, 12, 70)):
        ws.column_dimensions[col].width = w


# ---------------------------------------------------------------------------------------------
# 分户明细 (side by side, capped)


def _row_order(table_id: str, keys: Iterable[str]) -> list[str]:
    tdef = catalog.BY_ID[table_id]
    keys = list(keys)
    fixed = [r.key for r in tdef.rows]
    if table_id == "PE":
        return [k for k in keys if k == SUMMARY_UNIT] + [k for k in keys if k != SUMMARY_UNIT]
    head = [k for k in fixed if k in keys]
    if tdef.kind == CODED:
        head = [k for k in ("合计", *fixed) if k in keys]
    rest = sorted(k for k in keys if k not in head)
    return head + rest


def _detail(ws: Worksheet, result: ConsolidationResult) -> None:
    shown = result.detail
    names = {u.index: u.name for u in result.units}
    included = len(result.included)
    others = included - len(shown)
    merged = bool(result.adjustments)
    heads = ["表", "行", "项目", "列", "汇总数"]
    if merged:
        heads += ["抵销", "合并数"]
    first_unit = len(heads) + 1
    heads += [names[i] for i, _ in shown]
    if others > 0:
        heads.append(f"其余{others}个单位")
    _cell(ws, 1, 1, f"{result.name}分户明细（单位：万元）", font=_TITLE, border=False)
    _header(ws, 2, heads, [6, 12, 28, 18, 14] + ([12, 14] if merged else []) + [14] * (len(heads) - first_unit + 1))
    ws.freeze_panes = ws.cell(row=3, column=first_unit)
    r = 3
    with_pe = result.totals
    for tdef in catalog.ALL_TABLES:
        tid = tdef.id
        rows = with_pe.get(tid)
        if not rows:
            continue
        labels = result.labels.get(tid, {})
        for key in _row_order(tid, rows):
            cols = rows[key]
            col_keys = [c for c in tdef.column_keys if c in cols or (tid, key, c) in result.adjustments]
            for col in col_keys:
                total = cols.get(col)
                label = labels.get(key) or (codes.function_name(key, result.year or DEFAULT_YEAR) or ""
                                            if codes.is_code(key) else key)
                line = [tid, key, label, col, total]
                if merged:
                    delta = result.adjustments.get((tid, key, col))
                    line += [delta, result.value(tid, key, col)]
                shown_sum = Decimal(0)
                for _, values in shown:
                    v = values.get(tid, {}).get(key, {}).get(col) if tid != "PE" else None
                    if tid == "PE":
                        v = None  # 绩效自评表 rows are themselves per unit
                    line.append(v)
                    shown_sum += v or 0
                if others > 0:
                    line.append(None if tid == "PE" or total is None else total - shown_sum)
                for c, v in enumerate(line, start=1):
                    if v is None:
                        continue
                    _cell(ws, r, c, v)
                r += 1


# ---------------------------------------------------------------------------------------------
# 分户主要指标 (streamed) and the chart


def _unit_headings() -> list[str]:
    from ..consolidate import KEY_FIGURES

    return ["序号", "单位", "来源", "金额单位", "状态", "错误", "核实", *(f"{h}(万元)" for h, *_ in KEY_FIGURES)]


def _units_placeholder(ws: Worksheet) -> None:
    """Header and one styled sample row; the sample row's styles are reused by the streamed rows."""
    heads = _unit_headings()
    _cell(ws, 1, 1, None, border=False)
    _header(ws, 1, heads, [6, 30, 36, 10, 16, 6, 6] + [14] * (len(heads) - 7))
    _cell(ws, 2, 1, 0)
    _cell(ws, 2, 2, "")
    _cell(ws, 2, 8, Decimal(0))
    ws.freeze_panes = "C2"


def _charts(wb: Workbook, result: ConsolidationResult) -> None:
    from ..consolidate import KEY_FIGURES

    n = min(CHART_UNITS, sum(1 for u in result.units if u.role != "form"))
    ws = wb.create_sheet(CHART_SHEET)
    _cell(ws, 1, 1, f"各单位对比（前{n}个单位，单位：万元；数据见“{UNITS_SHEET}”）", font=_HEAD, border=False)
    if n == 0:
        return
    data_ws = wb[UNITS_SHEET]
    heads = [h for h, *_ in KEY_FIGURES]
    specs = (("一般公共预算财政拨款支出：年初预算数与决算数", ("一般公共预算年初预算数", "一般公共预算支出决算数"),
              "A3"),
             ("本年收入与本年支出", ("本年收入合计", "本年支出合计"), "A25"))
    for title, series, anchor in specs:
        bar_chart(ws, data_ws, title=title, categories=(2, 2, n + 1), series=[8 + heads.index(h) for h in series],
                  header_row=1, anchor=anchor, width=max(16, 1.2 * n), height=10)


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STYLE = re.compile(rb'<c r="([A-Z]+)2"[^>]*?\bs="(\d+)"')


def _text_cell(ref: str, style: bytes, text: str) -> bytes:
    text = escape(_ILLEGAL_XML.sub("", text))
    return (f'<c r="{ref}" s="{style.decode()}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
            ).encode()


def _number_cell(ref: str, style: bytes, value: object) -> bytes:
    number = format(value, "f") if isinstance(value, Decimal) else str(value)
    return f'<c r="{ref}" s="{style.decode()}"><v>{number}</v></c>'.encode()


def _stream_units(stage: Path, target: Path, sheet_index: int, result: ConsolidationResult) -> None:
    """Copy ``stage`` to ``target`` with the 分户主要指标 sheet's rows written from the spool."""
    part = f"xl/worksheets/sheet{sheet_index}.xml"
    units = {u.index: u for u in result.units}
    width = len(_unit_headings())
    last_col = get_column_letter(width)
    letters = [get_column_letter(c) for c in range(1, width + 1)]
    with zipfile.ZipFile(stage) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info, zin.read(info.filename))
                continue
            xml = zin.read(part)
            start, end = xml.find(b'<row r="2"'), xml.find(b"</sheetData>")
            styles = dict(_STYLE.findall(xml[start:end]))
            if start < 0 or end < 0 or not {b"A", b"B", b"H"} <= set(styles):
                raise RuntimeError(f"{part} is not the {UNITS_SHEET} placeholder")
            text_style, number_style = styles[b"B"], styles[b"H"]
            rows = sum(1 for u in result.units if u.role != "form")
            info = zipfile.ZipInfo(part, info.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(info, "w") as out:
                dimension = f'<dimension ref="A1:{last_col}{rows + 1}"/>'.encode()
                head = re.sub(rb'<dimension ref="[^"]*"/>', dimension, xml[:start])
                out.write(head)
                buf = []
                for r, (index, figures) in enumerate(result.iter_unit_rows(), start=2):
                    u = units[index]
                    cells = [_number_cell(f"A{r}", text_style, r - 1),
                             _text_cell(f"B{r}", text_style, u.name), _text_cell(f"C{r}", text_style, u.source),
                             _text_cell(f"D{r}", text_style, "、".join(u.money_units)),
                             _text_cell(f"E{r}", text_style, u.status),
                             _number_cell(f"F{r}", text_style, u.errors), _number_cell(f"G{r}", text_style, u.warnings)]
                    for letter, v in zip(letters[7:], figures):
                        if v is not None:
                            cells.append(_number_cell(f"{letter}{r}", number_style, v))
                    buf.append(f'<row r="{r}">'.encode() + b"".join(cells) + b"</row>")
                    if len(buf) >= 500:
                        out.write(b"".join(buf))
                        buf.clear()
                out.write(b"".join(buf))
                out.write(xml[end:])


# ---------------------------------------------------------------------------------------------
# The workbook


def write_consolidated(out: str | Path, result: ConsolidationResult, inputs: Iterable[str | Path] = ()) -> Path:
    """Write the 汇总 workbook to ``out`` atomically; refuses to overwrite an input."""
    out = Path(out)
    check_output(out, [Path(p) for p in inputs])

    def write(tmp: Path) -> None:
        _STYLE_CACHE.clear()  # style ids belong to one workbook
        wb = Workbook()
        explain = wb.active
        explain.title = EXPLAIN_SHEET
        render_tables(wb, result)
        _detail(wb.create_sheet(DETAIL_SHEET), result)
        _units_placeholder(wb.create_sheet(UNITS_SHEET))
        _charts(wb, result)
        _explain(explain, result, result.all_findings)
        stage = tmp.with_name(tmp.name + ".stage")
        try:
            wb.save(stage)
            _stream_units(stage, tmp, wb.sheetnames.index(UNITS_SHEET) + 1, result)
        finally:
            stage.unlink(missing_ok=True)

    write_atomic(out, write)
    return out
