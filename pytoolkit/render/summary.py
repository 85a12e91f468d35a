"""Core layer (render): the 汇总 tables of a consolidation, laid out as the standard forms.

Each summed table becomes the official form (``render.tables.table_grid``) titled for the
department with “（汇总）” or “（合并）” (after eliminations), in 万元. The same grids are what
consolidation validates (``consolidate.validate_summary`` builds its model from their layouts)
and what each output paints: the command line's workbook and the ribbon's “汇总-…” sheets. Rows
the official form has no place for (a row without a 科目编码) are reported and stay in 分户明细.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import PytoolkitError
from ..findings import Finding, Location, Severity
from ..tables import catalog, codes
from ..tables.catalog import CODED
from .grid import Grid, parse_coordinate
from .tables import SHEET_NAMES, TableLayout, table_grid

if TYPE_CHECKING:
    from ..consolidate import ConsolidationResult

DEFAULT_YEAR = 2019  # a 汇总 of units that state no year is laid out on the current forms


@dataclass
class SummaryTable:
    """One 汇总 table: its grid (what the sheet shows) and its layout (where each amount is)."""

    table_id: str
    grid: Grid
    layout: TableLayout

    @property
    def name(self) -> str:
        return self.grid.name


def renderable(table_id: str, key: str) -> bool:
    """Whether the official form has a place for this row key (``table_grid`` refuses others)."""
    tdef = catalog.BY_ID[table_id]
    if table_id in ("T1", "T4"):
        return key in {r.key for r in tdef.rows} or (codes.is_code(key) and len(key) == 3)
    if table_id == "T6":
        return key in ("人员经费合计", "公用经费合计") or (codes.is_code(key) and len(key) in (3, 5))
    if table_id == "T7":
        return key in ("预算数", "决算数", "上年决算数")
    if tdef.kind == CODED:
        return key == "合计" or codes.is_code(key)
    return True


def unmapped_note(units: list[tuple[str, int]]) -> str:
    """What a 汇总 figure says when a unit's table had numbers mapped to no standard row/column."""
    which = "、".join(f"“{name}”{n}个" for name, n in units)
    return (f"注意：本表汇总数所依据的单位表中有金额未能对应到标准行列（{which}），这些金额未计入汇总。"
            "请用 pytoolkit validate --explain 查看，或在别名文件中补充本地写法后重新汇总。")


def summary_tables(result: ConsolidationResult, prefix: str = "") -> tuple[list[SummaryTable], list[Finding]]:
    """The 汇总 tables of ``result`` (sheets named ``prefix`` + the table's usual sheet name), and
    findings about rows the forms cannot print."""
    findings: list[Finding] = []
    tables: list[SummaryTable] = []
    year = result.year or DEFAULT_YEAR
    unit_name = f"{result.name}{'（合并）' if result.adjustments else '（汇总）'}"
    unmapped = result.unmapped()
    for tdef in catalog.ALL_TABLES:
        tid = tdef.id
        if tid == "PP" or tid not in result.totals:
            continue
        texts = result.texts(tid)
        dropped = [k for k in texts if not renderable(tid, k)]
        for k in dropped:
            del texts[k]
        if dropped:
            findings.append(Finding("consolidate.row_not_rendered", Severity.WARNING,
                                    f"“{tdef.title}”的行“{'、'.join(dropped[:10])}”{'等' if len(dropped) > 10 else ''}"
                                    "不是标准表中的行（无科目编码），未列入汇总表，其数字见“分户明细”。",
                                    Location(file=result.name), table=tid))
        name = (prefix + SHEET_NAMES.get(tid, tdef.title))[:31]
        try:
            grid, layout = table_grid(name, tdef, texts, unit_name=unit_name, year=year, money_unit="万元")
        except (ValueError, PytoolkitError) as exc:
            findings.append(Finding("consolidate.render_failed", Severity.ERROR,
                                    f"汇总的“{tdef.title}”无法按标准表样写出：{exc}；其数字见“分户明细”。",
                                    Location(file=result.name), table=tid))
            continue
        for key, where in layout.labels.items():
            label = result.labels.get(tid, {}).get(key)
            r, c = parse_coordinate(where)
            if label and grid.value(r, c) in (None, ""):
                grid.put(r, c, label, grid.style(r, c))
        if tid in unmapped:  # every figure of this table rests on a unit table with unread numbers
            note = unmapped_note(unmapped[tid])
            for where in layout.cells.values():
                grid.comments[parse_coordinate(where)] = note
        tables.append(SummaryTable(tid, grid, layout))
    return tables, findings

