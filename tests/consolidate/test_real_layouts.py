"""Three units, each in a different real layout, consolidated: T1 totals exact to the cent, with
and without eliminations, the 上级单位 inferred from the internal flows, for every input order.

The workbooks are written here with openpyxl (no product code), in three shapes seen in public
disclosures:

- ``central``: the central template as county units publish it (柞水县审计局 2020 部门决算,
  http://219.145.244.73:88/html/zwgk/czysjs/118395.html): sheets 表1…表3, T1 two-sided with 行次 and
  a 栏次 row, the spending classes named "一、一般公共服务支出" without codes, T2/T3 titled
  收入决算总表 / 支出决算总表, 部门 line above each table;
- ``stacked``: all tables on one sheet under a book-title line, 类|款|项 code columns, amounts in 元,
  编制单位 line beside the money unit (the 上海 2025 disclosures described by
  zxj6827111-blip/GovBudgetChecker, tests/fixtures);
- ``cover``: a cover sheet with 单位名称, tables on sheets 附件1…附件3, T1 with 年初预算数 and 决算数
  on each side, codes stored as numbers and 合计 at the bottom of T2/T3 (湖南 county disclosures,
  e.g. 岳阳县 2015 部门决算, https://www.sgf2.com/37584/38154/38157/38160/38177/38192/40042/content_1191766.html).

Figures: a 局机关 paying 对附属单位补助支出 100.00 to two 二级机构 (60.00 and 40.00) and receiving
附属单位上缴收入 5.00 from the second; chosen so that every 勾稽关系 holds to the cent.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from pytoolkit.consolidate import Consolidator, UnitData, consolidate_paths

D = Decimal
INCOME = ("一般公共预算财政拨款收入", "政府性基金预算财政拨款收入", "国有资本经营预算财政拨款收入", "上级补助收入",
          "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
T2_COLS = ("本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
T3_COLS = ("本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")
CLASS_NAMES = {"201": "一般公共服务支出", "208": "社会保障和就业支出"}
ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八")

# unit → income by T1 row, spending by class code → T3 columns (one 项 per class: 2010301 / 2080501)
UNITS = {
    "某县示例局机关": {
        "income": {"一般公共预算财政拨款收入": D("1000.00"), "附属单位上缴收入": D("5.00")},
        "spending": {"201": {"基本支出": D("605.00"), "项目支出": D("300.00"), "对附属单位补助支出": D("100.00")}},
    },
    "某县示例局信息中心": {
        "income": {"一般公共预算财政拨款收入": D("200.55"), "上级补助收入": D("60.00")},
        "spending": {"201": {"基本支出": D("160.55"), "项目支出": D("100.00")}},
    },
    "某县示例局便民服务站": {
        "income": {"上级补助收入": D("40.00"), "事业收入": D("10.01")},
        "spending": {"208": {"基本支出": D("45.01"), "上缴上级支出": D("5.00")}},
    },
}
ITEM = {"201": ("20103", "政府办公厅(室)及相关机构事务", "2010301", "行政运行"),
        "208": ("20805", "行政事业单位养老支出", "2080501", "行政单位离退休")}


def total(values) -> Decimal:
    return sum(values, D(0))


def t2_row(u) -> dict[str, Decimal]:
    inc = u["income"]
    row = {"财政拨款收入": inc.get("一般公共预算财政拨款收入", D(0)), "上级补助收入": inc.get("上级补助收入", D(0)),
           "事业收入": inc.get("事业收入", D(0)), "经营收入": D(0),
           "附属单位上缴收入": inc.get("附属单位上缴收入", D(0)), "其他收入": D(0)}
    return {"本年收入合计": total(row.values()), **row}


def t3_row(cols) -> dict[str, Decimal]:
    row = {c: cols.get(c, D(0)) for c in T3_COLS[1:]}
    return {"本年支出合计": total(row.values()), **row}


def income_class(u) -> str:
    return next(iter(u["spending"]))  # each unit's income is booked under its one class


def fmt(v: Decimal, yuan: bool) -> float:
    return float(v * 10000) if yuan else float(v)


# ---------------------------------------------------------------------------------------------
# The three layouts


def central(path: Path, name: str, u) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("表1")
    inc = u["income"]
    this_year = total(inc.values())
    spend = {code: t3_row(cols)["本年支出合计"] for code, cols in u["spending"].items()}
    rows = [["收入支出决算总表"], [None, None, None, None, None, "公开01表"],
            [f"部门：{name}", None, None, None, None, "金额单位：万元"],
            ["收入", None, None, "支出"], ["项目", "行次", "金额", "项目", "行次", "金额"],
            ["栏次", None, 1, "栏次", None, 2]]
    classes = list(spend)
    for i, key in enumerate(INCOME):
        left = [f"{ORDINALS[i]}、{key}", i + 1, float(inc.get(key, D(0)))]
        right = ([f"{ORDINALS[i]}、{CLASS_NAMES[classes[i]]}", 32 + i, float(spend[classes[i]])]
                 if i < len(classes) else [None, None, None])
        rows.append(left + right)
    tail = (("本年收入合计", "本年支出合计", this_year), ("使用非财政拨款结余", "结余分配", D(0)),
            ("年初结转和结余", "年末结转和结余", D(0)), ("总计", "总计", this_year))
    for i, (a, b, v) in enumerate(tail):
        rows.append([a, 9 + i, float(v), b, 40 + i, float(v)])
    rows.append(["注：本表反映部门本年度的总收支和年末结转结余情况。"])
    for r in rows:
        ws.append(r)
    ws.merge_cells("A4:C4")
    ws.merge_cells("D4:F4")
    for sheet, title, cols, data in (("表2", "收入决算总表", T2_COLS, "income"),
                                     ("表3", "支出决算总表", T3_COLS, "spend")):
        ws = wb.create_sheet(sheet)
        ws.append([title])
        ws.append([f"部门：{name}", None, None, None, None, None, None, "金额单位：万元"])
        ws.append(["项目", None, *cols])
        ws.append(["功能分类科目编码", "科目名称"])
        ws.append(["栏次", None, *range(1, len(cols) + 1)])
        ws.merge_cells("A3:B3")
        lines = _coded_lines(u, data)
        for code, label, values in lines:
            ws.append([code, label, *(float(values[c]) for c in cols)])
    wb.save(path)
    return path


def _coded_lines(u, data: str) -> list[tuple[str | None, str, dict[str, Decimal]]]:
    """合计, then per class its 类, 款 and 项 rows (the same figures: one 项 per class)."""
    if data == "income":
        code = income_class(u)
        row = t2_row(u)
        per_class = {code: row}
    else:
        per_class = {code: t3_row(cols) for code, cols in u["spending"].items()}
    cols = next(iter(per_class.values())).keys()
    out = [(None, "合计", {c: total(r[c] for r in per_class.values()) for c in cols})]
    for code, row in per_class.items():
        kuan, kuan_name, xiang, xiang_name = ITEM[code]
        out += [(code, CLASS_NAMES[code], row), (kuan, kuan_name, row), (xiang, xiang_name, row)]
    return out


def stacked(path: Path, name: str, u) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "部门决算"
    inc = u["income"]
    this_year = total(inc.values())
    ws.append([f"{name}2020年度部门决算公开表"])
    ws.append([])
    ws.append(["收入支出决算总表"])
    ws.append([f"编制单位：{name}", None, None, "金额单位：元"])
    ws.append(["收入", None, "支出"])
    ws.merge_cells(f"A{ws.max_row}:B{ws.max_row}")
    ws.merge_cells(f"C{ws.max_row}:D{ws.max_row}")
    ws.append(["项目", "决算数", "项目", "决算数"])
    spend = [(CLASS_NAMES[c], t3_row(cols)["本年支出合计"]) for c, cols in u["spending"].items()]
    for i, key in enumerate(INCOME):
        right = [f"{ORDINALS[i]}、{spend[i][0]}", fmt(spend[i][1], True)] if i < len(spend) else [None, None]
        ws.append([f"{ORDINALS[i]}、{key}", fmt(inc.get(key, D(0)), True), *right])
    for a, b, v in (("本年收入合计", "本年支出合计", this_year), ("使用非财政拨款结余", "结余分配", D(0)),
                    ("年初结转和结余", "年末结转和结余", D(0)), ("总计", "总计", this_year)):
        ws.append([a, fmt(v, True), b, fmt(v, True)])
    for title, cols, data in (("收入决算表", T2_COLS, "income"), ("支出决算表", T3_COLS, "spend")):
        ws.append([])
        ws.append([title])
        ws.append([f"编制单位：{name}", None, None, None, "金额单位：元"])
        top = ws.max_row + 1
        ws.append(["科目编码", None, None, "科目名称", *cols])
        ws.append(["类", "款", "项"])
        ws.merge_cells(f"A{top}:C{top}")
        for code, label, values in _coded_lines(u, data):
            parts = [None, None, None] if code is None else (
                [code, None, None] if len(code) == 3 else [None, code[3:5], None] if len(code) == 5
                else [None, None, code[5:7]])
            ws.append([*parts, label, *(fmt(values[c], True) for c in cols)])
    wb.save(path)
    return path


def cover(path: Path, name: str, u) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "封面"
    ws.append(["部门决算公开报表"])
    ws.append(["单位名称", name])
    ws.append(["年度", 2020])
    inc = u["income"]
    this_year = total(inc.values())
    ws = wb.create_sheet("附件1")
    ws.append(["2020年度收入支出决算总表"])
    ws.append([None, None, None, None, None, "单位：万元"])
    ws.append(["收入", None, None, "支出"])
    ws.append(["项目", "年初预算数", "决算数", "项目", "年初预算数", "决算数"])
    ws.merge_cells("A3:C3")
    ws.merge_cells("D3:F3")
    spend = [(CLASS_NAMES[c], t3_row(cols)["本年支出合计"]) for c, cols in u["spending"].items()]
    for i, key in enumerate(INCOME):
        right = [spend[i][0], None, float(spend[i][1])] if i < len(spend) else [None, None, None]
        ws.append([key, None, float(inc.get(key, D(0))), *right])
    for a, b, v in (("本年收入合计", "本年支出合计", this_year), ("使用非财政拨款结余", "结余分配", D(0)),
                    ("年初结转和结余", "年末结转和结余", D(0)), ("总计", "总计", this_year)):
        ws.append([a, None, float(v), b, None, float(v)])
    for sheet, title, cols, data in (("附件2", "2020年度收入决算表", T2_COLS, "income"),
                                     ("附件3", "2020年度支出决算表", T3_COLS, "spend")):
        ws = wb.create_sheet(sheet)
        ws.append([title])
        ws.append([None, None, None, None, None, None, None, "单位：万元"])
        ws.append(["科目编码", "科目名称", *cols])
        lines = _coded_lines(u, data)
        for code, label, values in [*lines[1:], lines[0]]:  # 合计 at the bottom
            ws.append([int(code) if code else None, label, *(float(values[c]) for c in cols)])
    wb.save(path)
    return path


LAYOUTS = (central, stacked, cover)


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("real-layouts")
    return [layout(folder / f"{i}-{layout.__name__}.xlsx", name, u)
            for i, (layout, (name, u)) in enumerate(zip(LAYOUTS, UNITS.items(), strict=True))]


def test_each_layout_reads_clean(books):
    from pytoolkit.io.reader import read_book
    from pytoolkit.rules import validate_book
    from pytoolkit.tables.explain import coverage

    for path, name in zip(books, UNITS, strict=True):
        book = read_book(path)
        assert {t.id for t in book.tables} == {"T1", "T2", "T3"}, path.name
        assert book.unit_name == name, path.name
        errors = [f.message for f in validate_book(book) if f.severity.value == "error"]
        assert errors == [], (path.name, errors)
        assert coverage(book).unmapped == (), path.name


PLAIN = {"收入总计": D("1315.56"), "本年收入合计": D("1315.56"), "上级补助收入": D("100.00"),
         "附属单位上缴收入": D("5.00"), "201": D("1265.55"), "208": D("50.01"), "支出总计": D("1315.56")}
MERGED = {"收入总计": D("1210.56"), "本年收入合计": D("1210.56"), "上级补助收入": D("0.00"),
          "附属单位上缴收入": D("0.00"), "201": D("1165.55"), "208": D("45.01"), "支出总计": D("1210.56")}


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=lambda o: "".join(map(str, o)))
@pytest.mark.parametrize("eliminate", [False, True], ids=["汇总", "合并"])
def test_t1_totals_exact_for_every_order(books, order, eliminate):
    paths = [books[i] for i in order]
    with consolidate_paths(paths, eliminate=eliminate) as result:
        assert sorted(u.name for u in result.included) == sorted(UNITS)
        expected = MERGED if eliminate else PLAIN
        for row, v in expected.items():
            got = result.value("T1", row, "决算数")
            assert got is not None and got == v, (row, got, v)
        if eliminate:
            assert result.parent == "某县示例局机关"
            assert result.parent_reason.startswith("按内部往来推定")
            assert [e.amount for e in result.eliminations] == [D("100.00"), D("5.00")]
        errors = [f.message for f in result.summary_findings if f.severity.value == "error"]
        assert errors == []


def test_parent_named_by_file(books):
    with consolidate_paths(books, eliminate=True, parent=books[0].name) as result:
        assert result.parent == "某县示例局机关" and "--parent" in result.parent_reason


# ---------------------------------------------------------------------------------------------
# Property: the order of the inputs never changes the 汇总 (nor the parent chosen)

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda n: D(n).scaleb(-2))


@st.composite
def departments(draw):
    """A parent and 1–4 children whose subsidies and remittances pair up, plus a permutation."""
    n = draw(st.integers(min_value=1, max_value=4))
    subsidies = [draw(cents) for _ in range(n)]
    remits = [draw(cents) for _ in range(n)]
    units = []
    for i in range(n):
        own = draw(cents)
        t2 = {"合计": {"本年收入合计": own + subsidies[i], "财政拨款收入": own, "上级补助收入": subsidies[i]}}
        t3 = {"合计": {"本年支出合计": own + subsidies[i], "基本支出": own + subsidies[i] - remits[i],
                       "上缴上级支出": remits[i]}}
        t1 = {"本年收入合计": {"决算数": own + subsidies[i]}, "收入总计": {"决算数": own + subsidies[i]},
              "上级补助收入": {"决算数": subsidies[i]}}
        units.append(UnitData(name=f"二级机构{i + 1}", source=f"c{i}.xlsx", values={"T1": t1, "T2": t2, "T3": t3}))
    own = draw(cents)
    paid, got = sum(subsidies, D(0)), sum(remits, D(0))
    parent = UnitData(name="某局", source="p.xlsx", values={
        "T1": {"本年收入合计": {"决算数": own + got}, "收入总计": {"决算数": own + got},
               "附属单位上缴收入": {"决算数": got}},
        "T2": {"合计": {"本年收入合计": own + got, "财政拨款收入": own, "附属单位上缴收入": got}},
        "T3": {"合计": {"本年支出合计": own + got, "基本支出": own + got - paid, "对附属单位补助支出": paid}}})
    units.append(parent)
    return units, draw(st.permutations(range(len(units))))


def summed(units, eliminate: bool):
    cons = Consolidator(eliminate=eliminate, validate_summary=False)
    cons.add_all(units)
    result = cons.finish()
    try:
        return result.values, result.parent, [e.as_dict() for e in result.eliminations]
    finally:
        result.close()


@settings(max_examples=60, deadline=None)
@given(departments(), st.booleans())
def test_every_order_gives_the_same_summary(case, eliminate):
    units, order = case
    first = summed(units, eliminate)
    again = summed([units[i] for i in order], eliminate)
    assert again == first
    parent = units[-1].values
    parent_flows = parent["T3"]["合计"]["对附属单位补助支出"] or parent["T2"]["合计"]["附属单位上缴收入"]
    if eliminate and parent_flows:
        assert first[1] == "某局"  # inferred from the flows, whatever the order


# ---------------------------------------------------------------------------------------------
# Unit identity from the book, never from sheet names


def test_sheets_named_table_n_are_one_unit(books):
    from pytoolkit.consolidate import book_units
    from pytoolkit.io.reader import read_book

    [unit] = book_units(read_book(books[0]))  # sheets 表1, 表2, 表3
    assert unit.name == "某县示例局机关"


def test_one_sheet_per_unit_found_by_repeated_titles_with_different_names(tmp_path):
    wb = Workbook()
    wb.remove(wb.active)
    for i, (name, u) in enumerate(UNITS.items(), 1):
        ws = wb.create_sheet(f"Sheet{i}")
        ws.append(["支出决算表"])
        ws.append([f"部门：{name}", None, None, None, None, None, None, "单位：万元"])
        ws.append(["科目编码", "科目名称", *T3_COLS])
        for code, label, values in _coded_lines(u, "spend"):
            ws.append([code, label, *(float(values[c]) for c in T3_COLS)])
    path = tmp_path / "各单位.xlsx"
    wb.save(path)
    with consolidate_paths([path]) as result:
        assert sorted(u.name for u in result.included) == sorted(UNITS)
        assert result.value("T3", "合计", "本年支出合计") == D("1315.56")


def test_parent_not_found_names_the_units(books):
    from pytoolkit.errors import InputError

    with pytest.raises(InputError) as err:
        consolidate_paths(books, eliminate=True, parent="不存在的单位")
    assert "不存在的单位" in str(err.value) and "某县示例局机关" in str(err.value)


def test_unmapped_amounts_are_said_in_the_summary_and_strict_stops(books, tmp_path):
    from openpyxl import load_workbook

    from pytoolkit.consolidate import ConsolidationStopped
    from pytoolkit.io.consolidated import write_consolidated

    # the 便民服务站 adds a column the standard T3 does not have, with a number in it
    odd = tmp_path / "odd.xlsx"
    wb = load_workbook(books[2])
    ws = wb["附件3"]
    ws.cell(3, 9, "自定义列")
    ws.cell(4, 9, 7.5)
    wb.save(odd)
    paths = [books[0], books[1], odd]
    with consolidate_paths(paths) as result:
        assert result.unmapped() == {"T3": [("某县示例局便民服务站", 1)]}
        out = write_consolidated(tmp_path / "汇总.xlsx", result, paths)
    wb = load_workbook(out)
    notes = " ".join(str(c.value) for row in wb["汇总说明"].iter_rows() for c in row if c.value)
    assert "未能对应到标准行列" in notes and "某县示例局便民服务站" in notes
    t3 = next(ws for ws in wb.worksheets if ws["A1"].value and "支出决算表" in str(ws["A1"].value))
    commented = [c for row in t3.iter_rows() for c in row if c.comment and "未能对应" in c.comment.text]
    assert commented
    with pytest.raises(ConsolidationStopped) as err:
        consolidate_paths(paths, strict=True)
    assert "未能对应到标准行列" in str(err.value)
