"""Excel adapter layer: the Python entry points behind the buttons of the 决算工具 ribbon tab.

Each button of ``addin/src/customUI.xml`` calls a VBA Sub in ``addin/src/PytoolkitRibbon.bas``,
which runs ``RunPython "import pytoolkit.excel.ribbon as r; r.<entry>()"``. xlwings then starts
Python with the calling workbook known, and the entry point takes it with ``xw.Book.caller()``
(tests pass a fake book instead).

An entry point reads the book into the core's model (``workbook.read_book``), makes its core
calls (recognise, validate, derived figures) and renders the result into the book and a message
box; a ``PytoolkitError`` becomes a Chinese message box, anything else propagates so that
xlwings shows the traceback (a programming error to report). The toolkit never deletes or
overwrites the user's own sheets or values: it writes its own sheets (marked, see ``workbook``),
colours and notes on failing cells that it records and can restore, and derived figures only
into empty cells (or cells still holding its own earlier figure).

State of the buttons (see ENTRY_POINTS): 校验勾稽关系, 清除校验标记, 填充完成率与增减率 and 帮助 work.
汇总局机关与二级机构, 核对情况说明 and 生成情况说明 wait for ``pytoolkit.consolidate`` and
``pytoolkit.narrative``; each is marked ``NOT DONE`` below and says so in a message box.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlwings as xw

from pytoolkit import __version__
from pytoolkit.derived import derived_figures
from pytoolkit.errors import PytoolkitError
from pytoolkit.findings import Finding, Severity, summary
from pytoolkit.io.annotate import FILLS
from pytoolkit.model import Book
from pytoolkit.rules import validate_book
from pytoolkit.tables.recognise import recognise_book

from ..tables import derived_columns
from . import workbook
from .workbook import (
    DERIVED_SHEET,
    FILL,
    MARK,
    RECORD_SHEET,
    RESULT_SHEET,
    Entry,
    claim_sheets,
    hex_rgb,
    rgb_hex,
    text_cell,
    toolkit_sheet,
    user_sheets,
    write_rows,
)

__all__ = [
    "ENTRY_POINTS",
    "EntryPoint",
    "clear_marks",
    "consolidate",
    "fill_derived",
    "help",
    "narrative_check",
    "narrative_write",
    "validate",
]

TITLE = "决算工具"
NOT_YET = "此功能将在后续版本提供。"
# The fills of the annotated copy (pytoolkit.io.annotate), so both paths look the same.
MARK_COLORS = {severity: hex_rgb(fill.fgColor.rgb[-6:]) for severity, fill in FILLS.items()}
NOTE_HEAD = "决算工具校验："
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_RESULT_HEADERS = ["序号", "级别", "规则", "位置", "说明", "应为", "实为", "差额", "相关单元格"]
_RESULT_WIDTHS = [6, 6, 22, 30, 80, 12, 12, 12, 40]
_DERIVED_HEADERS = ["序号", "类别", "项目", "表述", "数值"]
_DERIVED_WIDTHS = [6, 10, 36, 90, 12]


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
            "clear_marks", "清除校验标记",
            "去掉“校验勾稽关系”留下的底色、批注和“校验结果”表，恢复单元格原来的底色和批注，不改动数据。", True
        ),
        EntryPoint("consolidate", "汇总局机关与二级机构", "把局机关和各二级机构的表逐行逐列相加，写出汇总表。", False),
        EntryPoint(
            "fill_derived", "填充完成率与增减率",
            "写出“派生数”表（完成率、增减、占比、等次）；表中有“完成率”“增减额”“增减率”列的，只在空白单元格中填入计算结果。",
            True,
        ),
        EntryPoint("narrative_check", "核对情况说明", "核对情况说明中的数字和用语是否与报表一致。", False),
        EntryPoint("narrative_write", "生成情况说明", "按报表生成情况说明的初稿。", False),
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


def _not_yet(book: xw.Book, name: str) -> None:
    entry = ENTRY_POINTS[name]
    book.app.alert(f"“{entry.label}”：{NOT_YET}\n\n{entry.description}", title=TITLE, mode="info")


def _recognised(book: xw.Book) -> Book:
    return recognise_book(workbook.read_book(book))


# -- 校验勾稽关系 / 清除校验标记 ------------------------------------------------------------------


@_entry
def validate(book: xw.Book) -> None:
    """Check the book, mark failing cells (fill + note) and write the 校验结果 sheet."""
    claim_sheets(book, (RESULT_SHEET, RECORD_SHEET))
    model = _recognised(book)
    findings = validate_book(model)
    with book.app.properties(screen_updating=False):
        record = workbook.read_record(book)
        _restore_marks(book, record)  # a second run starts from the user's own colours and notes
        marks: list[Entry] = []
        try:
            _mark(book, findings, marks)
        finally:
            # Even if Excel refuses a cell half-way (a protected sheet), what was marked is recorded
            # and can be cleared.
            workbook.write_record(book, [e for e in record if e.kind != MARK] + marks)
        results = _write_results(book, findings)
    results.activate()
    counts = summary(findings)
    text = f"校验完成：错误 {counts['error']} 条，核实 {counts['warning']} 条，提示 {counts['info']} 条。"
    if findings:
        text += (f"\n\n已在 {len(marks)} 个单元格标上底色和批注（红：错误，黄：核实，蓝：提示），"
                 f"全部问题见“{RESULT_SHEET}”表，点击“位置”可跳到该单元格。\n按“清除校验标记”可恢复原样。")
    else:
        text += "\n\n未发现问题。"
    book.app.alert(text, title=TITLE, mode="info")


@_entry
def clear_marks(book: xw.Book) -> None:
    """Undo what validate did: restore fills and notes the toolkit changed, remove 校验结果."""
    claim_sheets(book, (RECORD_SHEET,))
    record = workbook.read_record(book)
    marks = [e for e in record if e.kind == MARK]
    results = workbook.find_sheet(book, RESULT_SHEET)
    if not marks and (results is None or not workbook.is_toolkit_sheet(results)):
        book.app.alert("没有找到决算工具留下的校验标记，工作簿未改动。", title=TITLE, mode="info")
        return
    with book.app.properties(screen_updating=False):
        restored, changed = _restore_marks(book, marks)
        workbook.write_record(book, [e for e in record if e.kind != MARK])
        removed = workbook.delete_toolkit_sheet(book, RESULT_SHEET)
    text = f"已清除 {restored} 个单元格的校验标记，恢复了原来的底色和批注。"
    if changed:
        text += f"\n另有 {changed} 个单元格的底色或批注在校验后被改动过，保留您改动后的样子。"
    if removed:
        text += f"\n“{RESULT_SHEET}”表已删除。"
    book.app.alert(text, title=TITLE, mode="info")


def _mark(book: xw.Book, findings: list[Finding], entries: list[Entry]) -> None:
    """Fill and annotate each cell a finding points at, appending what was there to ``entries``."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.location.sheet and finding.location.cell:
            by_cell[(finding.location.sheet, finding.location.cell)].append(finding)
    sheets = {sheet.name: sheet for sheet in user_sheets(book)}
    for (sheet_name, address), items in by_cell.items():
        sheet = sheets.get(sheet_name)
        if sheet is None:
            continue
        cell = sheet.range(address)
        worst = min((f.severity for f in items), key=_RANK.__getitem__)
        color = MARK_COLORS[worst]
        old_color = cell.color
        note = cell.note
        old_note = note.text if note is not None else None
        ours = NOTE_HEAD + "\n" + "\n".join(f"[{f.severity.label}] {f.message}" for f in items)
        text = ours if not old_note else f"{old_note}\n\n{ours}"  # the user's note stays readable
        # Recorded first: should Excel refuse the change, clearing still finds what was there.
        entries.append(Entry(MARK, sheet_name, address, rgb_hex(old_color), old_note, rgb_hex(color), text))
        cell.color = color
        if note is None:
            cell.add_note(text)
        else:
            note.text = text


def _restore_marks(book: xw.Book, entries: list[Entry]) -> tuple[int, int]:
    """Put back the fill and note of each marked cell still showing the mark; (restored, changed)."""
    restored = changed = 0
    for entry, cell in workbook.cells(book, (e for e in entries if e.kind == MARK)):
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


def _write_results(book: xw.Book, findings: list[Finding]) -> Any:
    sheet = toolkit_sheet(book, RESULT_SHEET)
    names = {s.name for s in book.sheets}
    counts = summary(findings)
    title = (f"{book.name} 校验结果：错误{counts['error']}条，核实{counts['warning']}条，提示{counts['info']}条。"
             "点击“位置”可跳到该单元格；“清除校验标记”可去掉标记。")
    rows: list[list] = [[text_cell(title)], [text_cell(h) for h in _RESULT_HEADERS]]
    ordered = sorted(findings, key=lambda f: _RANK[f.severity])
    for number, f in enumerate(ordered, 1):
        where = str(f.location)
        if f.location.sheet in names and f.location.cell:
            where_cell = hyperlink(f.location.sheet, f.location.cell, where)
        else:
            where_cell = text_cell(where) if where else None
        rows.append([
            number, text_cell(f.severity.label), text_cell(f.rule), where_cell, text_cell(f.message),
            _number(f.expected), _number(f.actual), _number(f.difference),
            text_cell("、".join(f.related)) if f.related else None,
        ])
    write_rows(sheet, (1, 1), rows)
    for number, f in enumerate(ordered, 3):
        sheet.range((number, 2)).color = MARK_COLORS[f.severity]
    for column, width in enumerate(_RESULT_WIDTHS, 1):
        sheet.range((1, column)).column_width = width
    return sheet


def hyperlink(sheet: str, cell: str, text: str) -> str:
    """A HYPERLINK formula to a cell of this workbook (works in Excel and WPS alike)."""

    def quoted(s: str) -> str:
        return s.replace('"', '""')

    target = "#'" + sheet.replace("'", "''") + "'!" + cell
    return f'=HYPERLINK("{quoted(target)}","{quoted(text)}")'


def _number(value: Decimal | None) -> float | None:
    # The edge of the Decimal world: Excel holds doubles (DESIGN "Numbers").
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
        _write_figures(book, figures)
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


def _write_figures(book: xw.Book, figures) -> None:
    sheet = toolkit_sheet(book, DERIVED_SHEET)
    title = ("派生数：决算工具按识别出的表计算。“数值”为金额（万元）、百分数（完成率、占比）或得分；"
             "四舍五入保留2位小数。")
    rows: list[list] = [[text_cell(title)], [text_cell(h) for h in _DERIVED_HEADERS]]
    for number, figure in enumerate(figures, 1):
        rows.append([number, text_cell(figure.group), text_cell(figure.subject), text_cell(figure.text),
                     _number(figure.value)])
    write_rows(sheet, (1, 1), rows)
    for column, width in enumerate(_DERIVED_WIDTHS, 1):
        sheet.range((1, column)).column_width = width


# -- waiting for other parts of the core -------------------------------------------------------


@_entry
def consolidate(book: xw.Book) -> None:
    # NOT DONE: needs pytoolkit.consolidate (being written); wire it here, then set ready=True.
    _not_yet(book, "consolidate")


@_entry
def narrative_check(book: xw.Book) -> None:
    # NOT DONE: needs pytoolkit.narrative (claim extraction and checks); then ready=True.
    _not_yet(book, "narrative_check")


@_entry
def narrative_write(book: xw.Book) -> None:
    # NOT DONE: needs pytoolkit.narrative (draft writer); then ready=True.
    _not_yet(book, "narrative_write")


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
