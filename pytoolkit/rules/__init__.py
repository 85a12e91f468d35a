"""Core layer: rule packs (YAML), their loader, the expression evaluator and the checks."""

from .engine import Rule, run_rules
from .loader import finding_ids, load_pack, packs_for, validate_book

__all__ = ["Rule", "run_rules", "load_pack", "packs_for", "validate_book", "finding_ids"]
