"""Excel adapter layer: the Python entry points behind the buttons of the 决算工具 ribbon tab.

Each button of ``addin/src/customUI.xml`` calls a VBA Sub in ``addin/src/PytoolkitRibbon.bas``,
which runs ``RunPython "import pytoolkit.excel.ribbon as r; r.<entry>()"``. xlwings then starts
Python with the calling workbook known, and the entry point takes it with ``xw.Book.caller()``
(tests pass a fake book instead).

An entry point resolves the book, makes one core call and renders the result into the book or a
message box; a ``PytoolkitError`` becomes a Chinese message box, anything else propagates so that
xlwings shows the traceback (a programming error to report). The toolkit never deletes or
overwrites the user's own sheets or values.

State of the buttons (see ENTRY_POINTS): only 帮助 works. The others depend on core functions
that do not exist yet (rule checks, consolidation, derived-column filling, narrative) and say
so in a message box instead of pretending; each is marked ``NOT DONE`` below and becomes a
thin wrapper of its core function when that lands.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import xlwings as xw

from pytoolkit import __version__
from pytoolkit.errors import PytoolkitError

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
            "validate", "校验勾稽关系", "检查各表之间和表内的勾稽关系，标出不符的单元格，写出“校验结果”表。", False
        ),
        EntryPoint("clear_marks", "清除校验标记", "去掉“校验勾稽关系”留下的标记，不改动数据。", False),
        EntryPoint("consolidate", "汇总局机关与二级机构", "把局机关和各二级机构的表逐行逐列相加，写出汇总表。", False),
        EntryPoint("fill_derived", "填充完成率与增减率", "为识别出的表填上完成预算百分比、增减额和增减率。", False),
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


@_entry
def validate(book: xw.Book) -> None:
    # NOT DONE: needs the rule engine (pytoolkit.rules) and the annotated-workbook renderer.
    _not_yet(book, "validate")


@_entry
def clear_marks(book: xw.Book) -> None:
    # NOT DONE: removes only the marks validate made; lands together with validate.
    _not_yet(book, "clear_marks")


@_entry
def consolidate(book: xw.Book) -> None:
    # NOT DONE: needs pytoolkit.consolidate.
    _not_yet(book, "consolidate")


@_entry
def fill_derived(book: xw.Book) -> None:
    # NOT DONE: needs the recognised tables' derived columns (tables + metrics) and a writer that
    # fills only empty derived cells.
    _not_yet(book, "fill_derived")


@_entry
def narrative_check(book: xw.Book) -> None:
    # NOT DONE: needs pytoolkit.narrative (claim extraction and checks).
    _not_yet(book, "narrative_check")


@_entry
def narrative_write(book: xw.Book) -> None:
    # NOT DONE: needs pytoolkit.narrative (draft writer).
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
        summary = (udf.__doc__ or "").split("。")[0]
        lines.append(f"· {udf.__name__}：{summary}。")
    lines += [
        "",
        "数值按四舍五入保留2位小数；出错的单元格显示以“#”开头的中文说明。",
        "本工具不会删除或覆盖您自己的工作表和数据。",
    ]
    return "\n".join(lines)
