"""Adapter (command line): batches — the overview on screen and the findings report files.

A run over ``OVERVIEW_FROM`` workbooks or more is a batch (a 财政局 or a department's finance
office checking or consolidating its units). The screen then shows an overview: a line of totals,
one row per unit worst first (at most ``LISTED_UNITS``), the rule ids that fired in most units with
their Chinese titles, and where the report went. Every finding goes to the report: the 问题清单
workbook (``render.findings_report``: 单位概览, 问题清单 with a filter and links to the source cells,
规则统计) and the same findings as JSON beside it. ``--detail`` prints every finding as a single
book's run does; ``--unit 名称`` prints the findings of the units whose name or file name contains
it. Fewer workbooks print every finding, as before, and write a report only with ``--report``;
so does ``--format json`` (its output already holds every finding).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..errors import InputError
from ..findings import json_text
from ..overview import VERDICTS, Overview, UnitRow, file_name
from .common import console, fit_within, fitted_table, prepare_output, render_text

OVERVIEW_FROM = 6  # workbooks: from this many on, the screen shows the overview
LISTED_UNITS = 50
LISTED_RULES = 10
REPORT_NAME = "问题清单"


def add_batch_options(parser: argparse.ArgumentParser, default_report: str) -> None:
    """``--detail``, ``--unit`` and ``--report``, the same on validate and consolidate."""
    parser.add_argument(
        "--detail", action="store_true",
        help=f"逐条列出每个单位的全部问题（{OVERVIEW_FROM}个及以上工作簿时默认只显示概览：各单位的问题条数、"
             "最常见的规则和问题清单的位置）")
    parser.add_argument("--unit", action="append", metavar="名称",
                        help="逐条列出名称或文件名含有该文字的单位的问题；可多次给出")
    parser.add_argument(
        "--report", metavar="OUT.xlsx",
        help=f"问题清单（全部问题，.xlsx，同名 .json 写在旁边）的文件名或一个已有的文件夹。{default_report}；"
             f"少于{OVERVIEW_FROM}个工作簿或 --format json 时只在给出本选项时写出；已存在时不覆盖（除非 --force）")


def is_batch(files: int) -> bool:
    return files >= OVERVIEW_FROM


def report_name(stem: str) -> str:
    return f"{stem}_{REPORT_NAME}.xlsx"


def planned_report(args, default: Path) -> Path | None:
    """Where the report would go (before the inputs are expanded): ``--report``, else ``default``."""
    if args.report:
        target = Path(args.report)
        return target / default.name if target.is_dir() else target
    return default


def prepare_report(args, target: Path | None, batch: bool, inputs: Iterable[Path]) -> tuple[Path, Path] | None:
    """The report's two files, checked by the output rule before any work; None when this run
    writes no report (no ``--report``, and not a batch or not text)."""
    if target is None or not (args.report or (batch and args.format == "text")):
        return None
    inputs = list(inputs)
    try:
        xlsx = prepare_output(target, suffixes=(".xlsx",), inputs=inputs, force=args.force, what="问题清单")
        data = prepare_output(xlsx.with_suffix(".json"), suffixes=(".json",), inputs=inputs, force=args.force,
                              what="问题清单（JSON）")
    except InputError as exc:
        if args.report:
            raise
        raise InputError(f"{exc}（问题清单默认写在 {target}；可用 --report 指定其他文件名或文件夹。）") from exc
    return xlsx, data


def validate_report(books: list[str]) -> Path:
    """validate's default report: beside the folder checked (``各单位_问题清单.xlsx`` next to
    ``各单位``, never inside it), else in the current folder."""
    if len(books) == 1 and Path(books[0]).is_dir():
        folder = Path(os.path.abspath(books[0]))
        if folder.name and folder.parent != folder:
            return folder.parent / report_name(folder.name)
    return Path(report_name("校验"))


class ReportSink:
    """The report of a batch, written as its units come: 问题清单's rows are painted while the
    other units are still being checked (each unit's rows together, in the order added); ``finish``
    adds the sheets that need every unit (单位概览 worst first, 规则统计) and writes both files."""

    def __init__(self, files: tuple[Path, Path]) -> None:
        from ..io.paint import PaintedRows
        from ..render.findings_report import FINDINGS_SHEET, empty_grids

        self.files = files
        self.folder = str(files[0].parent)
        self.titles: dict[str, str] = {}  # rule id → title, looked up once
        self.rows = PaintedRows(empty_grids(self.folder, ""), FINDINGS_SHEET)
        self.first: dict[int, int] = {}  # unit index → its first row in 问题清单

    def add(self, row: UnitRow) -> None:
        from ..render.findings_report import finding_rows

        if row.findings:
            self.first.setdefault(row.index, self.rows.next_row)
            self.rows.add(finding_rows(row, self.rows.next_row, self.folder, self.titles))

    def finish(self, overview: Overview, doc: dict, subject: str) -> None:
        from openpyxl import Workbook

        from ..io.output import write_atomic
        from ..io.paint import paint, save
        from ..render.findings_report import report_grids

        xlsx, data = self.files
        grids = report_grids(overview, self.folder, subject, self.first)

        def write(tmp: Path) -> None:
            wb = Workbook()
            wb.remove(wb.active)
            for grid in grids:
                paint(wb.create_sheet(grid.name), grid)
            save(wb, tmp, grids, painted=[self.rows])

        write_atomic(xlsx, write)
        write_atomic(data, lambda tmp: tmp.write_text(json_text(doc), encoding="utf-8"))

    def __enter__(self) -> ReportSink:
        return self

    def __exit__(self, *exc) -> None:
        self.rows.close()


def write_report(files: tuple[Path, Path], overview: Overview, doc: dict, subject: str) -> None:
    """The report of a batch whose units are all known (in input order into 问题清单)."""
    with ReportSink(files) as sink:
        for row in sorted(overview.units, key=lambda u: u.index):
            sink.add(row)
        sink.finish(overview, doc, subject)


# -- on screen ----------------------------------------------------------------------------------
def tally(overview: Overview) -> str:
    t = overview.totals
    return f"错误 {t['error']} 条，核实 {t['warning']} 条，提示 {t['info']} 条"


def print_overview(out: Console, overview: Overview, *, noun: str = "单位") -> None:
    """The totals line, the units worst first, and the rules that fired in most units."""
    verdicts = overview.verdicts()
    states = "，".join(f"{v} {verdicts[v]} 个" for v in VERDICTS if verdicts[v])
    line(out, f"共 {len(overview.units)} 个{noun}：{states}；{tally(overview)}。")
    shown = overview.units[:LISTED_UNITS]
    rows = [(u.name, file_name(u.file), *map(str, u.counts), u.status or u.verdict) for u in shown]
    out.print(fitted_table(out, f"各{noun}的问题（问题多的在前）", ("单位", "文件", "错误", "核实", "提示", "状态"),
                           rows, numeric=("错误", "核实", "提示")))
    if len(overview.units) > len(shown):
        line(out, f"只列问题最多的{len(shown)}个，全部{len(overview.units)}个见问题清单的“单位概览”表。")
    if overview.rules:
        rows = [(r.rule, r.title or "—", str(r.units), str(r.findings)) for r in overview.rules[:LISTED_RULES]]
        out.print(fitted_table(out, "出现最多的问题（按涉及单位数）", ("规则编号", "规则标题", "单位数", "条数"), rows,
                               numeric=("单位数", "条数")))
        if len(overview.rules) > LISTED_RULES:
            line(out, f"共{len(overview.rules)}个规则编号，全部见问题清单的“规则统计”表。")


def line(out: Console, text: str) -> None:
    """A line of plain text (no markup), wrapped between numbers to the console's width."""
    out.print(Text(fit_within(text, out.width)))


def print_units(out: Console, units: Iterable[UnitRow]) -> None:
    """Every finding of ``units``, as a single book's run prints them."""
    for u in units:
        label = u.name if u.name == Path(file_name(u.file)).stem or not u.file else f"{u.name}（{file_name(u.file)}）"
        render_text(out, Path(u.file or u.name), list(u.findings), title=label)


def print_matching(out: Console, overview: Overview, needles: list[str]) -> None:
    found = overview.matching(needles)
    if not found:
        names = "”“".join(needles)
        console(stderr=True).print(f"没有名称或文件名含“{escape(names)}”的单位。")
        return
    print_units(out, found)


def print_report(out: Console, files: tuple[Path, Path] | None) -> None:
    if files:
        out.print(Text(f"问题清单已写出：{files[0]}（全部问题，可按单位、规则筛选）；JSON：{files[1]}"))
