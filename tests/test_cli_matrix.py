"""Every subcommand × the usual mistakes, as a user on a Chinese Windows PC meets them.

Each case runs ``pytoolkit.cli.main`` in-process with stdout and stderr replaced by strict GBK text
streams over bytes (what a Chinese Windows console or a redirected ``> out.txt`` is), then checks
what the user reads: it decodes as GBK, has no traceback, no English sentence outside file names,
flags and rule ids (``english_sentences``), and the documented exit status (0 no error findings,
1 error findings, 2 the input could not be used). Outputs that must not be written are checked
absent, and existing files unchanged. A few subprocess runs take the real path
(``PYTHONIOENCODING=gbk``, output to a file).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from pytoolkit import cli
from pytoolkit.io.layout import write_book
from pytoolkit.samples.data import DEPARTMENT, SEED
from pytoolkit.samples.previous import SEED_PREVIOUS

CJK = re.compile(r"[\u4e00-\u9fff]")

# -- what the user reads ---------------------------------------------------------------------
# Removed before looking for English: paths and file names, flags, rule ids, metavars in upper
# case, the product and program names, and argparse's usage brackets.
_NOT_PROSE = (
    re.compile(r"(?:[A-Za-z]:)?[\w.~\-\u4e00-\u9fff]*[/\\][^\s，。：；（）“”]*"),  # paths
    re.compile(r"[\w\-\u4e00-\u9fff]+\.(?:xlsx|xlsm|xls|xlsb|txt|docx|yaml|yml|json|csv|pdf|log|conf|xlam)\b", re.I),
    re.compile(r"(?<![\w])--?[A-Za-z][\w-]*"),  # flags
    re.compile(r"\b[A-Za-z]+(?:\.[A-Za-z_0-9]+)+\b"),  # rule ids (XP.sangong, recognise.no_unit)
    re.compile(r"\b[A-Z][A-Z0-9_]*\b"),  # metavars (BOOK, OUT, N) and table ids (T1, PE)
    re.compile(r"\b(?:pytoolkit|python|Python|Excel|WPS|xlwings|json|text|pip|demo|validate|consolidate|narrative|"
               r"template|addin|check|write|list|new|path|install|xlstart|addins|public|pe|pp)\b"),
)
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[\s,;:'’()\-]+[A-Za-z]{2,}){2,}")
# argparse's and Python's own words, which come alone or in pairs.
_KNOWN_ENGLISH = re.compile(r"\b(?:usage|positional|arguments?|options|error|warning|invalid|unrecognized|required|"
                            r"expected|Errno|Traceback|denied)\b", re.I)


def english_sentences(text: str) -> list[str]:
    """Runs of three or more English words left after names, flags and ids are removed, and any
    of argparse's or Python's own English words."""
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    return _ENGLISH_RUN.findall(text) + _KNOWN_ENGLISH.findall(text)


def test_the_checker_finds_english():
    assert english_sentences("错误：[Errno 2] No such file or directory: 'x.xlsx'")
    assert english_sentences("usage: pytoolkit [-h]\npositional arguments:")
    assert english_sentences("the following arguments are required: -o/--output")
    assert english_sentences("invalid choice: 'xml' (choose from 'text', 'json')")
    assert not english_sentences("错误：找不到文件：/tmp/a b/不存在的文件.xlsx [XP.sangong] --force BOOK [BOOK ...]")
    assert not english_sentences("用法：pytoolkit validate [-h] [--format {text,json}] BOOK [BOOK ...]")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def gbk_main(argv: list[str], monkeypatch) -> Run:
    """``cli.main(argv)`` with stdout/stderr as strict GBK streams (a redirected Windows console)."""
    buffers = io.BytesIO(), io.BytesIO()
    streams = [io.TextIOWrapper(b, encoding="gbk", errors="strict", newline="\n") for b in buffers]
    monkeypatch.setattr(sys, "stdout", streams[0])
    monkeypatch.setattr(sys, "stderr", streams[1])
    try:
        code = cli.main([str(a) for a in argv])
    finally:
        for s in streams:
            s.flush()
        monkeypatch.undo()
    out, err = (b.getvalue().decode("gbk") for b in buffers)  # strict: every byte is GBK
    return Run(code, out, err)


def assert_user_text(run: Run, code: int, *, where: str = "") -> None:
    assert run.code == code, f"{where}: exit {run.code}, expected {code}\n{run.text}"
    assert "Traceback" not in run.text and "Exception ignored" not in run.text, run.text
    read = run.err if run.out.startswith("{") else run.text  # JSON keys are English by design
    assert not english_sentences(read), (where, english_sentences(read), read)
    if code == cli.EXIT_INPUT:
        assert CJK.search(run.err), (where, run.err)


# -- the material ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("矩阵")
    f = {
        "seed": d / "示例单位.xlsx",  # the seed: 4 error findings (exit 1)
        "unit": d / "局机关.xlsx",  # a clean unit (exit 0)
        "empty_dir": d / "空文件夹",
        "text_dir": d / "只有文字",
        "txt": d / "说明.txt",
        "not_book": d / "坏文件.xlsx",
        "existing": d / "已有输出.xlsx",
        "existing_docx": d / "已有初稿.docx",
        "a_file": d / "一个文件",
        "bad_yaml": d / "坏规则.yaml",
        "seed2017": d / "示例单位_2017.xlsx",  # last year's book of the seed unit (invented)
        "last_dir": d / "上年",
        "batch_dir": d / "批量",  # six units: a batch (overview on screen, 问题清单 written)
    }
    write_book(f["seed"], SEED)
    write_book(f["unit"], DEPARTMENT[0])
    f["empty_dir"].mkdir()
    f["text_dir"].mkdir()
    (f["text_dir"] / "备注.txt").write_text("不是工作簿", encoding="utf-8")
    f["txt"].write_text("本年收入合计846.77万元。", encoding="utf-8")
    f["not_book"].write_text("这不是工作簿", encoding="utf-8")
    f["existing"].write_bytes(b"accountant's work")
    f["existing_docx"].write_bytes(b"filled-in reasons")
    f["a_file"].write_text("x", encoding="utf-8")
    write_book(f["seed2017"], SEED_PREVIOUS)
    f["last_dir"].mkdir()
    write_book(f["last_dir"] / "示例单位2017年度.xlsx", SEED_PREVIOUS)
    f["bad_yaml"].write_text("rules:\n  - id: MY.x\n    title: 标题\n   check: T1[a].b == 1\n", encoding="utf-8")
    f["batch_dir"].mkdir()
    for i in range(6):
        sample = SEED if i % 3 == 0 else DEPARTMENT[i % 3]
        write_book(f["batch_dir"] / f"单位{i + 1}.xlsx", replace(sample, name=f"{sample.name}{i + 1}"))
    return f


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]  # "{name}" is replaced by the path of files[name]; "{tmp}" by a fresh folder
    code: int
    says: str = ""  # a Chinese phrase the user must read
    absent: tuple[str, ...] = ()  # outputs (under {tmp}) that must not exist afterwards
    unchanged: tuple[str, ...] = field(default=())  # files whose bytes must not change


E = cli.EXIT_INPUT
CASES = (
    # top level
    Case("no-arguments", (), E, "子命令"),
    Case("misspelled-subcommand", ("validat", "{seed}"), E, "您是不是想输入“validate”"),
    Case("bad-flag", ("--verbose",), E, "无法识别的参数"),
    Case("help", ("-h",), 0, "用法："),
    Case("version", ("--version",), 0),
    # validate
    Case("validate-help", ("validate", "-h"), 0, "显示本帮助并退出"),
    Case("validate-no-book", ("validate",), E, "缺少必需的参数"),
    Case("validate-missing-file", ("validate", "{tmp}/不存在.xlsx"), E, "找不到文件"),
    Case("validate-empty-folder", ("validate", "{empty_dir}"), E, "没有找到要校验的工作簿"),
    Case("validate-folder-without-workbooks", ("validate", "{text_dir}"), E, "没有找到要校验的工作簿"),
    Case("validate-wrong-extension", ("validate", "{txt}"), E, "不支持的文件类型"),
    Case("validate-not-a-workbook", ("validate", "{not_book}"), E, "不是Excel"),
    Case("validate-bad-flag", ("validate", "{seed}", "--quiet"), E, "无法识别的参数"),
    Case("validate-bad-format", ("validate", "{seed}", "--format", "xml"), E, "无效的选择"),
    Case("validate-bad-edition", ("validate", "{seed}", "--edition", "2017"), E, "无效的选择"),
    Case("validate-bad-workers", ("validate", "{seed}", "--workers", "0"), E, "正整数"),
    Case("validate-findings", ("validate", "{seed}"), 1, "错误 4 条"),
    Case("validate-clean", ("validate", "{unit}"), 0, "错误 0 条"),
    Case("validate-json", ("validate", "{seed}", "--format", "json"), 1),
    Case("validate-annotate-wrong-extension", ("validate", "{seed}", "--annotate", "{tmp}/标注.csv"), E,
         "扩展名应为", absent=("标注.csv",)),
    Case("validate-annotate-existing", ("validate", "{seed}", "--annotate", "{existing}"), E, "--force",
         unchanged=("existing",)),
    Case("validate-annotate-onto-input", ("validate", "{seed}", "--annotate", "{seed}"), E, "不能与输入文件相同",
         unchanged=("seed",)),
    Case("validate-annotate-unwritable", ("validate", "{seed}", "--annotate", "{a_file}/标注.xlsx"), E, "不是文件夹"),
    Case("validate-annotate-no-folder", ("validate", "{seed}", "--annotate", "{tmp}/无此文件夹/标注.xlsx"), E,
         "不存在"),
    Case("validate-annotate", ("validate", "{seed}", "--annotate", "{tmp}/标注.xlsx"), 1, "已写出标注副本"),
    Case("validate-annotate-into-a-folder", ("validate", "{seed}", "--annotate", "{tmp}"), 1, "示例单位_校验.xlsx"),
    Case("validate-rules-missing", ("validate", "{seed}", "--rules", "{tmp}/无此规则.yaml"), E, "找不到规则文件"),
    Case("validate-rules-bad-yaml", ("validate", "{seed}", "--rules", "{bad_yaml}"), E, "第4行"),
    # validate with last year's book
    Case("validate-previous", ("validate", "{seed}", "--previous", "{seed2017}"), 1, "已与上年工作簿核对"),
    Case("validate-previous-missing", ("validate", "{seed}", "--previous", "{tmp}/上年.xlsx"), E, "上年工作簿不存在"),
    Case("validate-previous-folder", ("validate", "{seed}", "--previous", "{last_dir}"), E, "--previous-dir"),
    Case("validate-previous-same-file", ("validate", "{seed}", "--previous", "{seed}"), E, "同一个文件",
         unchanged=("seed",)),
    Case("validate-previous-not-a-workbook", ("validate", "{seed}", "--previous", "{not_book}"), E,
         "上年工作簿无法使用"),
    Case("validate-previous-many-books", ("validate", "{seed}", "{unit}", "--previous", "{seed2017}"), E,
         "--previous-dir"),
    Case("validate-previous-and-dir", ("validate", "{seed}", "--previous", "{seed2017}", "--previous-dir",
                                       "{last_dir}"), E, "不能与参数"),
    Case("validate-previous-annotate", ("validate", "{seed}", "--previous", "{seed2017}", "--annotate",
                                        "{tmp}/标注.xlsx"), 1, "已写出标注副本"),
    Case("validate-previous-dir", ("validate", "{seed}", "--previous-dir", "{last_dir}"), 1, "对应上的单位 1 个"),
    Case("validate-previous-dir-a-file", ("validate", "{seed}", "--previous-dir", "{seed2017}"), E, "是文件"),
    Case("validate-previous-dir-missing", ("validate", "{seed}", "--previous-dir", "{tmp}/无此文件夹"), E,
         "上年文件夹不存在"),
    Case("validate-previous-dir-empty", ("validate", "{seed}", "--previous-dir", "{empty_dir}"), E, "没有工作簿"),
    Case("validate-previous-dir-same-folder", ("validate", "{last_dir}", "--previous-dir", "{last_dir}"), E,
         "同一批文件"),
    Case("validate-previous-dir-other-unit", ("validate", "{unit}", "--previous-dir", "{last_dir}"), 0,
         "只在上年出现"),
    # narrative check with last year's book
    Case("narrative-previous", ("narrative", "check", "{txt}", "--book", "{seed}", "--previous", "{seed2017}"), 0),
    Case("narrative-previous-missing", ("narrative", "check", "{txt}", "--previous", "{tmp}/上年.xlsx"), E,
         "上年工作簿不存在"),
    Case("narrative-previous-folder", ("narrative", "check", "{txt}", "--previous", "{last_dir}"), E, "是文件夹"),
    Case("narrative-previous-same-file", ("narrative", "check", "{txt}", "--book", "{seed}", "--previous", "{seed}"),
         E, "同一个文件"),
    # validate: a batch (six books or more): the overview, the 问题清单 report, --detail, --unit
    Case("validate-batch", ("validate", "{batch_dir}", "--report", "{tmp}/清单.xlsx"), 1, "问题清单已写出"),
    Case("validate-batch-report-into-a-folder", ("validate", "{batch_dir}", "--report", "{tmp}"), 1,
         "批量_问题清单.xlsx"),
    Case("validate-batch-detail", ("validate", "{batch_dir}", "--detail", "--report", "{tmp}/清单.xlsx"), 1,
         "[XP.sangong]"),
    Case("validate-batch-unit", ("validate", "{batch_dir}", "--unit", "服务站", "--report", "{tmp}/清单.xlsx"), 1,
         "错误 0 条"),
    Case("validate-batch-unit-none",
         ("validate", "{batch_dir}", "--unit", "无此单位", "--report", "{tmp}/清单.xlsx"), 1,
         "没有名称或文件名含“无此单位”的单位"),
    Case("validate-batch-json", ("validate", "{batch_dir}", "--format", "json", "--report", "{tmp}/清单.xlsx"), 1),
    Case("validate-report-existing", ("validate", "{batch_dir}", "--report", "{existing}"), E, "--force",
         unchanged=("existing",)),
    Case("validate-report-wrong-extension", ("validate", "{batch_dir}", "--report", "{tmp}/清单.csv"), E, "扩展名应为",
         absent=("清单.csv", "清单.json")),
    Case("validate-report-onto-input", ("validate", "{seed}", "--report", "{seed}"), E, "不能与输入文件相同",
         unchanged=("seed",)),
    Case("validate-report-no-folder", ("validate", "{batch_dir}", "--report", "{tmp}/无此文件夹/清单.xlsx"), E,
         "不存在"),
    # consolidate
    Case("consolidate-help", ("consolidate", "-h"), 0, "汇总"),
    Case("consolidate-no-output", ("consolidate", "{unit}"), E, "缺少必需的参数"),
    Case("consolidate-missing-file", ("consolidate", "{tmp}/不存在.xlsx", "-o", "{tmp}/汇总.xlsx"), E, "未写出",
         absent=("汇总.xlsx",)),
    Case("consolidate-empty-folder", ("consolidate", "{empty_dir}", "-o", "{tmp}/汇总.xlsx"), E,
         "没有找到要汇总的工作簿", absent=("汇总.xlsx",)),
    Case("consolidate-only-broken", ("consolidate", "{not_book}", "-o", "{tmp}/汇总.xlsx"), E, "未写出",
         absent=("汇总.xlsx",)),
    Case("consolidate-wrong-extension", ("consolidate", "{unit}", "-o", "{tmp}/汇总.csv"), E, "扩展名应为",
         absent=("汇总.csv",)),
    Case("consolidate-existing", ("consolidate", "{unit}", "-o", "{existing}"), E, "已存在",
         unchanged=("existing",)),
    Case("consolidate-onto-input", ("consolidate", "{unit}", "{seed}", "-o", "{seed}"), E, "不能与输入文件相同",
         unchanged=("seed",)),
    Case("consolidate-unwritable", ("consolidate", "{unit}", "-o", "{a_file}/汇总.xlsx"), E, "不是文件夹"),
    Case("consolidate-bad-edition", ("consolidate", "{unit}", "-o", "{tmp}/汇总.xlsx", "--edition", "1999"), E,
         "无效的选择"),
    Case("consolidate-bad-workers", ("consolidate", "{unit}", "-o", "{tmp}/汇总.xlsx", "--workers", "x"), E,
         "正整数"),
    Case("consolidate-bad-flag", ("consolidate", "{unit}", "-o", "{tmp}/汇总.xlsx", "--merge"), E, "无法识别的参数",
         absent=("汇总.xlsx",)),
    Case("consolidate", ("consolidate", "{unit}", "-o", "{tmp}/汇总.xlsx", "--eliminate"), 0, "已写出"),
    Case("consolidate-batch", ("consolidate", "{batch_dir}", "-o", "{tmp}/汇总.xlsx"), 1, "汇总_问题清单.xlsx"),
    Case("consolidate-batch-unit", ("consolidate", "{batch_dir}", "-o", "{tmp}/汇总.xlsx", "--unit", "信息中心"), 1,
         "信息中心"),
    Case("consolidate-report-existing", ("consolidate", "{unit}", "-o", "{tmp}/汇总.xlsx", "--report", "{existing}"), E,
         "--force", absent=("汇总.xlsx",), unchanged=("existing",)),
    # narrative
    Case("narrative-bare", ("narrative",), E, "子命令"),
    Case("narrative-misspelled", ("narrative", "chek", "{txt}"), E, "您是不是想输入“check”"),
    Case("narrative-check-missing", ("narrative", "check", "{tmp}/不存在.txt"), E, "不存在.txt"),
    Case("narrative-check-wrong-extension", ("narrative", "check", "{tmp}/说明.pdf"), E, "说明.pdf"),
    Case("narrative-check-missing-book", ("narrative", "check", "{txt}", "--book", "{tmp}/无.xlsx"), E, "找不到文件"),
    Case("narrative-check-bad-format", ("narrative", "check", "{txt}", "--format", "csv"), E, "无效的选择"),
    Case("narrative-check", ("narrative", "check", "{txt}", "--book", "{seed}"), 0),
    Case("narrative-write-no-output", ("narrative", "write", "{seed}"), E, "缺少必需的参数"),
    Case("narrative-write-missing-book", ("narrative", "write", "{tmp}/无.xlsx", "-o", "{tmp}/初稿.docx"), E,
         "找不到文件", absent=("初稿.docx",)),
    Case("narrative-write-wrong-extension", ("narrative", "write", "{seed}", "-o", "{tmp}/初稿.pdf"), E,
         "扩展名应为", absent=("初稿.pdf",)),
    Case("narrative-write-existing", ("narrative", "write", "{seed}", "-o", "{existing_docx}"), E, "--force",
         unchanged=("existing_docx",)),
    Case("narrative-write-unwritable", ("narrative", "write", "{seed}", "-o", "{a_file}/初稿.docx"), E, "不是文件夹"),
    Case("narrative-write", ("narrative", "write", "{seed}", "-o", "{tmp}/初稿.txt"), 0, "已写出情况说明初稿"),
    # template
    Case("template-bare", ("template",), E, "子命令"),
    Case("template-misspelled", ("template", "lst"), E, "您是不是想输入“list”"),
    Case("template-list", ("template", "list"), 0, "收入支出决算总表"),
    Case("template-unknown", ("template", "new", "public-2020", "-o", "{tmp}/模板.xlsx"), E, "没有名为",
         absent=("模板.xlsx",)),
    Case("template-wrong-extension", ("template", "new", "pp", "-o", "{tmp}/模板.xls"), E, "扩展名应为",
         absent=("模板.xls",)),
    Case("template-existing", ("template", "new", "pp", "-o", "{existing}"), E, "--force", unchanged=("existing",)),
    Case("template-unwritable", ("template", "new", "pp", "-o", "{a_file}/模板.xlsx"), E, "不是文件夹"),
    Case("template-bad-year", ("template", "new", "pe", "--year", "二〇一九", "-o", "{tmp}/模板.xlsx"), E, "四位数字"),
    Case("template-bad-units", ("template", "new", "pe", "--units", "-1", "-o", "{tmp}/模板.xlsx"), E, "--units"),
    Case("template-new", ("template", "new", "pp", "-o", "{tmp}/模板.xlsx"), 0, "已新建"),
    # addin (this is not Windows)
    Case("addin-bare", ("addin",), E, "子命令"),
    Case("addin-misspelled", ("addin", "instal"), E, "您是不是想输入“install”"),
    Case("addin-bad-folder", ("addin", "install", "--folder", "desktop"), E, "无效的选择"),
    Case("addin-path", ("addin", "path"), 0),
    # demo (the full demo runs in test_cli.py; here only what stops it before any work)
    Case("demo-onto-a-file", ("demo", "-o", "{existing}"), E, "不是文件夹", unchanged=("existing",)),
    Case("demo-no-parent", ("demo", "-o", "{tmp}/无/此/文件夹"), E, "不存在"),
    Case("demo-bad-flag", ("demo", "--outdir", "x"), E, "无法识别的参数"),
)


def _expand(arg: str, files: dict[str, Path], tmp: Path) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(tmp if m[1] == "tmp" else files[m[1]]), arg)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matrix(case: Case, files, tmp_path, monkeypatch):
    before = {name: files[name].read_bytes() for name in case.unchanged}
    monkeypatch.chdir(tmp_path)
    run = gbk_main([_expand(a, files, tmp_path) for a in case.argv], monkeypatch)
    assert_user_text(run, case.code, where=case.id)
    if case.says:
        assert case.says in run.text, (case.id, run.text)
    for name in case.absent:
        assert not (tmp_path / name).exists(), name
    for name, data in before.items():
        assert files[name].read_bytes() == data, name
    assert not [p for p in tmp_path.rglob(".~*")], "a temporary file was left behind"


def test_demo_folder_with_an_earlier_demo_is_refused(files, tmp_path, monkeypatch):
    from pytoolkit.commands.demo import demo_files

    folder = tmp_path / "演示"
    folder.mkdir()
    seed = demo_files(folder)["seed"]
    seed.write_bytes(b"earlier run")
    run = gbk_main(["demo", "-o", folder], monkeypatch)
    assert_user_text(run, cli.EXIT_INPUT)
    assert "--force" in run.err and seed.read_bytes() == b"earlier run"
    assert sorted(p.name for p in folder.iterdir()) == [seed.name]


def test_write_failure_is_a_chinese_message(files, tmp_path, monkeypatch):
    """An output the system refuses at write time (a read-only share, a file open in Excel)."""
    import pytoolkit.io.output as output

    def refuse(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", str(dir))

    monkeypatch.setattr(output.tempfile, "mkstemp", refuse)
    run = gbk_main(["template", "new", "pp", "-o", tmp_path / "模板.xlsx"], monkeypatch)
    assert_user_text(run, cli.EXIT_INPUT)
    assert "没有访问权限" in run.err and str(tmp_path) in run.err
    assert not (tmp_path / "模板.xlsx").exists()


def test_unexpected_error_names_a_log_and_exits_2(files, tmp_path, monkeypatch):
    """A defect in the toolkit: a Chinese message, the traceback in a log file, exit 2 (not 1)."""
    import pytoolkit.commands.validate as validate

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    monkeypatch.setattr(validate, "expand_inputs", broken)
    run = gbk_main(["validate", files["seed"]], monkeypatch)
    assert_user_text(run, cli.EXIT_INPUT)
    logs = list((tmp_path / ".pytoolkit" / "logs").glob("*.log"))
    assert len(logs) == 1 and str(logs[0]) in run.err
    log = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in log and "ZeroDivisionError" in log and "validate" in log


def test_keyboard_interrupt_exits_130(files, monkeypatch):
    import pytoolkit.commands.validate as validate

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(validate, "expand_inputs", interrupted)
    run = gbk_main(["validate", files["seed"]], monkeypatch)
    assert run.code == 130 and "已中断" in run.err and "Traceback" not in run.text


def test_every_subcommand_help_is_chinese(monkeypatch):
    helps = [(), ("demo",), ("validate",), ("consolidate",), ("narrative",), ("narrative", "check"),
             ("narrative", "write"), ("template",), ("template", "list"), ("template", "new"), ("addin",),
             ("addin", "path"), ("addin", "install")]
    for words in helps:
        run = gbk_main([*words, "-h"], monkeypatch)
        assert_user_text(run, 0, where=" ".join(words))
        assert run.out.startswith("用法：") and "选项" in run.out, run.out


def test_the_same_output_flags_everywhere():
    """-o/--output and --force on every command that writes a file; --workers, --format and
    --edition are the same option objects' definitions wherever they appear."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    writers = {"consolidate": sub["consolidate"], "narrative write": _child(sub["narrative"], "write"),
               "template new": _child(sub["template"], "new"), "demo": sub["demo"]}
    for name, p in writers.items():
        flags = {s for a in p._actions for s in a.option_strings}
        assert {"-o", "--output", "--force"} <= flags, name
    assert "--force" in {s for a in sub["validate"]._actions for s in a.option_strings}
    for option in ("--workers", "--format", "--edition"):
        found = [(a.choices, a.type, a.help is not None) for p in (sub["validate"], sub["consolidate"])
                 for a in p._actions if option in a.option_strings]
        assert len(found) == 2 and found[0][:2] == found[1][:2], option


def _child(parser, name):
    return next(a for a in parser._actions if a.dest and a.dest.endswith("_command")).choices[name]


# -- the real encoding path: a subprocess with PYTHONIOENCODING=gbk, output to files --------------
def _gbk_process(args: list[str], cwd: Path) -> Run:
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONPATH": str(Path(cli.__file__).parents[1])}
    with open(cwd / "out.txt", "wb") as out, open(cwd / "err.txt", "wb") as err:
        proc = subprocess.run([sys.executable, "-m", "pytoolkit", *map(str, args)], stdout=out, stderr=err,
                              stdin=subprocess.DEVNULL, cwd=cwd, env=env, timeout=300)
    return Run(proc.returncode, (cwd / "out.txt").read_bytes().decode("gbk"),
               (cwd / "err.txt").read_bytes().decode("gbk"))


@pytest.fixture(scope="module")
def emoji_unit(tmp_path_factory) -> Path:
    """A unit whose name has a character GBK lacks (a user typed an emoji or a rare character)."""
    from openpyxl import load_workbook

    path = tmp_path_factory.mktemp("emoji") / "单位😀.xlsx"
    write_book(path, DEPARTMENT[1])
    wb = load_workbook(path)
    wb["封面"]["B3"] = "示例单位😀䶮"
    wb.save(path)
    return path


def test_gbk_process_consolidate_with_eliminations(files, emoji_unit, tmp_path):
    units = tmp_path / "各单位"
    units.mkdir()
    for i, unit in enumerate(DEPARTMENT):
        write_book(units / f"{i}_{unit.name}.xlsx", unit)
    run = _gbk_process(["consolidate", units, "-o", units / "汇总.xlsx", "--eliminate"], tmp_path)
    assert_user_text(run, 0)
    assert "抵销 15.00" in run.out
    # The output sits in the input folder: the next run leaves it out of the units.
    run = _gbk_process(["consolidate", units, "-o", units / "汇总.xlsx", "--eliminate", "--force"], tmp_path)
    assert_user_text(run, 0)
    assert "参与合并的单位（3个）" in run.out


def test_gbk_process_validate_text_and_json_with_characters_gbk_lacks(emoji_unit, tmp_path):
    run = _gbk_process(["validate", emoji_unit], tmp_path)
    assert_user_text(run, 0)
    assert "单位?.xlsx" in run.out  # replaced on the console, never a crash
    run = _gbk_process(["validate", emoji_unit, "--format", "json"], tmp_path)
    assert run.code == 0 and "Traceback" not in run.text
    doc = json.loads(run.out)
    assert doc["inputs"][0]["file"] == str(emoji_unit)  # lossless: JSON escapes, not "?"


def test_gbk_process_batch_overview_and_report(files, emoji_unit, tmp_path):
    """A batch under a GBK console with output redirected: the overview replaces what GBK lacks,
    the report keeps it, and nothing draws a progress bar into the file."""
    import shutil

    from openpyxl import load_workbook

    folder = tmp_path / "各单位"
    shutil.copytree(files["batch_dir"], folder)
    shutil.copy(emoji_unit, folder / emoji_unit.name)
    run = _gbk_process(["validate", folder], tmp_path)
    assert_user_text(run, 1)
    assert "共 7 个工作簿" in run.out and "示例单位??" in run.out and "问题清单已写出" in run.out
    assert run.err == ""  # no progress bar, nothing else: stderr is a file
    report = tmp_path / "各单位_问题清单.xlsx"
    names = [c.value for c in load_workbook(report)["单位概览"]["B"][3:]]
    assert "示例单位😀䶮" in names
    run = _gbk_process(["validate", folder, "--format", "json", "--report", tmp_path / "另一份.xlsx"], tmp_path)
    doc = json.loads(run.out)
    assert any(b["file"].endswith("单位😀.xlsx") for b in doc["inputs"])  # lossless: JSON escapes
    # a fresh process whose workers load the rule packs: every finding still has its title
    assert doc["findings"] and all(f["title"] for f in doc["findings"])
    assert json.loads((tmp_path / "另一份.json").read_text(encoding="utf-8")) == doc


def test_gbk_process_usage_error(tmp_path):
    run = _gbk_process(["validat", "x.xlsx"], tmp_path)
    assert_user_text(run, cli.EXIT_INPUT)
    assert run.err.startswith("用法：") and "您是不是想输入“validate”" in run.err


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_outputs_follow_the_umask(files, tmp_path, monkeypatch, umask):
    """New outputs get 0666 less the umask (colleagues on a shared folder can open them), not the
    0600 of a temporary file; a replaced output keeps its mode."""
    import pytoolkit.io.output as output

    output._umask.cache_clear()
    old = os.umask(umask)
    try:
        runs = [gbk_main(["template", "new", "pp", "-o", tmp_path / "模板.xlsx"], monkeypatch),
                gbk_main(["validate", files["seed"], "--annotate", tmp_path / "标注.xlsx"], monkeypatch),
                gbk_main(["narrative", "write", files["seed"], "-o", tmp_path / "初稿.docx"], monkeypatch),
                gbk_main(["consolidate", files["unit"], "-o", tmp_path / "汇总.xlsx"], monkeypatch)]
    finally:
        os.umask(old)
        output._umask.cache_clear()
    assert [r.code for r in runs] == [0, 1, 0, 0], [r.err for r in runs]
    for name in ("模板.xlsx", "标注.xlsx", "初稿.docx", "汇总.xlsx"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask, name
    (tmp_path / "模板.xlsx").chmod(0o640)
    run = gbk_main(["template", "new", "pp", "-o", tmp_path / "模板.xlsx", "--force"], monkeypatch)
    assert run.code == 0 and (tmp_path / "模板.xlsx").stat().st_mode & 0o777 == 0o640
