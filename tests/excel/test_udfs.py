"""The UDFs called as plain Python with the values xlwings hands them from Excel.

With ``ndim=2`` a cell arrives as [[v]], a column as [[a], [b]]; blank cells as None; numbers as
float; error cells as their text (``err_to_str``). Plain scalars work too (called from Python).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pytoolkit.excel import udfs


def column(*values):
    return [[v] for v in values]


# --- completion rate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "budget", "expected"),
    [
        (846.77, 500.87, 169.06),
        ("846.77", "500.87", 169.06),
        ("８４６．７７", "５００．８７", 169.06),
        ("1,234.56", "1,234.56", 100.0),
        (None, 500.87, 0.0),  # nothing spent beside a budget
        (846.77, 0, "无年初预算"),
        (846.77, None, "无年初预算"),
        (846.77, "—", "无年初预算"),
        (None, None, ""),
        ("", "  ", ""),
    ],
)
def test_completion_rate_scalars(actual, budget, expected):
    assert udfs.pt_completion_rate(actual, budget) == expected


def test_completion_rate_is_float_of_the_exact_rounded_decimal():
    result = udfs.pt_completion_rate(846.77, 500.87)
    assert type(result) is float
    assert result == float(Decimal("169.06"))  # not 846.77 / 500.87 * 100 in float arithmetic
    assert udfs.pt_completion_rate(1, 3) == 33.33
    assert udfs.pt_completion_rate(2, 3) == 66.67  # half up
    assert udfs.pt_completion_rate("0.0675", "3") == 2.25  # exact 2.25: half up, not to even


def test_completion_rate_column_against_column():
    actual = column(846.77, None, "abc", 100, None)
    budget = column(500.87, 100, 100, 0, None)
    assert udfs.pt_completion_rate(actual, budget) == column(169.06, 0.0, "#数值错误：无法识别“abc”", "无年初预算", "")


def test_single_cell_broadcasts_over_a_column():
    assert udfs.pt_share(column(307.55, 539.22), [[846.77]]) == column(36.32, 63.68)
    assert udfs.pt_share(column(307.55, 539.22), 846.77) == column(36.32, 63.68)
    assert udfs.pt_completion_rate([[846.77]], [[500.87]]) == [[169.06]]


def test_a_row_and_a_block_work_like_a_column():
    assert udfs.pt_change_amount([[3, 5]], [[1, 1]]) == [[2.0, 4.0]]
    assert udfs.pt_change_amount([[3, 5], [7, 9]], [[1, 1], [1, 1]]) == [[2.0, 4.0], [6.0, 8.0]]


def test_flat_list_from_python_is_a_column():
    assert udfs.pt_change_amount([3, 5], [1, 1]) == column(2.0, 4.0)


def test_ranges_of_different_sizes_give_one_error():
    assert udfs.pt_completion_rate(column(1, 2, 3), column(1, 2)) == [["#参数错误：区域大小不一致（2行1列与3行1列）"]]
    assert udfs.pt_change_amount([[1, 2], [3]], [[1, 2], [3, 4]]) == [["#参数错误：区域不是矩形"]]


# --- change ------------------------------------------------------------------------------------


def test_change_amount_is_exact():
    assert udfs.pt_change_amount(846.77, 575.88) == 270.89  # float subtraction gives 270.89000000000004
    assert udfs.pt_change_amount(575.88, 846.77) == -270.89
    assert udfs.pt_change_amount(5, None) == 5.0
    assert udfs.pt_change_amount(None, None) == ""


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (846.77, 575.88, 47.04),
        (575.88, 846.77, -31.99),
        (5, 5, 0.0),
        (5, 0, "上年数为0"),
        (5, None, "上年数为0"),
        (-5, -10, 50.0),  # base |上年|: the rate's sign follows the direction
        (None, None, ""),
    ],
)
def test_change_rate(current, previous, expected):
    assert udfs.pt_change_rate(current, previous) == expected


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (846.77, 575.88, "比上年增加270.89万元，增长47.04%"),
        (575.88, 846.77, "比上年减少270.89万元，下降31.99%"),
        (12, 12, "与上年持平"),
        (12, 0, "比上年增加12.00万元（上年数为0，不计算增长率）"),
        (None, None, ""),
    ],
)
def test_change_text(current, previous, expected):
    assert udfs.pt_change_text(current, previous) == expected


# --- completion sentence -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "budget", "expected"),
    [
        (846.77, 500.87, "完成年初预算的169.06%，决算数大于年初预算数"),
        (4.5, 4.7, "完成年初预算的95.74%，决算数小于年初预算数"),
        (846.77, "846.77", "完成年初预算的100.00%，决算数等于年初预算数"),
        # 100.004% rounds to 100.00%, yet the 决算 is larger: the word follows the amounts
        ("100.004", "100", "完成年初预算的100.00%，决算数大于年初预算数"),
        (846.77, 0, "无年初预算"),
        (846.77, None, "无年初预算"),
        (None, None, ""),
    ],
)
def test_completion_text(actual, budget, expected):
    assert udfs.pt_completion_text(actual, budget) == expected


def test_completion_text_column():
    assert udfs.pt_completion_text(column(846.77, 4.5), column(500.87, 4.7)) == column(
        "完成年初预算的169.06%，决算数大于年初预算数", "完成年初预算的95.74%，决算数小于年初预算数"
    )


# --- share, grade, formatting ----------------------------------------------------------------------


def test_share():
    assert udfs.pt_share(307.55, 846.77) == 36.32
    assert udfs.pt_share(5, 0) == "总数为0或空白"
    assert udfs.pt_share(5, None) == "总数为0或空白"


@pytest.mark.parametrize(
    ("score", "full", "short"),
    [
        (95, "优秀", "优"),
        (90, "优秀", "优"),
        (89.99, "良好", "良"),
        ("80分", "良好", "良"),
        (60, "中等", "中"),
        (59.5, "差", "差"),
    ],
)
def test_grade_long_and_short(score, full, short):
    assert udfs.pt_grade(score) == full
    assert udfs.pt_grade(score, True) == full
    assert udfs.pt_grade(score, None) == full  # an omitted optional argument
    assert udfs.pt_grade(score, False) == short
    assert udfs.pt_grade(score, 0) == short


def test_grade_errors_and_blanks():
    assert udfs.pt_grade(120) == "#数值错误：“120”得分应在0至100之间"
    assert udfs.pt_grade(95, "长") == "#数值错误：“长”写法应为TRUE（优秀）或FALSE（优）"
    assert udfs.pt_grade(column(95, None, 70)) == column("优秀", "", "中等")


def test_format_wan():
    assert udfs.pt_format_wan(846.77) == "846.77万元"
    assert udfs.pt_format_wan(-12) == "-12.00万元"
    assert udfs.pt_format_wan("8467700元") == "846.77万元"
    assert udfs.pt_format_wan(846.775) == "846.78万元"  # half up, and 846.775 read via its repr
    assert udfs.pt_format_wan(846.77, 0) == "847万元"
    assert udfs.pt_format_wan(846.77, 2.0) == "846.77万元"
    assert udfs.pt_format_wan(846.77, 1.5) == "#数值错误：“1.5”小数位数应为0至10的整数"
    assert udfs.pt_format_wan(None) == ""
    assert udfs.pt_format_wan(column(1, 2.5)) == column("1.00万元", "2.50万元")


def test_yuan_to_wan():
    assert udfs.pt_yuan_to_wan(8467700) == 846.77
    assert udfs.pt_yuan_to_wan("8,467,756") == 846.7756  # exact: no rounding unless asked
    assert udfs.pt_yuan_to_wan("8,467,756", 2) == 846.78
    assert udfs.pt_yuan_to_wan("8467700元") == "#数值错误：“8467700元”带有单位“元”，此处只接受数字"
    assert udfs.pt_yuan_to_wan(column(10000, None)) == column(1.0, "")


# --- bad input never raises ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", "#数值错误：无法识别“abc”"),
        (True, "#数值错误：“TRUE”逻辑值不是数值"),
        ("98%", "#数值错误：“98%”这是百分数，不是金额"),
        ("≥95%", "#数值错误：“≥95%”这是条件或区间，不是单个数值"),
        (float("nan"), "#数值错误：无法识别“nan”"),
        (dt.datetime(2024, 1, 1), "#数值错误：无法识别“2024-01-01 00:00:00”"),
        ("a very long text that is certainly not a number", "#数值错误：无法识别“a very long text th…”"),
    ],
)
def test_bad_cell_gives_a_short_chinese_error(value, expected):
    assert udfs.pt_change_amount(value, 1) == expected


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"])
def test_excel_error_in_an_input(error):
    assert udfs.pt_completion_rate(error, 100) == f"#输入错误：引用的单元格为{error}"
    assert udfs.pt_completion_rate(column(1, error), column(1, 1)) == column(100.0, f"#输入错误：引用的单元格为{error}")


def test_own_error_text_is_passed_on():
    first = udfs.pt_change_amount("abc", 1)
    assert udfs.pt_format_wan(first) == first


def test_unexpected_failure_is_caught(monkeypatch):
    def broken(*args):
        raise RuntimeError("bug")

    monkeypatch.setattr(udfs.metrics, "share", broken)
    assert udfs.pt_share(1, 2) == "#内部错误：RuntimeError"


@pytest.mark.parametrize("udf", [f for f in udfs.UDFS if f not in udfs.SPILLING], ids=lambda f: f.__name__)
def test_every_udf_survives_every_kind_of_cell(udf):
    cells = [None, "", 0, 1.5, -2, "1,234.56", "８４６．７７", "abc", True, "#N/A", dt.date(2024, 1, 1), "—"]
    arguments = udf.__code__.co_argcount - len(udf.__defaults__ or ())
    for cell in cells:
        result = udf(*([cell] * arguments))
        assert isinstance(result, float | str)
        grid = udf(*([column(cell, cell)] * arguments))
        assert len(grid) == 2 and all(isinstance(v, float | str) for row in grid for v in row)
