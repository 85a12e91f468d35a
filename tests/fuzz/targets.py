"""The parsers that take user text, as fuzz targets: each takes bytes and returns normally or
raises the parser's typed error. Anything else escaping is a bug. Used by the hypothesis tests
and by the atheris harness (``python -m tests.fuzz.atheris_harness``)."""

from __future__ import annotations

from pytoolkit.errors import RulePackError
from pytoolkit.narrative import extract, from_text
from pytoolkit.rules import expr
from pytoolkit.rules.loader import load_pack


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def rule_expression(data: bytes) -> None:
    try:
        expr.parse(_text(data))
    except expr.ExpressionError as exc:
        assert str(exc)


def rule_pack(data: bytes) -> None:
    try:
        load_pack("fuzz.yaml", _text(data))
    except RulePackError as exc:
        assert "fuzz.yaml" in str(exc)


def narrative(data: bytes) -> None:
    extract(from_text(_text(data), "fuzz.txt"))


TARGETS = {"rule_expression": rule_expression, "rule_pack": rule_pack, "narrative": narrative}
