"""Tests for pytoolkit.io.reader: formulas never calculated, inputs that cannot be used, and the
promise that reading never changes the input."""

from __future__ import annotations

import hashlib
import re
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from pytoolkit.errors import InputError
from pytoolkit.findings import Severity
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.rules import validate_book
from pytoolkit.samples.data import DEPARTMENT
from pytoolkit.tables.recognise import is_uncalculated

sys.path.insert(0, str(Path(__file__).parent / "data" / "bad"))
import make_corpus  # noqa: E402  (the makers of the bad-input corpus)

CJK = re.compile(r"[\u4e00-\u9fff]")
T3_HEADER = ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出",
             "对附属单位补助支出"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def formula_book(path: Path, sheet: str = "Sheet1") -> Path:
    """A T3 whose totals are formulas, saved by openpyxl: formulas without cached values. ABS is
    outside what ``io.calc`` computes (tests/io/test_calc.py covers the formulas it does)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in (["支出决算表"], ["单位：万元"], T3_HEADER,
                [None, "合计", "=ABS(C5)", "=ABS(D5)", "=ABS(E5)"],
                ["201", "一般公共服务支出", 100, 60, "=ABS(C5-D5)"]):
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("sheet", ["Sheet1", "收入&支出<表>"])
def test_uncalculated_formulas_are_an_error_naming_sheet_and_first_cell(tmp_path, sheet):
    book = read_book(formula_book(tmp_path / "公式.xlsx", sheet))
    [f] = [f for f in book.findings if f.rule == "read.uncalculated_formula"]
    assert f.severity is Severity.ERROR
    assert (f.location.file, f.location.sheet, f.location.cell) == ("公式.xlsx", sheet, "C4")
    assert sheet in f.message and "C4" in f.message
    assert set(f.related) == {f"{sheet}!{c}" for c in ("C4", "D4", "E4", "E5")}


def test_uncalculated_formulas_are_never_read_as_zero(tmp_path):
    book = read_book(formula_book(tmp_path / "公式.xlsx"))
    t3 = book.table("T3")
    for row_key, column_key in (("合计", "本年支出合计"), ("合计", "基本支出"), ("201", "项目支出")):
        cell = t3.cell(row_key, column_key)
        assert cell.value is None and is_uncalculated(cell), (row_key, column_key)
    assert t3.cell("201", "本年支出合计").value == Decimal(100)


def test_no_rule_compares_an_uncalculated_formula_as_zero(tmp_path):
    book = read_book(formula_book(tmp_path / "公式.xlsx"))
    findings = validate_book(book)
    assert any(f.rule == "read.uncalculated_formula" for f in findings)
    as_zero = [f for f in findings if f.rule != "read.uncalculated_formula"
               and f.location.cell in ("C4", "D4", "E4", "E5") and f.actual == 0]
    assert as_zero == []


def test_calculated_formulas_are_read_as_their_values(tmp_path):
    # Excel stores a formula with its cached value: <c><f>…</f><v>100</v></c>.
    path = formula_book(tmp_path / "已计算.xlsx")
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                for ref, v in ((b"C4", b"100"), (b"D4", b"60"), (b"E4", b"40"), (b"E5", b"40")):
                    data = re.sub(rb'(<c r="' + ref + rb'"[^>]*>)(<f>[^<]*</f>)<v\s*/?>(</v>)?',
                                  rb"\1\2<v>" + v + rb"</v>", data)
            zout.writestr(info, data)
    tmp.replace(path)
    book = read_book(path)
    assert book.findings == []
    assert book.table("T3").cell("合计", "项目支出").value == Decimal(40)


def _missing(d: Path) -> Path:
    return d / "不存在.xlsx"


def _folder(d: Path) -> Path:
    p = d / "一个文件夹.xlsx"
    p.mkdir()
    return p


def _csv(d: Path) -> Path:
    p = d / "数据.csv"
    p.write_text("1,2\n")
    return p


# The corpus makers (tests/data/bad) plus inputs that are paths rather than files.
BROKEN = [make_corpus.not_a_workbook, make_corpus.empty_file, make_corpus.truncated, _missing,
          make_corpus.lock_file, _folder, make_corpus.zip_not_workbook, make_corpus.fake_legacy, _csv]


@pytest.mark.parametrize("make", BROKEN, ids=lambda f: f.__name__.strip("_"))
def test_unusable_input_is_an_input_error_naming_the_file(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(InputError) as info:
        read_book(path)
    message = str(info.value)
    assert path.name in message
    assert CJK.search(message), message


def test_damaged_zip_entry_is_an_input_error_naming_the_file(tmp_path):
    path = make_corpus.corrupted_entry(tmp_path)
    with pytest.raises(InputError, match="corrupted_entry.xlsx"):
        read_book(path)


def test_reading_never_changes_the_input(tmp_path):
    path = tmp_path / "局机关.xlsx"
    write_book(path, DEPARTMENT[0])
    formulas = formula_book(tmp_path / "公式.xlsx")
    before = {p: (sha256(p), p.stat().st_mtime_ns) for p in (path, formulas)}
    for p in (path, formulas):
        book = read_book(p)
        validate_book(book)
    assert {p: (sha256(p), p.stat().st_mtime_ns) for p in (path, formulas)} == before
    assert sorted(q.name for q in tmp_path.iterdir()) == ["公式.xlsx", "局机关.xlsx"]  # no temp files left
