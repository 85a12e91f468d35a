"""``pytoolkit.io.calc``: the plain formulas of the templates computed as Excel computes them.

The expected values are Excel's documented behaviour for each function (SUM ignores text in a
range; SUMPRODUCT treats text as 0; TRIM removes spaces at the ends and reduces inner runs; ROUND
rounds half away from zero; N of a text is 0; a text in + − is coerced when it reads as a number,
else #VALUE!). Formulas outside the grammar, and error results, are never given a value.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from pytoolkit.io import calc
from pytoolkit.io.reader import read_book

CELLS = {
    "A1": Decimal("100"), "B1": Decimal("95.74"), "C1": None, "D1": "12", "E1": "文字", "F1": Decimal("-2.345"),
    "A2": "201", "A3": " 20101 ", "A4": "  201 ", "A5": None,
    "C2": Decimal("10.5"), "C3": Decimal("3.25"), "C4": Decimal("1"), "C5": "x",
}


def value_of(row: int, col: int):
    return CELLS.get(f"{'ABCDEF'[col]}{row + 1}")


@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUM(C2:C5)", Decimal("14.75")),  # text in a range ignored
    ("=SUM(C2,C3)", Decimal("13.75")),
    ("=C2+C3-C4", Decimal("12.75")),
    ("=C1+1", Decimal("1")),  # blank counts 0
    ("=D1+1", Decimal("13")),  # numeric text coerced
    ("=SUMPRODUCT(--(LEN(TRIM(A2:A5))=3),C2:C5)", Decimal("11.5")),  # 类 rows (A2, A4), text C5 as 0
    ('=IF(N(A1)=0,"无预算",ROUND(B1/A1*100,2))', Decimal("95.74")),
    ('=IF(N(C1)=0,"无预算",ROUND(B1/C1*100,2))', "无预算"),
    ('=IF(N(E1)=0,"—",1)', "—"),  # N of a text is 0
    ("=ROUND(F1,2)", Decimal("-2.35")),  # half away from zero
    ("=ROUND(2.345,2)", Decimal("2.35")),
    ('="完成预算(%)"', "完成预算(%)"),
    ('="say ""hi"""', 'say "hi"'),
    ("=-C4", Decimal("-1")),
    ("=C1", Decimal("0")),
])
def test_excel_semantics(formula, expected):
    result = calc.evaluate(formula, value_of)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("formula", [
    "=E1+1",  # #VALUE!
    "=A1/C1",  # #DIV/0!
    "=VLOOKUP(A1,A2:C5,2,FALSE)",  # not in the grammar
    "='其他表'!A1",
    "=A1:A3",
    "=IF(C1=1,1)",  # FALSE: no number
    "=SUM(",
])
def test_what_is_not_computed(formula):
    with pytest.raises(calc.Unsupported):
        calc.evaluate(formula, value_of)


def test_cells_in_dependency_order_and_cycles_left_out():
    formulas = {(0, 0): "=B1+1", (0, 1): "=C1*2", (1, 0): "=B2", (1, 1): "=A2", (2, 0): "=ABS(1)", (2, 1): "=A3+1"}
    stored = {(0, 2): 5.5}
    got = calc.evaluate_cells(formulas, lambda r, c: stored.get((r, c)))
    assert got == {(0, 0): Decimal("12.0"), (0, 1): Decimal("11.0")}  # the cycle and ABS's dependants: no value


def _filled_by_a_script(path, formulas):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "支出决算表"
    rows = [["支出决算表"], ["单位：万元"],
            ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
            [None, "合计", *formulas],
            ["201", "一般公共服务支出", 100, 60, 40],
            ["20101", "人大事务", 100, 60, 40]]
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_reader_computes_a_script_filled_books_formulas(tmp_path):
    path = _filled_by_a_script(tmp_path / "填好.xlsx", ["=SUMPRODUCT(--(LEN(TRIM(A5:A6))=3),C5:C6)",
                                                        "=SUM(D5)", "=D4+E5"])
    book = read_book(path)
    [computed] = [f for f in book.findings if f.rule.startswith("read.")]
    assert computed.rule == "read.computed_formula" and "C4" in computed.message
    t3 = book.table("T3")
    assert t3.cell("合计", "本年支出合计").value == Decimal(100)
    assert t3.cell("合计", "项目支出").value == Decimal(100)  # D4 + E5 = 60 + 40


def test_reader_leaves_other_formulas_uncalculated(tmp_path):
    path = _filled_by_a_script(tmp_path / "填好.xlsx", ["=SUM(C5)", "=ABS(D5)", "=D4+E5"])
    book = read_book(path)
    rules = sorted(f.rule for f in book.findings if f.rule.startswith("read."))
    assert rules == ["read.computed_formula", "read.uncalculated_formula"]
    [unknown] = [f for f in book.findings if f.rule == "read.uncalculated_formula"]
    assert {"支出决算表!D4", "支出决算表!E4"} == set(unknown.related)  # E4 reads D4: unknown too
