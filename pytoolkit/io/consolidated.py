"""io layer: write the consolidated (汇总) workbook.

What each sheet shows is designed in ``render.consolidation`` (汇总说明, 分户明细, 分户主要指标,
分户对比图) and ``render.summary`` (the 汇总 tables, laid out once by the consolidation); this
module paints them with openpyxl, in the order of ``workbook_grids``. 分户主要指标 is streamed
(``io.paint.save``). Written atomically (``io.output.write_atomic``); an output path equal to an
input is refused; text from the inputs is written as text, never as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook

from ..render.consolidation import CHART_SHEET, DETAIL_SHEET, EXPLAIN_SHEET, UNITS_SHEET, workbook_grids
from .output import check_output, write_atomic
from .paint import paint, save

if TYPE_CHECKING:
    from ..consolidate import ConsolidationResult

__all__ = ["CHART_SHEET", "DETAIL_SHEET", "EXPLAIN_SHEET", "UNITS_SHEET", "write_consolidated"]


def write_consolidated(out: str | Path, result: ConsolidationResult, inputs: Iterable[str | Path] = ()) -> Path:
    """Write the 汇总 workbook to ``out`` atomically; refuses to overwrite an input."""
    out = Path(out)
    check_output(out, [Path(p) for p in inputs])

    def write(tmp: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        streamed = []
        for grid in workbook_grids(result):  # each grid dropped once painted: memory stays flat
            paint(wb.create_sheet(grid.name), grid)
            if grid.stream is not None:
                streamed.append(grid)
        save(wb, tmp, streamed)

    write_atomic(out, write)
    return out
