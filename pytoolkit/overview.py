"""Core layer: the overview of a batch (many units' findings at a glance).

A batch (``validate`` or ``consolidate`` over many workbooks) gives one :class:`UnitRow` per unit:
its name, its file, its findings and a status. :func:`build` orders the units worst first (a file
that could not be used, then by error, 核实 and 提示 counts; input order among equals) and counts
the rule ids across units: which rules fired in how many units. The command line prints the
overview; the report workbook (``render.findings_report``) lists every finding behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .findings import FAMILIES, Finding, Severity, lookup
from .rules import finding_ids
from .tables.catalog import BY_ID

_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
VERDICTS = ("无法读取", "有错误", "需核实", "仅有提示", "无问题")  # a unit's state, worst first


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One unit of a batch: ``name`` (单位), ``file`` (the workbook, as given), its findings, and
    ``status`` (Chinese, e.g. “已汇总”). ``problem`` says why the file could not be used."""

    name: str
    file: str
    findings: Sequence[Finding] = ()
    status: str = ""
    problem: str = ""
    index: int = 0  # input order

    @property
    def usable(self) -> bool:
        return not self.problem

    @property
    def counts(self) -> tuple[int, int, int]:
        """(errors, 核实, 提示)."""
        c = Counter(f.severity for f in self.findings)
        return c[Severity.ERROR], c[Severity.WARNING], c[Severity.INFO]

    @property
    def verdict(self) -> str:
        """A unit's state in one word: 无法读取, 有错误, 需核实, 仅有提示, 无问题."""
        if self.problem:
            return "无法读取"
        errors, warnings, infos = self.counts
        return "有错误" if errors else "需核实" if warnings else "仅有提示" if infos else "无问题"


@dataclass(frozen=True, slots=True)
class RuleCount:
    """A rule id across the batch: its title, its most severe occurrence, units and findings."""

    rule: str
    title: str
    severity: Severity
    units: int
    findings: int


@dataclass
class Overview:
    units: list[UnitRow]  # worst first
    rules: list[RuleCount]  # most units first
    totals: dict[str, int] = field(default_factory=dict)  # findings by severity value

    @property
    def findings(self) -> int:
        return sum(self.totals.values())

    def verdicts(self) -> Counter:
        return Counter(u.verdict for u in self.units)

    def matching(self, needles: Iterable[str]) -> list[UnitRow]:
        """Units whose name or file name contains one of ``needles`` (in overview order)."""
        wanted = [n.strip() for n in needles if n.strip()]
        return [u for u in self.units if any(n in u.name or n in file_name(u.file) for n in wanted)]


def file_name(path: str) -> str:
    """The file name of ``path``, written with either separator."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def worst_first(row: UnitRow) -> tuple:
    errors, warnings, infos = row.counts
    return (row.usable, -errors, -warnings, -infos, row.index)


def build(rows: Iterable[UnitRow]) -> Overview:
    """The overview of ``rows``: units worst first, rule ids by the units they fired in."""
    units = sorted(rows, key=worst_first)
    totals = Counter()
    per_rule_units: Counter = Counter()
    per_rule_findings: Counter = Counter()
    severity: dict[str, Severity] = {}
    for u in units:
        seen: set[str] = set()
        for f in u.findings:
            totals[f.severity.value] += 1
            per_rule_findings[f.rule] += 1
            if f.rule not in seen:
                seen.add(f.rule)
                per_rule_units[f.rule] += 1
            known = severity.get(f.rule)
            if known is None or _RANK[f.severity] < _RANK[known]:
                severity[f.rule] = f.severity
    rules = [RuleCount(rule, rule_title(rule), severity[rule], per_rule_units[rule], per_rule_findings[rule])
             for rule in per_rule_units]
    rules.sort(key=lambda r: (-r.units, -r.findings, _RANK[r.severity], r.rule))
    return Overview(units, rules, {s.value: totals.get(s.value, 0) for s in Severity})


def rule_title(rule: str) -> str:
    """The Chinese title of a rule id (the registry's, users' packs included), else the name of
    its table or family. The built-in packs register their ids when loaded; a process that has
    not loaded them (the main process of a batch, whose workers check the books) loads them here."""
    info = lookup(rule)
    if info is None:
        finding_ids()
        info = lookup(rule)
    if info is not None:
        return info.title
    family = rule.split(".", 1)[0]
    if family in BY_ID:
        return BY_ID[family].title
    return FAMILIES.get(family, "")
