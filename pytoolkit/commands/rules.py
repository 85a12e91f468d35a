"""Adapter: ``pytoolkit rules list`` — every finding id with its Chinese title, severity and
explanation (the registry of ``pytoolkit.findings``, the built-in packs loaded), then every check
function by family with its explanation and the ids it emits (``pytoolkit.checking``).

Text: two tables grouped by family; ``--format json``: one object (docs/json.md “rules list”).
Exit status 0.
"""

from __future__ import annotations

import sys

from ..checking import CHECK_FAMILIES, CheckFunction, all_checks
from ..findings import FAMILIES, SCHEMA_VERSION, FindingId
from .common import EXIT_INPUT, EXIT_OK, add_format, console, print_json

_FAMILY_ORDER = ("read", "recognise", "book", "derived")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rules", help="列出全部校验规则（编号、标题、严重性、说明）和检查函数",
        description="列出工具可能报告的每一种问题：编号、中文标题、严重性（错误/核实/提示）和一句说明，"
                    "包括内置规则文件中的勾稽关系、读取与识别、汇总和情况说明的检查；"
                    "再按类别列出各检查函数、其说明和所报告的编号。")
    sub = parser.add_subparsers(dest="rules_command", metavar="子命令")
    listing = sub.add_parser("list", help="列出全部规则编号和检查函数",
                             description="列出全部规则编号及其标题、严重性和说明，以及各检查函数的说明和所报告的编号。")
    add_format(listing)
    listing.set_defaults(func=cmd_list)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_INPUT


def family_title(family: str) -> str:
    from ..tables.catalog import BY_ID

    if family in BY_ID:
        return f"{family} {BY_ID[family].title}"
    return FAMILIES.get(family, family)


def ordered(ids: list[FindingId]) -> list[FindingId]:
    """Families in reading order: reading, recognition, the workbook, the tables (catalog order),
    between tables, consolidation, output, narrative; ids within a family as registered."""
    from ..tables.catalog import BY_ID

    rank = {f: i for i, f in enumerate((*_FAMILY_ORDER, *BY_ID, "X", "XP", "consolidate", "output", "N"))}
    return sorted(ids, key=lambda i: rank.get(i.family, len(rank)))


def as_dict(info: FindingId) -> dict:
    return {"id": info.id, "family": info.family, "family_title": family_title(info.family),
            "severity": info.severity.value, "title": info.title, "explanation": info.explanation,
            "source": info.source}


def check_emits(check: CheckFunction) -> list[str]:
    """The ids ``check`` emits: its own, or for a function of the rule packs the ids of the
    built-in pack rules that call it."""
    if check.emits or check.family != "rules":
        return list(check.emits)
    from ..rules.loader import BUILTIN, builtin_pack

    return [r.id for name in BUILTIN for r in builtin_pack(name) if r.function == check.name]


def check_dict(check: CheckFunction) -> dict:
    return {"name": check.name, "family": check.family, "family_title": CHECK_FAMILIES[check.family],
            "explanation": check.explanation, "emits": check_emits(check)}


def cmd_list(args) -> int:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from ..rules import finding_ids

    ids = ordered(finding_ids())
    checks = all_checks()
    if args.format == "json":
        print_json({"schema": SCHEMA_VERSION, "command": "rules list", "ids": [as_dict(i) for i in ids],
                    "checks": [check_dict(c) for c in checks]})
        return EXIT_OK
    table = Table(title=f"规则编号（共{len(ids)}个）", box=box.SIMPLE_HEAD, show_lines=False)
    for column in ("编号", "严重性", "标题", "说明"):
        table.add_column(column, overflow="fold")
    family = None
    for info in ids:
        if info.family != family:
            family = info.family
            table.add_row(f"[bold]{escape(family_title(family))}[/bold]", "", "", "")
        table.add_row(escape(info.id), info.severity.label, escape(info.title), escape(info.explanation))
    console().print(table)
    functions = Table(title=f"检查函数（共{len(checks)}个）", box=box.SIMPLE_HEAD, show_lines=False)
    for column in ("名称", "说明", "报告的编号"):
        functions.add_column(column, overflow="fold")
    family = None
    for check in checks:
        if check.family != family:
            family = check.family
            functions.add_row(f"[bold]{escape(CHECK_FAMILIES[family])}[/bold]", "", "")
        functions.add_row(escape(check.name), escape(check.explanation), escape("\n".join(check_emits(check))))
    console().print(functions)
    return EXIT_OK
