"""Core layer: the one Finding type of every check, the registry of finding ids, and the JSON
envelope every command prints.

Severity follows the official software: error = 基本平衡/逻辑性 (must pass), warning = 核实性
(may pass with a written explanation), info = 尾差 and notes.

The registry: every id a check can emit has a Chinese title, a severity and a one-line Chinese
explanation. The ids of the built-in rule packs register from their YAML when a pack is loaded
(``pytoolkit.rules.finding_ids()`` loads them all); every other id is listed in
``pytoolkit.fixed_ids``. ``pytoolkit rules list`` prints them. The JSON contract (the envelope,
``SCHEMA_VERSION``) is described in docs/json.md and by ``schema/findings.schema.json``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .fixed_ids import FIXED_IDS
from .model import CellRef


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "核实", "info": "提示"}[self.value]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: a sheet cell, or a file line with the quoted text."""

    file: str = ""
    sheet: str = ""
    cell: str = ""
    line: int | None = None
    text: str = ""

    @classmethod
    def at(cls, ref: CellRef | None, file: str = "") -> Location:
        if ref is None:
            return cls(file=file)
        return cls(file=file, sheet=ref.sheet, cell=ref.a1)

    def __str__(self) -> str:
        if self.sheet:
            return f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        if self.line is not None:
            return f"{self.file}:{self.line}"
        return self.file

    def __reduce__(self):
        # Pickled as a plain tuple: batches send tens of thousands of findings between processes.
        return Location, (self.file, self.sheet, self.cell, self.line, self.text)

    def as_dict(self) -> dict:
        out = {}
        if self.file:
            out["file"] = self.file
        if self.sheet:
            out["sheet"] = self.sheet
        if self.cell:
            out["cell"] = self.cell
        if self.line is not None:
            out["line"] = self.line
        if self.text:
            out["text"] = self.text
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of one check.

    ``table`` is the standard table the finding is about, as a catalog id (T1…T9, PE, PP): the
    table of the located cell for a relation between tables. It is "" when the finding concerns
    no single table (a file, a workbook, a 情况说明, the consolidation as a whole), never anything
    else. ``group`` is the family of checks a finding is shown apart under: "N" (情况说明) for the
    narrative checks, "Y" (与上年核对) for this year's book against last year's, else "". What a
    finding is shown under (``section``) is its group, else its table, else the family of its id.
    ``related`` names the further cells involved (“收入决算表!C7”), the operands of a sum.
    """

    rule: str  # stable registered id, e.g. "T1.income_total"; never reused for another meaning
    severity: Severity
    message: str  # Chinese, with the numbers
    location: Location
    expected: Decimal | None = None
    actual: Decimal | None = None
    table: str = ""  # catalog table id, or "" (see the class docstring)
    related: tuple[str, ...] = ()  # further cells involved ("Sheet!C7")
    # The money unit the message prints its figures in: the table's own (元 books read 元). The
    # ``expected``/``actual`` values are always 万元, as in JSON.
    unit: str = "万元"
    group: str = ""  # "N", "Y" or "" (see the class docstring)

    def __reduce__(self):
        # A plain tuple and the severity's value: about half the time of the default pickling.
        return _finding, (self.rule, self.severity.value, self.message, self.location, self.expected, self.actual,
                          self.table, self.related, self.unit, self.group)

    @property
    def difference(self) -> Decimal | None:
        if self.expected is None or self.actual is None:
            return None
        return self.actual - self.expected

    @property
    def family(self) -> str:
        """The family of the rule id: its first part (“read”, “recognise”, “T1”, “X”, “N”…)."""
        return self.rule.split(".", 1)[0]

    @property
    def section(self) -> str:
        """What to show the finding under: its group (N, Y), else its table, else its family."""
        return self.group or self.table or self.family

    @property
    def title(self) -> str:
        """The registered Chinese title of the rule id ("" for an unregistered id)."""
        info = lookup(self.rule)
        return info.title if info is not None else ""

    def as_dict(self) -> dict:
        """Every field, numbers as exact decimal strings (the JSON contract, docs/json.md)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "title": self.title,
            "message": self.message,
            "location": self.location.as_dict(),
            "table": self.table,
            "related": list(self.related),
            "expected": _number(self.expected),
            "actual": _number(self.actual),
            "difference": _number(self.difference),
            "unit": self.unit,
            "group": self.group,
        }


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")

_SEVERITIES = {s.value: s for s in Severity}


def _finding(rule, severity, message, location, expected, actual, table, related, unit, group) -> Finding:
    return Finding(rule, _SEVERITIES[severity], message, location, expected, actual, table, related, unit, group)


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.severity.value for f in findings)
    return {s.value: counts.get(s.value, 0) for s in Severity}


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


# -- the registry of finding ids --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FindingId:
    """A registered finding id: what ``pytoolkit rules list`` prints for it."""

    id: str
    severity: Severity
    title: str  # Chinese
    explanation: str  # one line, Chinese
    source: str = ""  # where it is defined: “public.yaml:17” for a pack rule, else the module

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


# Families of ids (the first part of an id) and what ``rules list`` calls them; a table id
# (T1…T9, PE, PP) is the family of that table's own rules.
FAMILIES: dict[str, str] = {
    "read": "读取",
    "recognise": "表格识别",
    "book": "工作簿",
    "derived": "派生数",
    "X": "表间关系",
    "XP": "绩效自评表与公开表",
    "Y": "与上年核对",
    "consolidate": "汇总",
    "output": "输出",
    "N": "情况说明",
}

_IDS: dict[str, FindingId] = {}  # the toolkit's own ids
_USER_IDS: dict[str, FindingId] = {}  # ids of users' rule packs, over the toolkit's


def register(rule: str, severity: Severity | str, title: str, explanation: str, source: str = "",
             builtin: bool = True) -> FindingId:
    """Register ``rule``. A user's pack registers with ``builtin=False``: its ids (new ones, or a
    built-in rule it redefines) take precedence in ``lookup`` but are not the toolkit's registry."""
    if not rule or not title or not explanation:
        raise ValueError(f"finding id {rule!r} needs a Chinese title and explanation")
    info = FindingId(rule, Severity(severity), title, explanation, source)
    (_IDS if builtin else _USER_IDS)[rule] = info
    return info


def lookup(rule: str) -> FindingId | None:
    """The registration of ``rule`` (a user pack's first), or None."""
    return _USER_IDS.get(rule) or _IDS.get(rule)


def registered(include_user: bool = False) -> list[FindingId]:
    """The toolkit's ids registered so far, in registration order, and with ``include_user`` the
    ids users' packs added (``pytoolkit.rules.finding_ids()`` first loads the built-in packs, so
    that the list is complete)."""
    if not include_user:
        return list(_IDS.values())
    return [*(_USER_IDS.get(i, info) for i, info in _IDS.items()), *(v for k, v in _USER_IDS.items() if k not in _IDS)]


for _rule, _severity, _title, _explanation in FIXED_IDS:
    register(_rule, _severity, _title, _explanation, "pytoolkit.fixed_ids")


# -- the JSON envelope ------------------------------------------------------------------------------
SCHEMA_VERSION = 1
# Findings that mean an input (or an output) could not be used: exit status 2.
UNUSABLE_IDS = frozenset({"read.unusable", "output.annotate_failed", "consolidate.no_units"})


def exit_status(findings: Iterable[Finding]) -> int:
    """0 no error finding, 1 error findings, 2 an input could not be used (docs/architecture.md
    “Command line”)."""
    status = 0
    for f in findings:
        if f.rule in UNUSABLE_IDS:
            return 2
        if f.severity is Severity.ERROR:
            status = 1
    return status


def unusable(message: str, file: str, rule: str = "read.unusable") -> Finding:
    """The finding for an input that could not be used at all; ``message`` names the file."""
    return Finding(rule, Severity.ERROR, message, Location(file=file))


def input_entry(file: str, role: str, findings: Iterable[Finding] | None = None) -> dict:
    """One input of the envelope: its file, role, whether it was usable and its own counts."""
    items = list(findings or ())
    return {"file": file, "role": role, "usable": not any(f.rule in UNUSABLE_IDS for f in items),
            "summary": summary(items)}


def envelope(command: str, findings: list[Finding], *, inputs: Iterable[dict] = (), output: str | None = None,
             status: int | None = None, encoded: Encoded | None = None, **extra) -> dict:
    """The one JSON document every command prints with ``--format json`` (docs/json.md).

    ``command`` is “validate”, “consolidate” or “narrative check”; ``inputs`` are ``input_entry``
    dicts; ``extra`` holds the command's own part (“consolidation”, “stopped”). ``encoded``: the
    findings already encoded, in order (``encode_finding``, by a batch as they came).
    """
    return {
        "schema": SCHEMA_VERSION,
        "command": command,
        "status": exit_status(findings) if status is None else status,
        "summary": summary(findings),
        "findings": encoded if encoded is not None else [f.as_dict() for f in findings],
        "inputs": list(inputs),
        "output": output,
        **extra,
    }


def to_json(doc: dict) -> str:
    return json_text(doc)

_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


class Encoded(list):
    """A list whose items are already JSON text (``encode_finding``): ``json_text`` writes them as
    they are, so that a batch can encode its findings as they arrive."""


def encode_finding(f: Finding) -> str:
    return _ENCODE(f.as_dict())


def json_text(doc: dict) -> str:
    """``doc`` as JSON text: one top-level key a line, and each item of a top-level list on a line
    of its own. The same document as ``json.dumps(doc, indent=2)`` for any reader, but written by
    json's C encoder: with ``indent`` json encodes in Python, which for the tens of thousands of
    findings of a batch costs more than checking them."""
    lines = ["{"]
    last = len(doc) - 1
    for i, (key, value) in enumerate(doc.items()):
        comma = "," if i < last else ""
        if isinstance(value, list) and value:
            items = ",\n    ".join(value if isinstance(value, Encoded) else map(_ENCODE, value))
            lines.append(f"  {_ENCODE(key)}: [\n    {items}\n  ]{comma}")
        else:
            lines.append(f"  {_ENCODE(key)}: {_ENCODE(value)}{comma}")
    lines.append("}")
    return "\n".join(lines)


def json_schema() -> dict:
    """The JSON Schema of the envelope and of ``rules list`` (shipped in the package)."""
    from importlib import resources

    return json.loads((resources.files("pytoolkit") / "schema" / "findings.schema.json").read_text(encoding="utf-8"))
