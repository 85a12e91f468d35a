"""The user's alias file: a local template's wordings taught without a release, and its errors
reported in Chinese with the file and line. Also ``validate --explain`` and the coverage line."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from pytoolkit.cli import main
from pytoolkit.io.reader import read_book
from pytoolkit.tables.aliases import BESIDE_NAME, AliasFileError, load

# A county's own wording: the title, a column and a row the catalog does not know.
LOCAL = [
    ["县级单位收支情况表（支出）"],
    ["单位：万元"],
    ["科目编码", "科目名称", "支出总额", "基本支出", "项目支出"],
    [None, "合计数", 100, 60, 40],
    ["201", "一般公共服务支出", 100, 60, 40],
]
ALIASES = """\
# 某县的本地表样
T3:
  表名: [县级单位收支情况表（支出）]
  列:
    本年支出合计: [支出总额]
  行:
    合计: [合计数]
"""


def workbook(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "支出"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_local_wording_is_unknown_without_the_alias_file(tmp_path):
    book = read_book(workbook(tmp_path / "县.xlsx", LOCAL))
    assert book.tables == []


def test_alias_file_teaches_title_column_and_row(tmp_path):
    (tmp_path / "a.yaml").write_text(ALIASES, encoding="utf-8")
    book = read_book(workbook(tmp_path / "县.xlsx", LOCAL), aliases=load(tmp_path / "a.yaml"))
    t3 = book.table("T3")
    assert t3 is not None
    assert t3.cell("合计", "本年支出合计").value == Decimal(100)
    assert t3.cell("201", "项目支出").value == Decimal(40)
    assert t3.record.unmapped == []


def test_alias_file_beside_the_workbook_is_used_and_named(tmp_path, capsys):
    (tmp_path / BESIDE_NAME).write_text(ALIASES, encoding="utf-8")
    path = workbook(tmp_path / "县.xlsx", LOCAL)
    main(["validate", str(path)])
    out = capsys.readouterr().out
    assert BESIDE_NAME in out
    assert "读取金额6个，全部对应到标准行列" in out


def test_class_names_of_a_local_form(tmp_path):
    (tmp_path / "a.yaml").write_text("功能分类类名:\n  一般公共服务: \"201\"\n", encoding="utf-8")
    rows = [["收入支出决算总表"], ["单位：万元"], ["收入", None, "支出"], ["项目", "金额", "项目", "金额"],
            ["一般公共预算财政拨款收入", 5, "一般公共服务", 5]]
    book = read_book(workbook(tmp_path / "t1.xlsx", rows), aliases=load(tmp_path / "a.yaml"))
    assert book.table("T1").cell("201", "决算数").value == Decimal(5)


@pytest.mark.parametrize(("text", "line", "words"), [
    ("T3:\n  表名: [a\n", 2, "格式错误"),
    ("T33:\n  表名: [某表]\n", 1, "不是已知的表"),
    ("T3:\n  列:\n    支出总额: [x]\n", 3, "没有标准列"),
    ("T3:\n  行列:\n    合计: [x]\n", 2, "无法识别"),
    ("T3:\n  列:\n    基本支出: {a: b}\n", 3, "文字"),
    ("功能分类类名:\n  政法: \"2040\"\n", 2, "3位数字"),
])
def test_bad_alias_file_names_file_and_line(tmp_path, text, line, words):
    (tmp_path / "别名.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(AliasFileError) as err:
        load(tmp_path / "别名.yaml")
    message = str(err.value)
    assert "别名.yaml" in message and f"第{line}行" in message and words in message


def test_bad_alias_file_on_the_command_line_exits_2_in_chinese(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("T99: {}\n", encoding="utf-8")
    path = workbook(tmp_path / "县.xlsx", LOCAL)
    assert main(["validate", str(path), "--aliases", str(tmp_path / "a.yaml")]) == 2
    err = capsys.readouterr().err
    assert "a.yaml第1行" in err and "Traceback" not in err


def test_explain_prints_rows_columns_and_skips(tmp_path, capsys):
    rows = [["支出决算表"], ["单位：元"],
            ["科目编码", "科目名称", "行次", "本年支出合计", "基本支出", "项目支出", "自定义列"],
            ["栏次", None, None, 1, 2, 3, 4],
            [None, "合计", 1, 100, 60, 40, 7],
            ["201", "一般公共服务支出", 2, 100, 60, 40, None],
            ["注：本表反映本年度支出。"]]
    path = workbook(tmp_path / "e.xlsx", rows)
    main(["validate", str(path), "--explain"])
    out = capsys.readouterr().out
    assert "T3 支出决算表（工作表“支出”，区域A1:G6，金额单位元）" in out
    assert "C列 行次 （栏次/行次编号，不是金额）" in out
    assert "第6行 一般公共服务支出 → 201" in out
    assert "第4行：栏次行（列的编号），不是金额" in out
    assert "G列 自定义列 （无法对应到标准列）" in out
    assert "读取金额6个；有1个金额未能对应到标准行列：支出!G5" in out
    main(["validate", str(path), "--explain", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["inputs"][0]["coverage"].startswith("读取金额6个；有1个")
    assert any("→ 201" in line for line in doc["inputs"][0]["explain"])
    "\n".join(doc["inputs"][0]["explain"]).encode("gbk")  # a GBK console prints every character


def test_annotated_copy_has_the_explain_sheet(tmp_path):
    rows = [["支出决算表"], ["单位：万元"], ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
            [None, "合计", 1, 1, 0]]
    out = tmp_path / "标注.xlsx"
    main(["validate", str(workbook(tmp_path / "t.xlsx", rows)), "--annotate", str(out)])
    ws = load_workbook(out)["识别说明"]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("识别说明" in t for t in texts)
    assert any("T3 支出决算表" in t for t in texts)
    assert "读取金额3个，全部对应到标准行列" in texts
    assert ws.page_setup.orientation == "landscape"
    assert read_book(out).table("T3") is not None  # the sheet is ours: not read as data
