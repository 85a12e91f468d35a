"""Adapter: ``pytoolkit validate BOOK...`` — the 勾稽关系 check of one or many workbooks.

Loads (expands folders), checks each book (``batch.check_files``, in worker processes for large
batches), prints, sets the exit code: 0 no error findings, 1 error findings, 2 an input could not
be used. ``--annotate`` writes marked copies under the output rule of ``common.prepare_output``.
A batch (``overview.OVERVIEW_FROM`` books or more) prints an overview and writes the 问题清单.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from rich.markup import escape

from ..errors import InputError
from ..findings import Encoded, encode_finding, envelope, has_errors, input_entry
from ..overview import build
from . import overview
from .common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    add_edition,
    add_force,
    add_format,
    add_workers,
    check_folder,
    console,
    error,
    expand_inputs,
    prepare_output,
    print_json,
    progress,
    render_text,
    same_file,
    workers_for,
    working,
)
from .overview import add_batch_options

ANNOTATE_SUFFIXES = (".xlsx", ".xlsm")


def register(subparsers) -> None:
    val = subparsers.add_parser(
        "validate", help="校验工作簿的勾稽关系", description="校验一个或多个工作簿（或文件夹）的表内、表间勾稽关系。"
    )
    val.add_argument("books", nargs="+", metavar="BOOK", help="工作簿文件或文件夹")
    val.add_argument(
        "--rules", action="append", metavar="PACK", help="附加规则文件（YAML），可多次给出；同编号规则将替换内置规则"
    )
    add_edition(val)
    add_format(val)
    val.add_argument("--annotate", metavar="OUT.xlsx",
                     help="写出标注副本（.xlsx 文件名，或一个已有的文件夹：副本名为“原名_校验.xlsx”；"
                          "多个工作簿时须为文件夹）；原文件不会被修改")
    add_force(val)
    add_batch_options(val, "默认写在所校验文件夹的旁边（“文件夹名_问题清单.xlsx”），"
                           "或当前文件夹（“校验_问题清单.xlsx”）")
    add_workers(val, "并行进程数（默认：CPU核数，不超过工作簿数）")
    val.add_argument("--explain", action="store_true",
                     help="列出识别过程：每张表的位置、每行每列对应的标准行列、跳过的内容及原因")
    years = val.add_mutually_exclusive_group()
    years.add_argument("--previous", metavar="LAST.xlsx",
                       help="上年的决算工作簿：核对年初结转和结余与上年年末数、本年报表中的上年决算数与上年决算"
                            "（跨年度科目调整按对照表换算），标注副本另加“上年对比”表")
    years.add_argument("--previous-dir", metavar="LASTDIR",
                       help="上年各单位工作簿所在的文件夹：按单位名称（或文件名）逐一对应后与上年核对，"
                            "并列出只在一个年度出现的单位和结转不符的单位")
    val.add_argument("--aliases", metavar="FILE",
                     help="别名文件（YAML），补充本地表样的表名、行、列写法；不指定时自动使用工作簿旁的“决算表别名.yaml”")
    val.set_defaults(func=cmd_validate)


def annotated_name(book: Path) -> str:
    """The annotated copy's name in a folder: ``原名_校验.xlsx`` (``.xlsm`` keeps its macros)."""
    suffix = ".xlsm" if book.suffix.lower() == ".xlsm" else ".xlsx"
    return f"{book.stem}_校验{suffix}"


def annotate_targets(books: list[Path], target: str, force: bool) -> dict[Path, Path]:
    """Where each book's annotated copy goes; every target is checked before any book is read."""
    folder = Path(target)
    if len(books) == 1:
        out = folder / annotated_name(books[0]) if folder.is_dir() else folder  # a folder: 原名_校验.xlsx in it
        return {books[0]: prepare_output(out, suffixes=ANNOTATE_SUFFIXES, inputs=books, force=force, what="标注副本")}
    if not folder.is_dir():
        raise InputError(f"校验多个工作簿时，--annotate 应指定一个已存在的文件夹，而“{folder}”不是文件夹。")
    check_folder(folder)
    return {book: prepare_output(folder / annotated_name(book), suffixes=ANNOTATE_SUFFIXES, inputs=books,
                                 force=force, what="标注副本")
            for book in books}


def previous_for(args, books: list[Path]):
    """What to compare with: last year's book (``--previous``) or an index of last year's books by
    unit (``--previous-dir``); every mistake is a Chinese message before any book is read."""
    from ..batch import previous_index

    if getattr(args, "previous", None):
        last = Path(args.previous)
        if last.is_dir():
            raise InputError(f"--previous 应为上年的工作簿文件，而“{last}”是文件夹；"
                             "按文件夹批量核对请用 --previous-dir。")
        if not last.exists():
            raise InputError(f"上年工作簿不存在：{last}")
        if len(books) != 1:
            raise InputError("--previous 只能与一个工作簿同用；多个工作簿（或文件夹）请用 --previous-dir "
                             "给出上年的文件夹。")
        if same_file(last, books[0]):
            raise InputError(f"--previous 与本年工作簿是同一个文件：{last}。请给出上年的决算工作簿。")
        return last, None
    if getattr(args, "previous_dir", None):
        folder = Path(args.previous_dir)
        if not folder.exists():
            raise InputError(f"上年文件夹不存在：{folder}")
        if not folder.is_dir():
            raise InputError(f"--previous-dir 应为上年工作簿所在的文件夹，而“{folder}”是文件；"
                             "只核对一个工作簿请用 --previous。")
        lasts = expand_inputs([folder])
        if any(same_file(a, b) for a in lasts for b in books):
            raise InputError(f"--previous-dir 与本年的工作簿是同一批文件：{folder}。请给出上年工作簿所在的文件夹。")
        if not lasts:
            raise InputError(f"上年文件夹中没有工作簿（.xlsx、.xlsm、.xls）：{folder}")
        return None, previous_index(lasts, args.aliases)
    return None, None


def year_report(results, index) -> dict:
    """Units matched across years, units found in one year only, units whose carry-over differs."""
    matched = {r.previous for r in results if r.previous}
    only_this = [{"file": str(r.path), "unit": r.unit} for r in results
                 if r.findings is not None and r.previous is None]
    only_last = [{"file": str(p), "unit": index.units.get(p, "")} for p in index.units if p not in matched]
    bad = [{"file": str(r.path), "unit": r.unit, "previous": str(r.previous)} for r in results
           if r.carryover_ok is False]
    return {"matched": len(matched), "only_this_year": only_this, "only_last_year": only_last,
            "carryover_differs": bad,
            "unusable_last_year": [{"file": str(p), "error": e} for p, e in index.problems.items()]}


def print_years(out, years: dict) -> None:
    out.print(f"\n[bold]与上年核对[/bold]：对应上的单位 {years['matched']} 个。")
    for item in years["only_this_year"]:
        out.print(f"  只在本年出现：{escape(item['unit'] or '（未写明单位）')}（{escape(Path(item['file']).name)}）")
    for item in years["only_last_year"]:
        out.print(f"  只在上年出现：{escape(item['unit'] or '（未写明单位）')}（{escape(Path(item['file']).name)}）")
    for item in years["unusable_last_year"]:
        out.print(f"  上年工作簿无法使用：{escape(item['error'])}")
    if years["carryover_differs"]:
        out.print("  [bold red]年初结转和结余与上年年末数不符的单位：[/]")
        for item in years["carryover_differs"]:
            out.print(f"    {escape(item['unit'] or Path(item['file']).name)}（{escape(Path(item['file']).name)}，"
                      f"上年：{escape(Path(item['previous']).name)}）")
    else:
        out.print("  各单位年初结转和结余与上年年末数一致。")


def cmd_validate(args) -> int:
    from ..rules.loader import load_pack

    out = console()
    err = console(stderr=True)
    for pack in args.rules or ():
        load_pack(pack)  # a malformed pack stops here, before any book is read (its ids registered)
    if args.aliases:
        from ..tables.aliases import load

        load(args.aliases)  # a malformed alias file stops here too, naming its line
    planned = overview.planned_report(args, overview.validate_report(args.books))
    books = expand_inputs(args.books, skip=[planned, planned.with_suffix(".json")])
    if not books:
        return error(f"没有找到要校验的工作簿（.xlsx、.xlsm、.xls）：{'、'.join(args.books)}")
    previous, index = previous_for(args, books)
    batch = overview.is_batch(len(books))
    report = overview.prepare_report(args, planned, batch, books)
    targets = annotate_targets(books, args.annotate, args.force) if args.annotate else {}
    workers = workers_for(args.workers, len(books))
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(overview.ReportSink(report)) if report else None
        status, results, rows, encoded = _check(args, books, targets, workers, sink,
                                                previous or (index.by_unit if index else None))
        years = year_report(results, index) if index is not None else None
        doc = _json_doc(args, results, encoded, years, status) if encoded is not None else {}
        ov = build(rows) if batch or args.unit or sink else None
        if args.format == "json":
            print_json(doc)
        else:
            _print(out, err, args, results, ov, batch, years, previous)
        if sink:
            with working("正在写出问题清单……"):
                sink.finish(ov, doc, "各单位校验")
            if args.format == "text":
                overview.print_report(out, report)
    written = [r.annotated for r in results if r.annotated]
    if len(written) == 1:
        err.print(f"已写出标注副本：{written[0]}")
    elif written:
        err.print(f"已写出 {len(written)} 份标注副本到 {Path(args.annotate)}")
    return status


def _check(args, books, targets, workers, sink, previous):
    """Check every book; the report (and the JSON) take each book's findings as it comes."""
    from ..batch import check_files

    status = EXIT_OK
    results, rows = [], []
    encoded = Encoded() if args.format == "json" or sink else None
    if encoded is not None:
        from ..rules import finding_ids

        finding_ids()  # the rule ids' titles in the JSON: the workers, not this process, load the packs
    with progress(len(books)) as bar:
        task = bar.add_task("校验", total=len(books))
        for i, result in enumerate(check_files(books, args.rules or (), args.edition, workers,
                                               targets.get if targets else None, args.aliases, args.explain,
                                               previous)):
            results.append(result)
            if result.problem:
                status = EXIT_INPUT
            elif has_errors(result.findings) and status == EXIT_OK:
                status = EXIT_FINDINGS
            row = overview.UnitRow(result.unit or result.path.stem, str(result.path), result.findings,
                                   problem="" if result.usable else result.problem, index=i)
            rows.append(row)
            if encoded is not None:
                encoded.extend(map(encode_finding, row.findings))
            if sink:
                sink.add(row)
            bar.advance(task)
    return status, results, rows, encoded


def _json_doc(args, results, encoded: Encoded, years: dict | None, status: int) -> dict:
    written = [str(r.annotated) for r in results if r.annotated]
    inputs = [{**input_entry(str(r.path), "book", r.findings),
               **({"coverage": r.coverage} if r.coverage else {}),
               **({"explain": list(r.explain)} if r.explain else {}),
               **({"previous": str(r.previous), "carryover_ok": r.carryover_ok} if r.previous else {})}
              for r in results]
    extra = {"years": years} if years is not None else {}
    return envelope("validate", [f for r in results for f in r.findings], status=status, inputs=inputs,
                    output=written[0] if len(written) == 1 else (args.annotate if written else None),
                    encoded=encoded, **extra)


PROBLEMS_LISTED = 10  # unusable files named on stderr in a batch (all of them are in the report)


def _print(out, err, args, results, ov: overview.Overview | None, batch: bool, years: dict | None,
           previous) -> None:
    """Every book's findings as before (a few books, or ``--detail``), or the units asked for
    (``--unit``); then, for a batch, the overview. ``--explain`` prints each book's recognition."""
    listing = not args.unit and (not batch or args.detail)
    for r in results:
        for line in r.explain:
            out.print(escape(line))
        if listing and r.usable:
            render_text(out, r.path, r.findings)
        if listing or r.explain:
            if r.aliases:
                out.print(f"  已使用别名文件：{escape(r.aliases)}")
            if r.coverage:
                out.print(f"  {escape(r.coverage)}")
    if args.unit:
        overview.print_matching(out, ov, args.unit)
    problems = [r.problem for r in results if r.problem]
    listed = problems if not batch else problems[:PROBLEMS_LISTED]
    for problem in listed:
        err.print(f"[bold red]错误：[/]{escape(problem)}")
    if len(problems) > len(listed):
        err.print(f"……共{len(problems)}个文件无法读取，全部见问题清单。")
    if years is not None:
        print_years(out, years)
    elif previous is not None and len(results) == 1 and results[0].previous:
        out.print(f"  已与上年工作簿核对：{escape(results[0].previous.name)}")
    if batch:
        if args.unit:
            out.print(f"共 {len(ov.units)} 个工作簿：{overview.tally(ov)}。")
        else:
            overview.print_overview(out, ov, noun="工作簿")
