"""Adapter: the ``pytoolkit`` command line. Loads, makes one core call, renders, sets the exit code.

Exit status: 0 no error findings, 1 error findings, 2 an input could not be used.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from . import __version__
from .errors import PytoolkitError
from .findings import Finding, Severity, has_errors, summary, to_json
from .metrics import format_amount
from .tables.catalog import BY_ID

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
# Subcommand modules under pytoolkit/commands, each with register(subparsers).
COMMANDS: tuple[str, ...] = ("consolidate", "addin", "template", "narrative")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_GROUP_TITLES = {"book": "工作簿", "derived": "派生数", "X": "表间关系", "XP": "绩效自评表与公开表",
                 "recognise": "表格识别", "read": "读取"}
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _console(stderr: bool = False) -> Console:
    # Chinese text is wide: give non-terminal output (pipes, CI logs) room rather than 80 columns.
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)


def expand_inputs(items: list[str]) -> list[Path]:
    """Files as given; folders expand to the workbooks inside (sorted), lock files skipped."""
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out.extend(
                sorted(q for q in p.rglob("*") if q.suffix.lower() in WORKBOOK_SUFFIXES and not q.name.startswith("~$"))
            )
        else:
            out.append(p)
    return out


def _progress(total: int) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        transient=True,
        disable=total < 2,
    )


# -- validate ----------------------------------------------------------------------------------
def render_text(console: Console, path: Path, findings: list[Finding]) -> None:
    counts = summary(findings)
    console.print(
        f"[bold]{path.name}[/bold]：错误 {counts['error']} 条，核实 {counts['warning']} 条，提示 {counts['info']} 条"
    )
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.table or ""].append(f)
    for table, items in groups.items():
        title = BY_ID[table].title if table in BY_ID else _GROUP_TITLES.get(table, table or "读取与识别")
        console.print(f"  [bold]{table + ' ' if table in BY_ID else ''}{title}[/bold]")
        for f in items:
            nums = ""
            if f.expected is not None and f.actual is not None and format_amount(f.actual) not in f.message:
                nums = (
                    f"（应为 {format_amount(f.expected)}，实为 {format_amount(f.actual)}，"
                    f"差额 {format_amount(f.difference)}）"
                )
            # Texts from the workbook and rule ids are escaped: “[recognise.no_unit]” is not a style.
            console.print(
                f"    [{_STYLE[f.severity]}]{f.severity.label}[/] {escape(str(f.location))}  {escape(f.message)}"
                f"[dim]{escape(nums)} {escape(f'[{f.rule}]')}[/dim]"
            )


def cmd_validate(args) -> int:
    from .batch import check_files, default_workers
    from .rules.loader import load_pack

    out = _console()
    err = _console(stderr=True)
    for pack in args.rules or ():
        load_pack(pack)  # a malformed pack stops here, before any book is read
    books = expand_inputs(args.books)
    if not books:
        err.print("没有找到要校验的工作簿。")
        return EXIT_INPUT
    annotate_to = None
    if args.annotate:
        if len(books) > 1:
            folder = Path(args.annotate)
            if not folder.is_dir():
                err.print(f"校验多个工作簿时，--annotate 应指定一个已存在的文件夹：{folder}")
                return EXIT_INPUT

            def annotate_to(path: Path) -> Path:
                return folder / f"{path.stem}_校验{path.suffix}"
        else:

            def annotate_to(path: Path) -> Path:
                return Path(args.annotate)
    workers = args.workers if args.workers else default_workers(len(books))
    status = EXIT_OK
    results = []
    with _progress(len(books)) as progress:
        task = progress.add_task("校验", total=len(books))
        for result in check_files(books, args.rules or (), args.edition, workers, annotate_to):
            results.append(result)
            if result.problem:
                status = EXIT_INPUT
            elif has_errors(result.findings) and status == EXIT_OK:
                status = EXIT_FINDINGS
            progress.advance(task)
    if args.format == "json":
        all_findings = [f for r in results if r.findings for f in r.findings]
        books_doc = [
            {"file": str(r.path), "summary": summary(r.findings) if r.findings is not None else None,
             **({"error": r.problem} if r.problem else {})}
            for r in results
        ]
        print(to_json(all_findings, books=books_doc))
    else:
        for r in results:
            if r.findings is not None:
                render_text(out, r.path, r.findings)
            if r.problem:
                err.print(f"[bold red]无法使用[/] {r.problem}")
        if args.annotate and status != EXIT_INPUT:
            err.print(f"已写出标注副本：{args.annotate}")
    return status


# -- demo --------------------------------------------------------------------------------------
def cmd_demo(args) -> int:
    from .derived import derived_figures
    from .io.annotate import annotate
    from .io.layout import write_book
    from .io.reader import read_book
    from .rules import validate_book
    from .samples.data import DEPARTMENT, SEED

    console = _console()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed_path = out_dir / "示例_汨罗市人民政府政务服务中心_2018.xlsx"
    write_book(seed_path, SEED)
    write_book(
        out_dir / "示例_汨罗市人民政府政务服务中心_2018_分列编码_元.xlsx", SEED, code_layout="split", money_unit="元"
    )
    for i, unit in enumerate(DEPARTMENT):
        write_book(out_dir / f"示例部门_{i + 1}_{unit.name}.xlsx", unit)
    console.rule("[bold]pytoolkit 演示：部门决算公开表的识别、派生数与勾稽校验[/bold]")
    console.print(f"示例数据已写入 {out_dir.resolve()}（原始单位：{SEED.name}，{SEED.year}年度）\n")

    book = read_book(seed_path)
    t = RichTable(title="识别出的表格", show_lines=False)
    for col in ("表", "表名", "工作表", "单位", "行数"):
        t.add_column(col)
    for table in book.tables:
        t.add_row(table.id, table.tdef.title, table.sheet, table.money_unit, str(len(table.rows)))
    console.print(t)

    d = RichTable(title="派生数（完成率、增减、占比、等次；四舍五入保留两位）")
    for col in ("类别", "项目", "数字"):
        d.add_column(col, overflow="fold")
    for fig in derived_figures(book):
        d.add_row(fig.group, fig.subject, fig.text)
    console.print(d)

    findings = validate_book(book)
    console.rule("[bold]勾稽关系校验[/bold]")
    render_text(console, seed_path, findings)
    annotated = out_dir / "示例_校验标注.xlsx"
    annotate(seed_path, findings, annotated, book)
    console.print(f"\n标注副本（问题单元格着色并加批注，另有“校验结果”表和“预算与决算”图表）：{annotated}")
    console.print(
        "\n[dim]说明：上面列出的错误来自原始公开文件本身——整体支出绩效自评表中的收入来源、“三公”经费"
        "与公开表不一致。[/dim]"
    )
    from .commands import consolidate, narrative

    narrative.demo_section(console, out_dir, seed_path)
    consolidate.demo_section(console, out_dir)
    console.print(
        "\n[dim]更多：pytoolkit template list（标准模板）、pytoolkit addin install（Excel 加载项，Windows）、"
        "pytoolkit validate 文件夹 --workers 2（批量校验）。[/dim]"
    )
    return EXIT_OK


# -- parser ------------------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，实为“{text}”")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytoolkit",
        description="部门决算工具：勾稽关系校验、局机关与二级机构汇总、情况说明核对与生成、标准模板、Excel 加载项。"
                    "退出码：0 无错误，1 有错误，2 输入无法使用。",
    )
    parser.add_argument("--version", action="version", version=f"pytoolkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    demo = sub.add_parser(
        "demo", help="用内置示例数据演示全流程", description="用内置示例数据演示：识别、派生数、校验、标注。"
    )
    demo.add_argument("--out", default="pytoolkit-demo", help="示例文件输出目录（默认 ./pytoolkit-demo）")
    demo.set_defaults(func=cmd_demo)

    val = sub.add_parser(
        "validate", help="校验工作簿的勾稽关系", description="校验一个或多个工作簿（或文件夹）的表内、表间勾稽关系。"
    )
    val.add_argument("books", nargs="+", metavar="BOOK", help="工作簿文件或文件夹")
    val.add_argument(
        "--rules", action="append", metavar="PACK", help="附加规则文件（YAML），可多次给出；同编号规则将替换内置规则"
    )
    val.add_argument("--edition", choices=("2018", "2019"), help="表样版本（默认按是否有第九张表判断）")
    val.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（text 或 json）")
    val.add_argument("--annotate", metavar="OUT.xlsx", help="写出标注副本（多个工作簿时为文件夹）；原文件不会被修改")
    val.add_argument("--workers", type=_positive_int, metavar="N",
                     help="并行进程数（默认：8个以上工作簿时按CPU核数，否则1）")
    val.set_defaults(func=cmd_validate)
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_INPUT
    try:
        return args.func(args)
    except PytoolkitError as exc:
        _console(stderr=True).print(f"[bold red]错误：[/]{exc}")
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
