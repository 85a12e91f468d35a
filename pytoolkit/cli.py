"""Adapter: the ``pytoolkit`` command line — the edge between the user's console and the commands.

``main`` builds the parser (every subcommand is a module under ``pytoolkit.commands`` with
``register(subparsers)``), parses in Chinese, runs the command and turns every way a run can end
into a Chinese message and an exit status: 0 no error findings, 1 error findings, 2 an input could
not be used (or any other failure). Nothing ends a run with a traceback or an encoding error:

- stdout and stderr replace what their encoding lacks (a GBK console, output redirected to a file);
- ``PytoolkitError`` and ``OSError`` become ``错误：…`` (Chinese, naming the file) and exit 2;
- anything else is a defect: the user reads a Chinese message naming a log file that holds the
  traceback (``~/.pytoolkit/logs/``, else the temporary folder), and the exit status is 2.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import difflib
import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

from . import __version__
from .commands.common import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, error
from .errors import PytoolkitError, os_error_message

__all__ = ["EXIT_FINDINGS", "EXIT_INPUT", "EXIT_OK", "build_parser", "main"]

# Subcommand modules under pytoolkit/commands, in the order their help appears.
COMMANDS: tuple[str, ...] = ("demo", "validate", "consolidate", "narrative", "template", "addin", "rules")
LOG_FOLDER = Path(".pytoolkit") / "logs"  # under the user's home, beside the add-in's config

# argparse's own words (its gettext message ids, Python 3.11–3.13), in the CLI's Chinese.
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "参数 %s 中必须给出一个",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "后面应跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "expected at least one argument": "后面应至少跟一个值",
    "expected %s argument": "后面应跟 %s 个值",
    "expected %s arguments": "后面应跟 %s 个值",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无法识别的取值 %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "多余的值 %r",
    "unexpected option string: %s": "意外的选项 %s",
    "%(prog)s: error: %(message)s\n": "错误：%(message)s\n",
    "%(prog)s: warning: %(message)s\n": "注意：%(message)s\n",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "command '%(parser_name)s' is deprecated": "子命令“%(parser_name)s”已不再推荐使用",
    "option '%(option)s' is deprecated": "选项“%(option)s”已不再推荐使用",
}


def _gettext(message: str) -> str:
    return _ARGPARSE_ZH.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


@contextlib.contextmanager
def _chinese_argparse() -> Iterator[None]:
    """argparse speaks Chinese while the CLI runs (its texts go through module-level gettext
    functions); restored afterwards so that other programs in the same process are unaffected."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _gettext, _ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with Chinese errors: ``错误：…`` plus where to find help, exit status 2; a
    misspelled subcommand or choice gets the nearest valid one suggested."""

    def _check_value(self, action, value):
        choices = action.choices
        if choices is not None and value not in choices:
            names = [str(c) for c in choices]
            close = difflib.get_close_matches(str(value), names, n=1, cutoff=0.5)
            hint = f"。您是不是想输入“{close[0]}”？" if close else ""
            raise argparse.ArgumentError(action, f"无效的选择“{value}”（可选：{'、'.join(names)}）{hint}")
        return super()._check_value(action, value)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"错误：{message}\n查看帮助：{self.prog} -h\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="pytoolkit",
        description="部门决算工具：勾稽关系校验、局机关与二级机构汇总、情况说明核对与生成、标准模板、Excel 加载项。"
                    "退出码：0 无错误，1 有错误，2 输入无法使用。",
    )
    parser.add_argument("--version", action="version", version=f"pytoolkit {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="子命令")
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.commands.{name}").register(sub)
    return parser


# -- the edge: streams, errors, crashes --------------------------------------------------------
@contextlib.contextmanager
def _safe_streams() -> Iterator[None]:
    """stdout/stderr replace characters their encoding lacks instead of raising (a GBK console,
    or output redirected to a file in the ANSI code page); restored afterwards."""
    saved = []
    for stream in (sys.stdout, sys.stderr):
        errors = getattr(stream, "errors", None)
        if errors in (None, "strict") and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
                saved.append((stream, errors or "strict"))
            except (ValueError, OSError, AttributeError, TypeError):
                pass
    try:
        yield
    finally:
        for stream, errors in saved:
            with contextlib.suppress(Exception):
                stream.reconfigure(errors=errors)


def crash_log(exc: BaseException, argv: list[str]) -> Path | None:
    """Write the traceback of an unexpected error to a log file; its path, or None if no folder
    would take it."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (f"pytoolkit {__version__}，Python {sys.version.split()[0]}，{sys.platform}\n"
            f"命令：pytoolkit {' '.join(argv)}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    for folder in (Path.home() / LOG_FOLDER, Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"pytoolkit-错误-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def _run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # -h, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    return args.func(args)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    with _safe_streams(), _chinese_argparse():
        try:
            return _run(argv)
        except PytoolkitError as exc:
            return error(str(exc))
        except BrokenPipeError:
            # The reader of a pipe went away (``pytoolkit … | more`` closed): nothing left to say.
            with contextlib.suppress(Exception):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_INPUT
        except OSError as exc:
            return error(os_error_message(exc))
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):
                print("\n已中断。", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            log = crash_log(exc, argv)
            where = f"详细信息已写入 {log}，请把这个文件发给维护人员。" if log else "（无法写出日志文件。）"
            with contextlib.suppress(Exception):
                error(f"程序内部出错（{type(exc).__name__}），本次运行没有完成。{where}")
            return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
