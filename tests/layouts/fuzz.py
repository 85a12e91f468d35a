"""A perturbation fuzzer over the layout generator: each perturbation rewrites a layout the way a
real unit's workbook differs from its neighbour's, keeping the figures (so the truth of the
perturbed book follows from the same description).

Perturbations (``KINDS``): drop the optional blocks (上年决算数, 年初预算数, 调整预算数); add a 栏次 row
under the header; add a 行次 column after each label column; renumber the labels (一、 （一） 1、 (1)
1. or none); move the 合计 row of a coded table to the other end, or write it into the code column;
add notes under the tables; stack all tables on one sheet; rename the sheets (表N, 附件N, SheetN,
the table's title); print the book in 元; store amounts as text; print blank amounts as “—”;
store 科目编码 as numbers.

Seeded (``random.Random``); a failing case names its seed. Independent of the product: it
imports only the generator.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from decimal import Decimal

from . import generator as G

OPTIONAL = {"上年决算数", "年初预算数", "调整预算数"}
_ORDINAL = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[、.．]|[（(]\d+[）)]"
                      r"|其中[:：])\s*")
_CN = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return "十" if n == 10 else _CN[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens - 1]) + "十" + (_CN[ones - 1] if ones else "")


# ---------------------------------------------------------------------------------------------
# Column and row surgery on the model

def _delete_column(t: G.Table, c: int) -> None:
    for h in t.header:
        if h[c] not in (G.MERGE_LEFT, G.MERGE_UP) and c + 1 < len(h) and h[c + 1] == G.MERGE_LEFT:
            h[c + 1] = h[c]  # the merge's text moves to the next cell of the area
        del h[c]
    for row in t.rows:
        if row.kind == "note":
            continue
        if row.cells[c] not in (G.MERGE_LEFT, G.MERGE_UP) and c + 1 < len(row.cells) and \
                row.cells[c + 1] == G.MERGE_LEFT:
            row.cells[c + 1] = row.cells[c]
            if c in row.keys:
                row.keys[c + 1] = row.keys[c]
        del row.cells[c]
        row.keys = {(i if i < c else i - 1): k for i, k in row.keys.items() if i != c}
    del t.columns[c]


def _insert_column(t: G.Table, c: int, col: G.Column, header: list[str], cells: list[str]) -> None:
    t.columns.insert(c, col)
    for h, text in zip(t.header, header):
        h.insert(c, text)
    data = iter(cells)
    for row in t.rows:
        if row.kind == "note":
            continue
        row.cells.insert(c, next(data))
        row.keys = {(i if i < c else i + 1): k for i, k in row.keys.items()}


def _keyed(t: G.Table, row: G.Row, group: int) -> str | None:
    return G.row_key(t, row, group, G.groups(t.columns)) if row.kind == "data" else None


# ---------------------------------------------------------------------------------------------
# The perturbations: each edits a clone in place and says what it did (None: not applicable)

def drop_optional(layout: G.Layout, rng: random.Random) -> str | None:
    done = []
    for t in layout.tables():
        drop = [i for i, col in enumerate(t.columns)
                if col.role == "amount" and (col.col in OPTIONAL or col.row in OPTIONAL)]
        if drop and len(drop) < sum(col.role == "amount" for col in t.columns):
            for c in reversed(drop):
                _delete_column(t, c)
            done.append(f"{t.id}:{len(drop)}列")
        if t.id == "T7" and not t.transposed:
            before = len(t.rows)
            gmap = G.groups(t.columns)
            t.rows = [r for r in t.rows if G.row_key(t, r, 0, gmap) not in OPTIONAL or r.kind != "data"]
            if len(t.rows) < before and any(r.kind == "data" for r in t.rows):
                done.append(f"{t.id}:{before - len(t.rows)}行")
    return "删去可选栏 " + "、".join(done) if done else None


def add_lanci(layout: G.Layout, rng: random.Random) -> str | None:
    done = []
    for t in layout.tables():
        if any(r.kind == "lanci" for r in t.rows) or not t.header:
            continue
        n = 0
        cells = []
        for col in t.columns:
            if col.role == "amount":
                n += 1
                cells.append(str(n))
            else:  # each side's label column says 栏次 (收入 | 栏次 … 支出 | 栏次 …)
                cells.append("栏次" if col.role == "label" else "")
        t.rows.insert(0, G.Row("lanci", cells))
        done.append(t.id)
    return "加栏次行 " + "、".join(done) if done else None


def add_line_column(layout: G.Layout, rng: random.Random) -> str | None:
    done = []
    for t in layout.tables():
        if any(col.role == "line" for col in t.columns) or t.id not in ("T1", "T4", "T7"):
            continue
        labels = [i for i, col in enumerate(t.columns) if col.role == "label"]
        for c in reversed(labels):
            gmap = G.groups(t.columns)
            group = gmap[c]
            n = 0
            cells = []
            for row in t.rows:
                if row.kind == "note":
                    continue
                if _keyed(t, row, group) and any(t.columns[i].role == "amount" and gmap[i] == group
                                                 for i in range(len(t.columns))):
                    n += 1
                    cells.append(str(n))
                else:
                    cells.append("")
            # Inside a merged area (收入 spanning 项目 and 金额) the new cell continues the merge; below
            # it, the first free header cell says 行次 and the rest merge into it.
            header, placed = [], False
            for h in t.header:
                if c + 1 < len(h) and h[c + 1] == G.MERGE_LEFT:
                    header.append(G.MERGE_LEFT)
                elif not placed:
                    header.append("行次")
                    placed = True
                else:
                    header.append(G.MERGE_UP)
            _insert_column(t, c + 1, G.Column("line"), header, cells)
        if labels:
            done.append(t.id)
    return "加行次列 " + "、".join(done) if done else None


STYLES = ("一、", "（一）", "1、", "(1)", "1.", "")


def renumber(layout: G.Layout, rng: random.Random) -> str | None:
    style = rng.choice(STYLES)
    done = []
    for t in layout.tables():
        if t.id not in ("T1", "T4"):
            continue
        for c, col in enumerate(t.columns):
            if col.role != "label":
                continue
            n = 0
            for row in t.rows:
                key = row.keys.get(c)
                if row.kind != "data" or not key:
                    continue
                text = _ORDINAL.sub("", row.cells[c])
                if "/" in key:  # a sub-row (年初财政拨款结转和结余 by fund)
                    row.cells[c] = ("其中：" if rng.random() < 0.5 else "") + text
                    continue
                if not _ORDINAL.match(row.cells[c]) and not key.isdigit():
                    continue  # totals are not numbered
                n += 1
                prefix = {"一、": f"{_cn(n)}、", "（一）": f"（{_cn(n)}）", "1、": f"{n}、", "(1)": f"({n})",
                          "1.": f"{n}.", "": ""}[style]
                row.cells[c] = prefix + text
        done.append(t.id)
    return f"改编号为“{style or '无'}” " + "、".join(done) if done else None


def move_total(layout: G.Layout, rng: random.Random) -> str | None:
    into_code = rng.random() < 0.5
    done = []
    for t in layout.tables():
        if t.id not in ("T2", "T3", "T5", "T8", "T9"):
            continue
        gmap = G.groups(t.columns)
        data = [i for i, r in enumerate(t.rows) if r.kind == "data"]
        totals = [i for i in data if G.row_key(t, t.rows[i], 0, gmap) == "合计"]
        if not totals:
            continue
        i = totals[0]
        row = t.rows.pop(i)
        codes = [c for c, col in enumerate(t.columns) if col.role.startswith("code")]
        labels = [c for c, col in enumerate(t.columns) if col.role == "label"]
        if into_code and codes and labels:
            for c in codes + labels:
                row.cells[c] = ""
            row.cells[codes[0]] = "合计"
        elif labels:
            for c in codes:
                row.cells[c] = ""
            row.cells[labels[0]] = "合计"
        rest = [k for k, r in enumerate(t.rows) if r.kind == "data"]
        if i <= (rest[0] if rest else 0):
            t.rows.insert((rest[-1] + 1) if rest else len(t.rows), row)  # top → bottom
            where = "表尾"
        else:
            first = next((k for k, r in enumerate(t.rows) if r.kind == "data"), len(t.rows))
            t.rows.insert(first, row)  # bottom → top (under a 栏次 row)
            where = "表头下"
        done.append(f"{t.id}{where}")
    return ("合计行移到" + "、".join(done) + ("（写在编码列）" if into_code else "")) if done else None


NOTES = ("注：本表反映部门本年度的收支情况，金额单位为万元。",
         "说明：1.本表数据由部门决算报表软件生成；2.因四舍五入，合计数与分项之和可能存在尾差。",
         "注：2023年起按新的政府收支分类科目填列。")


def add_notes(layout: G.Layout, rng: random.Random) -> str | None:
    for t in layout.tables():
        t.notes = [*t.notes, *rng.sample(NOTES, 2)]
    return "加注释行"


def stack(layout: G.Layout, rng: random.Random) -> str | None:
    if len(layout.sheets) < 2:
        return None
    layout.sheets = [G.Sheet(rng.choice(("Sheet1", "决算公开表", "附表")), layout.tables(), gap=rng.choice((1, 2, 3)))]
    return f"全部表堆在一张工作表“{layout.sheets[0].name}”"


def rename_sheets(layout: G.Layout, rng: random.Random) -> str | None:
    scheme = rng.choice(("表", "附件", "Sheet", "title"))
    used = set()
    for i, sheet in enumerate(layout.sheets, 1):
        name = sheet.tables[0].title[:31] if scheme == "title" and sheet.tables else f"{scheme}{i}"
        while name in used:
            name = f"{name[:28]}({i})"
        used.add(name)
        sheet.name = name
    return f"工作表改名为“{scheme}N”" if scheme != "title" else "工作表以表名命名"


def to_yuan(layout: G.Layout, rng: random.Random) -> str | None:
    if layout.money_unit != "万元" or any(t.money_unit for t in layout.tables()):
        return None
    layout.money_unit = "元"
    layout.number_format = "#,##0.00"
    for t in layout.tables():
        t.unit = [u.replace("万元", "元") for u in t.unit]
        for row in t.rows:
            if row.kind != "data":
                continue
            for c, col in enumerate(t.columns):
                text = row.cells[c]
                if col.role != "amount" or text in (G.MERGE_LEFT, G.MERGE_UP):
                    continue
                value = G.printed_value(text)
                if value is not None:
                    yuan = (value * G.WAN).quantize(Decimal("0.01"))
                    row.cells[c] = f"{yuan:,}" if "," in text or yuan >= 1000 else f"{yuan}"
    return "改为以元为单位"


def text_numbers(layout: G.Layout, rng: random.Random) -> str | None:
    if layout.text_numbers:
        return None
    layout.text_numbers = True
    return "金额存成文本"


def dash_blanks(layout: G.Layout, rng: random.Random) -> str | None:
    n = 0
    for t in layout.tables():
        gmap = G.groups(t.columns)
        for row in t.rows:
            if row.kind != "data":
                continue
            for c, col in enumerate(t.columns):
                if col.role == "amount" and row.cells[c] == "" and (col.row or G.row_key(t, row, gmap[c], gmap)):
                    row.cells[c] = "—"
                    n += 1
    return f"{n}个空白金额印成“—”" if n else None


def codes_as_numbers(layout: G.Layout, rng: random.Random) -> str | None:
    if layout.codes_as_numbers or not any(col.role.startswith("code") for t in layout.tables() for col in t.columns):
        return None
    layout.codes_as_numbers = True
    return "科目编码存成数字"


def unmerge_headers(layout: G.Layout, rng: random.Random) -> str | None:
    if not layout.merged_headers or not any(
            cell in (G.MERGE_LEFT, G.MERGE_UP) for t in layout.tables() for line in t.header for cell in line):
        return None
    layout.merged_headers = False
    return "表头不合并单元格（跨列居中，或由PDF转换）"


def unmerge_rows(layout: G.Layout, rng: random.Random) -> str | None:
    if not layout.merged_rows or not any(
            cell in (G.MERGE_LEFT, G.MERGE_UP) for t in layout.tables() for row in t.rows if row.kind != "note"
            for cell in row.cells):
        return None
    layout.merged_rows = False
    return "行标签不合并单元格（合计跨编码列、跨栏的经费合计只写在第一格）"


KINDS: dict[str, Callable[[G.Layout, random.Random], str | None]] = {
    "drop_optional": drop_optional, "add_lanci": add_lanci, "add_line_column": add_line_column,
    "renumber": renumber, "move_total": move_total, "add_notes": add_notes, "stack": stack,
    "rename_sheets": rename_sheets, "to_yuan": to_yuan, "text_numbers": text_numbers,
    "dash_blanks": dash_blanks, "codes_as_numbers": codes_as_numbers, "unmerge_headers": unmerge_headers,
    "unmerge_rows": unmerge_rows,
}


def perturb(layout: G.Layout, kinds: list[str], seed: int) -> tuple[G.Layout, list[str]]:
    """A clone of ``layout`` with the ``kinds`` applied in order; what each did."""
    rng = random.Random(seed)
    out = G.clone(layout)
    out.id = f"{layout.id}~{'+'.join(kinds)}~{seed}"
    said = []
    for kind in kinds:
        what = KINDS[kind](out, rng)
        if what:
            said.append(what)
    return out, said


def variants(bases: dict[str, G.Layout], seed: int, n: int, kinds: list[str] | None = None,
             ) -> Iterator[tuple[int, str, list[str], G.Layout, list[str]]]:
    """``n`` random variants: (seed, base id, kinds, layout, what was done), reproducible by seed."""
    pool = kinds or list(KINDS)
    rng = random.Random(seed)
    for _ in range(n):
        s = rng.randrange(1 << 30)
        base = rng.choice(sorted(bases))
        chosen = rng.sample(pool, rng.randint(1, min(4, len(pool))))
        layout, said = perturb(bases[base], chosen, s)
        yield s, base, chosen, layout, said
