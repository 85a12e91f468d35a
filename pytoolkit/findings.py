"""Core layer: the one Finding type of every check, and its text and JSON renderers.

Severity follows the official software: error = 基本平衡/逻辑性 (must pass), warning = 核实性
(may pass with a written explanation), info = 尾差 and notes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

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
    rule: str  # stable id, e.g. "T1.income_total"; never reused for another meaning
    severity: Severity
    message: str  # Chinese, with the numbers
    location: Location
    expected: Decimal | None = None
    actual: Decimal | None = None
    table: str = ""  # table id the finding belongs to, for grouping
    related: tuple[str, ...] = ()  # further cells involved ("Sheet!C7")
    # The money unit the message prints its figures in: the table's own (元 books read 元). The
    # ``expected``/``actual`` values are always 万元, as in JSON.
    unit: str = "万元"

    @property
    def difference(self) -> Decimal | None:
        if self.expected is None or self.actual is None:
            return None
        return self.actual - self.expected

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.as_dict(),
            "expected": None if self.expected is None else str(self.expected),
            "actual": None if self.actual is None else str(self.actual),
        }


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.severity.value for f in findings)
    return {s.value: counts.get(s.value, 0) for s in Severity}


def to_json(findings: list[Finding], **extra) -> str:
    doc = {"findings": [f.as_dict() for f in findings], "summary": summary(findings), **extra}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
