"""Core layer: find the standard tables in a book's sheets by title and headers.

Nothing here relies on sheet names or fixed positions. A table is found by its title, its
unit line (元/万元), its header rows (merged cells filled, so every column has a header path
such as 收入 › 项目 or 预算数 › 公务用车购置及运行维护费 › 小计), and its rows by 科目编码 (one
column, or 类/款/项 split over three) or by the fixed labels of the official form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import ValueParseError
from ..findings import Finding, Location, Severity
from ..metrics import to_decimal
from ..model import TOOLKIT_MARKER, Book, Cell, CellRef, Row, Sheet, Table
from . import catalog, codes
from .catalog import CODED, FIXED, SUMMARY_UNIT, RowDef, TableDef, normalise_label
from .derived_columns import derived_kind

WAN = Decimal(10000)
_TITLES = sorted(
    ((normalise_label(t), tdef) for tdef in catalog.ALL_TABLES for t in (tdef.title, *tdef.title_aliases)),
    key=lambda item: -len(item[0]),
)
_UNIT = re.compile(r"(?:金额)?单位[:：]\s*(万元|元|亿元)")
_YEAR = re.compile(r"(20\d{2})\s*年")
_CODE_WORDS = {"科目编码", "功能分类科目编码", "经济分类科目编码", "编码", "科目代码", "代码"}
_SPLIT_WORDS = ("类", "款", "项")
_LABEL_WORDS = {"科目名称", "项目", "名称", "功能分类科目名称", "经济分类科目名称", "支出功能分类科目",
                "项目(按功能分类)", "项目(按经济分类)", "机构名称", "支出内容"}
_IGNORED_WORDS = {"行次", "栏次", "会计凭证号", "备注"}
_TOTAL_LABELS = {"合计", "总计"}
_EMPTY_NOTE = re.compile(r"(无|未发生).{0,30}(收入|支出)|空表")
_CODE_CLEAN = re.compile(r"[\s'’‘`]")


@dataclass
class _Group:
    """Columns that describe one run of rows: the code/label columns and their amount columns."""

    side: str = ""
    code_cols: list[int] = field(default_factory=list)
    split: bool = False
    label_col: int | None = None
    amount_cols: dict[str, int] = field(default_factory=dict)


class _Grid:
    """A sheet with merged ranges filled, for reading headers and labels.

    The accessors are the recogniser's hot path (every label and amount cell goes through them),
    so they index the value lists directly and cache each row's texts.
    """

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.name = sheet.name
        self.cells = sheet.cells
        self.height = len(sheet.cells)
        self.width = max((len(r) for r in sheet.cells), default=0)
        # Cells calamine reads as blank that are not blank: the amount path checks these first.
        self.special = sheet.uncalculated | sheet.errors
        self.merged_fill: dict[tuple[int, int], tuple[int, int]] = {}
        self.merged_span: dict[tuple[int, int], tuple[int, int]] = {}
        self.merged_rows: dict[int, list[tuple[int, tuple[int, int]]]] = {}
        self._texts: dict[int, list[tuple[int, str]]] = {}
        self._filled: dict[int, list[tuple[int, str]]] = {}
        for (r0, c0), (r1, c1) in sheet.merged:
            self.merged_span[(r0, c0)] = (r1, c1)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.merged_fill[(r, c)] = (r0, c0)
                        self.merged_rows.setdefault(r, []).append((c, (r0, c0)))

    def raw(self, r: int, c: int) -> object:
        if r < self.height:
            row = self.cells[r]
            if c < len(row):
                return row[c]
        return ""

    def filled(self, r: int, c: int) -> object:
        origin = self.merged_fill.get((r, c))
        if origin is not None:
            return self.raw(*origin)
        return self.raw(r, c)

    def text(self, r: int, c: int) -> str:
        v = self.filled(r, c)
        return normalise_label(v) if isinstance(v, str) else ""

    def row_texts(self, r: int) -> list[tuple[int, str]]:
        texts = self._texts.get(r)
        if texts is None:
            row = self.cells[r] if r < self.height else ()
            texts = self._texts[r] = [(c, v) for c, v in enumerate(row) if v.__class__ is str and v.strip()]
        return texts

    def filled_texts(self, r: int) -> list[tuple[int, str]]:
        """Row r's normalised texts in column order, merged cells filled (what ``text`` gives)."""
        texts = self._filled.get(r)
        if texts is None:
            found = {c: normalise_label(v) for c, v in self.row_texts(r)}
            for c, origin in self.merged_rows.get(r, ()):
                v = self.raw(*origin)
                found[c] = normalise_label(v) if v.__class__ is str else ""
            texts = self._filled[r] = sorted((c, t) for c, t in found.items() if t)
        return texts

    def right_of(self, r: int, c: int) -> int:
        """The first column right of the (possibly merged) cell at r, c."""
        span = self.merged_span.get((r, c))
        return (span[1] if span else c) + 1


class _Recogniser:
    def __init__(self, book: Book) -> None:
        self.book = book
        self.findings: list[Finding] = []
        self.file = book.path.name
        # Per table: amounts stored as text, and amount cells inside a merged area (reported once
        # per table, after it is read).
        self.text_numbers: list[CellRef] = []
        self.merged_amounts: list[CellRef] = []

    # -- findings -------------------------------------------------------------------------
    def find(self, rule: str, severity: Severity, message: str, ref: CellRef | None,
             table: str = "") -> None:
        self.findings.append(Finding(rule, severity, message, Location.at(ref, self.file), table=table))

    # -- entry ----------------------------------------------------------------------------
    def run(self) -> None:
        for sheet in self.book.sheets:
            self.sheet(sheet)
        if not self.book.tables and any(s.cells for s in self.book.sheets):
            self.find("recognise.no_table", Severity.ERROR,
                      f"{self.file}：没有找到任何标准决算表（按表名和表头识别）。请确认表名（如“收入支出决算总表”）"
                      "写在表格上方。", None)
        self.book.findings.extend(self.findings)

    def sheet(self, sheet: Sheet) -> None:
        if sheet.toolkit or (sheet.cells and TOOLKIT_MARKER in sheet.cells[0]):
            return  # the toolkit's own output (校验结果, 预算与决算, …), not the unit's data
        grid = _Grid(sheet)
        titles = []
        for r in range(grid.height):
            for c, text in grid.row_texts(r):
                if "表" not in text and "报告" not in text:
                    if r < 8:  # 单位名称/年度 sit on a cover sheet or a table's 部门 line
                        self.book_facts(grid, r, c, text)
                    continue
                if len(text) > 80:
                    continue
                norm = normalise_label(text)
                for title, tdef in _TITLES:
                    if title in norm:
                        titles.append((r, c, tdef, text))
                        break
                else:
                    if r < 8:
                        self.book_facts(grid, r, c, text)
        if len(titles) >= 3 and titles[-1][0] - titles[0][0] < len(titles) + 2:
            return  # a table of contents (目录): titles one under another, no tables
        # A form's title may repeat inside it (e.g. a caption); keep the first of each id in a run.
        kept = []
        for item in titles:
            if kept and kept[-1][2].id == item[2].id and item[0] - kept[-1][0] < 4:
                continue
            kept.append(item)
        for i, (r, c, tdef, text) in enumerate(kept):
            end = kept[i + 1][0] if i + 1 < len(kept) else grid.height
            table = Table(tdef=tdef, sheet=sheet.name, title_ref=CellRef(sheet.name, r, c))
            m = _YEAR.search(text)
            table.year = int(m.group(1)) if m else None
            before = len(self.findings)
            self.text_numbers, self.merged_amounts = [], []
            try:
                ok = self.table(grid, table, r, end)
            except Exception as exc:  # a recogniser bug must not lose the rest of the book
                self.find("recognise.failed", Severity.ERROR,
                          f"工作表“{sheet.name}”中的“{tdef.title}”识别失败：{exc}", table.title_ref, tdef.id)
                ok = False
            if ok:
                self.book.tables.append(table)
                self.report_cell_forms(table)
            elif not any(f.rule == "recognise.failed" for f in self.findings[before:]):
                self.find("recognise.unrecognised", Severity.ERROR,
                          f"工作表“{sheet.name}”有表名“{text.strip()}”，但表头无法识别（找不到科目/项目列或金额列），"
                          "该表未参与校验。", table.title_ref, tdef.id)
        if not kept:
            self.warn_unrecognised_sheet(grid)

    def report_cell_forms(self, table: Table) -> None:
        """One finding per table for amounts typed as text and for amounts under a merged area."""
        title = table.tdef.title
        for rule, refs, what in (
            ("read.text_number", self.text_numbers,
             "个金额以文本形式存储（{}）：已按数字读取并校验；但Excel的求和公式会忽略文本，请在Excel中转换为数字。"),
            ("recognise.merged_amount", self.merged_amounts,
             "个金额单元格被合并到左侧或上方的单元格里（{}）：合并后只保留左上角的数值，这些单元格按空白处理。"
             "请取消合并并填回数值。"),
        ):
            if refs:
                self.findings.append(Finding(
                    rule, Severity.WARNING, f"“{title}”有{len(refs)}" + what.format(_sample(refs)),
                    Location.at(refs[0], self.file), table=table.id, related=tuple(str(x) for x in refs[:50])))

    def book_facts(self, grid: _Grid, r: int, c: int, text: str) -> None:
        """单位名称 and 年度 from a cover sheet or a 部门 line."""
        if self.book.unit_name and self.book.year is not None:
            return
        norm = normalise_label(text)
        for label in ("单位名称", "部门名称", "部门(单位)名称", "部门", "单位"):
            if norm.startswith(label + ":") and len(norm) > len(label) + 1 and not self.book.unit_name:
                value = norm[len(label) + 1:]
                if not _UNIT.search(text) and value not in ("万元", "元"):
                    self.book.unit_name = value
                return
            if norm == label and not self.book.unit_name:
                nxt = grid.raw(r, grid.right_of(r, c))
                if isinstance(nxt, str) and nxt.strip():
                    self.book.unit_name = nxt.strip()
                return
        if self.book.year is None:
            m = _YEAR.search(text)
            if m and ("年度" in text or norm.startswith("年度")):
                self.book.year = int(m.group(1))
            elif norm in ("年度", "年份"):
                nxt = grid.raw(r, grid.right_of(r, c))
                if isinstance(nxt, float) and nxt.is_integer():
                    nxt = int(nxt)
                m = _YEAR.search(f"{nxt}年") if nxt not in ("", None) else None
                if m:
                    self.book.year = int(m.group(1))

    def warn_unrecognised_sheet(self, grid: _Grid) -> None:
        numbers = sum(1 for row in grid.sheet.cells for v in row if isinstance(v, float | int)
                      and not isinstance(v, bool))
        if numbers >= 5:
            self.find("recognise.unknown_sheet", Severity.WARNING,
                      f"工作表“{grid.sheet.name}”含有{numbers}个数值，但没有识别出标准表的表名，未参与校验。",
                      CellRef(grid.sheet.name, 0, 0))

    # -- one table ------------------------------------------------------------------------
    def table(self, grid: _Grid, table: Table, r0: int, end: int) -> bool:
        self.unit_line(grid, table, r0, end)
        if table.tdef.id == "T7":
            return self.t7(grid, table, r0 + 1, end)
        if table.tdef.id == "PE":
            return self.pe(grid, table, r0 + 1, end)
        if table.tdef.id == "PP":
            return self.pp(grid, table, r0 + 1, end)
        return self.grid_table(grid, table, r0 + 1, end)

    def unit_line(self, grid: _Grid, table: Table, r0: int, end: int) -> None:
        for r in range(r0, min(r0 + 6, end)):
            for _, text in grid.row_texts(r):
                m = _UNIT.search(text)
                if m:
                    table.money_unit = m.group(1)
                    return
        self.find("recognise.no_unit", Severity.WARNING,
                  f"“{table.tdef.title}”没有找到单位行（如“单位：万元”），按万元处理。", table.title_ref,
                  table.tdef.id)

    def header_rows(self, grid: _Grid, start: int, end: int, tdef: TableDef) -> tuple[int, int]:
        """(first header row, first data row) after the title block.

        Header rows hold only header texts (merged cells filled); the first row with a number, a
        code, a known row label, or nothing at all (a blank data row of an empty form) ends them.
        """
        first = None
        for r in range(start, end):
            texts = grid.row_texts(r)
            if first is None:
                if not texts:
                    continue
                if all(_UNIT.search(t) or normalise_label(t).startswith(("部门", "单位", "公开", "编制单位"))
                       or (t.strip().endswith("表") and "项目" not in t) for _, t in texts):
                    continue
                first = r
                continue
            if self.is_data_row(grid, r, tdef):
                return first, r
        return (first if first is not None else start), end

    def is_data_row(self, grid: _Grid, r: int, tdef: TableDef) -> bool:
        row = grid.cells[r] if r < grid.height else []
        texts = [t for _, t in grid.filled_texts(r)]
        if not texts and not any(v not in ("", None) for v in row):
            return True  # a blank row under the header: the data row of an empty form
        if texts and texts[0] == "栏次":
            return False
        if any(isinstance(v, float | int) and not isinstance(v, bool) for v in row):
            return True
        if any(codes.is_code(_CODE_CLEAN.sub("", t)) for t in texts):
            return True
        first = texts[0] if texts else ""
        if tdef.kind == CODED:
            return first in _TOTAL_LABELS or first in ("人员经费合计", "公用经费合计")
        if tdef.id in ("T1", "T4"):
            return bool(self.fixed_row_key(tdef, first, "收入", set()) or codes.code_for_class_name(first))
        return False

    def header_paths(self, grid: _Grid, h0: int, h1: int) -> list[list[str]]:
        paths: list[list[str]] = [[] for _ in range(grid.width)]
        for r in range(h0, h1):
            for c, t in grid.filled_texts(r):
                if c >= grid.width:
                    continue  # a merged area reaching past the last value column
                path = paths[c]
                if t not in ("其中", "其中:", "栏次") and (not path or path[-1] != t):
                    path.append(t)
        return paths

    def match_column(self, tdef: TableDef, path: list[str], side: str = "") -> str | None:
        allowed = None
        if tdef.sides and side:
            allowed = dict(tdef.sides).get(side)
        for element in reversed(path):
            if element == "小计" and tdef.id == "T7":
                continue
            for key, names in _column_names(tdef):
                if allowed is not None and key not in allowed:
                    continue
                if element in names:
                    return key
        return None

    def grid_table(self, grid: _Grid, table: Table, start: int, end: int) -> bool:
        tdef = table.tdef
        h0, d0 = self.header_rows(grid, start, end, tdef)
        paths = self.header_paths(grid, h0, d0)
        groups: list[_Group] = []
        current = _Group()
        for c, path in enumerate(paths):
            if not path:
                continue
            last = path[-1]
            top = path[0]
            side = top if top in ("收入", "支出", "人员经费", "公用经费") else ""
            if last in _IGNORED_WORDS:
                continue
            is_code = last in _CODE_WORDS or (last in _SPLIT_WORDS)
            is_label = last in _LABEL_WORDS or (tdef.kind == FIXED and last in ("收入", "支出"))
            if is_code or is_label:
                if current.amount_cols or (is_code and current.label_col is not None):
                    groups.append(current)
                    current = _Group()
                current.side = side or current.side
                if is_code:
                    current.code_cols.append(c)
                    current.split = current.split or last in _SPLIT_WORDS
                else:
                    current.label_col = c
                continue
            key = self.match_column(tdef, path, side or current.side)
            if key is None and derived_kind(path) is not None:
                table.derived_columns[c] = path  # 完成率/增减额/增减率: checked by derived.values
                continue
            if key is None:
                if any(isinstance(grid.raw(r, c), float | int) for r in range(d0, min(end, d0 + 200))):
                    self.find("recognise.unknown_column", Severity.WARNING,
                              f"“{tdef.title}”的列“{'/'.join(path)}”无法对应到标准列，未参与校验。",
                              CellRef(grid.sheet.name, h0, c), tdef.id)
                continue
            if key in current.amount_cols:
                continue
            current.amount_cols[key] = c
            table.columns.setdefault(key, []).append(CellRef(grid.sheet.name, h0, c))
        if current.amount_cols or current.label_col is not None:
            groups.append(current)
        groups = [g for g in groups if g.amount_cols and (g.label_col is not None or g.code_cols)]
        if not groups:
            return False
        missing = [col.key for col in tdef.columns if not col.optional and col.key not in table.columns]
        if missing and tdef.kind == CODED:
            self.find("recognise.missing_column", Severity.WARNING,
                      f"“{tdef.title}”缺少标准列：{'、'.join(missing)}。", table.title_ref, tdef.id)
        seen: dict[str, Row] = {}
        last_parts: list[str] = ["", "", ""]
        for r in range(d0, end):
            if r >= grid.height or not grid.cells[r]:
                continue
            if tdef.empty_note and any(_EMPTY_NOTE.search(t) for _, t in grid.row_texts(r)) and \
                    not any(isinstance(v, float | int) for v in grid.sheet.cells[r]):
                table.is_empty_note = True
                continue
            for g in groups:
                self.data_row(grid, table, g, r, seen, last_parts)
        return True

    def code_of(self, grid: _Grid, g: _Group, r: int, last_parts: list[str], table: Table) -> str:
        if not g.code_cols:
            return ""
        if g.split:
            parts = [_clean_code(grid.raw(r, c)) for c in g.code_cols[:3]]
            if not any(parts):
                return ""
            # 款 and 项 are two digits; a part typed as a number (3) lost its leading zero.
            parts = [p if i == 0 or len(p) != 1 or not p.isdigit() else p.zfill(2) for i, p in enumerate(parts)]
            # Forms leave the parent's part blank on child rows; carry it from above.
            if parts[0]:
                last_parts[:] = [parts[0], parts[1] if len(parts) > 1 else "", ""]
            elif parts[1:] and parts[1]:
                parts[0] = last_parts[0]
                last_parts[1] = parts[1]
            elif len(parts) > 2 and parts[2]:
                parts[0], parts[1] = last_parts[0], last_parts[1]
            code = "".join(parts)
        else:
            code = _clean_code(grid.raw(r, g.code_cols[0]))
            if code and not code.isdigit():
                return ""  # a label written in the code column (人员经费合计), not a code
        if code and not codes.is_code(code):
            self.find("recognise.bad_code", Severity.ERROR,
                      f"科目编码“{code}”格式不正确（应为3位类、5位款或7位项），该行未参与校验。",
                      CellRef(grid.sheet.name, r, g.code_cols[0]), table.tdef.id)
            return "?"
        return code

    def data_row(self, grid: _Grid, table: Table, g: _Group, r: int, seen: dict, last_parts: list) -> None:
        tdef = table.tdef
        raw_label = grid.raw(r, g.label_col) if g.label_col is not None else ""
        if raw_label in ("", None) and g.code_cols:
            first = grid.raw(r, g.code_cols[0])
            if isinstance(first, str) and first.strip() and not _clean_code(first).isdigit():
                raw_label = first  # e.g. 人员经费合计 spanning the code and name columns
        label = raw_label.strip() if isinstance(raw_label, str) else ("" if raw_label in ("", None) else str(raw_label))
        norm = normalise_label(label)
        code = self.code_of(grid, g, r, last_parts, table)
        if code == "?":
            return
        has_amount = False
        for c in g.amount_cols.values():
            if grid.raw(r, c) not in ("", None):
                has_amount = True
                break
        if not (label or code or has_amount):
            return
        key = ""
        if tdef.kind == CODED:
            if code:
                key = code
            elif norm in _TOTAL_LABELS:
                key = "合计"
            elif norm in ("人员经费合计", "公用经费合计"):
                key = norm
            elif codes.is_code(_clean_code(label)):
                key = code = _clean_code(label)
            elif norm:
                key = norm
        else:
            key = self.fixed_row_key(tdef, norm, g.side, seen) or ""
            if not key:
                class_code = codes.code_for_class_name(norm)
                if class_code and g.side == "支出":
                    key, code = class_code, class_code
        if not key:
            if has_amount:
                self.find("recognise.unknown_row", Severity.WARNING,
                          f"“{tdef.title}”的行“{label or code}”无法对应到标准行，未参与校验。",
                          CellRef(grid.sheet.name, r, g.label_col or 0), tdef.id)
            return
        if key in seen:
            self.find("recognise.duplicate_row", Severity.ERROR,
                      f"“{tdef.title}”中“{key}”出现了两次（第{seen[key].ref_row + 1}行和第{r + 1}行），"
                      "后一行未参与校验。", CellRef(grid.sheet.name, r, g.label_col or 0), tdef.id)
            return
        row = Row(key=key, label=label or key, ref_row=r, side=g.side, code=code)
        for col_key, c in g.amount_cols.items():
            row.values[col_key] = self.amount(grid, table, r, c)
        seen[key] = row
        table.rows[key] = row

    def fixed_row_key(self, tdef: TableDef, norm: str, side: str, seen) -> str | None:
        if not norm:
            return None
        for rdef, names in _row_names(tdef):
            if side and rdef.side and rdef.side != side:
                continue
            if norm in names:
                if rdef.parent:
                    continue
                # T4: a fund name after 年初财政拨款结转和结余 is that row's sub-row.
                if tdef.id == "T4" and norm in catalog.FUNDS and "年初财政拨款结转和结余" in seen:
                    return f"年初财政拨款结转和结余/{norm}"
                return rdef.key
        if tdef.id == "T4":
            for fund in catalog.FUNDS:
                if norm.startswith(fund[:4]) and norm.endswith("财政拨款") and "年初财政拨款结转和结余" in seen:
                    return f"年初财政拨款结转和结余/{fund}"
        return None

    def amount(self, grid: _Grid, table: Table, r: int, c: int) -> Cell:
        # tuple.__new__ directly: the NamedTuple constructors are a Python frame each, and this
        # runs for every amount cell of every book.
        ref = _tuple_new(CellRef, (grid.name, r, c))
        raw = grid.raw(r, c)
        if grid.special and (r, c) in grid.special:
            if (r, c) in grid.sheet.uncalculated:
                return Cell(None, ref, _UNCALCULATED)
            self.find("read.excel_error", Severity.ERROR, f"{ref}的值是Excel错误值（如#DIV/0!、#REF!），请先修正公式。",
                      ref, table.tdef.id)
            return Cell(None, ref, raw)
        if raw.__class__ is float:  # the common case, inlined: a number cell
            value = Decimal(int(raw)) if raw.is_integer() else Decimal(repr(raw))
        elif raw == "":
            if (r, c) in grid.merged_fill:
                self.merged_amounts.append(ref)
            return Cell(None, ref, raw)
        else:
            value = self.number(raw, ref, table)
        if value is not None and table.money_unit != "万元":
            value = value / WAN if table.money_unit == "元" else value * WAN
        return _tuple_new(Cell, (value, ref, raw))

    def number(self, raw: object, ref: CellRef, table: Table | None) -> Decimal | None:
        if raw == "" or raw is None:
            return None
        if isinstance(raw, float):
            return Decimal(int(raw)) if raw.is_integer() else Decimal(repr(raw))
        if isinstance(raw, int) and not isinstance(raw, bool):
            return Decimal(raw)
        if isinstance(raw, str) and raw.startswith("#"):
            self.find("read.excel_error", Severity.ERROR, f"{ref}的值是Excel错误“{raw}”，请先修正公式。", ref,
                      table.tdef.id if table else "")
            return None
        try:
            value = to_decimal(raw, where=str(ref))
            if value is not None and isinstance(raw, str):
                self.text_numbers.append(ref)
            return value
        except ValueParseError as exc:
            self.find("read.bad_number", Severity.ERROR, f"{exc}，该单元格按空白处理。", ref,
                      table.tdef.id if table else "")
            return None

    # -- T7: 预算数/决算数 as column groups of one data row ---------------------------------
    def t7(self, grid: _Grid, table: Table, start: int, end: int) -> bool:
        tdef = table.tdef
        h0, d0 = self.header_rows(grid, start, end, tdef)
        paths = self.header_paths(grid, h0, d0)
        cols: dict[tuple[str, str], int] = {}
        for c, path in enumerate(paths):
            if not path:
                continue
            row_key = self.fixed_row_key(tdef, path[0], "", {})
            col_key = self.match_column(tdef, path[1:] or path)
            if any(derived_kind(path[: i + 1]) for i in range(len(path))):
                table.derived_columns[c] = path  # a group such as 完成率 › 公务接待费
                continue
            if row_key and col_key:
                cols.setdefault((row_key, col_key), c)
                table.columns.setdefault(col_key, []).append(CellRef(grid.sheet.name, h0, c))
        if cols:
            # The data row is the first holding an amount; an empty form has it right under the
            # header (a note typed below it is text, not the figures).
            data_row = next((r for r in range(d0, end) if any(_is_amount(grid.raw(r, c)) for c in cols.values())),
                            d0)
            for (row_key, col_key), c in cols.items():
                row = table.rows.setdefault(row_key, Row(row_key, row_key, data_row))
                row.values[col_key] = self.amount(grid, table, data_row, c)
            return True
        # Transposed layout: rows 预算数/决算数, columns the items.
        return self.grid_table_fixed_rows(grid, table, h0, d0, end, paths)

    def grid_table_fixed_rows(self, grid, table, h0, d0, end, paths) -> bool:
        tdef = table.tdef
        amount_cols = {}
        label_col = None
        for c, path in enumerate(paths):
            if not path:
                continue
            key = self.match_column(tdef, path)
            if key and key not in amount_cols:
                amount_cols[key] = c
            elif label_col is None:
                label_col = c
        if not amount_cols or label_col is None:
            return False
        for r in range(d0, end):
            key = self.fixed_row_key(tdef, grid.text(r, label_col), "", {})
            if key:
                row = Row(key, key, r)
                for col_key, c in amount_cols.items():
                    row.values[col_key] = self.amount(grid, table, r, c)
                table.rows[key] = row
        return bool(table.rows)

    # -- PE: 整体支出绩效自评表 ---------------------------------------------------------------
    def pe(self, grid: _Grid, table: Table, start: int, end: int) -> bool:
        tdef = table.tdef
        keys = set(tdef.column_keys)
        r = start
        found_block = False
        while r < end:
            hit = next((c for c, t in grid.row_texts(r) if normalise_label(t) == "机构名称"), None)
            if hit is None:
                r += 1
                continue
            label_col = hit
            h0 = r
            r += 1
            while r < end and grid.text(r, label_col) == "机构名称":
                r += 1
            paths = self.header_paths(grid, h0, r)
            cols = {}
            for c, path in enumerate(paths):
                if c == label_col:
                    continue
                for element in reversed(path):
                    if element in keys and element not in cols:
                        cols[element] = c
                        table.columns.setdefault(element, []).append(CellRef(grid.sheet.name, h0, c))
                        break
            while r < end:
                raw = grid.raw(r, label_col)
                name = normalise_label(raw) if isinstance(raw, str) else ""
                if not name or name == "机构名称" or len(name) > 40 or name in tdef.extra.get("fields", ()) \
                        or "情况" in name or name.endswith(("(万元)", "(元)")):
                    break
                key = SUMMARY_UNIT if name in (SUMMARY_UNIT, "汇总", "合计") else name
                row = table.rows.get(key) or Row(key, str(raw).strip(), r)
                for col_key, c in cols.items():
                    row.values[col_key] = self.amount(grid, table, r, c)
                table.rows[key] = row
                found_block = True
                r += 1
        self.form_fields(grid, table, start, end)
        return found_block

    def form_fields(self, grid: _Grid, table: Table, start: int, end: int) -> None:
        wanted = table.tdef.extra.get("fields", ())
        for r in range(start, end):
            for c, text in grid.row_texts(r):
                norm = normalise_label(text)
                for name in wanted:
                    if norm == name and name not in table.fields:
                        cc = grid.right_of(r, c)
                        while cc < grid.width and grid.raw(r, cc) in ("", None):
                            cc += 1
                        raw = grid.raw(r, cc) if cc < grid.width else ""
                        ref = CellRef(grid.sheet.name, r, min(cc, max(grid.width - 1, c)))
                        value = None
                        if name == "绩效自评综合得分":
                            m = re.search(r"-?\d+(?:\.\d+)?", str(raw))
                            value = Decimal(m.group(0)) if m else None
                        table.fields[name] = Cell(value, ref, raw)

    # -- PP: 项目支出绩效自评表 ---------------------------------------------------------------
    def pp(self, grid: _Grid, table: Table, start: int, end: int) -> bool:
        fund_cols = catalog.PP_FUND_COLUMNS
        anchors: dict[str, tuple[int, int]] = {}  # column key → (row, value column)
        for r in range(start, end):
            for c, text in grid.row_texts(r):
                norm = normalise_label(text)
                for key in fund_cols:
                    if norm.startswith(key) and key not in anchors and "其中" not in text:
                        anchors[key] = (r, grid.right_of(r, c))
        for key, (r, vc) in anchors.items():
            row = table.rows.setdefault("合计", Row("合计", "合计", r, side="资金"))
            row.values[key] = self.amount(grid, table, r, vc)
            # sub-rows (其中：中央财政, 省财政, …) under the label, values in the same column
            label_c = vc - 1
            while label_c > 0 and grid.merged_fill.get((r, label_c)) is not None:
                label_c -= 1
            for rr in range(r + 1, min(end, r + 8)):
                sub = normalise_label(grid.filled(rr, label_c)) if isinstance(grid.filled(rr, label_c), str) else ""
                if sub in catalog.PP_FUND_ROWS[1:]:
                    srow = table.rows.setdefault(sub, Row(sub, sub, rr, side="资金"))
                    srow.values[key] = self.amount(grid, table, rr, vc)
        # 支出明细
        for r in range(start, end):
            texts = {normalise_label(t): c for c, t in grid.row_texts(r)}
            if "支出内容" in texts and "实际支出数" in texts:
                lc, vc = texts["支出内容"], texts["实际支出数"]
                table.columns.setdefault("实际支出数", []).append(CellRef(grid.sheet.name, r, vc))
                for rr in range(r + 1, end):
                    raw = grid.raw(rr, lc)
                    label = raw.strip() if isinstance(raw, str) else ""
                    if not label:
                        if grid.raw(rr, vc) in ("", None):
                            continue
                        label = f"第{rr + 1}行"
                    key = "支出合计" if normalise_label(label) in ("支出合计", "合计") else label
                    row = Row(key, label, rr, side="明细")
                    row.values["实际支出数"] = self.amount(grid, table, rr, vc)
                    table.rows[key] = row
                    if key == "支出合计":
                        break
                break
        for r in range(start, end):
            for c, text in grid.row_texts(r):
                if normalise_label(text) == "项目名称" and "项目名称" not in table.fields:
                    raw = grid.raw(r, grid.right_of(r, c))
                    table.fields["项目名称"] = Cell(None, CellRef(grid.sheet.name, r, grid.right_of(r, c)), raw)
                elif normalise_label(text).startswith("项目名称") and "项目名称" not in table.fields:
                    value = text.split("称", 1)[1].strip()
                    table.fields["项目名称"] = Cell(None, CellRef(grid.sheet.name, r, c), value)
        self.form_fields(grid, table, start, end)
        return bool(anchors) or any(r.side == "明细" for r in table.rows.values())


_UNCALCULATED = object()
_tuple_new = tuple.__new__


def _column_names(tdef: TableDef) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each column's key with the normalised forms of its names (the forms' header wordings)."""
    hit = _NAMES.get(("col", tdef.id))
    if hit is None or hit[0] is not tdef:  # cached by id: hashing a TableDef walks all its fields
        hit = _NAMES[("col", tdef.id)] = (tdef, tuple((col.key, frozenset(normalise_label(n) for n in col.names()))
                                                      for col in tdef.columns))
    return hit[1]


def _row_names(tdef: TableDef) -> tuple[tuple[RowDef, frozenset[str]], ...]:
    hit = _NAMES.get(("row", tdef.id))
    if hit is None or hit[0] is not tdef:
        hit = _NAMES[("row", tdef.id)] = (tdef, tuple((rdef, frozenset(normalise_label(n) for n in rdef.names()))
                                                      for rdef in tdef.rows))
    return hit[1]


_NAMES: dict[tuple[str, str], tuple] = {}


def is_uncalculated(cell: Cell) -> bool:
    return cell.raw is _UNCALCULATED


def _is_amount(raw: object) -> bool:
    """A number, or text that reads as one (“1,234.56”); not a note, not blank."""
    if isinstance(raw, float | int) and not isinstance(raw, bool):
        return True
    if not isinstance(raw, str) or not raw.strip():
        return False
    try:
        return to_decimal(raw) is not None
    except ValueParseError:
        return False


def _sample(refs: list[CellRef]) -> str:
    return "、".join(ref.a1 for ref in refs[:5]) + ("等" if len(refs) > 5 else "")


def _clean_code(raw: object) -> str:
    if raw.__class__ is str:
        return raw if raw.isdigit() else _CODE_CLEAN.sub("", raw)  # most codes are clean digits
    if raw is None:
        return ""
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return _CODE_CLEAN.sub("", str(raw))


def recognise_book(book: Book) -> Book:
    """Fill ``book.tables`` and add recognition findings to ``book.findings``."""
    rec = _Recogniser(book)
    rec.run()
    _report_uncalculated(book, rec)
    years = [t.year for t in book.tables if t.year]
    if book.year is None and years:
        book.year = max(set(years), key=years.count)
    for t in book.tables:
        t.year = t.year or book.year
    return book


def _report_uncalculated(book: Book, rec: _Recogniser) -> None:
    for sheet in book.sheets:
        if not sheet.uncalculated:
            continue
        cells = sorted(sheet.uncalculated)
        refs = [CellRef(sheet.name, r, c) for r, c in cells]
        sample = "、".join(ref.a1 for ref in refs[:5]) + ("等" if len(refs) > 5 else "")
        book.findings.append(Finding(
            "read.uncalculated_formula", Severity.ERROR,
            f"工作表“{sheet.name}”有{len(refs)}个公式单元格没有计算结果（{sample}）：文件可能由程序生成、"
            "从未在Excel中打开。请在Excel或WPS中打开并保存后再校验；这些单元格未按0处理。",
            Location.at(refs[0], book.path.name), related=tuple(str(x) for x in refs[:50])))
