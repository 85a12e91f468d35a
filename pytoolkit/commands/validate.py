"""Adapter: ``pytoolkit validate BOOK...`` — the 勾稽关系 check of one or many workbooks.

Loads (expands folders), checks each book (``batch.check_files``, in worker processes for large
batches), prints, sets the exit code: 0 no error findings, 1 error findings, 2 an input could not
be used. ``--annotate`` writes marked copies under the output rule of ``common.prepare_output``.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from ..errors import InputError
from ..findings import has_errors, summary, to_json
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
    workers_for,
)

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
    add_workers(val, "并行进程数（默认：8个以上工作簿时按CPU核数，否则1）")
    val.add_argument("--explain", action="store_true",
                     help="列出识别过程：每张表的位置、每行每列对应的标准行列、跳过的内容及原因")
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


def cmd_validate(args) -> int:
    from ..batch import check_files
    from ..rules.loader import load_pack

    out = console()
    err = console(stderr=True)
    for pack in args.rules or ():
        load_pack(pack)  # a malformed pack stops here, before any book is read
    if args.aliases:
        from ..tables.aliases import load

        load(args.aliases)  # a malformed alias file stops here too, naming its line
    books = expand_inputs(args.books)
    if not books:
        return error(f"没有找到要校验的工作簿（.xlsx、.xlsm、.xls）：{'、'.join(args.books)}")
    targets = annotate_targets(books, args.annotate, args.force) if args.annotate else {}
    workers = workers_for(args.workers, len(books))
    status = EXIT_OK
    results = []
    with progress(len(books)) as bar:
        task = bar.add_task("校验", total=len(books))
        for result in check_files(books, args.rules or (), args.edition, workers, targets.get if targets else None,
                                  args.aliases, args.explain):
            results.append(result)
            if result.problem:
                status = EXIT_INPUT
            elif has_errors(result.findings) and status == EXIT_OK:
                status = EXIT_FINDINGS
            bar.advance(task)
    if args.format == "json":
        all_findings = [f for r in results if r.findings for f in r.findings]
        books_doc = [
            {"file": str(r.path), "summary": summary(r.findings) if r.findings is not None else None,
             **({"coverage": r.coverage} if r.coverage else {}),
             **({"explain": list(r.explain)} if r.explain else {}),
             **({"error": r.problem} if r.problem else {})}
            for r in results
        ]
        print_json(to_json(all_findings, books=books_doc))
        return status
    for r in results:
        for line in r.explain:
            out.print(escape(line))
        if r.findings is not None:
            render_text(out, r.path, r.findings)
        if r.aliases:
            out.print(f"  已使用别名文件：{escape(r.aliases)}")
        if r.coverage:
            out.print(f"  {escape(r.coverage)}")
        if r.problem:
            err.print(f"[bold red]错误：[/]{r.problem}")
    written = [r.annotated for r in results if r.annotated]
    if len(written) == 1:
        err.print(f"已写出标注副本：{written[0]}")
    elif written:
        err.print(f"已写出 {len(written)} 份标注副本到 {Path(args.annotate)}")
    return status
