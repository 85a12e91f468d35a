"""Adapter (command line): what every subcommand shares.

Exit codes, the consoles (rich, safe under a GBK console), the progress bar, folder expansion,
the text rendering of findings, the shared options (defined once: ``-o/--output``, ``--force``,
``--workers``, ``--format``, ``--edition``) and the one rule for outputs (:func:`prepare_output`).
``pytoolkit.cli`` and every module under ``pytoolkit.commands`` import from here, never from each
other's private names.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table as RichTable
from rich.text import Text

from ..errors import InputError
from ..findings import FAMILIES, Finding, Severity, json_text, summary
from ..metrics import format_amount
from ..tables.catalog import BY_ID

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl+C, as shells report SIGINT
# What a folder expands to: the workbooks the reader takes, and WPS's own spreadsheet files, which it
# refuses with what to do (a unit's .et among the .xlsx must be reported, not silently passed over).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".ett")
EDITIONS = ("2018", "2019")
FORMATS = ("text", "json")

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


# -- consoles ----------------------------------------------------------------------------------
def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr).

    Chinese text is wide: output that is not a terminal (pipes, files, CI logs) gets 160 columns
    rather than 80. The stream itself never fails on a character its encoding lacks (the CLI's
    edge sets ``errors="replace"``); rich draws its boxes in ASCII when the encoding is not UTF.
    """
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=None if _isatty(stream) else 160)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def error(message: str) -> int:
    """Print ``错误：message`` on stderr (the one error prefix of the CLI) and return exit code 2."""
    console(stderr=True).print(f"[bold red]错误：[/]{escape(message)}")
    return EXIT_INPUT


def progress(total: int) -> Progress:
    """A progress bar on stderr (done / total, elapsed, time left), shown for two or more items
    when stderr is a terminal (quiet when redirected to a file) and removed when done."""
    err = console(stderr=True)
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("已用"),
        TimeElapsedColumn(),
        TextColumn("约剩"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=total < 2 or not err.is_terminal,
    )


def working(text: str):
    """A line on stderr saying what a long run is doing after its progress bar (writing the
    汇总 workbook, the 问题清单), shown while it works when stderr is a terminal."""
    err = console(stderr=True)
    return err.status(text) if err.is_terminal else contextlib.nullcontext()


def table(title: str, columns: Sequence[str], numeric: Iterable[str] = ()) -> RichTable:
    """A rich table whose numeric columns never break a number across lines (right-aligned,
    no wrapping); text columns wrap when the terminal is narrow."""
    numeric = set(numeric)
    t = RichTable(title=title)
    for name in columns:
        if name in numeric:
            t.add_column(name, justify="right", no_wrap=True)
        else:
            t.add_column(name, overflow="fold")
    return t


def fitted_table(out: Console, title: str, columns: Sequence[str], rows: Iterable[Sequence[str]],
                 numeric: Iterable[str] = ()) -> RichTable:
    """A table of plain texts (no markup) that fits ``out``: numeric columns as ``table`` makes
    them; text columns narrowed, widest first, until the table fits the console, and their texts
    wrapped between numbers (``fit_text``), so that no number is split across lines."""
    numeric = set(numeric)
    rows = [[str(c) for c in r] for r in rows]
    widths = [max([cell_len(name), *(cell_len(line) for r in rows for line in r[i].split("\n"))])
              for i, name in enumerate(columns)]
    room = out.width - (3 * len(columns) + 1)  # borders and one space of padding each side
    texts = [i for i, name in enumerate(columns) if name not in numeric]
    while sum(widths) > room and texts:
        i = max(texts, key=lambda k: widths[k])
        if widths[i] <= max(cell_len(columns[i]), 8):
            break
        widths[i] -= 1
    t = RichTable(title=title)
    for i, name in enumerate(columns):
        if name in numeric:
            t.add_column(name, justify="right", no_wrap=True)
        else:
            t.add_column(name, width=widths[i], overflow="fold")
    for r in rows:
        t.add_row(*(Text(cell if columns[i] in numeric else fit_within(cell, widths[i])) for i, cell in enumerate(r)))
    return t


def fit_within(text: str, width: int) -> str:
    """``fit_text`` whose lines are never wider than ``width`` (fit_text lets a closing mark run
    past the line it ends)."""
    out = fit_text(text, width)
    if any(cell_len(line) > width for line in out.split("\n")):
        out = fit_text(text, width - 2)
    return out


_NUMBERISH = re.compile(r"[-+]?[0-9０-９][0-9０-９.,，．%％]*[0-9０-９%％]|[0-9０-９]")


def fit_text(text: str, width: int) -> str:
    """``text`` wrapped to lines of at most ``width`` terminal cells, breaking only outside numbers:
    “36.32%” never becomes “36.” and “32%”. A number is kept whole even when longer than a line;
    closing punctuation (“，”“。”“）”) stays with what precedes it."""
    if width < 1 or cell_len(text) <= width:
        return text
    atoms: list[str] = []
    pos = 0
    for m in _NUMBERISH.finditer(text):
        atoms.extend(text[pos:m.start()])
        atoms.append(m.group())
        pos = m.end()
    atoms.extend(text[pos:])
    lines: list[str] = []
    line, used = "", 0
    for atom in atoms:
        w = cell_len(atom)
        if used + w > width and line and atom not in _CLOSING:
            lines.append(line)
            line, used = "", 0
        line += atom
        used += w
    if line:
        lines.append(line)
    return "\n".join(lines)


_CLOSING = set("，。、；：！？）》」』”’,.;:!?)")


def print_json(doc: dict | str) -> None:
    """One JSON document on stdout, lossless whatever the console's encoding: characters the
    stream cannot encode are written as JSON escapes (``\\u2194``), which every JSON reader
    turns back into the character."""
    text = doc if isinstance(doc, str) else json_text(doc)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        utf = codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        utf = True  # an encoding Python does not know: printed as it is
    if not utf:
        # Outside strings JSON is ASCII, so only characters inside strings are escaped.
        text = text.encode(encoding, errors=_JSON_ESCAPES).decode(encoding)
    print(text)


def _json_escape(error: UnicodeEncodeError) -> tuple[str, int]:
    return json.dumps(error.object[error.start:error.end])[1:-1], error.end


_JSON_ESCAPES = "pytoolkit.json_escape"
codecs.register_error(_JSON_ESCAPES, _json_escape)


# -- inputs ------------------------------------------------------------------------------------
def expand_inputs(items: Iterable[str | Path], skip: Iterable[Path] = ()) -> list[Path]:
    """Files as given; folders expand to the workbooks inside, in the order Windows Explorer shows
    them (单位2 before 单位10: ``natural_key``). Inside a folder, Excel's
    lock files (``~$…``), hidden and temporary files (``.…``) and the paths in ``skip`` (this
    run's outputs) are left out."""
    skipped = {_key(p) for p in skip}
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(
                (q for q in p.rglob("*")
                 if q.suffix.lower() in WORKBOOK_SUFFIXES and not q.name.startswith(("~$", "."))
                 and q.is_file() and _key(q) not in skipped),
                key=lambda q, p=p: natural_key(q.relative_to(p))))
        else:
            out.append(p)
    return out


_DIGITS = re.compile(r"(\d+)")


def natural_key(path: Path) -> tuple:
    """Sort key of a relative path: folder by folder, runs of digits compared as numbers, case
    ignored (单位2.xlsx before 单位10.xlsx, as Explorer lists them)."""
    return tuple(
        tuple(int(t) if i % 2 else t.casefold() for i, t in enumerate(_DIGITS.split(part)))
        for part in path.parts)


def _key(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return _key(a) == _key(b)


# -- outputs: one rule for every command ------------------------------------------------------
def prepare_output(path: str | Path, *, suffixes: Sequence[str], inputs: Iterable[Path] = (),
                   force: bool = False, what: str = "输出文件") -> Path:
    """Check an output path before anything is computed or written; raise ``InputError`` otherwise.

    The rule (the same for demo, validate --annotate, consolidate, narrative write, template new):
    the name ends with one of ``suffixes``; it is never one of the inputs (even with ``--force``);
    its folder exists and is a folder; an existing file is refused unless ``force``.
    """
    out = Path(path)
    if out.is_dir():
        raise InputError(f"{out} 是文件夹；请给出{what}的文件名（以 {'、'.join(suffixes)} 结尾）。")
    if out.suffix.lower() not in suffixes:
        raise InputError(f"{what}“{out.name}”的扩展名应为 {'、'.join(suffixes)}。")
    for p in inputs:
        if same_file(out, Path(p)) or _key(out) == _key(Path(p)):
            raise InputError(f"{what}不能与输入文件相同：{out}（输入文件不会被改写，请另取一个文件名）。")
    check_folder(out.parent)
    if out.exists() and not force:
        raise InputError(f"文件已存在，不会覆盖：{out}。请换一个文件名，或加 --force 覆盖。")
    return out


def check_folder(folder: Path, what: str = "输出文件夹") -> None:
    folder = Path(folder) if str(folder) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} 是文件，不是文件夹，无法在其中写出文件。")
    if not folder.is_dir():
        raise InputError(f"{what}不存在：{folder}")
    if not os.access(folder, os.W_OK):
        raise InputError(f"没有权限在文件夹 {folder} 中写入文件，请换一个文件夹。")


# -- shared options, each defined once ---------------------------------------------------------
def positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，实为“{text}”")
    return n


def non_negative_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"应为0或正整数，实为“{text}”")
    return n


def year(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"年度应为四位数字，如 2019，实为“{text}”")
    return int(text)


def add_output(parser: argparse.ArgumentParser, metavar: str, help: str, *, required: bool = True,
               default: str | None = None) -> None:
    """``-o/--output`` and ``--force``: the same two flags on every command that writes."""
    parser.add_argument("-o", "--output", required=required, default=default, metavar=metavar, help=help)
    add_force(parser)


def add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="输出文件已存在时覆盖它（默认不覆盖，退出码为2）")


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text", help="输出格式：text（文字，默认）或 json")


def add_edition(parser: argparse.ArgumentParser, help: str = "表样版本（默认按是否有第九张表判断）") -> None:
    parser.add_argument("--edition", choices=EDITIONS, help=f"{help}：2018 或 2019")


def add_workers(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--workers", type=positive_int, metavar="N", help=help)


def workers_for(requested: int | None, items: int) -> int:
    """Processes to use: what was asked (at most one per item and per CPU), else by the batch size."""
    from ..batch import default_workers

    if requested is None:
        return default_workers(items)
    return max(1, min(requested, os.cpu_count() or 1, items))


# -- findings as text --------------------------------------------------------------------------
def render_text(out: Console, path: Path, findings: list[Finding], title: str | None = None) -> None:
    """One book's findings, grouped by ``Finding.section`` (情况说明, 与上年核对, else the table,
    else the id's family): location, message, numbers and the rule id; headed by ``title`` or the
    book's file name.

    Printed in one call per book; to a file or a pipe (no colours to draw) the lines are written
    straight to the stream, since rich's rendering of each line would cost more than checking the
    book (``--detail`` of a batch prints tens of thousands of lines)."""
    plain = not out.is_terminal and not out.record
    counts = summary(findings)
    name = title or path.name
    name = name if plain else f"[bold]{escape(name)}[/bold]"
    lines = [f"{name}：错误 {counts['error']} 条，核实 {counts['warning']} 条，提示 {counts['info']} 条"]
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.section].append(f)
    for section, items in groups.items():
        heading = BY_ID[section].title if section in BY_ID else FAMILIES.get(section, section)
        head = f"{section + ' ' if section in BY_ID else ''}{heading}"
        lines.append(f"  {head}" if plain else f"  [bold]{escape(head)}[/bold]")
        for f in items:
            nums = ""
            # In the finding's own unit: a 0.01 元 break of a 元 table never shows as 差额 0.00.
            scale, suffix = (10000, "元") if f.unit == "元" else (1, "")
            if f.expected is not None and f.actual is not None and \
                    format_amount(f.actual * scale) + suffix not in f.message:
                expected, actual = format_amount(f.expected * scale), format_amount(f.actual * scale)
                diff = format_amount(f.difference * scale)
                nums = f"（应为 {expected}{suffix}，实为 {actual}{suffix}，差额 {diff}{suffix}）"
            if plain:
                lines.append(f"    {f.severity.label} {f.location}  {f.message}{nums} [{f.rule}]")
            else:
                # Texts from the workbook and rule ids are escaped: “[recognise.no_unit]” is not a style.
                lines.append(
                    f"    [{_STYLE[f.severity]}]{f.severity.label}[/] {escape(str(f.location))}  {escape(f.message)}"
                    f"[dim]{escape(nums)} {escape(f'[{f.rule}]')}[/dim]"
                )
    if plain:
        out.file.write("\n".join(lines) + "\n")
    else:
        out.print("\n".join(lines))
