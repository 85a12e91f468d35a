"""Core layer: what the recogniser did with a book, for people (``validate --explain``, 识别说明).

Everything here reads the ``Recognition`` record each table keeps; nothing recognises again.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Book, CellRef, Table, column_letter


@dataclass(frozen=True)
class Coverage:
    """How many amounts were read and mapped, and which numbers were mapped to nothing."""

    amounts: int
    unmapped: tuple[CellRef, ...]

    @property
    def line(self) -> str:
        """One line for the accountant: “读取金额833个，全部对应到标准行列”."""
        if not self.unmapped:
            return f"读取金额{self.amounts}个，全部对应到标准行列"
        sample = "、".join(str(r) for r in self.unmapped[:5]) + ("等" if len(self.unmapped) > 5 else "")
        return f"读取金额{self.amounts}个；有{len(self.unmapped)}个金额未能对应到标准行列：{sample}"


def coverage(book: Book) -> Coverage:
    amounts = 0
    unmapped: list[CellRef] = []
    for t in book.tables:
        if t.record is not None:
            amounts += t.record.amounts
            unmapped.extend(t.record.unmapped)
    return Coverage(amounts, tuple(unmapped))


def table_lines(table: Table) -> list[str]:
    """One table's account: sheet and area, columns, rows, what was skipped and why."""
    rec = table.record
    head = f"{table.id} {table.tdef.title}（工作表“{table.sheet}”"
    if rec is None:
        return [head + "）"]
    out = [f"{head}，区域{rec.area}，金额单位{table.money_unit}）"]
    if rec.layout:
        out.append(f"  表样：{rec.layout}")
    h0, d0 = rec.header_rows
    if d0 > h0:
        out.append(f"  表头：第{h0 + 1}–{d0}行；数据自第{d0 + 1}行起，止于第{rec.last_row + 1}行（{rec.ended_by}）")
    out.append("  列：")
    for n in rec.columns:
        what = f"→ {n.key}" if n.key else f"（{n.note}）"
        out.append(f"    {column_letter(n.col)}列 {n.header or '（无表头）'} {what}")
    out.append("  行：")
    for n in rec.rows:
        if n.key:
            tail = f"（{n.note}）" if n.note else ""
            out.append(f"    第{n.row + 1}行 {n.label} → {n.key}{tail}")
        else:
            out.append(f"    第{n.row + 1}行 {n.label}（{n.note}）")
    if rec.skipped:
        out.append("  跳过：")
        for where, why in rec.skipped:
            out.append(f"    {where}：{why}")
    if table.is_empty_note:
        out.append("  本表说明为空表")
    if rec.unmapped:
        cells = "、".join(r.a1 for r in rec.unmapped[:20]) + ("等" if len(rec.unmapped) > 20 else "")
        out.append(f"  未能对应的金额{len(rec.unmapped)}个：{cells}")
    else:
        out.append(f"  金额{rec.amounts}个，全部对应到标准行列")
    return out


def explain(book: Book) -> list[str]:
    """The whole book's account, table by table, ending with the coverage line."""
    out = [f"{book.path.name}：单位“{book.unit_name or '（未写明）'}”，年度{book.year or '（未写明）'}，"
           f"识别出{len(book.tables)}张表"]
    for t in book.tables:
        out.extend(table_lines(t))
    out.append(coverage(book).line)
    return out


def explain_grid(book: Book) -> list[list[str]]:
    """The same account as rows of a sheet (识别说明): 表, 位置, 内容, 对应到, 说明."""
    rows: list[list[str]] = [["表", "位置", "内容", "对应到", "说明"]]
    for t in book.tables:
        rec = t.record
        name = f"{t.id} {t.tdef.title}"
        if rec is None:
            rows.append([name, t.sheet, "", "", ""])
            continue
        rows.append([name, f"{t.sheet}!{rec.area}", f"金额单位{t.money_unit}", rec.layout,
                     f"数据止于第{rec.last_row + 1}行（{rec.ended_by}）"])
        for n in rec.columns:
            rows.append([name, f"{column_letter(n.col)}列", n.header, n.key, n.note])
        for n in rec.rows:
            rows.append([name, f"第{n.row + 1}行", n.label, n.key, n.note])
        for where, why in rec.skipped:
            rows.append([name, where, "", "", f"跳过：{why}"])
        for ref in rec.unmapped:
            rows.append([name, ref.a1, "", "", "金额未能对应到标准行列，未参与校验"])
    cov = coverage(book)
    rows.append(["合计", "", "", "", cov.line])
    return rows
