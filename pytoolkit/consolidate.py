"""Core layer: consolidate units (局机关 and 二级机构) into the department's 汇总 (docs/rules.md §5).

Two steps, so that the first can run in worker processes and the second streams:

1. Per unit (``read_units`` / ``book_units``): read and recognise a workbook, split it into units
   (one unit per workbook, or one per sheet group named 局机关 / 二级机构1 / a unit name),
   validate each unit, and extract a compact picklable :class:`UnitData` (amounts in 万元 as
   ``Decimal``, keyed by table id → row key → column key; the reader already converted 元).
2. :class:`Consolidator` adds units one at a time: exact ``Decimal`` sums by row key (科目编码 or
   the form's row key, never row position), the union of rows, columns by key. What it keeps per
   unit is small (name, source, counts, table ids, internal-flow amounts); the unit's key figures
   go to a temporary spool file on disk, and only the first ``detail_units`` units are kept whole
   for the side-by-side 分户明细. Memory therefore does not grow with the number of units beyond
   that small per-unit record.

``finish()`` fills the 整体支出绩效自评表's 局机关及二级机构汇总 row from the unit rows, optionally
eliminates internal flows (对附属单位补助支出 ↔ 上级补助收入, 上缴上级支出 ↔ 附属单位上缴收入),
lays the 汇总 tables out once as the official forms (``render.summary``: grids, and where each
amount lands), and validates the 汇总 on a model built from those layouts
(``render.tables.table_model``) with the same rule packs as a unit: a finding on the 汇总 points
at the cell the output shows. Nothing is painted or read back here; each output (the command
line's workbook, the ribbon's sheets) paints the same grids.

``consolidate_paths`` runs both steps over files (optionally in worker processes);
``consolidate_open_book`` is what the ribbon calls for the open workbook: the 汇总 tables named
for the ribbon's sheets (“汇总-…”), and the cells of any 绩效自评表 汇总 row to fill in place.
"""

from __future__ import annotations

import os
import pickle
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact, InvalidOperation, localcontext
from pathlib import Path

from .errors import InputError, PytoolkitError
from .findings import Finding, Location, Severity
from .metrics import format_amount
from .model import Book, CellRef
from .render.summary import SummaryTable, summary_tables
from .render.tables import table_model
from .tables import catalog, codes
from .tables.catalog import SUMMARY_UNIT, normalise_label

Values = dict[str, dict[str, dict[str, Decimal]]]  # table id → row key → column key → 万元

# Sums are exact or raise: 60 digits hold any 决算 amount with its 元 fraction many times over.
_EXACT = Context(prec=60, traps=[Inexact, InvalidOperation])
ZERO = Decimal(0)

DETAIL_UNITS = 100  # units shown side by side in 分户明细 (Excel's 16,384 columns, and legibility)
FORM_ROWS = 200  # distinct unit rows kept in the 汇总 绩效自评表; further units go into OTHER_UNITS
OTHER_UNITS = "其他单位"
SUMMARY_PREFIX = "汇总-"  # the ribbon's sheets of the 汇总 tables sit beside the units' sheets
PUBLIC_IDS = tuple(t.id for t in catalog.PUBLIC_TABLES)
SUMMED_IDS = (*PUBLIC_IDS, "PE")  # PP (one form per project) is not summed

# Internal flows (docs/rules.md §5): (payer table/column, receiver table/column, parent pays?)
FLOWS = (
    ("subsidy", "对附属单位补助支出与上级补助收入", ("T3", "对附属单位补助支出"), ("T2", "上级补助收入"), True),
    ("remit", "上缴上级支出与附属单位上缴收入", ("T3", "上缴上级支出"), ("T2", "附属单位上缴收入"), False),
)
# T1 rows that carry each flow's income column
_T1_INCOME_ROW = {"上级补助收入": "上级补助收入", "附属单位上缴收入": "附属单位上缴收入"}
_T2_TOTAL, _T3_TOTAL = "本年收入合计", "本年支出合计"

# Key figures per unit, for the 分户主要指标 sheet and the chart: (heading, table, row, column).
KEY_FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("收入总计", "T1", "收入总计", "决算数"),
    ("本年收入合计", "T1", "本年收入合计", "决算数"),
    ("财政拨款收入", "T4", "本年收入合计", "金额"),
    ("本年支出合计", "T1", "本年支出合计", "决算数"),
    ("基本支出", "T3", "合计", "基本支出"),
    ("项目支出", "T3", "合计", "项目支出"),
    ("年末结转和结余", "T1", "年末结转和结余", "决算数"),
    ("一般公共预算年初预算数", "T5", "合计", "年初预算数"),
    ("一般公共预算支出决算数", "T5", "合计", "合计"),
    ("“三公”经费决算数", "T7", "决算数", "合计"),
)

_PARENT_NAMES = ("局机关", "本级", "机关")
_SUMMARY_SHEET_NAMES = {"汇总", "合计", "合并", "汇总表", SUMMARY_UNIT, "局机关及二级机构合计"}
_TABLE_WORDS = sorted({normalise_label(n) for t in catalog.ALL_TABLES for n in (t.title, *t.title_aliases)},
                      key=len, reverse=True)
_TABLE_ID = re.compile(r"(?<![A-Za-z])[Tt]\d(?!\d)|(?<![A-Za-z])(?:PE|PP)(?![A-Za-z])")
_SEPARATORS = " -_—–·.、:()[]【】《》"
_GENERIC_SHEET = re.compile(r"(?i)(第?\d*表\d*|附件\d*|附表\d*|sheet\d*|公开\d*表?|表格\d*|工作表\d*|\d*)")
# The side sheets of a 汇总 workbook we wrote (io.consolidated): a batch's 汇总 may be consolidated
# again as one unit, and these sheets are not tables.
_OWN_SHEETS = {"汇总说明", "分户明细", "分户主要指标"}


class ConsolidationStopped(PytoolkitError):
    """``strict`` mode: a unit failed validation; nothing was summed or written."""

    def __init__(self, unit: str, findings: Sequence[Finding], reason: str = "") -> None:
        self.unit = unit
        self.findings = list(findings)
        reason = reason or f"校验有错误（{sum(f.severity is Severity.ERROR for f in findings)}条）"
        super().__init__(f"单位“{unit}”{reason}，严格模式下停止汇总。")


# ---------------------------------------------------------------------------------------------
# Per-unit data (what a worker returns)


@dataclass(frozen=True, slots=True)
class UnitData:
    """One unit's amounts and findings, compact and picklable (no cells, no sheets).

    ``role``: "unit" (a 局机关 or 二级机构), "form" (a department-level 绩效自评表 found beside
    unit sheets: its unit rows feed the 汇总 form, it is not itself a unit) or "failed" (the input
    could not be used; ``findings`` says why).
    """

    name: str
    source: str  # file name, with the sheets for a unit held as sheets (“部门.xlsx!局机关”)
    year: int | None = None
    money_units: tuple[str, ...] = ()
    values: Values = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # printed label per row key
    findings: tuple[Finding, ...] = ()
    role: str = "unit"
    # Per table: how many numbers of the unit's table map to no standard row and column (they are
    # not in ``values``): a 汇总 built on that table says so (cell comments, 汇总说明).
    unmapped: tuple[tuple[str, int], ...] = ()

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)

    def key_figures(self) -> tuple[Decimal | None, ...]:
        return tuple(self.values.get(t, {}).get(r, {}).get(c) for _, t, r, c in KEY_FIGURES)


def _finding(rule: str, severity: Severity, message: str, file: str = "", ref: CellRef | None = None,
             expected: Decimal | None = None, actual: Decimal | None = None, table: str = "") -> Finding:
    return Finding(rule, severity, message, Location.at(ref, file), expected, actual, table=table)


def failed_unit(path: str | Path, message: str) -> UnitData:
    name = Path(path).name
    return UnitData(name=Path(path).stem, source=name, role="failed", findings=(
        _finding("read.unusable", Severity.ERROR, f"{message}（该文件未参与汇总）", name),))


def read_units(path: str | Path, edition: str | None = None) -> list[UnitData]:
    """Worker entry point: read, recognise, split into units, validate each, extract.

    Never raises for a bad input: an unusable file comes back as one "failed" unit.
    """
    from .io.reader import read_book

    try:
        book = read_book(path)
        return book_units(book, edition=edition)
    except InputError as exc:
        return [failed_unit(path, str(exc))]
    except Exception as exc:  # a bug on one file must not lose a batch of thousands
        return [failed_unit(path, f"{Path(path).name}：处理时出现内部错误：{type(exc).__name__}: {exc}")]


def sheet_unit_name(sheet_name: str) -> str:
    """The unit a sheet belongs to, from its name: “局机关”, “二级机构1-收入决算表”, “T1 信息中心”,
    “收入支出决算总表（局机关）” → 局机关 / 二级机构1 / 信息中心 / 局机关; "" when the name is only a
    table's title or number (“01收入支出决算总表”)."""
    s = normalise_label(sheet_name)
    for word in _TABLE_WORDS:
        s = s.replace(word, " ")
    s = _TABLE_ID.sub(" ", s)
    s = s.strip(_SEPARATORS)
    s = re.sub(r"^\d+[\s\-_.、]*", "", s).strip(_SEPARATORS)
    if _GENERIC_SHEET.fullmatch(s):
        return ""  # 表1, 附件3, Sheet2, 公开01表: a place, not a unit
    return s


def split_units(book: Book) -> tuple[list[tuple[str, list[str], str]], list[Finding]]:
    """How ``book`` divides into units: [(unit name, sheet names, role)], plus findings.

    A book is one unit unless a public table occurs in more than one sheet; then every sheet
    belongs to the unit its name says (``sheet_unit_name``). A 绩效自评表 whose sheet names no unit is
    a department form; an existing 汇总 sheet is not summed (it is what we compute).
    """
    counts = Counter(t.id for t in book.tables if t.id in PUBLIC_IDS)
    repeated = [t for t in book.tables if counts.get(t.id, 0) >= 2]
    named = {t.unit_name for t in repeated if t.unit_name}
    by_sheet = {sheet_unit_name(t.sheet) for t in repeated} - {""} - _SUMMARY_SHEET_NAMES
    if not counts or max(counts.values()) < 2 or (len(named) < 2 and len(by_sheet) < 2):
        # One unit (a table printed twice — 四川's two 国有资本经营 tables — is still one unit's).
        printed = Counter(t.unit_name for t in book.tables if t.unit_name)
        name = book.unit_name or (printed.most_common(1)[0][0] if printed else "") or book.path.stem
        return [(name, [s.name for s in book.sheets], "unit")], []
    findings: list[Finding] = []
    table_sheets: dict[str, list[str]] = {}
    for t in book.tables:
        table_sheets.setdefault(t.sheet, []).append(t.id)
    # The units as the tables name them: repeated titles, each under its own 单位/部门 line.
    printed = all(t.unit_name for t in repeated) and len(named) >= 2
    groups: dict[str, list[str]] = {}
    forms: list[str] = []
    for sheet in book.sheets:
        ids = table_sheets.get(sheet.name)
        if not ids:
            continue
        named = Counter(t.unit_name for t in book.tables if t.sheet == sheet.name and t.unit_name)
        unit = named.most_common(1)[0][0] if printed and named else sheet_unit_name(sheet.name)
        if sheet_unit_name(sheet.name) in _SUMMARY_SHEET_NAMES or unit in _SUMMARY_SHEET_NAMES \
                or unit.endswith(("汇总", "(汇总)", "(合并)")):
            findings.append(_finding("consolidate.summary_sheet_ignored", Severity.INFO,
                                     f"工作表“{sheet.name}”是已有的汇总表，未作为单位参与汇总（汇总数由各单位重新计算）。",
                                     book.path.name, CellRef(sheet.name, 0, 0)))
            continue
        if set(ids) <= {"PE", "PP"} and (printed or not unit):
            forms.append(sheet.name)  # a department's 绩效自评表: its unit rows feed the 汇总 form
            continue
        if not unit:
            findings.append(_finding("consolidate.unit_unknown", Severity.ERROR,
                                     f"工作表“{sheet.name}”含有{'、'.join(ids)}，但表上没有写明单位（单位名称/部门行），"
                                     "从工作表名也看不出属于哪个单位，未参与汇总。",
                                     book.path.name, CellRef(sheet.name, 0, 0)))
            continue
        groups.setdefault(unit, []).append(sheet.name)
    parts = [(unit, sheets, "unit") for unit, sheets in groups.items()]
    parts.extend((name, [name], "form") for name in forms)
    return parts, findings


def book_units(book: Book, edition: str | None = None, validate: bool = True) -> list[UnitData]:
    """Split a recognised book into units, validate each and extract its amounts."""
    from .rules import validate_book

    parts, split_findings = split_units(book)
    file = book.path.name
    out = []
    single = len(parts) == 1 and parts[0][2] == "unit"
    for i, (name, sheet_names, role) in enumerate(parts):
        if single:
            sub = book
            source = file
        else:
            wanted = set(sheet_names)
            sub = Book(path=book.path, sheets=[s for s in book.sheets if s.name in wanted],
                       tables=[t for t in book.tables if t.sheet in wanted], unit_name=name, year=book.year,
                       findings=[f for f in book.findings
                                 if f.location.sheet in wanted or (not f.location.sheet and i == 0)])
            where = sheet_names[0] if len(sheet_names) == 1 else f"{name}（{len(sheet_names)}张工作表）"
            source = f"{file}!{where}"
        findings = list(split_findings) if i == 0 else []
        if validate:
            checked = [f for f in validate_book(sub, edition=edition)
                       if not (f.rule == "recognise.unknown_sheet" and f.location.sheet in _OWN_SHEETS)]
            if role == "form":
                checked = [f for f in checked if not _blank_summary_finding(f, sub)]
            findings.extend(checked)
        else:
            findings.extend(sub.findings)
        out.append(extract(sub, name, source, role, findings))
    return out


def _blank_summary_finding(f: Finding, book: Book) -> bool:
    """A department form's blank 汇总 row is what consolidation fills: not an error of the form."""
    if f.rule != "PE.summary_row":
        return False
    pe = book.table("PE")
    row = pe.rows.get(SUMMARY_UNIT) if pe else None
    return row is not None and all(c.value is None for c in row.values.values())


def extract(book: Book, name: str, source: str, role: str = "unit", findings: Iterable[Finding] = ()) -> UnitData:
    """The amounts of a recognised (sub-)book, in 万元, by table → row key → column key."""
    findings = list(findings)
    values: Values = {}
    labels: dict[str, dict[str, str]] = {}
    file = book.path.name
    projects = 0
    for t in book.tables:
        if t.id == "PP":
            projects += 1
            continue
        if t.id in values:
            findings.append(_finding("consolidate.duplicate_table", Severity.WARNING,
                                     f"单位“{name}”有两张“{t.tdef.title}”，汇总只取第一张（工作表“{t.sheet}”的未参与汇总）。",
                                     file, t.title_ref, table=t.id))
            continue
        rows: dict[str, dict[str, Decimal]] = {}
        names: dict[str, str] = {}
        for row in t.rows.values():
            rows[row.key] = {c: cell.value for c, cell in row.values.items() if cell.value is not None}
            if row.label and row.label != row.key:
                names[row.key] = row.label
        if t.id == "PE":
            rows, names = _pe_rows(rows, names, name, role)
        values[t.id] = rows
        if names:
            labels[t.id] = names
    if projects:
        findings.append(_finding("consolidate.project_forms", Severity.INFO,
                                 f"单位“{name}”的{projects}张项目支出绩效自评表按项目填报，不参与汇总。", file,
                                 table="PP"))
    if not values and role != "failed":
        findings.append(_finding("consolidate.no_tables", Severity.ERROR,
                                 f"单位“{name}”（{source}）没有识别出可汇总的标准表，结构无法对应，未参与汇总。", file))
    units = tuple(sorted({t.money_unit for t in book.tables if t.id != "PP"}))
    unmapped: dict[str, int] = {}
    for t in book.tables:
        if t.record is not None and t.record.unmapped and t.id in values:
            unmapped[t.id] = unmapped.get(t.id, 0) + len(t.record.unmapped)
    return UnitData(name=name, source=source, year=book.year, money_units=units, values=values, labels=labels,
                    findings=tuple(findings), role=role, unmapped=tuple(sorted(unmapped.items())))


def _pe_rows(rows, names, unit: str, role: str):
    """A 绩效自评表's unit rows; the 汇总 row is recomputed, never summed.

    A unit's own form with a single unit row (or only the 汇总 row) is keyed by the unit's name, so
    that forms which all call their row “局机关” still give one row per unit.
    """
    own = {k: v for k, v in rows.items() if k != SUMMARY_UNIT}
    if role == "unit" and len(own) <= 1:
        only = next(iter(own.values()), None)
        if only is None or not only:
            only = rows.get(SUMMARY_UNIT, {})
        return {unit: only}, {}
    return own, {k: v for k, v in names.items() if k in own}


# ---------------------------------------------------------------------------------------------
# Streaming sum


@dataclass(slots=True)
class UnitInfo:
    """What the consolidation keeps of each unit (small; no amounts beyond internal flows)."""

    index: int
    name: str
    source: str
    role: str
    year: int | None
    money_units: tuple[str, ...]
    tables: frozenset[str]
    errors: int
    warnings: int
    included: bool
    flows: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # "T3/对附属单位补助支出" → row → 万元
    unmapped: tuple[tuple[str, int], ...] = ()  # (table id, numbers not mapped) as in UnitData
    path: str = ""  # the input file, as given
    findings: tuple[int, int] = (0, 0)  # its own findings: result.findings[start:end]

    @property
    def status(self) -> str:
        if self.role == "failed":
            return "无法读取，未汇总"
        if not self.included:
            return "未汇总"
        if self.role == "form":
            return "部门表单（按单位行汇总）"
        return "已汇总" + (f"（有{self.errors}条错误）" if self.errors else "")


@dataclass(frozen=True, slots=True)
class Elimination:
    """One internal flow eliminated (or not, when the two sides do not agree)."""

    kind: str  # "subsidy" | "remit"
    title: str  # “对附属单位补助支出 ↔ 上级补助收入”
    payers: tuple[str, ...]
    receivers: tuple[str, ...]
    paid: Decimal
    received: Decimal
    amount: Decimal  # eliminated from each side; 0 when the sides disagree

    def as_dict(self) -> dict:
        return {"kind": self.kind, "title": self.title, "payers": list(self.payers),
                "receivers": list(self.receivers), "paid": format(self.paid, "f"),
                "received": format(self.received, "f"), "amount": format(self.amount, "f")}


@dataclass
class ConsolidationResult:
    """The 汇总: amounts, units, eliminations and every finding. Close it to drop the spool file."""

    name: str
    year: int | None
    units: list[UnitInfo]
    totals: Values  # plain sums (汇总数), 绩效自评表 汇总 row filled
    labels: dict[str, dict[str, str]]
    adjustments: dict[tuple[str, str, str], Decimal]  # (table, row, column) → eliminated (negative)
    eliminate: bool
    eliminations: list[Elimination]
    parent: str | None
    findings: list[Finding]  # per-unit validation and consolidation findings
    summary_findings: list[Finding] = field(default_factory=list)  # the 汇总 validated after
    tables: list[SummaryTable] = field(default_factory=list)  # the 汇总 tables as every output shows them
    detail: list[tuple[int, Values]] = field(default_factory=list)  # first DETAIL_UNITS units, whole
    detail_units: int = DETAIL_UNITS
    money_units: Counter = field(default_factory=Counter)
    spool: object = None  # temporary file of per-unit key figures (see iter_unit_rows)
    parent_reason: str = ""  # how the 上级单位 was chosen, for 汇总说明

    def unmapped(self) -> dict[str, list[tuple[str, int]]]:
        """Per 汇总 table: the units whose table had numbers mapped to no standard row and column
        (those numbers are not in the 汇总)."""
        out: dict[str, list[tuple[str, int]]] = {}
        for u in self.included:
            for tid, n in u.unmapped:
                out.setdefault(tid, []).append((u.name, n))
        return out

    # -- amounts
    @property
    def values(self) -> Values:
        """The 汇总 as published: plain sums, minus eliminations when requested (合并数)."""
        if not self.adjustments:
            return self.totals
        out = {t: {r: dict(c) for r, c in rows.items()} for t, rows in self.totals.items()}
        with localcontext(_EXACT):
            for (t, r, c), delta in self.adjustments.items():
                cols = out.setdefault(t, {}).setdefault(r, {})
                cols[c] = cols.get(c, ZERO) + delta
        return out

    def value(self, table: str, row: str, column: str, merged: bool = True) -> Decimal | None:
        base = self.totals.get(table, {}).get(row, {}).get(column)
        delta = self.adjustments.get((table, row, column)) if merged else None
        if delta is None:
            return base
        return (base or ZERO) + delta

    def texts(self, table: str) -> dict[str, dict[str, str]]:
        """One table's values as amount texts in 万元, the form ``render.tables.table_grid`` takes."""
        return {r: {c: format(v, "f") for c, v in cols.items()} for r, cols in self.values.get(table, {}).items()}

    @property
    def included(self) -> list[UnitInfo]:
        return [u for u in self.units if u.role == "unit" and u.included]

    @property
    def all_findings(self) -> list[Finding]:
        return [*self.findings, *self.summary_findings]

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.all_findings)

    @property
    def unusable(self) -> list[UnitInfo]:
        return [u for u in self.units if u.role == "failed"]

    def findings_by_unit(self) -> tuple[dict[int, list[Finding]], list[Finding]]:
        """Each unit's findings (by unit index) and the findings of the consolidation as a whole.

        A finding raised when the units were put together (another year, a missing table) goes
        to the unit whose file it names, when one unit alone has that file; the 汇总's own
        findings, and those naming no single unit, are the whole's."""
        own: dict[int, list[Finding]] = {}
        taken = [False] * len(self.findings)
        for u in self.units:
            start, end = u.findings
            own[u.index] = self.findings[start:end]
            for i in range(start, end):
                taken[i] = True
        by_source: dict[str, list[int]] = {}
        for u in self.units:
            by_source.setdefault(u.source, []).append(u.index)
        whole: list[Finding] = []
        for f, done in zip(self.findings, taken):
            if done:
                continue
            owners = by_source.get(f.location.file, ())
            if len(owners) == 1:
                own[owners[0]].append(f)
            else:
                whole.append(f)
        whole.extend(self.summary_findings)
        return own, whole

    # -- per-unit rows, streamed back from the spool
    def iter_unit_rows(self) -> Iterator[tuple[int, tuple[Decimal | None, ...]]]:
        """(unit index, key figures in KEY_FIGURES order), in input order, read from disk."""
        if self.spool is None:
            return
        self.spool.flush()
        self.spool.seek(0)
        while True:
            try:
                yield pickle.load(self.spool)
            except EOFError:
                return

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def __enter__(self) -> ConsolidationResult:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "year": self.year,
            "units": [{"name": u.name, "source": u.source, "role": u.role, "included": u.included,
                       "money_units": list(u.money_units), "errors": u.errors, "warnings": u.warnings,
                       "unmapped": dict(u.unmapped)}
                      for u in self.units],
            "eliminate": self.eliminate,
            "parent": self.parent,
            "parent_reason": self.parent_reason,
            "eliminations": [e.as_dict() for e in self.eliminations],
            "totals": {t: {r: {c: format(v, "f") for c, v in cols.items()} for r, cols in rows.items()}
                       for t, rows in self.values.items()},
        }


class Consolidator:
    """Add units one at a time (streaming), then ``finish()``.

    ``parent`` names the 局机关 (本级) for eliminations; by default the unit named 局机关 / …机关 /
    本级. ``strict``: a unit with error findings raises :class:`ConsolidationStopped`.
    ``sheet_prefix`` starts the names of the 汇总 tables' sheets (the ribbon's “汇总-”).
    """

    def __init__(self, *, name: str = "", eliminate: bool = False, strict: bool = False,
                 parent: str | None = None, detail_units: int = DETAIL_UNITS, form_rows: int = FORM_ROWS,
                 validate_summary: bool = True, sheet_prefix: str = "") -> None:
        self.name = name
        self.eliminate = eliminate
        self.strict = strict
        self.parent = parent
        self.detail_units = detail_units
        self.form_rows = form_rows
        self.validate_summary = validate_summary
        self.sheet_prefix = sheet_prefix
        self.units: list[UnitInfo] = []
        self.totals: Values = {}
        self.labels: dict[str, dict[str, str]] = {}
        self.findings: list[Finding] = []
        self.detail: list[tuple[int, Values]] = []
        self.money_units: Counter = Counter()
        self.form_row_names: set[str] = set()
        self.capped_rows: Counter = Counter()
        self._shared: dict = {}
        # closed by ConsolidationResult.close(), or here when adding fails
        self.spool = tempfile.TemporaryFile(prefix="pytoolkit-consolidate-")  # noqa: SIM115
        self.finished = False

    def add(self, unit: UnitData, path: str = "") -> None:
        """Add one unit (read from ``path``, the input file as given)."""
        index = len(self.units)
        first = len(self.findings)
        self.findings.extend(unit.findings)
        if self.strict and unit.errors:
            self.spool.close()
            raise ConsolidationStopped(unit.name, [f for f in unit.findings if f.severity is Severity.ERROR])
        if self.strict and unit.unmapped and unit.role == "unit":
            self.spool.close()
            what = "、".join(f"{t} {n}个" for t, n in unit.unmapped)
            raise ConsolidationStopped(unit.name, [f for f in unit.findings if f.rule == "recognise.unmapped_amounts"],
                                       f"有金额未能对应到标准行列（{what}）")
        included = unit.role != "failed" and bool(unit.values)
        flows: dict[str, dict[str, Decimal]] = {}
        if included and unit.role == "unit":
            for _, _, payer, receiver, _ in FLOWS:
                for tid, col in (payer, receiver):
                    rows = {r: cols[col] for r, cols in unit.values.get(tid, {}).items() if cols.get(col)}
                    if rows:
                        flows[f"{tid}/{col}"] = rows
        # thousands of units share a few table sets and money units: keep one object of each
        tables = frozenset(unit.values)
        tables = self._shared.setdefault(tables, tables)
        money = self._shared.setdefault(unit.money_units, unit.money_units)
        info = UnitInfo(index, unit.name, unit.source, unit.role, unit.year, money,
                        tables, unit.errors, unit.warnings, included, flows, unit.unmapped,
                        path, (first, len(self.findings)))
        self.units.append(info)
        if unit.role != "form":
            pickle.dump((index, unit.key_figures()), self.spool, protocol=pickle.HIGHEST_PROTOCOL)
        if not included:
            return
        self.money_units.update(unit.money_units)
        with localcontext(_EXACT):
            for tid, rows in unit.values.items():
                total = self.totals.setdefault(tid, {})
                names = unit.labels.get(tid, {})
                for rkey, cols in rows.items():
                    if tid == "PE":
                        rkey = self._form_row(rkey)
                    target = total.get(rkey)
                    if target is None:
                        target = total[rkey] = {}
                    label = names.get(rkey)
                    if label:  # the same label whatever the order of the units
                        kept = self.labels.setdefault(tid, {})
                        if rkey not in kept or label < kept[rkey]:
                            kept[rkey] = label
                    for ckey, v in cols.items():
                        target[ckey] = target[ckey] + v if ckey in target else v
        if unit.role == "unit" and len(self.detail) < self.detail_units:
            self.detail.append((index, unit.values))

    def _form_row(self, key: str) -> str:
        if key in self.form_row_names:
            return key
        if len(self.form_row_names) < self.form_rows:
            self.form_row_names.add(key)
            return key
        self.capped_rows[key] += 1
        return OTHER_UNITS

    def add_all(self, units: Iterable[UnitData]) -> None:
        for u in units:
            self.add(u)

    # -- finish
    def finish(self) -> ConsolidationResult:
        units = [u for u in self.units if u.role == "unit" and u.included]
        findings = self.findings
        year = self._year(units, findings)
        self._missing_tables(units, findings)
        self._duplicate_names(units, findings)
        if self.capped_rows:
            findings.append(_finding("consolidate.form_rows_capped", Severity.INFO,
                                     f"汇总的整体支出绩效自评表最多逐行列示{self.form_rows}个单位，其余"
                                     f"{len(self.capped_rows)}个单位合并列为“{OTHER_UNITS}”一行（汇总行不受影响）。",
                                     table="PE"))
        pe = self.totals.get("PE")
        if pe is not None:
            with localcontext(_EXACT):
                summary: dict[str, Decimal] = {}
                for key, cols in pe.items():
                    if key == SUMMARY_UNIT:
                        continue
                    for c, v in cols.items():
                        summary[c] = summary.get(c, ZERO) + v
            rest = {k: v for k, v in pe.items() if k != SUMMARY_UNIT}
            self.totals["PE"] = {SUMMARY_UNIT: summary, **rest}
        adjustments: dict[tuple[str, str, str], Decimal] = {}
        eliminations: list[Elimination] = []
        parent = None
        reason = ""
        if self.eliminate and units:
            parent, reason = self._parent(units, findings)
            if parent is not None:
                eliminations, adjustments = eliminate_flows(parent, [u for u in units if u is not parent], findings)
        name = self.name or department_name([u.name for u in units])
        result = ConsolidationResult(
            name=name, year=year, units=self.units, totals=self.totals, labels=self.labels,
            adjustments=adjustments, eliminate=self.eliminate, eliminations=eliminations,
            parent=parent.name if parent else None, findings=findings, detail=self.detail,
            detail_units=self.detail_units, money_units=self.money_units, spool=self.spool,
            parent_reason=reason)
        self.finished = True
        if not units:
            findings.append(_finding("consolidate.no_units", Severity.ERROR, "没有可汇总的单位。"))
            return result
        result.tables, rendering = summary_tables(result, self.sheet_prefix)
        result.summary_findings = rendering
        if self.validate_summary:
            result.summary_findings = [*rendering, *validate_summary(result)]
        return result

    def _year(self, units: list[UnitInfo], findings: list[Finding]) -> int | None:
        years = Counter(u.year for u in units if u.year)
        if not years:
            return None
        year = years.most_common(1)[0][0]
        for u in units:
            if u.year and u.year != year:
                findings.append(_finding("consolidate.year_mismatch", Severity.ERROR,
                                         f"单位“{u.name}”是{u.year}年度，与其他单位（{year}年度）不同，仍已计入汇总，请核对。",
                                         u.source))
        return year

    def _missing_tables(self, units: list[UnitInfo], findings: list[Finding]) -> None:
        if len(units) < 2:
            return
        present = Counter(t for u in units for t in u.tables)
        for u in units:
            missing = [t for t in SUMMED_IDS if present.get(t) and t not in u.tables]
            if missing:
                names = "、".join(f"{t} {catalog.BY_ID[t].title}" for t in missing)
                findings.append(_finding("consolidate.missing_table", Severity.WARNING,
                                         f"单位“{u.name}”缺少其他单位都有的表：{names}；这些表的汇总数不含该单位。",
                                         u.source))

    def _duplicate_names(self, units: list[UnitInfo], findings: list[Finding]) -> None:
        counts = Counter(u.name for u in units)
        for name, n in counts.items():
            if n > 1:
                sources = "、".join(u.source for u in units if u.name == name)
                findings.append(_finding("consolidate.duplicate_unit", Severity.WARNING,
                                         f"单位名称“{name}”出现{n}次（{sources}），已分别计入汇总，请确认不是重复提供。"))

    def _parent(self, units: list[UnitInfo], findings: list[Finding]) -> tuple[UnitInfo | None, str]:
        """The 上级单位 (局机关/本级) for eliminations, and how it was chosen — never by the order of
        the inputs: ``parent`` (a unit name, or its file's name or stem), else the unit whose
        internal flows match the others' (its 对附属单位补助支出 = their 上级补助收入, its
        附属单位上缴收入 = their 上缴上级支出), else the one unit named …机关/本级. None (and no
        elimination) when none of these decides."""
        if self.parent:
            wanted = self.parent.strip()
            hits = [u for u in units if wanted in (u.name, u.source, u.source.split("!")[0],
                                                   Path(u.source.split("!")[0]).stem)]
            if len(hits) == 1:
                return hits[0], f"按指定（--parent {wanted}）"
            if hits:
                many = "、".join(u.name for u in hits)
                raise InputError(f"指定的上级单位“{wanted}”对应多个单位（{many}），请写单位全称。")
            names = "、".join(sorted(u.name for u in units))
            raise InputError(f"指定的上级单位（局机关）“{wanted}”不在汇总的单位中（参与汇总的单位：{names}）。")
        inferred = infer_parent(units)
        if inferred is not None:
            return inferred
        for suffix in _PARENT_NAMES:
            hits = [u for u in units if u.name.endswith(suffix) or u.name == suffix]
            if len(hits) == 1:
                return hits[0], f"按单位名称（“{hits[0].name}”以“{suffix}”结尾）识别"
        findings.append(_finding("consolidate.parent_unknown", Severity.WARNING,
                                 "无法确定上级单位（局机关/本级）：各单位之间的内部往来不能对应到唯一的上级单位，单位名称中"
                                 "也看不出；内部往来未抵销。请用 --parent 指定上级单位（单位名称或文件名）。"))
        return None, ""


_PAY, _SUBSIDY_IN = "T3/对附属单位补助支出", "T2/上级补助收入"
_REMIT_OUT, _REMIT_IN = "T3/上缴上级支出", "T2/附属单位上缴收入"


def _flow(u: UnitInfo, key: str) -> Decimal:
    return u.flows.get(key, {}).get("合计", ZERO)


def infer_parent(units: list[UnitInfo]) -> tuple[UnitInfo, str] | None:
    """The unit whose internal flows match the others': it pays 对附属单位补助支出 equal to the
    others' 上级补助收入 and/or receives 附属单位上缴收入 equal to their 上缴上级支出 (docs/rules.md §5).
    Where no unit matches to the cent, the only unit that pays subsidies or receives remittances
    while no other does. None when neither decides."""
    with localcontext(_EXACT):
        exact, direction = [], []
        for p in units:
            others = [u for u in units if u is not p]
            paid, got = _flow(p, _PAY), sum((_flow(u, _SUBSIDY_IN) for u in others), ZERO)
            received, sent = _flow(p, _REMIT_IN), sum((_flow(u, _REMIT_OUT) for u in others), ZERO)
            pairs = [(a, b) for a, b in ((paid, got), (received, sent)) if a or b]
            if pairs and all(a == b for a, b in pairs):
                exact.append((p, paid, received))
            if (paid or received) and not any(_flow(u, _PAY) or _flow(u, _REMIT_IN) for u in others):
                direction.append(p)
    if len(exact) == 1:
        p, paid, received = exact[0]
        parts = [f"对附属单位补助支出{format_amount(paid)}万元等于其他单位上级补助收入之和" if paid else "",
                 f"附属单位上缴收入{format_amount(received)}万元等于其他单位上缴上级支出之和" if received else ""]
        return p, f"按内部往来推定：“{p.name}”的" + "，".join(x for x in parts if x)
    if len(direction) == 1:
        p = direction[0]
        return p, (f"按内部往来推定：只有“{p.name}”有对附属单位补助支出或附属单位上缴收入"
                   "（两方金额不完全对等，见抵销明细）")
    return None


def department_name(unit_names: Sequence[str]) -> str:
    """The department's name: the common beginning of its units' names (汨罗市示例局机关, 汨罗市示例局
    信息中心 → 汨罗市示例局), or “汇总” when they share none."""
    names = [n for n in unit_names if n]
    if not names:
        return "汇总"
    prefix = os.path.commonprefix(names)
    if len(names) > 1 and len(prefix) >= 2:
        return prefix.rstrip("（(-_ ")
    if len(names) == 1:
        return names[0]
    # 局机关 is the department's own office: 汨罗市示例局机关 → 汨罗市示例局
    parents = [n[:-2] for n in names if n.endswith("局机关") and len(n) > 3]
    return parents[0] if len(parents) == 1 else "汇总"


# ---------------------------------------------------------------------------------------------
# Eliminations (docs/rules.md §5)


def eliminate_flows(parent: UnitInfo, children: list[UnitInfo], findings: list[Finding]
                    ) -> tuple[list[Elimination], dict[tuple[str, str, str], Decimal]]:
    """Internal flows between the parent and its children, removed from both sides when they pair.

    The parent's 对附属单位补助支出 against the children's 上级补助收入; the children's 上缴上级支出
    against the parent's 附属单位上缴收入. Each side is removed on its own rows (payer and receiver
    may book the flow under different 科目), in T2/T3 from the flow column and the row total, in T1
    from the income row, the spending 类 rows, 本年收入/支出合计 and 总计. When the two sides do not
    agree nothing is eliminated and a finding says so: guessing which side is wrong is the
    accountant's call. 财政拨款 is not an internal flow; 三公经费, 人数 and 固定资产 are plain sums.
    """
    out: list[Elimination] = []
    adjust: dict[tuple[str, str, str], Decimal] = {}
    with localcontext(_EXACT):
        for kind, title, (ptid, pcol), (rtid, rcol), parent_pays in FLOWS:
            payers = [parent] if parent_pays else children
            receivers = children if parent_pays else [parent]
            pay_key, recv_key = f"{ptid}/{pcol}", f"{rtid}/{rcol}"
            paid = sum((u.flows.get(pay_key, {}).get("合计", ZERO) for u in payers), ZERO)
            received = sum((u.flows.get(recv_key, {}).get("合计", ZERO) for u in receivers), ZERO)
            if not paid and not received:
                continue
            # sorted: the 汇总 reads the same whatever the order of the inputs
            payer_names = tuple(sorted(u.name for u in payers if u.flows.get(pay_key)))
            receiver_names = tuple(sorted(u.name for u in receivers if u.flows.get(recv_key)))
            if paid != received:
                out.append(Elimination(kind, title, payer_names, receiver_names, paid, received, ZERO))
                findings.append(_finding(
                    "consolidate.elimination_mismatch", Severity.WARNING,
                    f"内部往来不对等，未抵销：{title}，支付方{format_amount(paid)}万元，收到方{format_amount(received)}万元，"
                    f"相差{format_amount(paid - received)}万元。请核对后再汇总。", expected=paid, actual=received))
                continue
            for u in payers:
                for row, v in u.flows.get(pay_key, {}).items():
                    _adjust(adjust, ptid, row, pcol, -v)
                    _adjust(adjust, ptid, row, _T3_TOTAL, -v)
                    if codes.is_code(row) and len(row) == 3:
                        _adjust(adjust, "T1", row, "决算数", -v)
            for u in receivers:
                for row, v in u.flows.get(recv_key, {}).items():
                    _adjust(adjust, rtid, row, rcol, -v)
                    _adjust(adjust, rtid, row, _T2_TOTAL, -v)
            _adjust(adjust, "T1", _T1_INCOME_ROW[rcol], "决算数", -paid)
            for row in ("本年收入合计", "收入总计", "本年支出合计", "支出总计"):
                _adjust(adjust, "T1", row, "决算数", -paid)
            out.append(Elimination(kind, title, payer_names, receiver_names, paid, received, paid))
    return out, {k: v for k, v in adjust.items() if v}


def _adjust(adjust: dict, table: str, row: str, column: str, delta: Decimal) -> None:
    key = (table, row, column)
    adjust[key] = adjust.get(key, ZERO) + delta


# ---------------------------------------------------------------------------------------------
# Validate the 汇总 as printed


def validate_summary(result: ConsolidationResult, file: str = "汇总") -> list[Finding]:
    """Run the rule packs on the 汇总 tables (``result.tables``), modelled from their layouts.

    With eliminations the 绩效自评表 (plain sums by docs/rules.md §5) is checked on its own, so that its
    comparison with the eliminated public tables does not report the eliminated amounts.
    """
    from .rules import validate_book

    tables = [table_model(t.grid, t.layout, catalog.BY_ID[t.table_id], result.year) for t in result.tables]
    groups = [tables]
    if result.adjustments and any(t.id == "PE" for t in tables):
        groups = [[t for t in tables if t.id != "PE"], [t for t in tables if t.id == "PE"]]
    findings: list[Finding] = []
    for group in groups:
        if group:
            book = Book(path=Path(file), sheets=[], tables=group, unit_name=result.name, year=result.year)
            findings.extend(validate_book(book))
    return findings


# ---------------------------------------------------------------------------------------------
# Drivers: files (optionally in worker processes) and the open workbook (ribbon)


def consolidate_paths(paths: Sequence[str | Path], *, workers: int = 1, eliminate: bool = False,
                      strict: bool = False, parent: str | None = None, name: str = "",
                      edition: str | None = None, detail_units: int = DETAIL_UNITS,
                      progress: Callable[[int], None] | None = None,
                      on_unit: Callable[[UnitInfo, Sequence[Finding]], None] | None = None) -> ConsolidationResult:
    """Consolidate unit workbooks (each one unit, or one workbook holding the units as sheets).

    ``workers`` > 1 reads, recognises and validates the units in that many processes; results are
    summed in input order as they arrive (a bounded window of pending files, so memory stays flat).
    ``progress(n)`` is called after each file, ``on_unit(unit, its findings)`` after each unit
    (a batch's report takes them as they come). Raises ``ConsolidationStopped`` in strict mode.
    """
    cons = Consolidator(name=name, eliminate=eliminate, strict=strict, parent=parent, detail_units=detail_units)
    seen: dict[Path, str] = {}
    unique: list[Path] = []
    for p in paths:
        key = Path(p).resolve()
        if key in seen:
            cons.findings.append(_finding("consolidate.duplicate_input", Severity.WARNING,
                                          f"文件“{Path(p).name}”重复给出，只汇总一次。", Path(p).name))
            continue
        seen[key] = str(p)
        unique.append(Path(p))
    try:
        for path, units in zip(unique, _map_units(unique, workers, edition), strict=True):
            for u in units:
                cons.add(u, str(path))
                if on_unit:
                    on_unit(cons.units[-1], u.findings)
            if progress:
                progress(1)
    except BaseException:
        if not cons.spool.closed:
            cons.spool.close()
        raise
    return cons.finish()


def _map_units(paths: list[Path], workers: int, edition: str | None) -> Iterator[list[UnitData]]:
    if workers <= 1 or len(paths) < 2:
        for p in paths:
            yield read_units(p, edition)
        return
    from .batch import worker_start

    window = max(4, workers * 8)
    with ProcessPoolExecutor(max_workers=workers, initializer=worker_start) as pool:
        pending: list[Future] = []
        it = iter(paths)
        try:
            for p in it:
                pending.append(pool.submit(read_units, p, edition))
                if len(pending) >= window:
                    yield pending.pop(0).result()
            while pending:
                yield pending.pop(0).result()
        finally:
            for f in pending:
                f.cancel()


@dataclass
class OpenBookConsolidation:
    """What ``consolidate_open_book`` returns to the ribbon adapter."""

    result: ConsolidationResult
    # Cells of a 绩效自评表 局机关及二级机构汇总 row already in the book, with the value to put there.
    form_fills: list[tuple[CellRef, Decimal]]

    @property
    def sheets(self) -> list[SummaryTable]:
        """The 汇总 tables, for new sheets named “汇总-…”."""
        return self.result.tables

    @property
    def findings(self) -> list[Finding]:
        return self.result.all_findings


def consolidate_open_book(book: Book, *, eliminate: bool = False, parent: str | None = None,
                          name: str = "", edition: str | None = None) -> OpenBookConsolidation:
    """Consolidate the unit sheets of the open workbook (ribbon “汇总”).

    ``book`` is what the adapter read from the live workbook (``Book(path, sheets=[Sheet(...)])``),
    recognised or not. The 汇总 tables (``sheets``) are named “汇总-<table's sheet name>”, and
    ``form_fills`` gives, for each 整体支出绩效自评表 in the book, its 局机关及二级机构汇总 cells with the
    sum of its unit rows.
    """
    from .tables.recognise import recognise_book

    if not book.tables:
        recognise_book(book)
    cons = Consolidator(name=name, eliminate=eliminate, parent=parent, sheet_prefix=SUMMARY_PREFIX)
    try:
        for u in book_units(book, edition=edition):
            cons.add(u)
    except BaseException:
        cons.spool.close()
        raise
    return OpenBookConsolidation(cons.finish(), form_fills(book))


def form_fills(book: Book) -> list[tuple[CellRef, Decimal]]:
    """For every 整体支出绩效自评表 in ``book``: its 汇总 row's cells and the sum of its unit rows."""
    out = []
    for t in book.all("PE"):
        summary = t.rows.get(SUMMARY_UNIT)
        if summary is None:
            continue
        units = [r for k, r in t.rows.items() if k != SUMMARY_UNIT]
        with localcontext(_EXACT):
            for col, cell in summary.values.items():
                parts = [r.values[col].value for r in units if col in r.values and r.values[col].value is not None]
                if parts:
                    out.append((cell.ref, sum(parts, ZERO)))
    return out


__all__ = [
    "ConsolidationResult", "ConsolidationStopped", "Consolidator", "Elimination", "KEY_FIGURES",
    "OpenBookConsolidation", "SUMMARY_PREFIX", "SummaryTable", "UnitData", "UnitInfo", "book_units",
    "consolidate_open_book", "consolidate_paths", "department_name", "eliminate_flows", "extract", "form_fills",
    "infer_parent", "read_units",
    "sheet_unit_name", "split_units", "validate_summary",
]
