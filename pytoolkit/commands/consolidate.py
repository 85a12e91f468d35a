"""Adapter: ``pytoolkit consolidate INPUT... -o OUT.xlsx`` — the 汇总 of 局机关 and 二级机构.

Loads (expands folders), makes one core call (``consolidate.consolidate_paths``), writes the
workbook (``io.consolidated.write_consolidated``), prints, sets the exit code: 0 no error findings,
1 error findings (or ``--strict`` stopped), 2 an input could not be used.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from ..findings import UNUSABLE_IDS, Encoded, Finding, encode_finding, envelope, input_entry, summary
from ..metrics import format_amount
from ..overview import build
from . import overview
from .common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    add_edition,
    add_format,
    add_output,
    add_workers,
    console,
    error,
    expand_inputs,
    prepare_output,
    print_json,
    progress,
    render_text,
    table,
    workers_for,
    working,
)

DESCRIPTION = (
    "把局机关和各二级机构的决算汇总为部门决算：输入可以是各单位的工作簿（或其所在文件夹），"
    "也可以是一个按单位分工作表（局机关、二级机构1……）的工作簿。行按科目编码（无编码按行名）对应，"
    "列按表头对应，元与万元自动换算，十进制精确相加；每个单位先校验，汇总后再校验。"
    "输出工作簿含汇总表、分户明细、分户主要指标、汇总说明和分户对比图；原文件不会被修改。"
)


def register(subparsers) -> None:
    p = subparsers.add_parser("consolidate", help="汇总局机关与二级机构（部门决算汇总）", description=DESCRIPTION)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="单位工作簿、文件夹，或按单位分工作表的一个工作簿")
    add_output(p, "OUT.xlsx", "输出的汇总工作簿（.xlsx；不能与输入相同，已存在时不覆盖）")
    p.add_argument("--eliminate", action="store_true",
                   help="抵销内部往来（对附属单位补助支出与上级补助收入、上缴上级支出与附属单位上缴收入），得到合并数")
    p.add_argument("--parent", metavar="FILE_OR_NAME",
                   help="抵销时的上级单位（局机关/本级）：单位名称或其工作簿文件名；默认按内部往来推定，推定不了再按名称识别")
    p.add_argument("--name", metavar="NAME", help="汇总表上的部门名称；默认取各单位名称的共同部分")
    p.add_argument("--strict", action="store_true",
                   help="严格模式：任一单位校验有错误、或有金额未能对应到标准行列，即停止，不写输出")
    add_workers(p, "并行处理的进程数（默认：CPU核数，不超过工作簿数）")
    add_edition(p, "校验各单位时的表样版本（默认按是否有第九张表判断）")
    add_format(p)
    overview.add_batch_options(p, "默认写在汇总工作簿旁边（“汇总工作簿名_问题清单.xlsx”）")
    p.set_defaults(func=cmd_consolidate)


def cmd_consolidate(args) -> int:
    from ..consolidate import ConsolidationStopped, consolidate_paths

    planned = overview.planned_report(args, Path(args.output).with_name(overview.report_name(Path(args.output).stem)))
    # The output of an earlier run may sit in an input folder: it is not a unit.
    paths = expand_inputs(args.inputs, skip=[Path(args.output), planned])
    if not paths:
        return error(f"没有找到要汇总的工作簿（.xlsx、.xlsm、.xls）：{'、'.join(args.inputs)}")
    out = prepare_output(args.output, suffixes=(".xlsx",), inputs=paths, force=args.force, what="汇总工作簿")
    batch = overview.is_batch(len(paths))
    report = overview.prepare_report(args, planned, batch, paths)
    workers = workers_for(args.workers, len(paths))
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(overview.ReportSink(report)) if report else None
        encoded: dict[int, list[str]] | None = {} if args.format == "json" or sink else None
        if encoded is not None:
            from ..rules import finding_ids

            finding_ids()  # the rule ids' titles in the JSON: the workers, not this process, load the packs

        def on_unit(unit, items) -> None:
            # each unit's rows in the report and its findings' JSON, while the others are read
            if sink:
                sink.add(overview.UnitRow(unit.name, unit.path or unit.source, tuple(items), index=unit.index))
            if encoded is not None:
                encoded[unit.index] = [encode_finding(f) for f in items]

        try:
            with progress(len(paths)) as bar:
                task = bar.add_task("汇总", total=len(paths))
                result = consolidate_paths(paths, workers=workers, eliminate=args.eliminate, strict=args.strict,
                                           parent=args.parent, name=args.name or "", edition=args.edition,
                                           progress=lambda n: bar.advance(task, n), on_unit=on_unit)
        except ConsolidationStopped as exc:
            return _stopped(args, exc)
        with result:
            return _finish(args, result, out, paths, batch, report, sink, encoded)


def _finish(args, result, out: Path, paths, batch: bool, report, sink, encoded) -> int:
    from ..io.consolidated import write_consolidated

    findings = result.all_findings
    written = None
    if result.included:
        with working("正在写出汇总工作簿……"):
            write_consolidated(out, result, paths)
        written = out
    status = EXIT_OK
    if any(f.severity.value == "error" for f in findings):
        status = EXIT_FINDINGS
    if result.unusable or not result.included:
        status = EXIT_INPUT
    doc = {}
    if encoded is not None:
        doc = envelope("consolidate", findings, status=status, inputs=_inputs(paths, findings),
                       output=str(written) if written else None, encoded=_encoded(result, encoded),
                       consolidation=result.as_dict())
    rows = unit_rows(result, written)
    if args.format == "json":
        print_json(doc)
    elif batch or args.unit:
        _render_batch(console(), result, written, rows, args)
    else:
        _render(console(), result, written)
    if sink:
        # what the units came with is in the report already; then what consolidating them found
        for row, late in _late(result, rows):
            sink.add(replace(row, findings=late))
        title = "合并" if result.adjustments else "汇总"
        with working("正在写出问题清单……"):
            sink.finish(build(rows), doc, f"{result.name}{result.year or ''}年度部门决算{title}")
        if args.format == "text":
            overview.print_report(console(), report)
    if not written:
        error("没有可以汇总的单位，未写出汇总工作簿。")
    return status


def _late(result, rows: list[overview.UnitRow]):
    """(row, findings) not added with the units: raised when they were put together (another year,
    a missing table; after each unit's own), and the 汇总's own (its row, last)."""
    own = {u.index: u.findings[1] - u.findings[0] for u in result.units}
    for row in rows:
        late = tuple(row.findings[own.get(row.index, 0):]) if row.index in own else tuple(row.findings)
        if late:
            yield row, late


def _encoded(result, encoded: dict[int, list[str]]) -> Encoded:
    """The JSON of ``result.all_findings`` in their order, each unit's encoded as it came."""
    starts = {u.findings[0]: (u.findings[1], encoded.get(u.index))
              for u in result.units if u.findings[1] > u.findings[0]}
    out = Encoded()
    i, items = 0, result.findings
    while i < len(items):
        hit = starts.get(i)
        if hit is not None and hit[1] is not None:
            out.extend(hit[1])
            i = hit[0]
        else:
            out.append(encode_finding(items[i]))
            i += 1
    out.extend(map(encode_finding, result.summary_findings))
    return out


WHOLE = "（汇总）"  # the overview's row for the findings of the consolidation as a whole


def unit_rows(result, written: Path | None) -> list[overview.UnitRow]:
    """One overview row per unit (its own findings), and one for the 汇总 as a whole."""
    own, whole = result.findings_by_unit()
    rows = []
    for u in result.units:
        items = own.get(u.index, [])
        problem = next((f.message for f in items if f.rule in UNUSABLE_IDS), "")
        status = ("无法读取，未汇总" if u.role == "failed" else "部门表单" if u.role == "form"
                  else "已汇总" if u.included else "未汇总")
        rows.append(overview.UnitRow(u.name, u.path or u.source, items, status, problem, u.index))
    if whole:
        rows.append(overview.UnitRow(WHOLE, str(written) if written else "", whole, "汇总数的校验等",
                                     index=len(result.units)))
    return rows


def _stopped(args, exc) -> int:
    if args.format == "json":
        print_json(envelope("consolidate", exc.findings, status=EXIT_FINDINGS,
                            inputs=_inputs(expand_inputs(args.inputs, skip=[Path(args.output)]), exc.findings),
                            stopped=str(exc)))
    else:
        render_text(console(), Path(exc.unit), exc.findings)
        console(stderr=True).print(f"[bold red]已停止：[/]{exc}未写出汇总工作簿。")
    return EXIT_FINDINGS


def _inputs(paths: list[Path], findings: list[Finding]) -> list[dict]:
    """One envelope entry per input file, with the findings located in it."""
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.location.file, []).append(f)
    return [input_entry(str(p), "book", by_file.get(p.name, ())) for p in paths]


def _render(out: Console, result, written: Path | None) -> None:
    included = result.included
    title = _heading(out, result)
    t = table(f"参与{title}的单位（{len(included)}个）",
              ("单位", "来源", "金额单位", "状态", "本年收入合计", "本年支出合计"),
              numeric=("本年收入合计", "本年支出合计"))
    rows = {index: figures for index, figures in result.iter_unit_rows()} if len(result.units) <= 50 else {}
    for u in result.units[:50]:
        if u.role == "form":
            continue
        figures = rows.get(u.index, ())
        income = format_amount(figures[1]) if len(figures) > 1 and figures[1] is not None else "—"
        spending = format_amount(figures[3]) if len(figures) > 3 and figures[3] is not None else "—"
        t.add_row(u.name, u.source, "、".join(u.money_units), u.status, income, spending)
    if len(result.units) > 50:
        t.caption = f"只列前50个，全部单位见输出工作簿“分户主要指标”表（共{len(result.units)}个）"
    out.print(t)
    _totals(out, result)
    by_file: dict[str, list[Finding]] = {}
    for f in result.all_findings:
        by_file.setdefault(f.location.file or "汇总", []).append(f)
    for file, items in by_file.items():
        render_text(out, Path(file), items)
    _written(out, result, written)


def _render_batch(out: Console, result, written: Path | None, rows: list[overview.UnitRow], args) -> None:
    """A batch: the 汇总 figures, then the overview (or the units asked for) instead of every finding."""
    ov = build(rows)
    if args.unit:
        overview.print_matching(out, ov, args.unit)
    elif args.detail:
        overview.print_units(out, sorted(ov.units, key=lambda u: u.index))
    _heading(out, result)
    _totals(out, result)
    if args.unit:
        out.print(f"共 {len(ov.units)} 个单位：{overview.tally(ov)}。")
    else:
        overview.print_overview(out, ov)
    _written(out, result, written)


def _heading(out: Console, result) -> str:
    title = "合并" if result.adjustments else "汇总"
    out.rule(f"[bold]{result.name} {result.year or ''}年度部门决算{title}[/bold]")
    return title


def _totals(out: Console, result) -> None:
    title = "合并" if result.adjustments else "汇总"
    columns = ("项目", "汇总数") + (("抵销", "合并数") if result.adjustments else ())
    totals = table(f"{title}数（万元）", columns, numeric=columns[1:])
    for row in ("收入总计", "本年收入合计", "本年支出合计", "年末结转和结余"):
        plain = result.value("T1", row, "决算数", merged=False)
        if plain is None:
            continue
        cells = [row, format_amount(plain)]
        if result.adjustments:
            delta = result.adjustments.get(("T1", row, "决算数"))
            cells += ["" if delta is None else format_amount(delta), format_amount(result.value("T1", row, "决算数"))]
        totals.add_row(*cells)
    if totals.row_count:
        out.print(totals)
    for e in result.eliminations:
        state = f"抵销 {format_amount(e.amount)} 万元" if e.amount else "两方不等，未抵销"
        out.print(f"内部往来 {e.title}：支付 {format_amount(e.paid)}，收到 {format_amount(e.received)}，{state}")


def _written(out: Console, result, written: Path | None) -> None:
    title = "合并" if result.adjustments else "汇总"
    counts = summary(result.all_findings)
    tally = f"错误 {counts['error']} 条，核实 {counts['warning']} 条，提示 {counts['info']} 条"
    if written:
        out.print(f"\n已写出{title}工作簿：{written}（{tally}）")
    else:
        out.print(f"\n{tally}")


def demo_section(out: Console, units: list[Path], target: Path) -> None:
    """The demo's consolidation: the bundled department's unit workbooks → 汇总 with eliminations."""
    from ..consolidate import consolidate_paths
    from ..io.consolidated import write_consolidated

    out.rule("[bold]二、示例部门：局机关与二级机构汇总（抵销内部往来）[/bold]")
    with consolidate_paths(units, eliminate=True) as result:
        write_consolidated(target, result, units)
        _render(out, result, target)
