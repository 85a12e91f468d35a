"""Excel adapter layer: the Python entry points behind the buttons of the 决算工具 ribbon tab.

Each button of ``addin/src/customUI.xml`` calls a VBA Sub in ``addin/src/PytoolkitRibbon.bas``,
which runs ``RunPython "import pytoolkit.excel.ribbon as r; r.<entry>()"``. xlwings then starts
Python with the calling workbook known, and the entry point takes it with ``xw.Book.caller()``
(tests pass a fake book instead).

An entry point reads the book into the core's model (``workbook.read_book``), makes its core
calls (recognise, validate, derived figures), takes each sheet's design from ``pytoolkit.render``
(the same designs the command line writes into files) and paints it (``workbook.paint``), then
says what it did in a message box. What stays here is the ribbon's own work: marking failing
cells and restoring them, filling empty cells, and the message texts. A ``PytoolkitError``
becomes a Chinese message box, anything else propagates so that
xlwings shows the traceback (a programming error to report). The toolkit never deletes or
overwrites the user's own sheets or values: it writes its own sheets (marked, see ``workbook``),
colours and notes on failing cells that it records and can restore, and derived figures only
into empty cells (or cells still holding its own earlier figure).

The buttons (see ENTRY_POINTS):

- 校验勾稽关系 / 清除校验标记 / 填充完成率与增减率: ``rules``, ``derived``.
- 汇总局机关与二级机构: ``consolidate.consolidate_open_book`` (internal flows eliminated: the
  department's 合并数). Its tables become toolkit sheets “汇总-…”, beside 汇总说明, 分户明细 and
  分户主要指标 as the command line writes them. The 局机关及二级机构汇总 row of a 整体支出绩效自评表 in the book is
  filled only in cells that are empty or still hold the toolkit's own recorded sum (``SUM_FILL``);
  a number the user typed there is never overwritten, and where it differs from the sum of the
  unit rows 汇总说明 says so.
- 核对情况说明: ``narrative.from_book`` + ``narrative.check`` on the sheet named 情况说明 (column
  A, one paragraph per row). Failing paragraphs are marked as 校验勾稽关系 marks cells
  (``TEXT_MARK`` entries, cleared by 清除校验标记), the findings go to the 情况说明核对 sheet.
- 生成情况说明: ``narrative.writer.draft`` into the toolkit sheet 情况说明(初稿), one paragraph per
  row; the user's own 情况说明 is never touched. A draft renamed 情况说明 becomes the user's: the
  next 核对情况说明 removes the toolkit's marker from it (the only cell it changes there).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import xlwings as xw

from pytoolkit import __version__
from pytoolkit.consolidate import ConsolidationResult, OpenBookConsolidation, consolidate_open_book
from pytoolkit.derived import derived_figures
from pytoolkit.errors import InputError, PytoolkitError
from pytoolkit.findings import Finding, summary
from pytoolkit.io.reader import read_book as read_file_book
from pytoolkit.metrics import format_amount
from pytoolkit.model import Book, CellRef
from pytoolkit.model import Sheet as ModelSheet
from pytoolkit.narrative import check as check_narrative
from pytoolkit.narrative import from_book
from pytoolkit.narrative.writer import BLANK, draft
from pytoolkit.narrative.writer import FILL as DRAFT_FILL
from pytoolkit.render.consolidation import detail_grid, explain_grid, same_number, units_grid
from pytoolkit.render.look import SEVERITY_FILL
from pytoolkit.render.results import NOTE_HEAD, by_cell, mark, result_grid
from pytoolkit.render.sheets import BLANK_FILL, blank_rows, derived_grid, draft_grid, narrative_result_grid
from pytoolkit.render.years import COMPARISON_SHEET, comparison_grid
from pytoolkit.rules import validate_book
from pytoolkit.rules.years import compare_years
from pytoolkit.tables.catalog import SUMMARY_UNIT
from pytoolkit.tables.recognise import recognise_book

from ..tables import derived_columns
from . import workbook
from .workbook import (
    CONSOLIDATION_SHEET,
    DERIVED_SHEET,
    DETAIL_SHEET,
    DRAFT_SHEET,
    FILL,
    MARK,
    MARKS,
    NARRATIVE_RESULT_SHEET,
    NARRATIVE_SHEET,
    RECORD_SHEET,
    RESULT_SHEET,
    SUM_FILL,
    SUMMARY_PREFIX,
    TEXT_MARK,
    UNITS_SHEET,
    Entry,
    a1,
    claim_sheets,
    hex_rgb,
    paint,
    rgb_hex,
    user_sheets,
)

__all__ = [
    "ENTRY_POINTS",
    "NOTE_HEAD",
    "EntryPoint",
    "clear_marks",
    "consolidate",
    "fill_derived",
    "compare_previous",
    "help",
    "narrative_check",
    "narrative_write",
    "validate",
]

TITLE = "决算工具"
# The marks' colours (render.look), the annotated copy's too, so both paths look the same.
MARK_COLORS = {severity: hex_rgb(fill) for severity, fill in SEVERITY_FILL.items()}
BLANK_COLOR = hex_rgb(BLANK_FILL)  # light yellow behind a draft paragraph with a 【请填写…】 blank
NO_NARRATIVE = (
    f"工作簿中没有名为“{NARRATIVE_SHEET}”的工作表，无法核对。\n\n"
    f"请新建一张工作表，命名为“{NARRATIVE_SHEET}”，把情况说明的文字粘贴进去：A列每行一段"
    "（在 Word 中全选复制后，点选 A1 单元格粘贴即可，每段自动占一行）。然后再点“核对情况说明”。\n\n"
    f"也可以先点“生成情况说明”，在“{DRAFT_SHEET}”表中补全后，把该表改名为“{NARRATIVE_SHEET}”再核对。"
)


@dataclass(frozen=True)
class EntryPoint:
    """One ribbon button: the Python function its VBA Sub runs, its label, and whether it works."""

    name: str
    label: str
    description: str
    ready: bool


ENTRY_POINTS: dict[str, EntryPoint] = {
    entry.name: entry
    for entry in (
        EntryPoint(
            "validate", "校验勾稽关系",
            "检查各表之间和表内的勾稽关系，给不符的单元格标上底色和批注，写出“校验结果”表（点击位置可跳转）。", True
        ),
        EntryPoint(
            "compare_previous", "与上年核对",
            "选择上年的决算工作簿，核对年初结转和结余与上年年末数、表中的上年决算数与上年决算（跨年度科目调整按对照表换算）；"
            "连同勾稽关系一并标出不符的单元格，写出“校验结果”和“上年对比”表。",
            True,
        ),
        EntryPoint(
            "clear_marks", "清除校验标记",
            "去掉“校验勾稽关系”“核对情况说明”留下的底色、批注和“校验结果”“情况说明核对”表，恢复单元格原来的底色和批注，"
            "不改动数据。", True
        ),
        EntryPoint(
            "consolidate", "汇总局机关与二级机构",
            "把工作表名为“局机关”“二级机构1”等的各单位报表按科目编码逐行逐列相加（元自动换算为万元），抵销内部往来，"
            "写出“汇总-…”各表和“汇总说明”表；工作簿中的整体支出绩效自评表，只在“局机关及二级机构汇总”行的空白单元格中填入各单位之和。",
            True,
        ),
        EntryPoint(
            "fill_derived", "填充完成率与增减率",
            "写出“派生数”表（完成率、增减、占比、等次）；表中有“完成率”“增减额”“增减率”列的，只在空白单元格中填入计算结果。",
            True,
        ),
        EntryPoint(
            "narrative_check", "核对情况说明",
            "核对“情况说明”表（A列每行一段）中的数字、百分比和增减用语是否前后一致、与报表一致；有问题的段落标上底色和批注，"
            "写出“情况说明核对”表（点击段落可跳转）。“清除校验标记”可去掉标记。",
            True,
        ),
        EntryPoint(
            "narrative_write", "生成情况说明",
            "按报表写出“情况说明(初稿)”表（每行一段，数字全部由报表计算，需补充的地方标为“【请填写…】”并加黄色底色）；"
            "不改动您自己的“情况说明”表。",
            True,
        ),
        EntryPoint("help", "帮助", "显示本说明。", True),
    )
}


def _entry(function: Callable[[xw.Book], None]) -> Callable[..., None]:
    """Resolve the calling book and turn a PytoolkitError into a Chinese message box."""

    @functools.wraps(function)
    def run(book: xw.Book | None = None) -> None:
        book = book if book is not None else xw.Book.caller()
        try:
            function(book)
        except PytoolkitError as error:
            book.app.alert(str(error), title=TITLE, mode="critical")

    return run


def _recognised(book: xw.Book) -> Book:
    return recognise_book(workbook.read_book(book))


# -- 校验勾稽关系 / 清除校验标记 ------------------------------------------------------------------


@_entry
def validate(book: xw.Book) -> None:
    """Check the book, mark failing cells (fill + note) and write the 校验结果 sheet."""
    claim_sheets(book, (RESULT_SHEET, RECORD_SHEET))
    model = _recognised(book)
    _show_findings(book, validate_book(model))


def compare_previous(path_hex: str = "", book: xw.Book | None = None) -> None:
    """与上年核对: the book against last year's workbook (chosen in the VBA file dialog, its path
    passed as hex UTF-16 code units), with the 勾稽关系 of the book itself; marks, 校验结果 and the
    上年对比 sheet (its chart data without the chart: xlwings' open-source API cannot title one)."""
    book = book if book is not None else xw.Book.caller()
    try:
        last_path = previous_path(path_hex, book)
        claim_sheets(book, (RESULT_SHEET, RECORD_SHEET, COMPARISON_SHEET))
        model = _recognised(book)
        last = read_file_book(last_path)
        findings = [*validate_book(model), *compare_years(model, last)]
        grid = comparison_grid(model, last)
        if grid is not None:
            grid.charts.clear()
            with book.app.properties(screen_updating=False):
                paint(book, grid)
        _show_findings(book, findings, f"已与上年工作簿“{last_path.name}”核对。")
    except PytoolkitError as error:
        book.app.alert(str(error), title=TITLE, mode="critical")


def previous_path(path_hex: str, book: xw.Book) -> Path:
    """The path the VBA dialog chose (hex UTF-16), checked: a workbook file, not this workbook."""
    try:
        path = Path(bytes.fromhex(path_hex).decode("utf-16-be"))
    except ValueError:
        raise InputError("没有收到上年工作簿的文件名，请重新点“与上年核对”并选择文件。") from None
    if not str(path) or path.is_dir():
        raise InputError(f"请选择上年的决算工作簿文件，而不是文件夹：{path}")
    if not path.exists():
        raise InputError(f"上年工作簿不存在：{path}")
    this = Path(getattr(book, "fullname", "") or "")
    if str(this) and this.exists() and this.resolve() == path.resolve():
        raise InputError(f"选择的上年工作簿就是当前工作簿：{path.name}。请选择上年的决算工作簿。")
    return path


def _show_findings(book: xw.Book, findings: list[Finding], head: str = "") -> None:
    own = [f for f in findings if f.location.file in ("", book.name)]  # last year's cells are not here
    with book.app.properties(screen_updating=False):
        marks = _remark(book, by_cell(own), MARK)
        results = paint(book, result_grid(findings, source=book.name, sheets={s.name for s in book.sheets},
                                          note="点击“位置”可跳到该单元格；“清除校验标记”可去掉标记。"))
    results.activate()
    counts = summary(findings)
    text = (head + "\n" if head else "") + \
        f"校验完成：错误 {counts['error']} 条，核实 {counts['warning']} 条，提示 {counts['info']} 条。"
    if findings:
        text += (f"\n\n已在 {len(marks)} 个单元格标上底色和批注（红：错误，黄：核实，蓝：提示），"
                 f"全部问题见“{RESULT_SHEET}”表，点击“位置”可跳到该单元格。\n按“清除校验标记”可恢复原样。")
    else:
        text += "\n\n未发现问题。"
    book.app.alert(text, title=TITLE, mode="info")


@_entry
def clear_marks(book: xw.Book) -> None:
    """Undo what validate and narrative_check did: restore the fills and notes the toolkit changed,
    remove 校验结果 and 情况说明核对."""
    claim_sheets(book, (RECORD_SHEET,))
    record = workbook.read_record(book)
    marks = [e for e in record if e.kind in MARKS]
    result_sheets = (RESULT_SHEET, NARRATIVE_RESULT_SHEET)
    ours = [n for n in result_sheets
            if (sheet := workbook.find_sheet(book, n)) is not None and workbook.is_toolkit_sheet(sheet)]
    if not marks and not ours:
        book.app.alert("没有找到决算工具留下的校验标记，工作簿未改动。", title=TITLE, mode="info")
        return
    with book.app.properties(screen_updating=False):
        restored, changed = _restore_marks(book, marks, MARKS)
        workbook.write_record(book, [e for e in record if e.kind not in MARKS])
        removed = [n for n in result_sheets if workbook.delete_toolkit_sheet(book, n)]
    text = f"已清除 {restored} 个单元格的校验标记，恢复了原来的底色和批注。"
    if changed:
        text += f"\n另有 {changed} 个单元格的底色或批注在校验后被改动过，保留您改动后的样子。"
    if removed:
        text += "\n" + "、".join(f"“{n}”" for n in removed) + "表已删除。"
    book.app.alert(text, title=TITLE, mode="info")


def _remark(book: xw.Book, by_cell: dict[tuple[str, str], list[Finding]], kind: str) -> list[Entry]:
    """Replace the marks of ``kind`` with marks for ``by_cell``: a second run starts from the
    user's own colours and notes. Returns the new marks."""
    record = workbook.read_record(book)
    _restore_marks(book, record, (kind,))
    marks: list[Entry] = []
    try:
        _mark(book, by_cell, marks, kind)
    finally:
        # Even if Excel refuses a cell half-way (a protected sheet), what was marked is recorded
        # and can be cleared.
        workbook.write_record(book, [e for e in record if e.kind != kind] + marks)
    return marks


def _mark(book: xw.Book, by_cell: dict[tuple[str, str], list[Finding]], entries: list[Entry], kind: str) -> None:
    """Fill and annotate each cell of ``by_cell``, appending what was there to ``entries``."""
    sheets = {sheet.name: sheet for sheet in user_sheets(book)}
    for (sheet_name, address), items in by_cell.items():
        sheet = sheets.get(sheet_name)
        if sheet is None:
            continue
        cell = sheet.range(address)
        fill, ours = mark(items)
        color = hex_rgb(fill)
        old_color = cell.color
        note = cell.note
        old_note = note.text if note is not None else None
        text = ours if not old_note else f"{old_note}\n\n{ours}"  # the user's note stays readable
        # Recorded first: should Excel refuse the change, clearing still finds what was there.
        entries.append(Entry(kind, sheet_name, address, rgb_hex(old_color), old_note, rgb_hex(color), text))
        cell.color = color
        if note is None:
            cell.add_note(text)
        else:
            note.text = text


def _restore_marks(book: xw.Book, entries: list[Entry], kinds: tuple[str, ...]) -> tuple[int, int]:
    """Put back the fill and note of each marked cell still showing the mark; (restored, changed)."""
    restored = changed = 0
    # Latest first: a cell marked twice gets its own colour back last.
    for entry, cell in workbook.cells(book, reversed([e for e in entries if e.kind in kinds])):
        intact = True
        if rgb_hex(cell.color) == entry.color:
            cell.color = hex_rgb(entry.old_color)
        else:
            intact = False
        note = cell.note
        if note is not None and _same_text(note.text, entry.note):
            if entry.old_note is None:
                note.delete()
            else:
                note.text = entry.old_note
        elif note is not None or entry.old_note is not None:
            intact = False  # the user edited or deleted the note since: theirs now
        restored += intact
        changed += not intact
    return restored, changed


def _same_text(a: str | None, b: str | None) -> bool:
    # Excel may hand a note back with CR LF line ends.
    return (a or "").replace("\r\n", "\n").strip() == (b or "").replace("\r\n", "\n").strip()


def _number(value: Decimal | None) -> float | None:
    # The edge of the Decimal world: Excel holds doubles (docs/architecture.md “Numbers”).
    return None if value is None else float(value)


# -- 填充完成率与增减率 ------------------------------------------------------------------------


@_entry
def fill_derived(book: xw.Book) -> None:
    """Write the 派生数 sheet and fill the empty cells of recognised derived columns."""
    claim_sheets(book, (DERIVED_SHEET, RECORD_SHEET))
    model = _recognised(book)
    if not model.tables:
        raise PytoolkitError("没有识别出任何标准决算表，无法计算完成率和增减率。请确认表名（如“收入支出决算总表”）"
                             "写在表格上方、表头完整。")
    figures = derived_figures(model)
    found = derived_columns.targets(model)
    active = book.sheets.active
    with book.app.properties(screen_updating=False):
        record = workbook.read_record(book)
        filled, skipped, cleared, fills = _fill(book, found, workbook.entries_by_cell(record, FILL))
        workbook.write_record(book, [e for e in record if e.kind != FILL] + fills)
        paint(book, derived_grid(figures))
    active.activate()
    text = f"已写出“{DERIVED_SHEET}”表：{len(figures)} 项派生数（完成率、增减、占比、等次，四舍五入保留2位小数）。"
    if found:
        tables = len({t.table for t in found})
        text += f"\n\n在 {tables} 张表的完成率、增减额、增减率列中填入 {filled} 个单元格。"
        if skipped:
            text += f"\n{skipped} 个单元格已有您填写的内容，未改动。"
        if cleared:
            text += f"\n{cleared} 个单元格无法计算（无年初预算或上年数为0），已清空此前填入的数。"
    else:
        text += "\n\n识别出的表中没有“完成率”“增减额”“增减率”一类的列，表内未填写。"
    book.app.alert(text, title=TITLE, mode="info")


def _fill(book: xw.Book, found: list[derived_columns.Target], previous: dict[tuple[str, str], Entry]):
    """Write each computable figure into an empty cell or one still holding the toolkit's figure."""
    sheets = {sheet.name: sheet for sheet in user_sheets(book)}
    filled = skipped = cleared = 0
    fills: list[Entry] = []
    for target in found:
        sheet = sheets.get(target.ref.sheet)
        if sheet is None:
            continue
        address = target.ref.a1
        cell = sheet.range(address)
        current = cell.value
        prior = previous.pop((target.ref.sheet, address), None)
        ours = prior is not None and _same_number(current, prior.value)
        if not (ours or current in (None, "")):
            skipped += 1  # the user's own value: never overwritten
            continue
        if target.value is None:
            if ours:
                cell.value = None
                cleared += 1
            continue
        figure = target.value
        if target.is_percent and "%" in (cell.number_format or ""):
            figure = figure / 100  # a cell formatted as a percentage shows 1.6906 as 169.06%
        value = float(figure)
        if current != value:
            cell.value = value
        filled += 1
        fills.append(Entry(FILL, target.ref.sheet, address, value=value))
    fills.extend(previous.values())  # cells no longer derived keep their record while they keep our value
    return filled, skipped, cleared, fills


def _same_number(current: object, recorded: float | None) -> bool:
    return (recorded is not None and isinstance(current, int | float) and not isinstance(current, bool)
            and abs(float(current) - recorded) <= 1e-9 * max(1.0, abs(recorded)))


# -- 汇总局机关与二级机构 ------------------------------------------------------------------------


@_entry
def consolidate(book: xw.Book) -> None:
    """Write the 汇总 of the unit sheets as toolkit sheets “汇总-…”, 汇总说明, 分户明细 and
    分户主要指标, and fill the PE form's 汇总 row."""
    claim_sheets(book, (*_CONSOLIDATION_SHEETS, RECORD_SHEET))
    # 合并数: internal flows between 局机关 and 二级机构 eliminated (docs/rules.md §5); the 汇总说明 sheet
    # and the message say what was eliminated, or why not.
    out = consolidate_open_book(workbook.read_book(book), eliminate=True)
    result = out.result
    try:
        if len(result.included) < 2:
            raise PytoolkitError(_too_few_units(result))
        names = [s.name for s in out.sheets]
        claim_sheets(book, names)
        with book.app.properties(screen_updating=False):
            record = workbook.read_record(book)
            previous = workbook.entries_by_cell(record, SUM_FILL)
            fills: list[Entry] = []
            try:
                form = _fill_form(book, out.form_fills, previous, fills)
            finally:
                workbook.write_record(book, [e for e in record if e.kind != SUM_FILL] + fills)
            for sheet in list(book.sheets):  # 汇总 tables of an earlier run the book no longer has
                if sheet.name.startswith(SUMMARY_PREFIX) and sheet.name not in names \
                        and workbook.is_toolkit_sheet(sheet):
                    sheet.delete()
            written = [paint(book, s.grid) for s in out.sheets]
            sheets = {s.name for s in book.sheets} | set(_CONSOLIDATION_SHEETS)
            notes = paint(book, explain_grid(result, out.findings, sheets=sheets, kept=form.kept))
            paint(book, detail_grid(result))
            paint(book, units_grid(result))
            active = written[0] if written else notes
        active.activate()
        book.app.alert(_consolidation_text(out, form), title=TITLE, mode="info")
    finally:
        result.close()


_CONSOLIDATION_SHEETS = (CONSOLIDATION_SHEET, DETAIL_SHEET, UNITS_SHEET)


@dataclass
class _FormFill:
    """What happened to the 绩效自评表 汇总 row: cells filled, and cells holding the user's number."""

    filled: int = 0
    kept: list[tuple[CellRef, object, Decimal]] = field(default_factory=list)  # (cell, user's value, sum)

    @property
    def differing(self) -> list[tuple[CellRef, object, Decimal]]:
        return [k for k in self.kept if not same_number(k[1], k[2])]


def _fill_form(book: xw.Book, form_fills: list[tuple[CellRef, Decimal]], previous: dict[tuple[str, str], Entry],
               fills: list[Entry]) -> _FormFill:
    """Write each sum into an empty cell or one still holding the toolkit's recorded sum."""
    sheets = {sheet.name: sheet for sheet in user_sheets(book)}
    done = _FormFill()
    for ref, total in form_fills:
        sheet = sheets.get(ref.sheet)
        if sheet is None:
            continue
        address = ref.a1
        cell = sheet.range(address)
        current = cell.value
        prior = previous.pop((ref.sheet, address), None)
        ours = prior is not None and _same_number(current, prior.value)
        if not (ours or current in (None, "")):
            done.kept.append((ref, current, total))  # the user's own number (or formula): never overwritten
            continue
        value = _number(total)
        if current != value:
            cell.value = value
        done.filled += 1
        fills.append(Entry(SUM_FILL, ref.sheet, address, value=value))
    fills.extend(previous.values())  # cells no longer summed keep their record while they keep our value
    return done


def _too_few_units(result: ConsolidationResult) -> str:
    units = result.included
    text = "没有找到可以汇总的多个单位，工作簿未改动。\n\n"
    if len(units) == 1:
        text += f"本工作簿只识别出一个单位（{units[0].name}）。"
    text += ("汇总要求各单位的报表分别放在以单位命名的工作表中，如“局机关”“二级机构1”“二级机构2”"
             "（也可以一表一页，如“局机关-收入支出决算总表”），每张表的表名和表头完整。")
    unknown = [f for f in result.all_findings if f.rule in ("consolidate.unit_unknown", "consolidate.no_tables")]
    if unknown:
        text += "\n\n" + "\n".join(f"· {f.message}" for f in unknown[:5])
    return text


def _eliminations(result: ConsolidationResult) -> list[str]:
    lines = []
    for e in result.eliminations:
        if e.amount:
            lines.append(f"{e.title}：抵销 {format_amount(e.amount)} 万元"
                         f"（{'、'.join(e.payers)} → {'、'.join(e.receivers)}）")
        else:
            lines.append(f"{e.title}：支付方 {format_amount(e.paid)} 万元，收到方 {format_amount(e.received)} 万元，"
                         "两方不等，未抵销，请核对")
    return lines


def _consolidation_text(out: OpenBookConsolidation, form: _FormFill) -> str:
    result = out.result
    units = result.included
    listed = "、".join(f"{u.name}（{'、'.join(u.money_units) or '—'}）" for u in units)
    text = f"汇总完成：参与汇总的单位 {len(units)} 个：{listed}。元表已精确换算为万元，汇总表一律为万元。"
    skipped = [u for u in result.units if u.role != "form" and not u.included]
    if skipped:
        text += f"\n未参与汇总：{'、'.join(u.name for u in skipped)}（原因见“{CONSOLIDATION_SHEET}”）。"
    eliminated = _eliminations(result)
    if eliminated:
        text += f"\n\n内部往来（上级单位“{result.parent}”）：\n" + "\n".join(f"· {line}" for line in eliminated)
        text += "\n汇总表为抵销后的合并数；整体支出绩效自评表、“三公”经费为直接相加。"
    else:
        text += "\n\n各单位之间没有内部往来，汇总数即各单位直接相加。"
    sheets = [s.name for s in out.sheets]
    if sheets:
        text += (f"\n\n已写出 {len(sheets)} 张汇总表（“{sheets[0]}”等）和"
                 + "、".join(f"“{n}”" for n in _CONSOLIDATION_SHEETS) + "表。")
    if out.form_fills:
        text += f"\n整体支出绩效自评表“{SUMMARY_UNIT}”行：填入 {form.filled} 个单元格。"
        if form.kept:
            text += f"{len(form.kept)} 个单元格已有您填写的数，未改动"
            differing = form.differing
            text += (f"，其中 {len(differing)} 个与各单位之和不同，见“{CONSOLIDATION_SHEET}”。" if differing else "。")
    counts = summary(out.findings)
    text += (f"\n\n各单位及汇总表的校验：错误 {counts['error']} 条，核实 {counts['warning']} 条，"
             f"提示 {counts['info']} 条，见“{CONSOLIDATION_SHEET}”表。")
    return text


# -- 核对情况说明 / 生成情况说明 ---------------------------------------------------------------------


@_entry
def narrative_check(book: xw.Book) -> None:
    """Check the 情况说明 sheet against the tables, mark failing paragraphs, write 情况说明核对."""
    claim_sheets(book, (NARRATIVE_RESULT_SHEET, RECORD_SHEET))
    sheet = workbook.find_sheet(book, NARRATIVE_SHEET)
    if sheet is None:
        book.app.alert(NO_NARRATIVE, title=TITLE, mode="info")
        return
    handed_over = workbook.is_toolkit_sheet(sheet)
    if handed_over:  # a draft the user renamed 情况说明: theirs now, and read as their text
        workbook.release_sheet(sheet)
    model = _recognised(book)
    doc = from_book(model)
    if doc is None or not any(line.text.strip() for line in doc.lines):
        book.app.alert(f"“{NARRATIVE_SHEET}”表是空的，没有可核对的文字。\n\n" + NO_NARRATIVE.split("\n\n", 1)[1],
                       title=TITLE, mode="info")
        return
    findings = check_narrative(doc, model)
    text_sheet = model.sheet(NARRATIVE_SHEET)
    paragraphs: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.location.file == doc.name and f.location.line:
            paragraphs[(NARRATIVE_SHEET, _paragraph_cell(text_sheet, f.location.line))].append(f)
    with book.app.properties(screen_updating=False):
        marks = _remark(book, paragraphs, TEXT_MARK)
        results = paint(book, narrative_result_grid(
            findings, source=doc.name, text_sheet=NARRATIVE_SHEET,
            paragraph_cell=lambda line: _paragraph_cell(text_sheet, line),
            note="点击“段落”可跳到该段；“清除校验标记”可去掉标记。"))
    results.activate()
    counts = summary(findings)
    text = f"情况说明核对完成：错误 {counts['error']} 条，核实 {counts['warning']} 条，提示 {counts['info']} 条。"
    if findings:
        text += (f"\n\n已在“{NARRATIVE_SHEET}”表的 {len(marks)} 段标上底色和批注（红：错误，黄：核实，蓝：提示），"
                 f"全部问题见“{NARRATIVE_RESULT_SHEET}”表，点击“段落”可跳到该段。\n按“清除校验标记”可恢复原样。")
    else:
        text += "\n\n未发现问题。"
    if not model.tables:
        text += "\n\n工作簿中没有识别出报表（如“收入支出决算总表”），只核对了文中数字之间的关系。"
    if handed_over:
        text += (f"\n\n“{NARRATIVE_SHEET}”表原是决算工具生成的初稿，已去掉其中的决算工具标记，"
                 "今后作为您自己的表对待。")
    book.app.alert(text, title=TITLE, mode="info")


def _paragraph_cell(sheet: ModelSheet | None, line: int) -> str:
    """The cell of a 情况说明 line (a row, ``narrative.from_book``): its first non-blank cell, else A."""
    row = sheet.cells[line - 1] if sheet is not None and 0 < line <= len(sheet.cells) else []
    col = next((c for c, v in enumerate(row) if v not in (None, "") and str(v).strip()), 0)
    return a1(line - 1, col)


@_entry
def narrative_write(book: xw.Book) -> None:
    """Write a draft 情况说明 from the book's tables into the toolkit sheet 情况说明(初稿)."""
    claim_sheets(book, (DRAFT_SHEET,))
    model = _recognised(book)
    if not model.tables:
        raise PytoolkitError("没有识别出任何标准决算表，无法生成情况说明。请确认表名（如“收入支出决算总表”）"
                             "写在表格上方、表头完整。")
    d = draft(model)
    paragraphs = [d.title, *(text for _, text in d.blocks)]
    blanks = blank_rows(paragraphs)
    with book.app.properties(screen_updating=False):
        sheet = paint(book, draft_grid(paragraphs))
    sheet.activate()
    text = (f"已写出“{DRAFT_SHEET}”表：{len(paragraphs)} 段（A列每行一段），数字全部按报表计算，四舍五入保留2位小数。"
            f"\n其中 {len(blanks)} 段有“{DRAFT_FILL}”或“{BLANK}”（黄色底色），需要您补充原因和说明。")
    t1 = model.all("T1")
    if len(t1) > 1:
        text += (f"\n\n工作簿中有 {len(t1)} 张收入支出决算总表（多个单位），初稿按工作表“{t1[0].sheet}”中的一张写成；"
                 "部门汇总的情况说明请在汇总后的工作簿中生成。")
    text += (f"\n\n补全后，把该表改名为“{NARRATIVE_SHEET}”，再点“核对情况说明”即可核对。"
             f"注意：再次点“生成情况说明”会重写“{DRAFT_SHEET}”表，请先改名保存您的修改。")
    if workbook.find_sheet(book, NARRATIVE_SHEET) is not None:
        text += f"\n您自己的“{NARRATIVE_SHEET}”表未改动。"
    book.app.alert(text, title=TITLE, mode="info")


@_entry
def help(book: xw.Book) -> None:  # shadows the builtin here only: the name the ribbon's VBA calls
    """Show what the buttons and the worksheet functions do; the book is not changed."""
    book.app.alert(help_text(), title=f"{TITLE} 帮助", mode="info")


def help_text() -> str:
    """The help shown by the 帮助 button, built from the entry points and the UDFs' own docs."""
    from pytoolkit.excel import udfs  # the UDF docs are the function wizard's text

    lines = [f"决算工具 {__version__}：部门决算的派生数计算、勾稽关系校验与汇总。", "", "功能区按钮："]
    for entry in ENTRY_POINTS.values():
        state = "" if entry.ready else "（后续版本提供）"
        lines.append(f"· {entry.label}{state}：{entry.description}")
    lines += ["", f"工作表函数（在“插入函数”的“{udfs.CATEGORY}”类别中）："]
    for udf in udfs.UDFS:
        first = (udf.__doc__ or "").split("。")[0]
        lines.append(f"· {udf.__name__}：{first}。")
    lines += [
        "",
        "数值按四舍五入保留2位小数；出错的单元格显示以“#”开头的中文说明。",
        "本工具不会删除或覆盖您自己的工作表和数据。",
    ]
    return "\n".join(lines)
