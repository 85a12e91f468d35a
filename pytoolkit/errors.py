"""Core layer: typed exceptions. The CLI and the Excel adapters turn them into messages and exit codes.

Checks never raise on bad data (they return findings); these are for input that cannot be used
at all and for configuration errors. Every message is Chinese and names the place.
"""

from __future__ import annotations


class PytoolkitError(Exception):
    """Base of every error the toolkit raises on purpose; ``str()`` is the Chinese message."""


class ValueParseError(PytoolkitError, ValueError):
    """A value (cell text, argument) that is not a usable number; the message quotes it."""

    def __init__(self, value: object, reason: str = "", where: str = "") -> None:
        self.value = value
        self.reason = reason
        self.where = where
        text = f"无法识别的数值“{value}”"
        if where:
            text = f"{where}：{text}"
        if reason:
            text = f"{text}（{reason}）"
        super().__init__(text)


class InputError(PytoolkitError):
    """An input file (workbook, text, rule pack) that cannot be used; exit status 2."""


class RulePackError(PytoolkitError):
    """A malformed rule pack; the message names file, line and the problem."""
