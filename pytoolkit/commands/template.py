"""Adapter: ``pytoolkit template list`` and ``pytoolkit template new NAME -o OUT.xlsx``.

Lists the blank standard workbooks and writes one, built on demand from the table definitions
(``pytoolkit.templates``); never overwrites an existing file. Exit status 0, or 2 when the
request cannot be met (unknown template, existing or unwritable output, year outside the edition).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .common import (
    EXIT_INPUT,
    EXIT_OK,
    add_output,
    console,
    error,
    non_negative_int,
    prepare_output,
    year,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "template", help="标准模板：列出或新建带公式的空白工作簿",
        description="部门决算公开表、整体支出和项目支出绩效自评表的空白模板：表头与官方表样一致，"
                    "合计、小计、总计和百分比为公式，可填单元格只接受数字。")
    sub = parser.add_subparsers(dest="template_command", metavar="子命令")
    listing = sub.add_parser("list", help="列出全部模板", description="列出全部模板的名称、说明和所含表格。")
    listing.set_defaults(func=cmd_list)
    new = sub.add_parser("new", help="按模板新建工作簿（不覆盖已有文件）",
                         description="按模板新建一个空白工作簿；输出文件已存在时不覆盖（加 --force 覆盖），退出码为2。")
    new.add_argument("name", metavar="NAME", help="模板名称（见 pytoolkit template list）；all＝全部模板")
    add_output(new, "OUT.xlsx", "输出文件（.xlsx，已存在时不覆盖）；NAME 为 all 时是一个已有的文件夹，"
                                "各模板按 template list 所列的文件名写入")
    new.add_argument("--year", type=year, metavar="YEAR", help="年度（决定科目名称和标题；默认按模板）")
    new.add_argument("--units", type=non_negative_int, metavar="N", help="整体支出绩效自评表的二级机构行数（默认2）")
    new.set_defaults(func=cmd_new)

    def usage(args) -> int:
        parser.print_help(sys.stderr)
        return EXIT_INPUT

    parser.set_defaults(func=usage)


def cmd_list(args) -> int:
    from ..tables.catalog import BY_ID
    from ..templates import TEMPLATES

    out = console()
    for t in TEMPLATES:
        out.print(f"{t.name:<12} {t.title}")
        out.print(f"{'':<12} 文件名：{t.file}；默认年度：{t.year}")
        out.print(f"{'':<12} 表格：{'、'.join(BY_ID[i].title for i in t.tables)}")
    return EXIT_OK


def cmd_new(args) -> int:
    from ..templates import DEFAULT_SUBUNITS, TemplateError, get, write

    if args.name == "all":
        return _new_all(args)
    try:
        template = get(args.name)
    except TemplateError as exc:
        return error(str(exc))
    out = prepare_output(args.output, suffixes=(".xlsx",), force=args.force, what="模板文件")
    if args.units is not None and "PE" not in template.tables:
        return error(f"--units 只用于整体支出绩效自评表模板（pe），不用于 {template.name}")
    try:
        path = write(template.name, out, year=args.year, overwrite=args.force,
                     subunits=DEFAULT_SUBUNITS if args.units is None else args.units)
    except TemplateError as exc:
        return error(str(exc))
    console().print(f"已新建 {path}（模板 {template.name}：{template.title}）")
    return EXIT_OK


def _new_all(args) -> int:
    """Every template under its file name into the folder ``-o`` (how workbook_templates/ is made)."""
    from ..errors import InputError
    from ..templates import TEMPLATES, write

    folder = Path(args.output)
    if not folder.is_dir():
        raise InputError(f"template new all 的 -o 应为一个已有的文件夹，而“{folder}”不是文件夹。")
    if args.year is not None or args.units is not None:
        return error("template new all 按各模板的默认年度和行数生成，不接受 --year、--units。")
    targets = [(t, prepare_output(folder / t.file, suffixes=(".xlsx",), force=args.force, what="模板文件"))
               for t in TEMPLATES]
    out = console()
    for t, path in targets:
        write(t.name, path, overwrite=args.force)
        out.print(f"已新建 {path}（模板 {t.name}：{t.title}）")
    return EXIT_OK
