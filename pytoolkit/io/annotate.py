"""io layer: an annotated copy of a checked workbook (failing cells filled and commented, and a
校验结果 sheet listing every finding with a link to its cell; with the checked book, the
预算与决算 and 识别说明 sheets). The input is never modified.

What the marks and the 校验结果 sheet show is designed in ``render.results`` (the ribbon shows
the same); this module paints them with openpyxl. openpyxl drops the cached value of every
formula when it saves, so in the copy each formula is replaced by the value Excel last
calculated: the copy shows, and reads back, the same numbers.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from ..errors import InputError
from ..findings import Finding
from ..model import Book
from ..render.explain import EXPLAIN_SHEET, explain_sheet
from ..render.results import RESULT_SHEET, by_cell, mark, result_grid
from ..render.years import COMPARISON_SHEET, comparison_grid
from .charts import add_budget_sheet
from .output import check_output, set_text, write_atomic
from .paint import COMMENT_AUTHOR, add_sheet, own_sheet_name

__all__ = ["RESULT_SHEET", "annotate"]


def annotate(source: Path, findings: list[Finding], out: Path, book: Book | None = None,
             previous: Book | None = None) -> Path:
    """Write the annotated copy of ``source`` to ``out``; with the checked ``book``, also the
    预算与决算 sheet (budget against actual, with charts) where the book states budgets; with last
    year's book (``validate --previous``), the 上年对比 sheet."""
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
    # Only this workbook's cells are marked: a cross-year finding may point at last year's file.
    own = [f for f in findings if f.location.file in ("", source.name)]
    for (sheet, ref), items in by_cell(own).items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][ref]
        fill, note = mark(items)
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.comment = Comment(note[:30000], COMMENT_AUTHOR, width=360, height=min(60 + 40 * len(items), 400))
    name = own_sheet_name(wb, RESULT_SHEET)
    grid = result_grid(findings, source=source.name, sheets=wb.sheetnames, name=name,
                       note="本副本中的公式已替换为计算结果。")
    add_sheet(wb, grid, 0)
    for ws in wb.worksheets:  # one selected tab: several would open the copy in group-edit mode
        ws.sheet_view.tabSelected = False
    wb.active = 0
    wb.active.sheet_view.tabSelected = True
    if book is not None:
        add_budget_sheet(wb, book)
        add_sheet(wb, explain_sheet(book, own_sheet_name(wb, EXPLAIN_SHEET)))
    if book is not None and previous is not None:
        grid = comparison_grid(book, previous, own_sheet_name(wb, COMPARISON_SHEET))
        if grid is not None:
            add_sheet(wb, grid, 1)
    write_atomic(out, wb.save)
    return out
