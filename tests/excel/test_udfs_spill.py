"""The spilling UDFs called as plain Python, with the fake of the workbook open in Excel: what
xlwings hands them is the calling cell (``caller``), whose ``sheet.book`` is the open workbook."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pytoolkit.excel import udfs


def _caller(book):
    return SimpleNamespace(sheet=SimpleNamespace(book=book))


def test_findings_of_the_open_workbook_spill_with_chinese_headers(seed_book):
    frame = udfs.pt_findings(_caller(seed_book))
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["类别", "规则编号", "规则", "位置", "说明", "应为", "实为", "差额"]
    # The seed's published 整体支出绩效自评表 disagrees with its public tables in four places.
    assert sorted(frame["规则编号"]) == ["XP.general_budget", "XP.gov_fund", "XP.reception", "XP.sangong"]
    assert set(frame["类别"]) == {"错误"}
    row = frame[frame["规则编号"] == "XP.general_budget"].iloc[0]
    assert row["位置"] == "整体支出绩效自评表!D6"
    assert (row["应为"], row["实为"], row["差额"]) == (846.77, 686.97, -159.8)
    assert all(type(v) is float for v in frame["差额"])  # numbers reach Excel as doubles, at the edge only


def test_findings_of_a_clean_workbook_say_so(tmp_path):
    from pytoolkit.io.layout import write_book
    from pytoolkit.samples.data import DEPARTMENT

    from .fake_xlwings import FakeBook

    write_book(tmp_path / "unit.xlsx", DEPARTMENT[0])
    assert udfs.pt_findings(_caller(FakeBook.from_xlsx(tmp_path / "unit.xlsx"))) == "未发现问题"


def test_one_standard_table_by_name_or_number(seed_book):
    by_title = udfs.pt_table("收入支出决算总表", _caller(seed_book))
    by_id = udfs.pt_table(" t1 ", _caller(seed_book))
    assert by_title.equals(by_id)
    assert list(by_title.columns) == ["编码", "项目", "决算数", "年初预算数", "上年决算数"]
    first = by_title.iloc[0]
    assert (first["项目"], first["决算数"], first["年初预算数"]) == ("一、一般公共预算财政拨款收入", 846.77, 500.87)
    t7 = udfs.pt_table("T7", _caller(seed_book))
    assert t7[t7["项目"] == "决算数"].iloc[0]["合计"] == 4.5


def test_a_table_that_is_not_there_gives_a_short_text(seed_book):
    assert udfs.pt_table("T9", _caller(seed_book)) == "#参数错误：本工作簿中没有“T9”"
    assert udfs.pt_table("", _caller(seed_book)) == "#参数错误：请给出表号或表名"
    assert udfs.pt_table(None, _caller(seed_book)) == "#参数错误：请给出表号或表名"


def test_a_spilling_udf_never_raises(seed_book):
    broken = SimpleNamespace(sheet=SimpleNamespace(book=None))
    assert udfs.pt_findings(broken).startswith("#内部错误：")
