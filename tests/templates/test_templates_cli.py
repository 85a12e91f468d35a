"""Tests for ``pytoolkit template list`` and ``pytoolkit template new`` (pytoolkit/commands/template.py)."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from pytoolkit import templates
from pytoolkit.cli import main
from pytoolkit.io.reader import read_book


def test_list(capsys):
    assert main(["template", "list"]) == 0
    out = capsys.readouterr().out
    for t in templates.TEMPLATES:
        assert t.name in out and t.file in out and t.title in out
    assert "收入支出决算总表" in out and "国有资本经营预算财政拨款支出决算表" in out


def test_new_writes_the_template(tmp_path, capsys):
    out = tmp_path / "本单位2019年决算.xlsx"
    assert main(["template", "new", "public-2019", "-o", str(out)]) == 0
    assert "已新建" in capsys.readouterr().out
    fresh = tmp_path / "fresh.xlsx"
    templates.write("public-2019", fresh)
    assert not templates.differences(templates.describe(fresh), templates.describe(out))
    assert [t.id for t in read_book(out).tables] == [f"T{i}" for i in range(1, 10)]


def test_new_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "book.xlsx"
    out.write_bytes(b"accountant's work")
    assert main(["template", "new", "pp", "-o", str(out)]) == 2
    assert "已存在" in capsys.readouterr().err
    assert out.read_bytes() == b"accountant's work"


def test_new_year_and_units(tmp_path):
    out = tmp_path / "pe.xlsx"
    assert main(["template", "new", "pe", "--units", "5", "--year", "2023", "-o", str(out)]) == 0
    ws = load_workbook(out).active
    assert ws["A1"].value == "2023年度部门(单位)整体支出绩效自评表"
    table = read_book(out).table("PE")
    assert list(table.rows) == list(templates.pe_units(5))


@pytest.mark.parametrize(("args", "message"), [
    (["nope", "-o", "x.xlsx"], "没有名为“nope”的模板"),
    (["public-2018", "-o", "x.txt"], ".xlsx"),
    (["public-2018", "--year", "2021", "-o", "x.xlsx"], "public-2019"),
    (["public-2019", "--year", "2017", "-o", "x.xlsx"], "public-2018"),
    (["pe", "--units", "99", "-o", "x.xlsx"], "二级机构行数"),
    (["pp", "--units", "3", "-o", "x.xlsx"], "--units"),
    (["pp", "-o", "no/such/folder/x.xlsx"], "文件夹不存在"),
])
def test_new_bad_input_exits_2(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "new", *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.xlsx"))


def test_bare_template_and_missing_output_exit_2(capsys):
    assert main(["template"]) == 2
    assert main(["template", "new", "pp"]) == 2
