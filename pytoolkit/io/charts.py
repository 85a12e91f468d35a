"""io layer: the 预算与决算 sheet of an annotated copy, painted from its design
(``render.budget``: budget against actual as data and native column charts)."""

from __future__ import annotations

from ..model import Book
from ..render.budget import BUDGET_SHEET, budget_grid, budget_rows
from .paint import add_sheet, own_sheet_name

__all__ = ["BUDGET_SHEET", "add_budget_sheet", "budget_rows"]


def add_budget_sheet(wb, book: Book) -> bool:
    """Add the 预算与决算 sheet (data and charts) after the first sheet when ``book`` states
    budgets; False when it does not. A toolkit sheet of that name (an earlier run's) is replaced,
    a user's sheet is left alone (ours then takes a suffixed name)."""
    grid = budget_grid(book, own_sheet_name(wb, BUDGET_SHEET))
    if grid is None:
        return False
    add_sheet(wb, grid, 1)  # after the first sheet (the 校验结果 of an annotated copy)
    return True
