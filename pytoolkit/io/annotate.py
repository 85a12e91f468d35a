"""Core layer: an annotated copy of a checked workbook (failing cells filled and commented, and a
校验结果 sheet listing every finding with a link to its cell). The input is never modified.

openpyxl drops the cached value of every formula when it saves, so in the copy each formula is
replaced by the value Excel last calculated: the copy shows, and reads back, the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..errors import InputError
from ..findings import Finding, Severity
from ..model import TOOLKIT_MARKER, Book
from .charts import add_budget_sheet
from .output import check_output, set_text, write_atomic

RESULT_SHEET = "校验结果"
FILLS = {
    Severity.ERROR: PatternFill("solid", fgColor="FFC7CE"),
    Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
    Severity.INFO: PatternFill("solid", fgColor="DDEBF7"),
}
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
MARKER = TOOLKIT_MARKER  # in J1 of the result sheet: a later run knows the sheet is ours


def annotate(source: Path, findings: list[Finding], out: Path, book: Book | None = None) -> Path:
    """Write the annotated copy of ``source`` to ``out``; with the checked ``book``, also the
    预算与决算 sheet (budget against actual, with charts) where the book states budgets."""
    source, out = Path(source), Path(out)
    if source.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError(f"{source.name}：只能为 .xlsx / .xlsm 工作簿生成标注副本。")
    check_output(out, [source])
    keep_vba = source.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsm"
    wb = load_workbook(source, keep_vba=keep_vba)
    cached = load_workbook(source, data_only=True, read_only=True)
    for ws in wb.worksheets:
        if ws.title not in cached.sheetnames:
            continue
        cached_ws = cached[ws.title]
        cached_ws.reset_dimensions()  # a stale <dimension> would otherwise cut the rows short
        values = {(r, c): v for r, row in enumerate(cached_ws.iter_rows(values_only=True), 1)
                  for c, v in enumerate(row, 1) if v is not None}
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    value = values.get((cell.row, cell.column))
                    if isinstance(value, str):
                        set_text(cell, value)  # a cached text such as “=cmd|…” must stay text
                    else:
                        cell.value = value
    cached.close()
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.location.sheet and f.location.cell:
            by_cell[(f.location.sheet, f.location.cell)].append(f)
    for (sheet, ref), items in by_cell.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][ref]
        worst = min((f.severity for f in items), key=_RANK.get)
        cell.fill = FILLS[worst]
        text = "\n".join(f"[{f.severity.label}] {f.message}" for f in items)
        cell.comment = Comment(text[:30000], "pytoolkit 校验", width=360, height=min(60 + 40 * len(items), 400))
    _result_sheet(wb, findings, source.name)
    if book is not None:
        add_budget_sheet(wb, book)
    write_atomic(out, wb.save)
    return out


def _result_sheet(wb, findings: list[Finding], name: str) -> None:
    if RESULT_SHEET in wb.sheetnames:
        old = wb[RESULT_SHEET]
        if old["J1"].value == MARKER:
            del wb[RESULT_SHEET]
    title = RESULT_SHEET if RESULT_SHEET not in wb.sheetnames else RESULT_SHEET + "(pytoolkit)"
    ws = wb.create_sheet(title, 0)
    ws["J1"] = MARKER
    ws.column_dimensions["J"].hidden = True
    headers = ["序号", "级别", "规则", "位置", "说明", "应为", "实为", "差额"]
    set_text(ws["A1"], f"{name} 校验结果：错误{sum(f.severity is Severity.ERROR for f in findings)}条，"
                       f"核实{sum(f.severity is Severity.WARNING for f in findings)}条，"
                       f"提示{sum(f.severity is Severity.INFO for f in findings)}条（本副本中的公式已替换为计算结果）")
    ws["A1"].font = Font(bold=True, size=13)
    for c, h in enumerate(headers, 1):
        cell = ws.cell(2, c, h)
        cell.font = Font(bold=True)
    for i, f in enumerate(sorted(findings, key=lambda f: _RANK[f.severity]), 1):
        r = i + 2
        ws.cell(r, 1, i)
        ws.cell(r, 2, f.severity.label).fill = FILLS[f.severity]
        set_text(ws.cell(r, 3), f.rule)
        loc = ws.cell(r, 4)
        set_text(loc, str(f.location))
        if f.location.sheet and f.location.cell and f.location.sheet in wb.sheetnames:
            loc.hyperlink = f"#'{f.location.sheet}'!{f.location.cell}"
            loc.font = Font(color="0563C1", underline="single")
        set_text(ws.cell(r, 5), f.message)
        ws.cell(r, 5).alignment = Alignment(wrap_text=True, vertical="top")
        for c, v in ((6, f.expected), (7, f.actual), (8, f.difference)):
            if v is not None:
                ws.cell(r, c, float(v)).number_format = "#,##0.00"
    for c, w in zip(range(1, 9), (6, 6, 22, 30, 80, 12, 12, 12), strict=True):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "A3"
    wb.active = 0
