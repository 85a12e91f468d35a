"""Adapter: ``pytoolkit demo`` — the main jobs end to end on the bundled sample data.

Two stories, told apart on screen: a real published disclosure (the seed unit, 2018, whose
published forms and text contain inconsistencies the toolkit finds) and an invented, perfectly
consistent department (2019) consolidated with eliminations. Every file the demo writes is listed
before anything is written, under the output rule of ``common.prepare_output``.
"""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.table import Table as RichTable

from ..errors import InputError
from .common import EXIT_OK, add_force, check_folder, console, fit_text, render_text, table

DEFAULT_FOLDER = "pytoolkit-demo"


def register(subparsers) -> None:
    demo = subparsers.add_parser(
        "demo", help="用内置示例数据演示全流程",
        description="用内置示例数据演示：识别标准表、派生数、勾稽校验、标注副本、情况说明核对与初稿、局机关与二级机构汇总。"
                    "示例文件写入一个文件夹；其中已有同名文件时不覆盖（加 --force 覆盖）。",
    )
    demo.add_argument("-o", "--output", default=DEFAULT_FOLDER, metavar="DIR",
                      help=f"示例文件的输出文件夹（默认 ./{DEFAULT_FOLDER}，不存在时新建）")
    add_force(demo)
    demo.set_defaults(func=cmd_demo)


def demo_files(folder: Path) -> dict[str, Path]:
    """Every file the demo writes, by role."""
    from ..samples.data import DEPARTMENT, SEED
    from ..samples.previous import SEED_PREVIOUS

    files = {
        "seed": folder / f"示例_{SEED.name}_{SEED.year}.xlsx",
        "seed_previous": folder / f"示例_{SEED.name}_{SEED_PREVIOUS.year}_虚构上年.xlsx",
        "annotated_years": folder / "示例_与上年核对标注.xlsx",
        "seed_split": folder / f"示例_{SEED.name}_{SEED.year}_分列编码_元.xlsx",
        "annotated": folder / "示例_校验标注.xlsx",
        "draft": folder / "情况说明初稿.docx",
        "consolidated": folder / "示例部门_汇总.xlsx",
    }
    for i, unit in enumerate(DEPARTMENT):
        files[f"unit{i + 1}"] = folder / f"示例部门_{i + 1}_{unit.name}.xlsx"
    return files


def prepare_folder(folder: Path, files: dict[str, Path], force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} 是一个文件，不是文件夹；请用 -o 指定示例文件的输出文件夹。")
    if folder.is_dir():
        check_folder(folder)
        existing = [p.name for p in files.values() if p.exists()]
        if existing and not force:
            raise InputError(f"文件夹 {folder} 中已有演示文件（{'、'.join(existing[:3])}"
                             f"{'等' if len(existing) > 3 else ''}），不会覆盖。"
                             "请用 -o 换一个文件夹，或加 --force 覆盖。")
        return
    parent = folder.parent
    if not parent.is_dir():
        raise InputError(f"无法新建文件夹 {folder}：上级文件夹 {parent} 不存在。")
    check_folder(parent)
    folder.mkdir()


def derived_table(figures, width: int) -> RichTable:
    """The derived figures as a table that fits ``width`` terminal cells without breaking a number:
    the 数字 column is wrapped here between numbers (``fit_text``), never by rich inside one."""
    rows = [(f.group, f.subject, f.text) for f in figures]
    group_w = max((cell_len(r[0]) for r in rows), default=4)
    subject_w = max((cell_len(r[1]) for r in rows), default=4)
    text_w = max((cell_len(r[2]) for r in rows), default=4)
    room = width - 10 - group_w  # 3 columns: 4 borders and 6 cells of padding
    if subject_w + text_w > room:
        subject_w = min(subject_w, max(12, room // 3))
        text_w = max(16, room - subject_w)
    t = RichTable(title="派生数（完成率、增减、占比、等次；四舍五入保留两位）")
    t.add_column("类别", no_wrap=True)
    t.add_column("项目", max_width=subject_w, overflow="fold")
    t.add_column("数字", width=text_w, no_wrap=True, overflow="ignore")
    for group, subject, text in rows:
        t.add_row(group, subject, fit_text(text, text_w))
    return t


def years_section(out, files: dict[str, Path]) -> None:
    """Demo: the seed's 2018 book against an invented 2017 book (``samples.previous``): the tables
    and the 情况说明's “较上年” statements checked against last year's book itself."""
    from ..io.annotate import annotate
    from ..io.layout import write_book
    from ..io.reader import read_book
    from ..narrative import check
    from ..narrative.seed import seed_documents
    from ..rules import validate_book
    from ..rules.years import compare_years
    from ..samples.previous import SEED_PREVIOUS

    write_book(files["seed_previous"], SEED_PREVIOUS)
    out.rule("[bold]与上年核对[/bold]")
    out.print(f"上年工作簿 {files['seed_previous'].name} 是[bold]虚构[/bold]的{SEED_PREVIOUS.year}年度决算：只有2018年"
              "公开文本说到的三处与原文一致（收支575.88万元、无结转和结余、“三公”经费4.95万元全为公务接待费），"
              "其余数字为编造，仅供演示。")
    this, last = read_book(files["seed"]), read_book(files["seed_previous"])
    cross = compare_years(this, last)
    render_text(out, files["seed"], cross)
    annotate(files["seed"], [*validate_book(this), *cross], files["annotated_years"], this, previous=last)
    out.print(f"标注副本（另有“上年对比”表和增减图）：{files['annotated_years']}")
    out.print("[dim]说明：2018年收入支出决算总表只填了合计行的上年决算数，两个类的上年数空白，故报“核实”。[/dim]")
    found = [f for f in check(seed_documents(), this, last) if f.rule.startswith("Y.")]
    out.print("\n情况说明中的“较上年”说法，按上年决算本身核对：")
    render_text(out, Path("情况说明"), found)
    out.print("[dim]原文两处说“三公”经费比上年减少：一处0.45万元（与上年决算相符），一处4050元（不符）；"
              "不给上年工作簿时，这两处也会作为前后矛盾报出（见上面的情况说明核对）。[/dim]")


def cmd_demo(args) -> int:
    from ..derived import derived_figures
    from ..io.annotate import annotate
    from ..io.layout import write_book
    from ..io.reader import read_book
    from ..rules import validate_book
    from ..samples.data import DEPARTMENT, SEED
    from . import consolidate, narrative

    out = console()
    folder = Path(args.output)
    files = demo_files(folder)
    prepare_folder(folder, files, args.force)
    write_book(files["seed"], SEED)
    write_book(files["seed_split"], SEED, code_layout="split", money_unit="元")
    for i, unit in enumerate(DEPARTMENT):
        write_book(files[f"unit{i + 1}"], unit)
    out.rule("[bold]pytoolkit 演示：部门决算公开表的识别、派生数与勾稽校验[/bold]")
    out.print(f"示例文件写入 {folder.resolve()}。演示分两部分：\n"
              f"  一、真实案例：{SEED.name}{SEED.year}年度部门决算公开文件（表格按其公开文字重建，绩效自评表照原样），"
              "原文件中的不一致照原样保留，下面报出的错误都出自原文件；\n"
              f"  二、虚构的示例部门：{DEPARTMENT[0].year}年度，局机关和两个二级机构，数据完全平衡，"
              "用来演示汇总和内部往来抵销。\n")

    book = read_book(files["seed"])
    t = table(f"一、{SEED.name}：识别出的表格", ("表", "表名", "工作表", "单位", "行数"), numeric=("行数",))
    for tb in book.tables:
        t.add_row(tb.id, tb.tdef.title, tb.sheet, tb.money_unit, str(len(tb.rows)))
    out.print(t)

    out.print(derived_table(derived_figures(book), out.width))

    findings = validate_book(book)
    out.rule("[bold]勾稽关系校验[/bold]")
    render_text(out, files["seed"], findings)
    annotate(files["seed"], findings, files["annotated"], book)
    out.print(f"\n标注副本（问题单元格着色并加批注，另有“校验结果”表和“预算与决算”图表）：{files['annotated']}")
    out.print(
        "\n[dim]说明：上面列出的错误来自原始公开文件本身——整体支出绩效自评表中的收入来源、“三公”经费"
        "与公开表不一致。[/dim]"
    )
    narrative.demo_section(out, files["seed"], files["draft"])
    years_section(out, files)
    consolidate.demo_section(out, [files[k] for k in files if k.startswith("unit")], files["consolidated"])
    out.print(
        "\n[dim]更多：pytoolkit template list（标准模板）、pytoolkit addin install（Excel 加载项，Windows）、"
        "pytoolkit validate 文件夹 --workers 2（批量校验）。[/dim]"
    )
    return EXIT_OK
