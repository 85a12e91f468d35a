"""The public Python API (``pytoolkit.__all__``) and its pandas frames; docs/api.md has the worked
example (run by tests/test_docs.py). Here: what the example does not show."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import pytoolkit
from pytoolkit.io.layout import write_book
from pytoolkit.samples.data import DEPARTMENT, SEED


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("api") / "seed.xlsx"
    write_book(path, SEED)
    return path


def test_every_name_of_all_resolves():
    for name in pytoolkit.__all__:
        assert getattr(pytoolkit, name) is not None, name
    assert set(pytoolkit.__all__) <= set(dir(pytoolkit))
    with pytest.raises(AttributeError):
        pytoolkit.no_such_thing  # noqa: B018


def test_neither_import_nor_the_command_line_loads_pandas(seed):
    probe = ("import sys, pytoolkit, pytoolkit.cli\n"
             f"code = pytoolkit.cli.main(['validate', {str(seed)!r}, '--format', 'json'])\n"
             "pytoolkit.validate(pytoolkit.read_book(" + repr(str(seed)) + "))\n"
             "print('pandas' in sys.modules, code)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                         cwd=Path(pytoolkit.__file__).parent.parent)
    assert out.stdout.strip().splitlines()[-1] == "False 1", out.stderr


def test_validate_takes_a_path_and_user_packs(seed, tmp_path):
    pack = tmp_path / "mine.yaml"
    pack.write_text("rules:\n  - id: T7.api_probe\n    title: 三公经费决算数不应超过4万元\n    severity: warning\n"
                    "    check: T7[决算数].合计 <= 4\n", encoding="utf-8")
    findings = pytoolkit.validate(seed, rules=[pack])
    probe = [f for f in findings if f.rule == "T7.api_probe"]
    assert len(probe) == 1 and probe[0].actual == Decimal("4.5") and probe[0].table == "T7"
    assert probe[0].title == "三公经费决算数不应超过4万元"


def test_frames_keep_exact_decimals(seed):
    book = pytoolkit.read_book(seed)
    cells = pytoolkit.book_frame(book)
    assert cells["value"].dtype == object
    values = [v for v in cells["value"] if v is not None]
    assert values and all(isinstance(v, Decimal) for v in values)
    assert str(cells["year"].dtype) == "Int64" and set(cells["year"]) == {2018}
    t1 = cells[(cells.table == "T1") & (cells.column == "决算数")].set_index("line")["value"]
    assert t1["收入总计"] == t1["支出总计"]
    findings = pytoolkit.findings_frame(pytoolkit.validate(book))
    assert list(findings.columns) == ["rule", "severity", "title", "message", "file", "sheet", "cell", "line",
                                      "text", "table", "group", "related", "expected", "actual", "difference"]
    assert all(isinstance(v, Decimal) for v in findings["difference"])
    assert pytoolkit.findings_frame([]).empty


def test_table_frame_by_title_alias_and_a_missing_table(seed):
    book = pytoolkit.read_book(seed)
    t3 = pytoolkit.table_frame(book, "支出决算表")
    assert list(t3.columns[:2]) == ["编码", "项目"] and t3.iloc[0]["本年支出合计"] == Decimal("846.77")
    with pytest.raises(KeyError):
        pytoolkit.table_frame(book, "T9")


def test_detail_frame_without_totals_and_with_few_detail_units(tmp_path):
    paths = []
    for i, unit in enumerate(DEPARTMENT):
        paths.append(tmp_path / f"u{i}.xlsx")
        write_book(paths[-1], unit)
    with pytoolkit.consolidate_books(paths, detail_units=2) as result:
        detail = pytoolkit.detail_frame(result, totals=False)
        assert sorted(set(detail["unit"])) == sorted(u.name for u in DEPARTMENT[:2])
        income = detail[(detail.line == "收入总计") & (detail.column == "决算数")]
        third = pytoolkit.book_frame(pytoolkit.read_book(paths[2]))
        rest = third[(third.line == "收入总计") & (third.column == "决算数")].iloc[0]["value"]
        assert sum(income["value"]) + rest == result.value("T1", "收入总计", "决算数")


def test_check_and_write_the_narrative(seed, tmp_path):
    from pytoolkit.narrative.text import from_text

    doc = from_text("本年收入合计846.77万元，其中：财政拨款收入800.00万元，其他收入40.00万元。", "说明.txt")
    findings = pytoolkit.check_narrative(doc)
    assert [f.rule for f in findings] == ["N.sum"] and findings[0].location.file == "说明.txt"
    out = pytoolkit.write_narrative(seed, tmp_path / "初稿.txt")
    assert "846.77" in out.read_text(encoding="utf-8")


def test_no_api_name_is_a_submodule():
    package = Path(pytoolkit.__file__).parent
    submodules = {p.stem for p in package.glob("*.py")} | {p.name for p in package.iterdir() if p.is_dir()}
    assert not set(pytoolkit.__all__) & submodules
