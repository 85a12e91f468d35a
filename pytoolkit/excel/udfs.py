"""Excel adapter layer: the worksheet functions (UDFs) of the 决算工具 add-in.

Each cell UDF is a thin xlwings wrapper of one function of ``pytoolkit.metrics``: it takes the
cell values, calls the core function cell by cell and renders the result for a cell. Two UDFs
spill a table of the workbook they are in (``pt_findings``: the validation findings;
``pt_table``: one standard table by name) as a pandas DataFrame (``pytoolkit.frames``).

- Range arguments: xlwings passes every data argument as a 2-D list (``ndim=2``), so a column of
  决算 against a column of 预算 gives a column; a single cell (or a plain scalar when called from
  Python) is used for every row. Ranges of different sizes give one "#参数错误" text.
- Numbers go back to Excel as ``float(str(d))`` of the exact Decimal the core returned (already
  rounded half up where the core rounds). That conversion happens here, at the very edge and
  nowhere else, so 169.06 arrives as the double nearest to 169.06, never as the result of float
  arithmetic (docs/architecture.md “Numbers”). Percentages are numbers of percent: 169.06 means 169.06%.
- A cell whose data inputs are all blank gives "" (an empty-looking cell, not 0).
- Bad input gives a short Chinese text beginning with "#" in that cell, e.g.
  "#数值错误：无法识别“abc”"; an Excel error in an input (#N/A, #DIV/0!, ...) gives
  "#输入错误：引用的单元格为#N/A"; such a text from another UDF is passed on unchanged, as Excel
  passes #N/A on. A UDF never raises, so a cell never shows a Python traceback.

Excel knows each UDF by its Python name (xlwings registers ``f.__name__``; the add-in's VBA is
code page 1252, so the names are ASCII). The ``pt_`` prefix keeps them together in Excel's
autocomplete. The Chinese text of the function wizard is each docstring (the description, kept
to Excel's 255 characters) and the ``doc=`` of each argument.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from decimal import Decimal

import xlwings as xw

from pytoolkit import metrics
from pytoolkit.errors import PytoolkitError, ValueParseError

__all__ = [
    "CATEGORY",
    "SPILLING",
    "UDFS",
    "pt_change_amount",
    "pt_change_rate",
    "pt_change_text",
    "pt_completion_rate",
    "pt_findings",
    "pt_completion_text",
    "pt_format_wan",
    "pt_grade",
    "pt_share",
    "pt_table",
    "pt_yuan_to_wan",
]

logger = logging.getLogger(__name__)

# The function wizard's category for every UDF of the add-in.
CATEGORY = "决算工具"

# Options of every data argument: always a 2-D list (a cell is [[v]], a column [[a], [b]]) and
# Excel errors as their text ("#N/A") instead of None, so that they are not taken for blanks.
_CELLS = {"ndim": 2, "err_to_str": True}

# What xlwings' err_to_str gives for an error cell (xlwings._xlwindows.cell_errors) plus the
# newer dynamic-array errors, which can reach a UDF as text.
_EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)
# The error texts this module writes, recognised when one UDF's result feeds another.
_OWN_ERROR = re.compile(r"#[\u4e00-\u9fff]{2,4}错误：")
# Reasons that only say "this is not a number": the short form "无法识别“x”" says it all.
_UNREADABLE = ("不是可识别的数字写法", "不是数值", "不是有限数值")
# Longest input quoted back in an error text: a cell is narrow.
_QUOTE_MAX = 20

Compute = Callable[..., object]


# ---------------------------------------------------------------------------------------------
# The UDFs


@xw.func(category=CATEGORY)
@xw.arg("actual", doc="决算数：单元格或一列，与年初预算数单位相同；空白按0计。", **_CELLS)
@xw.arg("budget", doc="年初预算数：与决算数同样大小的区域，或一个单元格；为0或空白时不计算百分比。", **_CELLS)
def pt_completion_rate(actual, budget):
    """完成年初预算的百分比=决算数÷年初预算数×100，四舍五入保留2位小数，\
返回169.06即169.06%（单元格不要再设百分比格式）。年初预算为0或空白时返回“无年初预算”。可整列计算。"""

    def compute(actual, budget):
        rate = metrics.completion_rate(actual, budget)
        return "无年初预算" if rate is None else _number(rate)

    return _cellwise(compute, actual, budget)


@xw.func(category=CATEGORY)
@xw.arg("current", doc="本年数：单元格或一列；空白按0计。", **_CELLS)
@xw.arg("previous", doc="上年数：与本年数同样大小的区域，或一个单元格；空白按0计。", **_CELLS)
def pt_change_amount(current, previous):
    """比上年增减额=本年数－上年数，为精确差额，不舍入（增加为正，减少为负）。可整列计算。"""
    return _cellwise(lambda current, previous: _number(metrics.change(current, previous).amount), current, previous)


@xw.func(category=CATEGORY)
@xw.arg("current", doc="本年数：单元格或一列；空白按0计。", **_CELLS)
@xw.arg("previous", doc="上年数：与本年数同样大小的区域，或一个单元格；为0时不计算增减率。", **_CELLS)
def pt_change_rate(current, previous):
    """比上年增减率=(本年数－上年数)÷|上年数|×100，四舍五入保留2位小数，返回47.04即增长47.04%，\
负数为下降。上年数为0时返回“上年数为0”（不能写成增长100%）。可整列计算。"""

    def compute(current, previous):
        rate = metrics.change(current, previous).rate
        return "上年数为0" if rate is None else _number(rate)

    return _cellwise(compute, current, previous)


@xw.func(category=CATEGORY)
@xw.arg("part", doc="部分数：单元格或一列，如某项支出；空白按0计。", **_CELLS)
@xw.arg("whole", doc="总数：与部分数同样大小的区域，或一个单元格（如支出合计）；为0或空白时不计算占比。", **_CELLS)
def pt_share(part, whole):
    """占比=部分数÷总数×100，四舍五入保留2位小数，返回35.5即占35.50%。\
总数为0或空白时返回“总数为0或空白”。可整列计算。"""

    def compute(part, whole):
        rate = metrics.share(part, whole)
        return "总数为0或空白" if rate is None else _number(rate)

    return _cellwise(compute, part, whole)


@xw.func(category=CATEGORY)
@xw.arg("score", doc="绩效自评得分：0至100的单元格或一列，可写“95分”。", **_CELLS)
@xw.arg("full_form", doc="可省略。TRUE或省略写“优秀、良好、中等、差”；FALSE写“优、良、中、差”。")
def pt_grade(score, full_form=True):
    """绩效评价等次（财预〔2020〕10号）：90分及以上为优秀，80至89分为良好，60至79分为中等，\
60分以下为差。可整列计算。"""

    def compute(score):
        grade = metrics.grade(score)
        return grade.long if _full_form(full_form) else grade.short

    return _cellwise(compute, score)


@xw.func(category=CATEGORY)
@xw.arg("amount", doc="金额（万元）：单元格或一列；写成“8467700元”的文字会先换算为万元。", **_CELLS)
@xw.arg("places", doc="可省略。保留的小数位数，默认2位，四舍五入。")
def pt_format_wan(amount, places=2):
    """把金额写成情况说明中的样式，如“846.77万元”“-12.00万元”，四舍五入保留指定位数（默认2位）。\
可整列计算。"""
    return _cellwise(lambda amount: metrics.format_wan(amount, _places(places, 2)), amount)


@xw.func(category=CATEGORY)
@xw.arg("amount", doc="金额（元）：单元格或一列，只写数字。", **_CELLS)
@xw.arg("places", doc="可省略。省略时为精确值（元除以10000，不舍入）；填写时四舍五入到该小数位数。")
def pt_yuan_to_wan(amount, places=None):
    """把元换算为万元（除以10000），如8467700元为846.77万元；省略小数位数时不舍入。可整列计算。"""

    def compute(amount):
        wan = metrics.yuan_to_wan(amount)
        digits = _places(places, None)
        return _number(wan if digits is None else metrics.round_half_up(wan, digits))

    return _cellwise(compute, amount)


@xw.func(category=CATEGORY)
@xw.arg("actual", doc="决算数：单元格或一列，与年初预算数单位相同；空白按0计。", **_CELLS)
@xw.arg("budget", doc="年初预算数：与决算数同样大小的区域，或一个单元格。", **_CELLS)
def pt_completion_text(actual, budget):
    """生成情况说明用语，如“完成年初预算的169.06%，决算数大于年初预算数”；\
相等时写“等于”，年初预算为0或空白时写“无年初预算”。可整列计算。"""
    return _cellwise(metrics.describe_completion, actual, budget)


@xw.func(category=CATEGORY)
@xw.arg("current", doc="本年数（万元）：单元格或一列；空白按0计。", **_CELLS)
@xw.arg("previous", doc="上年数（万元）：与本年数同样大小的区域，或一个单元格；空白按0计。", **_CELLS)
def pt_change_text(current, previous):
    """生成情况说明用语，如“比上年增加270.89万元，增长47.04%”；相等时写“与上年持平”，\
上年数为0时不写增长率。可整列计算。"""
    return _cellwise(lambda current, previous: metrics.change(current, previous).describe(), current, previous)


# -- UDFs that spill a table of the open workbook ----------------------------------------------
# They read the workbook the formula is in (``caller`` is xlwings' reserved argument: the calling
# cell, passed by xlwings itself, not by the user), make one core call and spill a pandas
# DataFrame (header row first). They have no cell inputs, so Excel recalculates them on a full
# recalculation (Ctrl+Alt+F9) after the data changed.
_FINDING_HEADERS = {"severity": "类别", "rule": "规则编号", "title": "规则", "where": "位置", "message": "说明",
                    "expected": "应为", "actual": "实为", "difference": "差额"}


_CALLER = "调用本函数的单元格（由Excel自动传入，不需填写）。"


@xw.func(category=CATEGORY)
@xw.arg("caller", doc=_CALLER)
@xw.ret(index=False, header=True)
def pt_findings(caller):
    """列出本工作簿勾稽关系校验发现的全部问题，溢出为表格（类别、规则、位置、说明、应为、实为、差额）。修改数据后按Ctrl+Alt+F9重新校验。"""
    return _spill(lambda: findings_grid(caller.sheet.book))


@xw.func(category=CATEGORY)
@xw.arg("name", doc="表号或表名，如“T1”或“收入支出决算总表”、“整体支出绩效自评表”。")
@xw.arg("caller", doc=_CALLER)
@xw.ret(index=False, header=True)
def pt_table(name, caller):
    """按表号或表名取出本工作簿中识别出的一张标准表，溢出为表格（编码、项目和各金额列，万元）。修改数据后按Ctrl+Alt+F9重新计算。"""
    return _spill(lambda: table_grid(caller.sheet.book, name))


def findings_grid(xl_book):
    """The findings of the open workbook as a DataFrame with Chinese headers (numbers as float)."""
    from pytoolkit.excel import workbook
    from pytoolkit.frames import findings_frame
    from pytoolkit.rules import validate_book
    from pytoolkit.tables.recognise import recognise_book

    frame = findings_frame(validate_book(recognise_book(workbook.read_book(xl_book))))
    if frame.empty:
        return "未发现问题"
    frame["severity"] = [{"error": "错误", "warning": "核实", "info": "提示"}[s] for s in frame["severity"]]
    frame["where"] = [f"{s}!{c}" if s and c else (s or f) for s, c, f in zip(frame["sheet"], frame["cell"],
                                                                         frame["file"])]
    for column in ("expected", "actual", "difference"):
        frame[column] = [None if v is None else _number(v) for v in frame[column]]
    return frame[list(_FINDING_HEADERS)].rename(columns=_FINDING_HEADERS)


def table_grid(xl_book, name):
    """One standard table of the open workbook as a DataFrame (amounts as float, blanks empty)."""
    from pytoolkit.excel import workbook
    from pytoolkit.frames import table_frame
    from pytoolkit.tables.recognise import recognise_book

    if _is_blank(name):
        return "#参数错误：请给出表号或表名"
    try:
        frame = table_frame(recognise_book(workbook.read_book(xl_book)), str(name).strip())
    except KeyError:
        return f"#参数错误：本工作簿中没有“{_quote(name)}”"
    for column in frame.columns[2:]:
        frame[column] = [None if v is None else _number(v) for v in frame[column]]
    return frame


def _spill(make: Callable[[], object]) -> object:
    """A spilling UDF's result; never raises (a short Chinese text in the cell instead)."""
    try:
        return make()
    except PytoolkitError as error:
        return f"#输入错误：{error}"[:255]
    except Exception as error:  # a UDF must not put a traceback into a cell
        logger.exception("spilling UDF failed")
        return f"#内部错误：{type(error).__name__}"


# Every UDF of the add-in, in the order of the help text and of the generated VBA.
UDFS = (
    pt_completion_rate,
    pt_change_amount,
    pt_change_rate,
    pt_share,
    pt_grade,
    pt_format_wan,
    pt_yuan_to_wan,
    pt_completion_text,
    pt_change_text,
    pt_findings,
    pt_table,
)
# The UDFs that spill a table of the workbook (their only Excel argument is a table name).
SPILLING = (pt_findings, pt_table)


# ---------------------------------------------------------------------------------------------
# Rendering helpers


def _number(value: Decimal) -> float:
    """The one place a Decimal becomes a float: the double nearest to its exact decimal text."""
    return float(str(value))


def _places(value: object, default: int | None) -> int | None:
    """The optional 小数位数 argument: blank gives the default, else an integer 0–10."""
    number = metrics.to_decimal(value)
    if number is None:
        return default
    if number != number.to_integral_value() or not 0 <= number <= 10:
        raise ValueParseError(value, "小数位数应为0至10的整数")
    return int(number)


def _full_form(value: object) -> bool:
    """The optional 写法 argument of pt_grade: TRUE/blank for 优秀, FALSE for 优."""
    if value is None or value == "":
        return True
    if isinstance(value, bool | int | float):
        return bool(value)
    raise ValueParseError(value, "写法应为TRUE（优秀）或FALSE（优）")


def _is_blank(value: object) -> bool:
    try:
        return metrics.to_decimal(value) is None
    except ValueParseError:
        return False  # not blank: the core function will say what is wrong with it


def _quote(value: object) -> str:
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"


def _error_text(error: PytoolkitError) -> str:
    if isinstance(error, ValueParseError):
        value = _quote(error.value)
        if not error.reason or error.reason.startswith(_UNREADABLE):
            return f"#数值错误：无法识别“{value}”"
        return f"#数值错误：“{value}”{error.reason}"
    return f"#数值错误：{error}"


def _one_cell(compute: Compute, values: tuple[object, ...]) -> object:
    """One output cell; never raises."""
    for value in values:
        if isinstance(value, str):
            if value in _EXCEL_ERRORS:
                return f"#输入错误：引用的单元格为{value}"
            if _OWN_ERROR.match(value):
                return value
    if all(_is_blank(value) for value in values):
        return ""
    try:
        return compute(*values)
    except PytoolkitError as error:
        return _error_text(error)
    except Exception as error:  # a UDF must not put a traceback into a cell
        logger.exception("UDF failed on %r", values)
        return f"#内部错误：{type(error).__name__}"


def _as_grid(value: object) -> list[list[object]] | None:
    """A 2-D list for an Excel-shaped argument; None for a scalar. A flat list is a column."""
    if not isinstance(value, list | tuple):
        return None
    if not value:
        return [[None]]
    if all(isinstance(row, list | tuple) for row in value):
        return [list(row) for row in value]
    return [[cell] for cell in value]


def _cellwise(compute: Compute, *args: object) -> object:
    """Apply ``compute`` cell by cell over Excel-shaped arguments; 1×1 ranges and scalars broadcast.

    All scalars give a scalar; any range gives a 2-D list (what Excel spills or fills).
    """
    grids = [_as_grid(arg) for arg in args]
    if all(grid is None for grid in grids):
        return _one_cell(compute, args)
    shapes = {(len(grid), len(grid[0])) for grid in grids if grid is not None} - {(1, 1)}
    if any(len(row) != len(grid[0]) for grid in grids if grid is not None for row in grid):
        return [["#参数错误：区域不是矩形"]]
    if len(shapes) > 1:
        sizes = "与".join(f"{rows}行{cols}列" for rows, cols in sorted(shapes))
        return [[f"#参数错误：区域大小不一致（{sizes}）"]]
    rows, cols = shapes.pop() if shapes else (1, 1)

    def cell(arg: object, grid: list[list[object]] | None, row: int, col: int) -> object:
        if grid is None:
            return arg
        return grid[0][0] if len(grid) == 1 and len(grid[0]) == 1 else grid[row][col]

    return [
        [_one_cell(compute, tuple(cell(a, g, r, c) for a, g in zip(args, grids))) for c in range(cols)]
        for r in range(rows)
    ]
