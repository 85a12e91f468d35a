"""Core layer: find the standard tables in a book's sheets by title and headers.

Nothing here relies on sheet names or fixed positions. A table is found by its title, its
unit line (元/万元), its header rows (merged cells filled, so every column has a header path
such as 收入 › 项目 or 预算数 › 公务用车购置及运行维护费 › 小计), and its rows by 科目编码 (one
column, or 类/款/项 split over three) or by the fixed labels of the official form. Every wording
comes from the catalog (``tables.catalog``), extended by the user's alias file.

Each table keeps a ``Recognition`` record: its area, what each row and column was taken for,
what was skipped (栏次/行次 numbers, notes, counts) and every number in the area that maps to no
standard row and column. Those are reported in one finding per table, never dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ..errors import ValueParseError
from ..findings import Finding, Location, Severity
from ..metrics import to_decimal
from ..model import TOOLKIT_MARKER, Book, Cell, CellRef, ColumnNote, Recognition, Row, RowNote, Sheet, Table
from . import catalog, codes
from .catalog import CODED, FIXED, SUMMARY_UNIT, Aliases, RowDef, TableDef, normalise_label, normalise_text
from .derived_columns import derived_kind

WAN = Decimal(10000)
_UNIT = re.compile(r"(?:金额)?单位[:：]\s*(万元|元|亿元)")
_UNIT_SPLIT = re.compile(r"(?:金额)?单位[:：]|计量单位")
_YEAR = re.compile(r"(20\d{2})\s*年")
_SIDES = ("收入", "支出", "人员经费", "公用经费")
_EMPTY_NOTE = re.compile(catalog.EMPTY_STATEMENTS)
_CODE_CLEAN = re.compile(r"[\s'’‘`]")
# Text that reads as a number: digits with separators, a sign or accounting brackets.
_NUMBER_TEXT = re.compile(r"^\s*[-+(（]?\s*[\d,，]*[\d.．]\d*\s*[)）]?\s*$")
_SUB_ROW_PREFIX = ("其中", "含:", "含")
_TITLE_BLOCK_WORDS = ("部门", "单位", "公开", "编制单位", "填报单位")
# First characters of the rows that may end a table (注：…, 说明：…, 本表为空, 本单位…无…, 无…): only
# rows starting so are tested as notes or statements (the recogniser's hot loop).
_NOTE_LEADS = frozenset("注说备填附本无未该此（(")


@dataclass
class _Group:
    """Columns that describe one run of rows: the code/label columns and their amount columns."""

    side: str = ""
    code_cols: list[int] = field(default_factory=list)
    split: bool = False
    label_col: int | None = None
    amount_cols: dict[str, int] = field(default_factory=dict)


_BLOCK_TOTALS = frozenset({*catalog.TOTAL_LABELS, "人员经费合计", "公用经费合计"})


def _label_over_blocks(groups: list[_Group], row: list) -> list:
    """``row`` with a total's label moved to the block its amount is in, when the label is not
    merged across the blocks between (a PDF conversion): in T6's three blocks, 公用经费合计 written
    in the second block's code column and its amount in the third block's amount column, with
    nothing in between. Other rows are returned as they are (the recogniser's hot loop: a block
    with an amount, the common case, is passed over first)."""
    width = len(row)
    for i in range(len(groups) - 1):
        g = groups[i]
        for c in g.amount_cols.values():
            if c < width and row[c] != "":
                break
        else:
            found = _block_text(g, row, width)
            if found is not None and normalise_label(found[1]) in _BLOCK_TOTALS:
                moved = _moved_label(groups[i + 1:], row, width, found)
                if moved is not None:
                    return moved
    return row


def _moved_label(later: list[_Group], row: list, width: int, found: tuple[int, str]) -> list | None:
    """``row`` with the label ``found`` moved to the first later block with an amount, if the blocks
    up to it hold no text."""
    for g2 in later:
        if _block_text(g2, row, width) is not None or (g2.label_col is None and not g2.code_cols):
            return None
        if any(c < width and row[c] != "" for c in g2.amount_cols.values()):
            target = g2.label_col if g2.label_col is not None else g2.code_cols[0]
            moved = list(row) + [""] * (target + 1 - width)
            moved[found[0]] = ""
            moved[target] = found[1]
            return moved
    return None


def _block_text(g: _Group, row: list, width: int) -> tuple[int, str] | None:
    """The first text of a block's code and label cells in ``row``: (column, text)."""
    for c in g.code_cols:
        v = row[c] if c < width else ""
        if v.__class__ is str and v.strip():
            return c, v
    c = g.label_col
    if c is not None and c < width:
        v = row[c]
        if v.__class__ is str and v.strip():
            return c, v
    return None


def _spread_group_labels(grid: _Grid, rows: list[tuple[int, list[tuple[int, str]]]]
                         ) -> list[tuple[int, list[tuple[int, str]]]]:
    """Header rows (row, texts) with each unmerged group label spread over its columns.

    A label over several columns is normally a merged cell, which ``filled_texts`` fills. Written
    with 跨列居中 instead, or in a sheet converted from PDF or read from an .ods (no merges), it
    stands over its first column only: 预算数 over the six columns of its block, the rest blank. A
    blank header cell takes the label to its left in the same row when both columns have header
    words below (the label heads a group, not a single column) and no merged cell decides
    otherwise. The group ends at a column with nothing below, or where a label of a row above
    begins (公务接待费 over 预算数|决算数 ends the 公务用车运行维护费 to its left).
    """
    fill = grid.merged_fill
    out: list[tuple[int, list[tuple[int, str]]]] = []
    below: set[int] = set()  # columns with a header word in a lower row
    for i in range(len(rows) - 1, -1, -1):
        r, texts = rows[i]
        cols = {c for c, _ in texts}
        missing = below - cols  # blank here, a header word below: maybe under an unmerged label
        if missing and texts and max(missing) > texts[0][0]:
            own = [{c for c, _ in t if (rr, c) not in fill} for rr, t in rows[:i + 1]]  # labels that begin here
            starts_above = set().union(*own[:i])
            spread: dict[int, str] = dict(texts)
            label = ""
            for c in range(texts[0][0], max(below) + 1):
                t = spread.get(c)
                if t:
                    label = t if c in own[i] and (r, c) not in grid.merged_span and c in below else ""
                elif label and c in below and c not in starts_above and (r, c) not in fill:
                    spread[c] = label
                else:
                    label = ""
            if len(spread) > len(texts):
                texts = sorted(spread.items())
                cols = set(spread)
        below |= cols
        out.append((r, texts))
    out.reverse()
    return out


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
        self.width = max(map(len, sheet.cells), default=0)
        # Cells calamine reads as blank that are not blank: the amount path checks these first.
        self.special = sheet.uncalculated | sheet.errors
        self.merged_fill: dict[tuple[int, int], tuple[int, int]] = {}
        self.merged_span: dict[tuple[int, int], tuple[int, int]] = {}
        self.merged_rows: dict[int, list[tuple[int, tuple[int, int]]]] = {}
        self._texts: dict[int, list[tuple[int, str]]] = {}
        self._filled: dict[int, list[tuple[int, str]]] = {}
        self._numbers: dict[int, list[tuple[int, object]]] = {}
        fill, by_row = self.merged_fill, self.merged_rows
        for (r0, c0), (r1, c1) in sheet.merged:
            origin = (r0, c0)
            self.merged_span[origin] = (r1, c1)
            for r in range(r0, r1 + 1):
                cols = range(c0 + 1, c1 + 1) if r == r0 else range(c0, c1 + 1)  # all but the origin
                if cols:
                    entries = by_row.get(r)
                    if entries is None:
                        entries = by_row[r] = []
                    for c in cols:
                        fill[(r, c)] = origin
                        entries.append((c, origin))

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
            texts = self._texts[r] = [(c, v) for c, v in enumerate(row) if v.__class__ is str and v and v.strip()]
        return texts

    def filled_texts(self, r: int) -> list[tuple[int, str]]:
        """Row r's normalised texts in column order, merged cells filled (what ``text`` gives)."""
        texts = self._filled.get(r)
        if texts is None:
            found = {c: normalise_text(v) for c, v in self.row_texts(r)}
            for c, origin in self.merged_rows.get(r, ()):
                v = self.raw(*origin)
                found[c] = normalise_text(v) if v.__class__ is str else ""
            texts = self._filled[r] = sorted((c, t) for c, t in found.items() if t)
        return texts

    def right_of(self, r: int, c: int) -> int:
        """The first column right of the (possibly merged) cell at r, c."""
        span = self.merged_span.get((r, c))
        return (span[1] if span else c) + 1

    def numbers(self, r: int) -> list[tuple[int, object]]:
        """Row r's number cells (not bool), in column order."""
        nums = self._numbers.get(r)
        if nums is None:
            row = self.cells[r] if r < self.height else ()
            nums = self._numbers[r] = [(c, v) for c, v in enumerate(row)
                                       if v.__class__ is float or v.__class__ is int]
        return nums

    def is_numbering_row(self, r: int) -> bool:
        """A 栏次/行次 row: the columns numbered 1, 2, 3 … (with or without the word 栏次), or the
        word 栏次/行次 among its texts. Its numbers are never amounts."""
        nums = self.numbers(r)
        if not nums or nums[0][1] != 1:
            return False  # the columns are numbered from 1
        texts = self.row_texts(r)
        for _, t in texts:
            if normalise_label(t) in catalog.NUMBERING_HEADERS:
                return True
        if len(nums) < 3 or any(not _is_numbering_text(t) for _, t in texts):
            return False
        values = [v for _, v in nums]
        return all(v == int(v) for v in values) and [int(v) for v in values] == list(
            range(int(values[0]), int(values[0]) + len(values))) and values[0] in (1, 1.0)


def _is_numbering_text(text: str) -> bool:
    """Texts a 栏次 row may hold besides its numbers: nothing but the word, or a header label."""
    t = normalise_label(text)
    return t in catalog.NUMBERING_HEADERS or t in catalog.LABEL_HEADERS or t.isdigit()


class _Vocabulary:
    """The catalog's wordings (with the alias file's) in the forms the recogniser compares."""

    def __init__(self, aliases: Aliases | None = None) -> None:
        self.tables = catalog.with_aliases(aliases)
        self.titles = sorted([*((normalise_label(t), tdef) for tdef in self.tables
                                for t in (tdef.title, *tdef.title_aliases)),
                              *((normalise_label(t), None) for t in catalog.OTHER_TITLES)],
                             key=lambda item: -len(item[0]))
        # One scan for "is any title in this text" before the longest-first loop picks which.
        self.any_title = re.compile("|".join(re.escape(t) for t, _ in self.titles))
        self.classes = dict(codes.class_names())
        if aliases:
            self.classes.update({normalise_label(k): v for k, v in aliases.classes.items()})
        self.classes = {normalise_label(k): v for k, v in self.classes.items()}


_DEFAULT_VOCABULARY: list[_Vocabulary] = []


def _vocabulary(aliases: Aliases | None) -> _Vocabulary:
    if aliases:
        return _Vocabulary(aliases)
    if not _DEFAULT_VOCABULARY:
        _DEFAULT_VOCABULARY.append(_Vocabulary())
    return _DEFAULT_VOCABULARY[0]


class _Recogniser:
    def __init__(self, book: Book, vocabulary: _Vocabulary) -> None:
        self.book = book
        self.vocab = vocabulary
        self.findings: list[Finding] = []
        self.file = book.path.name
        # Per table: amounts stored as text, and amount cells inside a merged area (reported once
        # per table, after it is read).
        self.text_numbers: list[CellRef] = []
        self.merged_amounts: list[CellRef] = []
        self.rec: Recognition = Recognition(0, 0, 0, 0)
        self.amounts = 0  # non-blank amount cells read for the current table
        # float → Decimal in 万元, per money unit: a book repeats its figures across its tables
        # (equal floats have one Decimal: 0.0 and -0.0 both give Decimal(0)).
        self._decimals: dict[str, dict[float, Decimal]] = {}
        self.table_decimals: dict[float, Decimal] = {}  # the current grid table's

    def decimals(self, money_unit: str) -> dict[float, Decimal]:
        """The book's cache of number cells read in ``money_unit`` (``_decimal``)."""
        cache = self._decimals.get(money_unit)
        if cache is None:
            cache = self._decimals[money_unit] = {}
        return cache

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

    def title_of(self, text: str) -> TableDef | None | bool:
        """The table ``text`` is the title of; False for a table that is not one of the nine."""
        if len(text) > 80:
            return None
        norm = normalise_label(text)
        if not self.vocab.any_title.search(norm):
            return None
        for title, tdef in self.vocab.titles:
            if title in norm:
                if norm.startswith(("注", "说明")) or _EMPTY_NOTE.search(norm):
                    return None  # a note or a statement naming the table is not its title
                return tdef if tdef is not None else False
        return None

    def sheet(self, sheet: Sheet) -> None:
        if sheet.toolkit or (sheet.cells and TOOLKIT_MARKER in sheet.cells[0]):
            return  # the toolkit's own output (校验结果, 预算与决算, …), not the unit's data
        grid = _Grid(sheet)
        titles = []
        others: list[tuple[int, int, str]] = []  # tables that are not the nine: they end the one above
        for r in range(grid.height):
            for c, text in grid.row_texts(r):
                if "表" not in text and "报告" not in text and "决算明细" not in text:
                    if r < 8:  # 单位名称/年度 sit on a cover sheet or a table's 部门 line
                        self.book_facts(grid, r, c, text)
                    continue
                tdef = self.title_of(text)
                if tdef is False:
                    others.append((r, c, text))
                elif tdef is not None:
                    titles.append((r, c, tdef, text))
                elif r < 8:
                    self.book_facts(grid, r, c, text)
        if len(titles) >= 3 and titles[-1][0] - titles[0][0] < len(titles) + 2:
            return  # a table of contents (目录): titles one under another, no tables
        # A form's title may repeat inside it (e.g. a caption); keep the first of each id in a run.
        kept = []
        for item in titles:
            if kept and kept[-1][2].id == item[2].id and item[0] - kept[-1][0] < 4:
                continue
            kept.append(item)
        for r, c, text in others:
            self.find("recognise.other_table", Severity.INFO,
                      f"工作表“{sheet.name}”的“{text.strip()}”不是公开的九张表之一，未参与校验。",
                      CellRef(sheet.name, r, c))
        for i, (r, c, tdef, text) in enumerate(kept):
            end = kept[i + 1][0] if i + 1 < len(kept) else grid.height
            end = min([end, *(o[0] for o in others if r < o[0] < end)])
            table = Table(tdef=tdef, sheet=sheet.name, title_ref=CellRef(sheet.name, r, c))
            m = _YEAR.search(text)
            table.year = int(m.group(1)) if m else None
            before = len(self.findings)
            self.text_numbers, self.merged_amounts = [], []
            self.amounts = 0
            self.rec = table.record = Recognition(r, r, c, c)
            self.rec.ended_by = "下一张表的表名" if i + 1 < len(kept) else "工作表末尾"
            try:
                ok = self.table(grid, table, r, end)
                if ok and tdef.id not in ("PE", "PP"):
                    self.account(grid, table)
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
        if not kept and not others:
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
        if not self.book.unit_name:
            name = _unit_name(grid, r, c, text)
            if name is not None:
                if name:
                    self.book.unit_name = name
                return
        if self.book.year is None:
            norm = normalise_label(text)
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
        ok = self.grid_table(grid, table, r0 + 1, end)
        if ok:
            self.cell_aliases(table)
        return ok

    def unit_line(self, grid: _Grid, table: Table, r0: int, end: int) -> None:
        """The money unit (元/万元) and the unit's name printed with the table (部门：…)."""
        found = False
        for r in range(r0, min(r0 + 6, end)):
            for c, text in grid.row_texts(r):
                if "单位" not in text and "部门" not in text:
                    continue
                if not table.unit_name:
                    name = _unit_name(grid, r, c, text)
                    if name:
                        table.unit_name = name
                if not found:
                    m = _UNIT.search(text)
                    if m:
                        table.money_unit = m.group(1)
                        found = True
            if found:
                break  # the unit's name stands on the money unit's line or above it
        if not found:
            self.find("recognise.no_unit", Severity.WARNING,
                      f"“{table.tdef.title}”没有找到单位行（如“单位：万元”），按万元处理。", table.title_ref,
                      table.tdef.id)

    def header_rows(self, grid: _Grid, start: int, end: int, tdef: TableDef) -> tuple[int, int]:
        """(first header row, first data row) after the title block.

        Header rows hold only header texts (merged cells filled) and 栏次 rows; the first row with
        an amount, a code, a known row label, or nothing at all (a blank data row of an empty form)
        ends them.
        """
        first = None
        for r in range(start, end):
            texts = grid.row_texts(r)
            if first is None:
                if not texts:
                    continue
                if all(_UNIT.search(t) or normalise_label(t).startswith(_TITLE_BLOCK_WORDS)
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
        if texts and texts[0] in catalog.NUMBERING_HEADERS:
            return False
        if grid.numbers(r):  # numbers: the data, unless they number the columns (栏次 1 2 3 …)
            return not grid.is_numbering_row(r)
        if any(_is_code_text(t) for t in texts):
            return True
        if any(_is_number_text(v) for _, v in grid.row_texts(r)):
            return True  # amounts stored as text ("231.62")
        first = texts[0] if texts else ""
        if _EMPTY_NOTE.search(first) or first.startswith(catalog.NOTE_PREFIXES):
            return True  # a statement right under the header: the table is empty
        if tdef.kind == CODED:
            if len(set(texts)) == 1 and first in tdef.extra.get("section_rows", ()):
                return True  # 人员经费 over the rows of its part, not a header over its columns
            return first in catalog.TOTAL_LABELS or first in ("人员经费合计", "公用经费合计")
        if tdef.id in ("T1", "T4"):
            return bool(self.fixed_row_key(tdef, first, "收入", set()) or self.vocab.classes.get(first))
        if tdef.id == "T7":  # a blank 预算数/决算数 row (not the 预算数|决算数 header of the pairs)
            return bool(self.fixed_row_key(tdef, first, "", {})) and sum(
                1 for t in texts if self.fixed_row_key(tdef, t, "", {})) == 1
        return False

    def header_paths(self, grid: _Grid, h0: int, h1: int) -> list[list[str]]:
        rows: list[tuple[int, list[tuple[int, str]]]] = []
        for r in range(h0, h1):
            if grid.numbers(r) and grid.is_numbering_row(r):
                self.rec.skipped.append((f"第{r + 1}行", "栏次行（列的编号），不是金额"))
                continue  # 栏次 numbers are not header words
            rows.append((r, grid.filled_texts(r)))
        if len(rows) > 1:
            rows = _spread_group_labels(grid, rows)
        paths: list[list[str]] = [[] for _ in range(grid.width)]
        for _r, texts in rows:
            for c, t in texts:
                if c >= grid.width:
                    continue  # a merged area reaching past the last value column
                path = paths[c]
                if t not in ("其中", "其中:") and (not path or path[-1] != t):
                    if t == "栏次" and path:
                        continue  # the 栏次 label of a numbering row under a named column
                    path.append(t)
        return paths

    def tdef(self, tdef: TableDef) -> TableDef:
        """The table's definition with the alias file's wordings."""
        for t in self.vocab.tables:
            if t.id == tdef.id:
                return t
        return tdef

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
        if tdef.id == "T7" and path and path[-1] == "小计":
            return "公务用车购置及运行维护费"
        return None

    def note_column(self, c: int, path: list[str], key: str = "", note: str = "") -> None:
        self.rec.columns.append(_tuple_new(ColumnNote, (c, "/".join(path), key, note)))

    def grid_table(self, grid: _Grid, table: Table, start: int, end: int) -> bool:
        tdef = table.tdef
        h0, d0 = self.header_rows(grid, start, end, tdef)
        rec = self.rec
        rec.header_rows = (h0, d0)
        paths = self.header_paths(grid, h0, d0)
        groups: list[_Group] = []
        current = _Group()
        two_sided = bool(tdef.sides)
        for c, path in enumerate(paths):
            if not path:
                continue
            last = path[-1]
            top = path[0]
            side = top if top in _SIDES else ""
            if last in catalog.NUMBERING_HEADERS or last in ("年度", "年份"):
                self.note_column(c, path, note="栏次/行次编号，不是金额")
                continue
            if last in catalog.IGNORED_HEADERS:
                self.note_column(c, path, note="备注列，不是金额")
                continue
            is_code = last in catalog.CODE_HEADERS or last in catalog.SPLIT_CODE_HEADERS
            is_label = last in catalog.LABEL_HEADERS or (tdef.kind == FIXED and last in ("收入", "支出"))
            if is_code or is_label:
                if current.amount_cols or (is_code and current.label_col is not None):
                    groups.append(current)
                    current = _Group()
                current.side = side or current.side
                if two_sided and not current.side:
                    current.side = "收入" if not groups else "支出"  # the official forms: income left
                if is_code:
                    current.code_cols.append(c)
                    current.split = current.split or last in catalog.SPLIT_CODE_HEADERS
                    self.note_column(c, path, note="科目编码")
                else:
                    current.label_col = c
                    self.note_column(c, path, note="项目名称")
                continue
            if two_sided and not (side or current.side):
                current.side = "收入" if not groups else "支出"
            key = self.match_column(tdef, path, side or current.side)
            if key is None and derived_kind(path) is not None:
                table.derived_columns[c] = path  # 完成率/增减额/增减率: checked by derived.values
                self.note_column(c, path, note="派生数（完成率、增减），由派生数校验核对")
                continue
            if key is None:
                self.note_column(c, path, note="无法对应到标准列")
                continue
            if key in current.amount_cols:
                self.note_column(c, path, note=f"与第{current.amount_cols[key] + 1}列重复（{key}），未读取")
                continue
            current.amount_cols[key] = c
            self.note_column(c, path, key=key)
            table.columns.setdefault(key, []).append(CellRef(grid.sheet.name, h0, c))
        if current.amount_cols or current.label_col is not None:
            groups.append(current)
        groups = [g for g in groups if g.amount_cols and (g.label_col is not None or g.code_cols)]
        if not groups:
            return False
        cols = [n.col for n in rec.columns]  # every column with a header is the table's
        rec.first_col, rec.last_col = min(rec.first_col, *cols), max(cols)
        missing = [col.key for col in tdef.columns if not col.optional and col.key not in table.columns]
        if missing and tdef.kind == CODED:
            self.find("recognise.missing_column", Severity.WARNING,
                      f"“{tdef.title}”缺少标准列：{'、'.join(missing)}。", table.title_ref, tdef.id)
        seen: dict[str, Row] = {}
        # Split codes carry the parent's part down each group's own code columns.
        last_parts = [["", "", ""] for _ in groups]
        state = {"passed_income": False}
        cells, height = grid.cells, grid.height
        left_col = rec.first_col
        pairs = list(zip(groups, last_parts))
        data_row = self.data_row
        self.table_decimals = self.decimals(table.money_unit)
        last = d0 - 1
        for r in range(d0, min(end, height)):
            row = cells[r]
            if not row:
                continue
            # Notes and statements are written from the table's left edge; look further only there.
            left = row[left_col] if left_col < len(row) else ""
            if left.__class__ is str:
                lead = left[:1]
                if lead == " " or lead == "\u3000":
                    lead = left.lstrip()[:1]
            else:
                lead = "0"
            texts = grid.row_texts(r) if lead and lead in _NOTE_LEADS else None
            if texts and not grid.numbers(r):  # a note or a statement ends the table
                first = normalise_label(texts[0][1])
                note = first.startswith(catalog.NOTE_PREFIXES) or (first.startswith("注") and len(first) > 3)
                empty = any(_EMPTY_NOTE.search(normalise_label(t)) for _, t in texts) and not self.known_label(
                    tdef, first, groups)
                if note or empty:
                    table.is_empty_note = table.is_empty_note or empty
                    if not state.get("closed"):
                        # Below it only the form's own rows are still read (a 合计 row printed
                        # under the note); anything else is not the table's.
                        state["closed"] = True
                        what = "空表说明" if empty else "注释行"
                        rec.ended_by = f"{what}（第{r + 1}行：{texts[0][1].strip()[:30]}）"
                        rec.skipped.append((f"第{r + 1}行", "说明本表为空" if empty else "注释，表格到此结束"))
                    continue
            if (not lead or lead in "0栏行序") and grid.is_numbering_row(r):
                rec.skipped.append((f"第{r + 1}行", "栏次行（列的编号），不是金额"))
                continue
            before = len(table.rows)
            if len(pairs) > 1 and r not in grid.merged_rows:
                row = _label_over_blocks(groups, row)
            for g, parts in pairs:
                data_row(grid, table, g, r, row, seen, parts, state)
            if len(table.rows) > before or not state.get("closed"):
                last = r
        rec.last_row = last
        return True

    def known_label(self, tdef: TableDef, norm: str, groups: list[_Group]) -> bool:
        """A row label of the form (so a statement-like wording is a data row, not a note)."""
        if norm in catalog.TOTAL_LABELS or self.vocab.classes.get(norm):
            return True
        return any(self.fixed_row_key(tdef, norm, g.side, {}) for g in groups)

    def cell_aliases(self, table: Table) -> None:
        """Cells of a variant that are standard lines of another: T6's 合计 row × 人员经费 column
        is the 人员经费合计 line of the other layouts (catalog ``cell_aliases``)."""
        for (rk, ck), (tk, tc) in table.tdef.extra.get("cell_aliases", {}).items():
            row = table.rows.get(rk)
            cell = row.values.get(ck) if row else None
            if cell is None or tk in table.rows:
                continue
            table.rows[tk] = Row(tk, tk, row.ref_row, values={tc: cell})
            self.rec.rows.append(_row_note(row.ref_row, f"{row.label}×{ck}", tk, f"{rk}行的{ck}列即{tk}"))

    def code_of(self, grid: _Grid, g: _Group, r: int, last_parts: list[str], table: Table, row: list) -> str:
        """The 科目编码 of row ``r`` (its values ``row``) in group ``g``'s code columns."""
        if not g.code_cols:
            return ""
        if g.split:
            width = len(row)
            parts = [_clean_code(row[c] if c < width else "") for c in g.code_cols[:3]]
            if not any(parts):
                if (r, g.code_cols[0]) not in grid.merged_fill:
                    return ""
                parts[0] = _clean_code(grid.filled(r, g.code_cols[0]))  # a label merged over the codes
                if not parts[0]:
                    return ""
            if parts[0] and not parts[0].isdigit():
                return ""  # a label written across the code columns (人员经费合计, 合计)
            if len(parts[0]) in (5, 7) and not any(parts[1:]):
                # the full code in a cell merged over 类|款|项
                code = parts[0]
                last_parts[:] = [code[:3], code[3:5], ""]
                return self.checked_code(grid, g, r, code, table)
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
            c = g.code_cols[0]
            code = _clean_code(row[c] if c < len(row) else "")
            if not code or (len(code) in (3, 5, 7) and code.isdigit()):
                return code  # the common case: a clean code, or none
            if not code.isdigit():
                return ""  # a label written in the code column (人员经费合计), not a code
        return self.checked_code(grid, g, r, code, table)

    def checked_code(self, grid: _Grid, g: _Group, r: int, code: str, table: Table) -> str:
        if not code or (len(code) in (3, 5, 7) and code.isdigit()):
            return code
        if not codes.is_code(code):
            self.find("recognise.bad_code", Severity.ERROR,
                      f"科目编码“{code}”格式不正确（应为3位类、5位款或7位项），该行未参与校验。",
                      CellRef(grid.sheet.name, r, g.code_cols[0]), table.tdef.id)
            self.rec.rows.append(_row_note(r, code, "", "科目编码格式不正确"))
            self.rec.skipped.append((f"第{r + 1}行", "科目编码格式不正确（已另行报告）"))
            return "?"
        return code

    def data_row(self, grid: _Grid, table: Table, g: _Group, r: int, cells_row: list, seen: dict,
                 last_parts: list, state: dict) -> None:
        """Row ``r`` (its values ``cells_row``) read as one of group ``g``'s rows."""
        tdef = table.tdef
        width = len(cells_row)
        lc = g.label_col
        raw_label = (cells_row[lc] if lc < width else "") if lc is not None else ""
        code_cols = g.code_cols
        if (raw_label == "" or raw_label is None) and code_cols:
            c0 = code_cols[0]
            first = grid.filled(r, c0) if (r, c0) in grid.merged_fill else (cells_row[c0] if c0 < width else "")
            if isinstance(first, str) and first.strip() and not _clean_code(first).isdigit():
                raw_label = first  # e.g. 人员经费合计 spanning the code and name columns
        if isinstance(raw_label, str):
            label = raw_label.strip()
        else:
            label = "" if raw_label == "" or raw_label is None else str(raw_label)
        norm = normalise_text(label)
        if not code_cols:
            code = ""
        elif g.split:
            code = self.code_of(grid, g, r, last_parts, table, cells_row)
            if code == "?":
                return
        else:  # one code column: code_of's common case, inlined
            c0 = code_cols[0]
            code = _clean_code(cells_row[c0] if c0 < width else "")
            if code and not (len(code) in (3, 5, 7) and code.isdigit()):
                code = self.checked_code(grid, g, r, code, table) if code.isdigit() else ""
                if code == "?":
                    return
        has_amount = False
        for c in g.amount_cols.values():
            if c < width and cells_row[c] != "":
                has_amount = True
                break
        if not (label or code or has_amount):
            return
        if r in grid.merged_rows and all((r, c) in grid.merged_fill for c in g.amount_cols.values()):
            return  # this group's amount cells lie under a label merged across it (公用经费合计 over two blocks)
        key = ""
        note = ""
        if tdef.kind == CODED:
            if code:
                key = code
            elif norm in catalog.TOTAL_LABELS:
                key = "合计"
            elif norm in ("人员经费合计", "公用经费合计"):
                key = norm
            elif codes.is_code(_clean_code(label)):
                key = code = _clean_code(label)
            elif tdef.code_system == "功能分类" and self.vocab.classes.get(norm):
                key = code = self.vocab.classes[norm]
                note = "类名称（无编码），按功能分类科目表对应"
            elif norm and not has_amount and norm in tdef.extra.get("section_rows", ()):
                self.rec.rows.append(_row_note(r, label, "", "分段标题，无金额"))
                return
            elif norm:
                key = self.fixed_row_key(tdef, norm, "", seen) or norm
                if key == norm:
                    note = "按名称（无科目编码）"
        else:
            side = g.side
            if not side and tdef.sides:
                side = "支出" if state["passed_income"] else "收入"
            key = self.fixed_row_key(tdef, norm, side, seen) or ""
            if key == "收入总计":
                state["passed_income"] = True
            if not key and (side == "支出" or not tdef.sides):
                class_code = self.vocab.classes.get(norm)
                if class_code and tdef.sides:
                    key, code = class_code, class_code
                    note = "类名称（无编码），按功能分类科目表对应"
            if not key and side == "收入" and not g.side and self.vocab.classes.get(norm):
                state["passed_income"] = True  # a one-column form: the spending rows follow
                key = code = self.vocab.classes[norm]
                note = "类名称（无编码），按功能分类科目表对应"
            if not key and label.startswith(_SUB_ROW_PREFIX) and seen:
                parent = next(reversed(seen))
                key = f"{parent.split('/')[0]}/{norm}"
                note = f"“{parent}”的其中项"
        if not key:
            if state.get("closed"):
                return  # below the table's note: not the table's
            self.rec.rows.append(_row_note(r, label or code, "", "无法对应到标准行" if has_amount else "无金额，跳过"))
            if has_amount:  # its numbers map to nothing: listed in the table's one finding
                self.rec.unmapped.extend(CellRef(grid.name, r, c) for c in g.amount_cols.values()
                                         if _is_number_cell(grid.raw(r, c)))
            return
        if key in seen:
            self.find("recognise.duplicate_row", Severity.ERROR,
                      f"“{tdef.title}”中“{key}”出现了两次（第{seen[key].ref_row + 1}行和第{r + 1}行），"
                      "后一行未参与校验。", CellRef(grid.sheet.name, r, g.label_col or 0), tdef.id)
            self.rec.rows.append(_row_note(r, label or code, "", f"与第{seen[key].ref_row + 1}行重复（{key}）"))
            self.rec.skipped.append((f"第{r + 1}行", f"与第{seen[key].ref_row + 1}行重复（已另行报告）"))
            return
        values = {}
        # amount()'s common cases inlined: a number cell or a blank one, not flagged by the reader.
        special = grid.special
        name = grid.name
        decimals = self.table_decimals
        merged_fill = grid.merged_fill
        for col_key, c in g.amount_cols.items():
            raw = cells_row[c] if c < width else ""
            if special and (r, c) in special:
                values[col_key] = self.amount(grid, table, r, c)
            elif raw.__class__ is float:
                value = decimals.get(raw)
                if value is None:
                    value = decimals[raw] = _decimal(raw, table.money_unit)
                self.amounts += 1
                values[col_key] = _tuple_new(Cell, (value, _tuple_new(CellRef, (name, r, c)), raw))
            elif raw == "":
                ref = _tuple_new(CellRef, (name, r, c))
                if (r, c) in merged_fill:
                    self.merged_amounts.append(ref)
                values[col_key] = _tuple_new(Cell, (None, ref, raw))
            else:
                values[col_key] = self.amount(grid, table, r, c)
        row = Row(key, label or key, r, g.side, code, values)
        seen[key] = row
        table.rows[key] = row
        self.rec.rows.append(_tuple_new(RowNote, (r, label or code, key, note)))

    def fixed_row_key(self, tdef: TableDef, norm: str, side: str, seen) -> str | None:
        """The row key of label ``norm`` (normalised) among ``tdef``'s rows named so, in the
        table's order; ``seen``: the rows read so far (sub-rows follow their parent)."""
        if not norm:
            return None
        for rdef in _row_index(tdef).get(norm, ()):
            if side and rdef.side and rdef.side != side:
                continue
            if rdef.parent:
                # a sub-row (年末结转和结余 › 基本支出结转) only under its parent
                if rdef.parent in seen and rdef.key not in seen:
                    return rdef.key
                continue
            # T4: a fund name after 年初财政拨款结转和结余 is that row's sub-row.
            if tdef.id == "T4" and norm in catalog.FUNDS and "年初财政拨款结转和结余" in seen:
                return f"年初财政拨款结转和结余/{norm}"
            if rdef.key in seen and rdef.key in _parents(tdef):
                continue  # the parent's name again: one of its sub-rows may follow
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
        row = grid.cells[r] if r < grid.height else ()
        raw = row[c] if c < len(row) else ""
        if grid.special and (r, c) in grid.special:
            if (r, c) in grid.sheet.uncalculated:
                return Cell(None, ref, _UNCALCULATED)
            self.find("read.excel_error", Severity.ERROR, f"{ref}的值是Excel错误值（如#DIV/0!、#REF!），请先修正公式。",
                      ref, table.tdef.id)
            return Cell(None, ref, raw)
        if raw.__class__ is float:  # the common case: a number cell
            decimals = self.decimals(table.money_unit)
            value = decimals.get(raw)
            if value is None:
                value = decimals[raw] = _decimal(raw, table.money_unit)
            self.amounts += 1
            return _tuple_new(Cell, (value, ref, raw))
        if raw == "":
            if (r, c) in grid.merged_fill:
                self.merged_amounts.append(ref)
            return Cell(None, ref, raw)
        value = self.number(raw, ref, table)
        if value is None:
            return _tuple_new(Cell, (value, ref, raw))
        self.amounts += 1
        if table.money_unit != "万元":
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

    # -- every amount accounted for ---------------------------------------------------------
    def account(self, grid: _Grid, table: Table) -> None:
        """Count the amounts mapped, and list every number in the table's area mapped to nothing.

        The area is the data rows read (header to the last row, before a note) across the
        table's columns; code, label, 栏次/行次 and derived columns, 栏次 rows and count rows are
        not amounts. A row of a grid table whose label maps to no standard row lists its numbers
        as it is read (``data_row``); here the columns that map to no standard column are
        scanned, and the other layouts (T7) are checked cell by cell. What is left unmapped is
        reported in one finding for the table.
        """
        rec = self.rec
        rec.amounts = self.amounts
        skip_cols = {n.col for n in rec.columns if not n.key and n.note != "无法对应到标准列"}
        skip_cols.update(table.derived_columns)
        if rec.layout:  # T7's layouts: few cells, checked one by one against what was read
            mapped = {(cell.ref[1], cell.ref[2]) for row in table.rows.values() for cell in row.values.values()}
            scan_cols = [c for c in range(rec.first_col, rec.last_col + 1) if c not in skip_cols]
        else:  # grid tables: only the columns no group reads can hold numbers not yet accounted for
            mapped = set()
            scan_cols = [n.col for n in rec.columns if not n.key and n.col not in skip_cols]
        if scan_cols:
            skip_rows = {int(w[1:-1]) - 1 for w, _ in rec.skipped if w.startswith("第") and w.endswith("行")}
            unmapped = rec.unmapped
            cells = grid.cells
            for r in range(rec.header_rows[1], min(rec.last_row + 1, grid.height)):
                if r in skip_rows:
                    continue
                row = cells[r]
                n = len(row)
                for c in scan_cols:
                    if c < n and (r, c) not in mapped and _is_number_cell(row[c]):
                        unmapped.append(CellRef(grid.name, r, c))
        if rec.unmapped:
            rec.unmapped.sort(key=lambda ref: (ref.row, ref.col))
            self.report_unmapped(table)

    def report_unmapped(self, table: Table) -> None:
        rec = self.rec
        rows = {n.row: n for n in rec.rows if not n.key}
        cols = {n.col: n for n in rec.columns if not n.key}
        reasons = []
        for ref in rec.unmapped:
            if ref.row in rows and rows[ref.row].label:
                why = f"第{ref.row + 1}行“{rows[ref.row].label}”无法对应到标准行"
            elif ref.col in cols and cols[ref.col].header:
                why = f"列“{cols[ref.col].header}”无法对应到标准列"
            else:
                why = f"第{ref.row + 1}行不在任何可识别的行中"
            if why not in reasons:
                reasons.append(why)
        first = rec.unmapped[0]
        if first.col in cols and first.row not in rows:  # an unknown column: point at its header
            first = CellRef(first.sheet, rec.header_rows[0], first.col)
        self.findings.append(Finding(
            "recognise.unmapped_amounts", Severity.WARNING,
            f"“{table.tdef.title}”有{len(rec.unmapped)}个金额未能对应到标准行列（{_sample(rec.unmapped)}），"
            f"未参与校验：{'；'.join(reasons[:6])}{'等' if len(reasons) > 6 else ''}。"
            "如是本地表样的写法，可在别名文件中补充。",
            Location.at(first, self.file), table=table.id,
            related=tuple(str(x) for x in rec.unmapped[:200])))

    # -- T7: “三公”经费, in every published layout -----------------------------------------------
    def t7(self, grid: _Grid, table: Table, start: int, end: int) -> bool:
        """Four layouts: 预算数/决算数 blocks (or pairs under each item) over one data row; rows
        预算数/决算数 with the items as columns; the items as rows with 预算数/决算数 columns (and a
        block of counts, never money); one row per unit with the items as columns."""
        tdef = table.tdef
        rec = self.rec
        h0, d0 = self.header_rows(grid, start, end, tdef)
        rec.header_rows = (h0, d0)
        paths = self.header_paths(grid, h0, d0)
        cols: dict[tuple[str, str], int] = {}
        row_key_cols: dict[str, int] = {}
        used = []
        for c, path in enumerate(paths):
            if not path:
                continue
            if _derived_group(tuple(path)):
                table.derived_columns[c] = path  # a group such as 完成率 › 公务接待费
                self.note_column(c, path, note="派生数（完成率、增减），由派生数校验核对")
                used.append(c)
                continue
            if path[-1] in catalog.NUMBERING_HEADERS or path[-1] in ("年度", "年份"):
                self.note_column(c, path, note="栏次/行次编号，不是金额")
                continue
            row_at = next((i for i, e in enumerate(path) if self.fixed_row_key(tdef, e, "", {})), None)
            rest = [e for i, e in enumerate(path) if i != row_at]
            col_key = self.match_column(tdef, rest) if rest else None
            if row_at is not None and col_key:
                row_key = self.fixed_row_key(tdef, path[row_at], "", {})
                if (row_key, col_key) in cols:
                    self.note_column(c, path, note="重复列，未读取")
                    continue
                cols[(row_key, col_key)] = c
                self.note_column(c, path, key=f"{row_key}/{col_key}")
                table.columns.setdefault(col_key, []).append(CellRef(grid.sheet.name, h0, c))
                used.append(c)
            elif row_at is not None:
                row_key_cols.setdefault(self.fixed_row_key(tdef, path[row_at], "", {}), c)
                used.append(c)
        if cols:
            rec.layout = "预算数、决算数分块（一行数据）"
            # The data row is the first holding an amount (栏次 rows are not); an empty form has it
            # right under the header (a note typed below it is text, not the figures).
            data_row = next((r for r in range(d0, end) if any(_is_amount(grid.raw(r, c)) for c in cols.values())
                             and not grid.is_numbering_row(r)), d0)
            for r in range(d0, data_row):
                if grid.numbers(r):
                    rec.skipped.append((f"第{r + 1}行", "栏次行（列的编号），不是金额"))
            for (row_key, col_key), c in cols.items():
                row = table.rows.setdefault(row_key, Row(row_key, row_key, data_row))
                row.values[col_key] = self.amount(grid, table, data_row, c)
            for row_key in dict.fromkeys(k for k, _ in cols):
                rec.rows.append(_row_note(data_row, row_key, row_key, "一行数据按表头分块"))
            rec.first_col, rec.last_col = min(rec.first_col, *used), max(used)
            rec.last_row = data_row
            self.t7_end(grid, table, data_row + 1, end)
            return True
        if row_key_cols:
            rec.columns.clear()
            return self.t7_vertical(grid, table, h0, d0, end, paths)
        return self.grid_table_fixed_rows(grid, table, h0, d0, end, paths)

    def t7_end(self, grid: _Grid, table: Table, r0: int, end: int) -> None:
        """Rows under a one-row T7 up to a note: the table's area (numbers there are reported)."""
        for r in range(r0, end):
            texts = grid.row_texts(r)
            if texts and normalise_label(texts[0][1]).startswith(("注", "说明", "备注")):
                self.rec.ended_by = f"注释行（第{r + 1}行）"
                return
            if texts and _EMPTY_NOTE.search(normalise_label(texts[0][1])) and not grid.numbers(r):
                table.is_empty_note = True
                self.rec.ended_by = f"空表说明（第{r + 1}行）"
                return
            if texts and _is_derived_label(normalise_label(texts[0][1])):
                self.rec.skipped.append((f"第{r + 1}行", f"“{texts[0][1].strip()}”是派生数（百分比），不是金额"))
                self.rec.last_row = r
                continue
            if grid.numbers(r) or texts:
                self.rec.last_row = r

    def t7_vertical(self, grid: _Grid, table: Table, h0: int, d0: int, end: int, paths) -> bool:
        """The items as rows, 预算数/决算数 (上年决算数) as columns; a counts block ends the money.
        Pairs of 项目 | 决算数 side by side on one row (深圳 layout B) are groups of the same."""
        tdef = table.tdef
        rec = self.rec
        groups: list[tuple[int, dict[str, int]]] = []  # (label column, row key → column)
        for c, path in enumerate(paths):
            if not path or c in table.derived_columns or path[-1] in catalog.NUMBERING_HEADERS:
                continue
            row_key = next((k for k in (self.fixed_row_key(tdef, e, "", {}) for e in path) if k), None)
            if row_key is None:
                groups.append((c, {}))
                self.note_column(c, path, note="项目名称")
            elif groups and row_key not in groups[-1][1]:
                groups[-1][1][row_key] = c
                self.note_column(c, path, key=row_key)
            else:
                self.note_column(c, path, note="无法对应到标准列")
        groups = [(lc, cols) for lc, cols in groups if cols]
        if not groups:
            return False
        rec.layout = "竖排（项目为行，预算数、决算数为列）" if len(groups) == 1 else "项目与金额成对排列"
        used = [c for lc, cols in groups for c in (lc, *cols.values())]
        rec.first_col = min(rec.first_col, *used)
        rec.last_col = max(*used, *table.derived_columns)
        counts = False
        count_block = tdef.extra.get("count_block", ())
        count_words = tdef.extra.get("count_words", ())
        rec.last_row = d0 - 1
        for r in range(d0, end):
            first = grid.filled(r, groups[0][0])
            first_norm = normalise_label(first) if isinstance(first, str) else ""
            if first_norm.startswith(("注", "说明", "备注")) and len(first_norm) > 2:
                rec.ended_by = f"注释行（第{r + 1}行）"
                break
            if not grid.row_texts(r) and not grid.numbers(r):
                continue
            rec.last_row = r
            if grid.is_numbering_row(r) and grid.numbers(r):
                rec.skipped.append((f"第{r + 1}行", "栏次行（列的编号），不是金额"))
                continue
            for label_col, cols in groups:
                raw = grid.filled(r, label_col)
                label = raw.strip() if isinstance(raw, str) else ""
                norm = normalise_label(label)
                if not label:
                    continue
                if any(w in norm for w in count_block):
                    counts = True
                if counts or any(w in norm for w in count_words):
                    rec.skipped.append((f"第{r + 1}行", f"“{label}”是数量（团组、人次、车辆），不是金额"))
                    continue
                col_key = self.match_column(tdef, [norm])
                if col_key is None:
                    has = any(_is_amount(grid.raw(r, c)) for c in cols.values())
                    rec.rows.append(_row_note(r, label, "", "无法对应到标准行" if has else "无金额，跳过"))
                    continue
                for row_key, c in cols.items():
                    row = table.rows.setdefault(row_key, Row(row_key, row_key, r))
                    if col_key not in row.values:
                        row.values[col_key] = self.amount(grid, table, r, c)
                table.columns.setdefault(col_key, []).append(CellRef(grid.sheet.name, r, label_col))
                rec.rows.append(_row_note(r, label, col_key, "竖排：此格为一个标准列"))
        return bool(table.rows)

    def grid_table_fixed_rows(self, grid, table, h0, d0, end, paths) -> bool:
        """Items as columns; rows 预算数/决算数 (transposed), or one row per unit (深圳 layout):
        the 合计 row — or the only row — is the 决算数, each unit's row is kept under its name."""
        tdef = table.tdef
        rec = self.rec
        amount_cols = {}
        label_col = None
        for c, path in enumerate(paths):
            if not path:
                continue
            if path[-1] in catalog.NUMBERING_HEADERS or path[-1] in ("年度", "年份"):
                self.note_column(c, path, note="栏次/行次编号，不是金额")
                continue
            key = self.match_column(tdef, path)
            if key and key not in amount_cols:
                amount_cols[key] = c
                self.note_column(c, path, key=key)
                table.columns.setdefault(key, []).append(CellRef(grid.sheet.name, h0, c))
            elif label_col is None and not key:
                label_col = c
                self.note_column(c, path, note="项目名称")
            else:
                self.note_column(c, path, note="无法对应到标准列")
        if not amount_cols or label_col is None:
            return False
        rec.first_col = min(rec.first_col, label_col, *amount_cols.values())
        rec.last_col = max(label_col, *amount_cols.values())
        units: list[tuple[int, str]] = []
        rec.last_row = d0 - 1
        for r in range(d0, end):
            raw = grid.filled(r, label_col)
            label = raw.strip() if isinstance(raw, str) else ""
            norm = normalise_label(label)
            if norm.startswith(("注", "说明", "备注")) and len(norm) > 2:
                rec.ended_by = f"注释行（第{r + 1}行）"
                break
            if not label and not grid.numbers(r):
                continue
            rec.last_row = r
            if grid.is_numbering_row(r) and grid.numbers(r):
                rec.skipped.append((f"第{r + 1}行", "栏次行（列的编号），不是金额"))
                continue
            key = self.fixed_row_key(tdef, norm, "", {})
            if key:
                row = Row(key, key, r)
                for col_key, c in amount_cols.items():
                    row.values[col_key] = self.amount(grid, table, r, c)
                table.rows[key] = row
                rec.rows.append(_row_note(r, label, key))
            elif label and any(_is_amount(grid.raw(r, c)) for c in amount_cols.values()):
                units.append((r, label))
        if units and "决算数" not in table.rows:
            rec.layout = "每个单位一行（项目为列）"
            total = next((u for u in units if normalise_label(u[1]) in catalog.TOTAL_LABELS), None)
            if total is None and len(units) == 1:
                total = units[0]
            for r, label in units:
                key = "决算数" if (r, label) == total else label
                row = Row(key, label, r, side="" if key == "决算数" else "单位")
                for col_key, c in amount_cols.items():
                    row.values[col_key] = self.amount(grid, table, r, c)
                table.rows[key] = row
                why = "合计行即决算数" if key == "决算数" else "单位行（保留，不参与校验）"
                rec.rows.append(_row_note(r, label, key, why))
        elif units:
            for r, label in units:
                rec.rows.append(_row_note(r, label, "", "无法对应到标准行"))
        elif table.rows:
            rec.layout = "预算数、决算数为行（项目为列）"
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
            # the header's lower rows: 机构名称 merged down, or blank under it when not merged
            while r < end and (grid.text(r, label_col) == "机构名称" or (
                    not grid.text(r, label_col) and grid.row_texts(r) and not grid.numbers(r))):
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



_UNIT_LABELS = ("单位名称", "部门名称", "部门(单位)名称", "编制单位", "填报单位", "部门(单位)", "预算单位", "部门",
                "单位")


def _unit_name(grid: _Grid, r: int, c: int, text: str) -> str | None:
    """The unit's name on a 单位名称/部门/编制单位 line: "部门：汨罗市某局", "编制单位：…  金额单位：元"
    (the money unit cut off), or the label with the name in the next cell. None when ``text`` is
    no such line; "" when it is one without a name."""
    if "单位" not in text and "部门" not in text:  # every label has one of them: the cheap test first
        return None
    norm = normalise_label(text)
    for label in _UNIT_LABELS:
        if norm.startswith(label + ":"):
            value = _UNIT_SPLIT.split(norm[len(label) + 1:])[0].strip()
            if value in ("万元", "元", "亿元") or _UNIT.fullmatch(norm):
                return None
            return value
        if norm == label:
            nxt = grid.raw(r, grid.right_of(r, c))
            return nxt.strip() if isinstance(nxt, str) and nxt.strip() and not _UNIT.search(nxt) else ""
    return None


_UNCALCULATED = object()
_tuple_new = tuple.__new__


def _row_note(row: int, label: str, key: str = "", note: str = "") -> RowNote:
    return _tuple_new(RowNote, (row, label, key, note))  # one per data row: the cheap constructor


def _column_names(tdef: TableDef) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each column's key with the normalised forms of its names (the forms' header wordings)."""
    hit = _NAMES.get(("col", tdef.id))
    if hit is None or hit[0] is not tdef:  # cached by id: hashing a TableDef walks all its fields
        hit = _NAMES[("col", tdef.id)] = (tdef, tuple((col.key, frozenset(normalise_label(n) for n in col.names()))
                                                      for col in tdef.columns))
    return hit[1]


def _row_index(tdef: TableDef) -> dict[str, tuple[RowDef, ...]]:
    """Each normalised row name → the rows it names, in the table's order (``fixed_row_key``)."""
    hit = _NAMES.get(("row", tdef.id))
    if hit is None or hit[0] is not tdef:
        index: dict[str, list[RowDef]] = {}
        for rdef in tdef.rows:
            for name in dict.fromkeys(normalise_label(n) for n in rdef.names()):
                index.setdefault(name, []).append(rdef)
        hit = _NAMES[("row", tdef.id)] = (tdef, {k: tuple(v) for k, v in index.items()})
    return hit[1]


_NAMES: dict[tuple[str, str], tuple] = {}


def _parents(tdef: TableDef) -> frozenset[str]:
    """Row keys that have sub-rows (年末结转和结余 › 基本支出结转)."""
    hit = _NAMES.get(("parents", tdef.id))
    if hit is None or hit[0] is not tdef:
        hit = _NAMES[("parents", tdef.id)] = (tdef, frozenset(r.parent for r in tdef.rows if r.parent))
    return hit[1]


def is_uncalculated(cell: Cell) -> bool:
    return cell.raw is _UNCALCULATED


def _decimal(raw: float, money_unit: str) -> Decimal:
    """A number cell's value in 万元, as ``Decimal`` (exact: from the float's shortest repr)."""
    value = Decimal(int(raw)) if raw.is_integer() else Decimal(repr(raw))
    if money_unit != "万元":
        value = value / WAN if money_unit == "元" else value * WAN
    return value


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


def _is_number_cell(v: object) -> bool:
    """A number, or text that reads as one ("231.62", "1,234.56"): what must be accounted for."""
    cls = v.__class__
    if cls is float or cls is int:
        return True
    return cls is str and bool(v) and bool(_NUMBER_TEXT.match(v)) and any(ch.isdigit() for ch in v)


@lru_cache(maxsize=4096)
def _derived_group(path: tuple[str, ...]) -> bool:
    """A header path naming a derived figure at any level (a group such as 完成率 › 公务接待费)."""
    return any(derived_kind(list(path[: i + 1])) for i in range(len(path)))


@lru_cache(maxsize=65536)
def _is_code_text(text: str) -> bool:
    """A header or label text that is a 科目编码 (spaces and quotes aside)."""
    return codes.is_code(_CODE_CLEAN.sub("", text))


@lru_cache(maxsize=65536)
def _is_number_text(text: str) -> bool:
    """Text that reads as a number (``_is_number_cell`` of a text cell); cached: header rows repeat."""
    return bool(_NUMBER_TEXT.match(text)) and any(ch.isdigit() for ch in text)


def _is_derived_label(norm: str) -> bool:
    """A row of percentages under the amounts (完成预算(%), 占…比重(%))."""
    return bool(derived_kind([norm])) or "%" in norm or "比重" in norm or "占比" in norm


def _sample(refs: list[CellRef]) -> str:
    return "、".join(ref.a1 for ref in refs[:5]) + ("等" if len(refs) > 5 else "")


def _clean_code(raw: object) -> str:
    if raw.__class__ is str:
        return raw if not raw or raw.isdigit() else _CODE_CLEAN.sub("", raw)  # most codes are clean digits
    if raw is None:
        return ""
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return _CODE_CLEAN.sub("", str(raw))


def recognise_book(book: Book, aliases: Aliases | None = None) -> Book:
    """Fill ``book.tables`` and add recognition findings to ``book.findings``.

    ``aliases``: the user's alias file (``tables.aliases.load``), extra wordings of a local form.
    """
    rec = _Recogniser(book, _vocabulary(aliases))
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
