"""Core layer: the blank standard workbooks (templates), built from the table definitions.

Four templates: the public tables of the 2018 edition (eight tables) and of the 2019 edition
(nine tables), the 部门(单位)整体支出绩效自评表 (局机关 and 二级机构 rows under the
局机关及二级机构汇总 row) and the 项目支出绩效自评表. Each is rendered by ``io.layout`` in
formula mode from ``tables.catalog``, the definitions the recogniser reads, so the toolkit
recognises every table of every template (one source of truth). The files committed under
``workbook_templates/`` are the reviewable copies of what :func:`build` returns; the command
``pytoolkit template new`` builds on demand, so an installed package needs no data files.

Every formula is saved with its result (``io.calc``): a blank template reads, and validates, as
the zeros and “无预算” Excel would show, before any spreadsheet application has opened it.

Regenerate the committed copies with ``pytoolkit template new all -o workbook_templates --force``;
``tests/templates`` compares them with fresh ones by content (values, formulas, merges, formats,
validations, protection, print settings), not zip bytes (:func:`check_folder`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.properties import PageSetupProperties

from .io import calc, layout
from .io.layout import TableLayout, parse_amount, write_cover, write_table
from .io.output import write_atomic
from .tables import catalog, codes
from .tables.catalog import SUMMARY_UNIT

Values = Mapping[str, Mapping[str, Mapping[str, str]]]

COVER = "封面"
NOTES = "填表说明"
# Optional columns a template prints although blank: T5 年初预算数 is where the narrative's
# “完成年初预算的x%” comes from (metrics.completion_rate; docs/rules.md §4).
OPTIONAL_COLUMNS = {"T5": ("年初预算数",)}
DEFAULT_SUBUNITS = 2
MAX_SUBUNITS = 30
# A fixed date keeps regenerated files' metadata stable (the content comparison ignores it anyway).
_CREATED = dt.datetime(2019, 1, 1)


@dataclass(frozen=True)
class Template:
    name: str  # what ``pytoolkit template new NAME`` takes
    file: str  # the committed copy in workbook_templates/
    title: str  # Chinese, for ``template list``
    tables: tuple[str, ...]
    year: int  # default 年度; code names and titles follow it
    edition: str = ""  # "2018" / "2019" for the public tables


TEMPLATES: tuple[Template, ...] = (
    Template("public-2018", "部门决算公开表_2018版_八张表.xlsx", "部门决算公开表（2018年版，八张表）",
             catalog.EDITIONS["2018"], 2018, "2018"),
    Template("public-2019", "部门决算公开表_2019版_九张表.xlsx",
             "部门决算公开表（2019年起，九张表，含国有资本经营预算表）", catalog.EDITIONS["2019"], 2019, "2019"),
    Template("pe", "部门整体支出绩效自评表.xlsx", "部门(单位)整体支出绩效自评表（局机关、二级机构及汇总行）",
             ("PE",), 2019),
    Template("pp", "项目支出绩效自评表.xlsx", "项目支出绩效自评表（资金情况、支出明细、预算执行率）", ("PP",), 2019),
)
BY_NAME = {t.name: t for t in TEMPLATES}


class TemplateError(ValueError):
    """A template request that cannot be met (unknown name, year outside the edition, …)."""


def get(name: str) -> Template:
    try:
        return BY_NAME[name]
    except KeyError:
        known = "、".join(BY_NAME)
        raise TemplateError(f"没有名为“{name}”的模板；可用的模板：{known}") from None


def _check_year(t: Template, year: int) -> None:
    if not 2000 <= year <= 2099:
        raise TemplateError(f"年度应为四位数字（2000–2099），不是{year}")
    if t.edition == "2018" and year >= 2019:
        raise TemplateError(f"{year}年度应使用九张表的模板 public-2019"
                            "（2019年起增加国有资本经营预算财政拨款支出决算表）")
    if t.edition == "2019" and year < 2019:
        raise TemplateError(f"{year}年度应使用八张表的模板 public-2018")


def pe_units(subunits: int = DEFAULT_SUBUNITS) -> tuple[str, ...]:
    """The unit rows of the 整体支出绩效自评表: 汇总 first, 局机关, then 二级机构1…N."""
    if not 0 <= subunits <= MAX_SUBUNITS:
        raise TemplateError(f"二级机构行数应在0到{MAX_SUBUNITS}之间，不是{subunits}")
    return (SUMMARY_UNIT, "局机关", *(f"二级机构{i}" for i in range(1, subunits + 1)))


def build(name: str, *, year: int | None = None,
          subunits: int = DEFAULT_SUBUNITS) -> tuple[Workbook, dict[str, TableLayout]]:
    """The template ``name`` as an openpyxl workbook, and where each table landed."""
    t = get(name)
    year = t.year if year is None else year
    _check_year(t, year)
    wb = Workbook()
    wb.properties.creator = "pytoolkit"
    wb.properties.created = wb.properties.modified = _CREATED
    cover = wb.active
    if t.edition:
        cover.title = COVER
        write_cover(cover, "", year, editable=True)
    else:
        wb.remove(cover)
    layouts: dict[str, TableLayout] = {}
    for table_id in t.tables:
        ws = wb.create_sheet(layout.SHEET_NAMES[table_id])
        layouts[table_id] = write_table(
            ws, catalog.BY_ID[table_id], None, unit_name="", year=year, formulas=True,
            optional_columns=OPTIONAL_COLUMNS.get(table_id, ()),
            row_keys=pe_units(subunits) if table_id == "PE" else None)
    _notes(wb, t)
    wb.active = 0
    return wb, layouts


def write(name: str, path: str | os.PathLike[str], *, year: int | None = None, subunits: int = DEFAULT_SUBUNITS,
          overwrite: bool = False) -> Path:
    """Build the template and save it to ``path`` (atomically) with every formula's result;
    refuses an existing file unless asked."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileExistsError(target)
    wb, _ = build(name, year=year, subunits=subunits)
    return save_with_results(wb, target)


def save_with_results(wb: Workbook, path: str | os.PathLike[str]) -> Path:
    """Save ``wb`` atomically, each formula with the result Excel would show (``io.calc``)."""
    results = {ws.title: calc.sheet_results(ws) for ws in wb.worksheets}

    def save(tmp: Path) -> None:
        wb.save(tmp)
        calc.store_results(tmp, results)

    return write_atomic(path, save)


def write_all(folder: str | os.PathLike[str]) -> list[Path]:
    """Every template, under its committed file name, into ``folder`` (replacing older copies)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write(t.name, folder / t.file, overwrite=True) for t in TEMPLATES]


_COMMON_NOTES = (
    "本工作簿由 pytoolkit 按标准表定义生成，表名、表头与官方表样一致，pytoolkit 可直接识别并校验。",
    "金额单位：万元，保留两位小数。可填写的单元格未锁定，只接受数字；合计、小计、总计和百分比等为公式，已锁定。",
    "各工作表已设保护，但没有密码：确需修改公式或表样时，可在“审阅—撤销工作表保护”后修改。",
    "百分比四舍五入保留两位小数；分母（预算数或合计数）为零时显示“无预算”或“—”，不显示0%或100%。",
    "公式只使用 Excel 和 WPS、LibreOffice 都支持的函数（SUM、SUMPRODUCT、LEN、TRIM、IF、N、ROUND）。",
    "填好后保存，再用命令 pytoolkit validate 工作簿.xlsx 校验表内、表间勾稽关系。",
)
_PUBLIC_NOTES = (
    "封面：填写单位名称；年度决定功能分类科目的名称。各表第二行“部门：”后填写单位名称。",
    "按科目编码填列的各表：从合计行下面第一行起，依次填写科目编码（类3位、款5位、项7位，按文本填写）、"
    "科目名称和各列金额；类、款、项各行都要填写。合计行自动汇总类级科目（3位编码）各行。",
    "空白行不够时，在第一行与最后一行空白行之间插入行，合计公式的范围会自动扩展；打印前可删除多余的空白行。",
    "“三公”经费表下方两行为公式：决算数完成预算的百分比，以及各项决算数占“三公”经费合计的比重。",
    "第八、九张表本年度无数据时保留空表，可在表下注明本单位本年度无相关收入支出。",
)
_PE_NOTES = (
    "第一行“局机关及二级机构汇总”为公式，等于下面各单位行之和；“局机关”“二级机构1”等可改为实际单位名称。",
    "收入合计、基本支出、“三公”经费合计、固定资产合计由各单位行的组成项自动求和；支出合计、结余按实际填列。",
    "二级机构行数不够时，用 pytoolkit template new pe --units 行数 重新生成。",
)
_PP_NOTES = (
    "资金情况：合计为各级财政之和，结余＝实际到位资金－实际支出，均为公式；预算执行率＝实际支出÷计划安排资金。",
    "支出明细：在空白行填写支出内容和实际支出数，支出合计自动求和。",
)


def _notes(wb: Workbook, t: Template) -> None:
    ws = wb.create_sheet(NOTES)
    extra = _PUBLIC_NOTES if t.edition else _PE_NOTES if t.tables == ("PE",) else _PP_NOTES
    # No table title in these lines: the recogniser finds tables by their titles in any cell.
    lines = [f"填表说明（模板 {t.name}）", *_COMMON_NOTES, *extra]
    for i, line in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=line)
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(name="宋体", size=11, bold=i == 1)
    ws.column_dimensions["A"].width = 110
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


# ---------------------------------------------------------------------------------------------
# Filling a template (tests, demos): the inputs only; the formulas compute the rest.


@dataclass(frozen=True)
class Skipped:
    table: str
    row: str
    column: str
    reason: str


def fill(wb: Workbook, layouts: Mapping[str, TableLayout], values: Values, *, year: int,
         fields: Mapping[str, Mapping[str, str]] | None = None, unit_name: str = "") -> list[Skipped]:
    """Type ``values`` (table → row → column → amount text in 万元) into a template's input cells.

    Cells that are formulas in the template are not written (the template computes them); cells
    the template does not have (optional columns it does not print, e.g. T1 上年决算数) are
    skipped; both are returned so that a caller can see what was left out. Raises ValueError
    when a coded table has more rows than the template's blank rows, or a row has no place.
    """
    skipped: list[Skipped] = []
    fields = fields or {}
    if unit_name and COVER in wb.sheetnames:
        wb[COVER]["B3"].value = unit_name
    for table_id, lay in layouts.items():
        ws = wb[lay.sheet]
        if unit_name and "unit_name_cell" in lay.extra:
            cell = ws[lay.extra["unit_name_cell"]]
            cell.value = f"部门：{unit_name}" if str(cell.value or "").startswith("部门") else unit_name
        for name, text in (fields.get(table_id) or {}).items():
            if name in lay.fields:
                ws[lay.fields[name]].value = str(text)
                ws[lay.fields[name]].data_type = "s"
            else:
                skipped.append(Skipped(table_id, "", name, "模板没有此栏目"))
        table_values = values.get(table_id) or {}
        if "body" in lay.extra:
            skipped += _fill_coded(ws, lay, table_id, table_values, year)
        elif table_id == "PP":
            skipped += _fill_cells(ws, lay, table_id, {k: v for k, v in table_values.items()
                                                      if k in catalog.PP_FUND_ROWS or k == "支出合计"})
            skipped += _fill_details(ws, lay, {k: v for k, v in table_values.items()
                                               if k not in catalog.PP_FUND_ROWS and k != "支出合计"})
        else:
            skipped += _fill_cells(ws, lay, table_id, table_values)
    return skipped


def _write_amount(ws: Any, coordinate: str, text: object, where: str) -> None:
    amount = parse_amount(text, "万元", where)
    ws[coordinate].value = None if amount is None else float(amount)


def _fill_cells(ws: Any, lay: TableLayout, table_id: str,
                table_values: Mapping[str, Mapping[str, str]]) -> list[Skipped]:
    skipped = []
    for row_key, columns in table_values.items():
        for column_key, text in columns.items():
            coordinate = lay.cells.get((row_key, column_key))
            if coordinate is None:
                skipped.append(Skipped(table_id, row_key, column_key, "模板没有此单元格"))
            elif coordinate in lay.formulas:
                skipped.append(Skipped(table_id, row_key, column_key, "公式"))
            else:
                _write_amount(ws, coordinate, text, f"{table_id}[{row_key}].{column_key}")
    return skipped


def _fill_coded(ws: Any, lay: TableLayout, table_id: str, table_values: Mapping[str, Mapping[str, str]],
                year: int) -> list[Skipped]:
    body = lay.extra["body"]
    first, last = body["rows"]
    keys = sorted(k for k in table_values if k != layout.TOTAL)
    if len(keys) > last - first + 1:
        raise ValueError(f"表{table_id}有{len(keys)}行科目，模板只有{last - first + 1}个空白行")
    skipped = [Skipped(table_id, layout.TOTAL, c, "公式") for c in (table_values.get(layout.TOTAL) or {})]
    for r, key in enumerate(keys, start=first):
        if not codes.is_code(key):
            raise ValueError(f"表{table_id}的行“{key}”不是科目编码")
        code_columns = body["code_columns"]
        parts = (key,) if len(code_columns) == 1 else (key[:3], key[3:5], key[5:7])
        for c, part in zip(code_columns, parts):
            ws.cell(row=r, column=c).value = part
            ws.cell(row=r, column=c).data_type = "s"
        ws.cell(row=r, column=body["name_column"]).value = codes.function_name(key, year) or ""
        for column_key, text in table_values[key].items():
            col = body["columns"].get(column_key)
            if col is None:
                skipped.append(Skipped(table_id, key, column_key, "模板没有此列"))
                continue
            _write_amount(ws, ws.cell(row=r, column=col).coordinate, text, f"{table_id}[{key}].{column_key}")
    return skipped


def _fill_details(ws: Any, lay: TableLayout, details: Mapping[str, Mapping[str, str]]) -> list[Skipped]:
    first, last = lay.extra["details"]
    if len(details) > last - first + 1:
        raise ValueError(f"项目支出明细有{len(details)}行，模板只有{last - first + 1}个空白行")
    skipped = []
    for r, (label, columns) in enumerate(details.items(), start=first):
        ws.cell(row=r, column=1).value = label
        ws.cell(row=r, column=1).data_type = "s"
        for column_key, text in columns.items():
            if column_key == "实际支出数":
                _write_amount(ws, f"C{r}", text, f"PP[{label}].实际支出数")
            elif column_key in layout.PP_DETAIL_TEXT_COLUMNS:
                col = 5 + 2 * layout.PP_DETAIL_TEXT_COLUMNS.index(column_key)
                ws.cell(row=r, column=col).value = str(text)
                ws.cell(row=r, column=col).data_type = "s"
            else:
                skipped.append(Skipped("PP", label, column_key, "模板没有此列"))
    return skipped


# ---------------------------------------------------------------------------------------------
# Content of a workbook, for comparing a regenerated template with the committed copy


def describe(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What a template file says, independent of zip bytes and timestamps: per sheet the cells
    (value or formula and its stored result, number format, locked), merges, data validations,
    protection, print setup."""
    wb = load_workbook(path)
    results = load_workbook(path, data_only=True)
    out: dict[str, Any] = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None and cell.number_format == "General" and cell.protection.locked:
                    continue
                cells[cell.coordinate] = (cell.value, cell.number_format, bool(cell.protection.locked))
                if cell.data_type == "f":  # the stored result too
                    cells[cell.coordinate] += (results[ws.title][cell.coordinate].value,)
        validations = sorted(
            (dv.type, dv.operator, dv.formula1, dv.formula2, bool(dv.allow_blank), str(dv.sqref))
            for dv in ws.data_validations.dataValidation)
        setup = ws.page_setup
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": validations,
            "protected": bool(ws.protection.sheet),
            "print": (setup.orientation, str(setup.paperSize), str(setup.fitToWidth), str(setup.fitToHeight),
                      ws.print_title_rows, ws.freeze_panes),
            "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items()) if d.width},
        }
    return out


def differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """Human-readable differences between two :func:`describe` results (empty when equal)."""
    out = []
    if expected["sheets"] != actual["sheets"]:
        out.append(f"工作表不同：{expected['sheets']} ≠ {actual['sheets']}")
    for sheet in expected["sheets"]:
        if sheet not in actual:
            continue
        e, a = expected[sheet], actual[sheet]
        for key in ("merged", "validations", "protected", "print", "widths"):
            if e[key] != a[key]:
                out.append(f"{sheet}：{key}不同")
        for coordinate in sorted(set(e["cells"]) | set(a["cells"])):
            if e["cells"].get(coordinate) != a["cells"].get(coordinate):
                out.append(f"{sheet}!{coordinate}：{e['cells'].get(coordinate)} ≠ {a['cells'].get(coordinate)}")
    return out


def check_folder(folder: str | os.PathLike[str], scratch: str | os.PathLike[str]) -> list[str]:
    """Differences between the committed templates in ``folder`` and freshly built ones in ``scratch``."""
    folder, scratch = Path(folder), Path(scratch)
    out = []
    for t in TEMPLATES:
        committed = folder / t.file
        if not committed.exists():
            out.append(f"缺少模板文件：{committed}")
            continue
        fresh = write(t.name, scratch / t.file, overwrite=True)
        out += [f"{t.file}：{d}" for d in differences(describe(fresh), describe(committed))]
    return out
