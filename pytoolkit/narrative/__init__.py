"""Core layer: the narrative (情况说明) — read it, extract the figures it states, check them
against each other and against the tables, and write a draft whose every figure comes from
``pytoolkit.metrics``.

    doc = read_document("情况说明.docx")
    findings = check(doc, read_book("决算.xlsx"))
"""

from __future__ import annotations

from .checks import RULES, check
from .claims import Claim, extract
from .text import Document, from_book, from_text, read_document

__all__ = ["RULES", "Claim", "Document", "check", "extract", "from_book", "from_text", "read_document"]
