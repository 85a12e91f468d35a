"""Adapter (command line): ``pytoolkit addin path`` and ``pytoolkit addin install``.

The add-in ``pytoolkit.xlam`` ships inside the package (``pytoolkit/excel/addin/``, a copy the
build script ``python -m pytoolkit.excel.build_addin`` writes beside ``addin/``), with its
``build-info.json``: the xlwings version its VBA is tied to (the VBA declares
``xlwings64-<version>.dll``, shipped only with that xlwings) and the add-in's checksum.

``install`` (Windows only) checks both against what is installed, copies the add-in into the
user's Excel start-up folder ``%APPDATA%\\Microsoft\\Excel\\XLSTART`` (where Excel opens it on every
start, as ``xlwings addin install`` does; ``--folder addins`` uses ``%APPDATA%\\Microsoft\\AddIns``
instead, to be ticked in Excel's add-in dialog) and writes the user config that the add-in's
xlwings VBA reads, ``%USERPROFILE%\\.pytoolkit\\pytoolkit.conf``: one ``"KEY","VALUE"`` line per
setting, read by VBA ``Input #`` in the system's ANSI code page; ``INTERPRETER_WIN`` is this Python
(``sys.executable``), ``UDF MODULES`` the UDF module. Other lines of that file are kept.

This module reads the packaged files as data and never imports the Excel adapter or xlwings: the
CLI must start without them (tests/test_layering.py).
"""

from __future__ import annotations

import codecs
import hashlib
import importlib.metadata
import importlib.util
import json
import locale
import os
import shutil
import sys
from pathlib import Path

from ..errors import InputError, os_error_message

__all__ = ["register"]

EXIT_OK, EXIT_INPUT = 0, 2  # as pytoolkit.cli: 2 = the input (here: this system) cannot be used
XLAM_NAME = "pytoolkit.xlam"
INFO_NAME = "build-info.json"
FOLDERS = {
    "xlstart": ("Microsoft", "Excel", "XLSTART"),
    "addins": ("Microsoft", "AddIns"),
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "addin",
        help="Excel 加载项：查看位置、安装到 Excel",
        description="Excel 加载项 pytoolkit.xlam（功能区“决算工具”和 pt_ 开头的工作表函数）。",
    )
    sub = parser.add_subparsers(dest="addin_command", metavar="子命令")
    path = sub.add_parser(
        "path",
        help="显示加载项文件 pytoolkit.xlam 的位置",
        description="显示随 pytoolkit 安装的加载项文件 pytoolkit.xlam 的完整路径，"
                    "并检查其版本与已安装的 xlwings 是否匹配。",
    )
    path.set_defaults(func=cmd_path)
    install = sub.add_parser(
        "install",
        help="把加载项安装到 Excel（仅限 Windows）",
        description="把 pytoolkit.xlam 复制到 Excel 的启动文件夹，"
                    "并写入 xlwings 配置（当前 Python 解释器、工作表函数模块）。"
                    "安装前请关闭所有 Excel 窗口；安装后重新打开 Excel，功能区会出现“决算工具”选项卡。",
    )
    install.add_argument(
        "--folder",
        choices=tuple(FOLDERS),
        default="xlstart",
        help="安装位置：xlstart＝Excel 启动文件夹（默认，每次启动自动加载）；"
             "addins＝加载项文件夹（需在 Excel 的“加载项”对话框中勾选）",
    )
    install.set_defaults(func=cmd_install)

    def no_action(args) -> int:
        parser.print_help(sys.stderr)
        return EXIT_INPUT

    parser.set_defaults(func=no_action)


# ---------------------------------------------------------------------------------------------


def packaged_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "excel" / "addin"


def packaged_addin() -> tuple[Path, dict]:
    """The packaged .xlam and its build-info; InputError when the package lacks them."""
    folder = packaged_dir()
    xlam, info_path = folder / XLAM_NAME, folder / INFO_NAME
    if not xlam.is_file() or not info_path.is_file():
        raise InputError(
            f"找不到加载项文件 {xlam}：安装包不完整，请按安装说明（addin/安装说明.md）重新安装 pytoolkit。"
        )
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"加载项的构建信息 {info_path} 无法读取。请重新安装 pytoolkit。") from exc
    return xlam, info


def problems(xlam: Path, info: dict) -> list[str]:
    """Why the packaged add-in would not work with what is installed (empty: it will)."""
    out = []
    wanted = info.get("xlwings", "")
    try:
        installed = importlib.metadata.version("xlwings")
    except importlib.metadata.PackageNotFoundError:
        installed = ""
    if not installed:
        out.append(f"没有安装 xlwings。加载项需要 xlwings {wanted}：请运行 pip install xlwings=={wanted}")
    elif installed != wanted:
        out.append(
            f"已安装的 xlwings 是 {installed} 版，而加载项只能与 xlwings {wanted} 配合使用"
            f"（加载项中的宏调用 xlwings64-{wanted}.dll）。请运行 pip install xlwings=={wanted}"
        )
    if hashlib.sha256(xlam.read_bytes()).hexdigest() != info.get("xlam_sha256"):
        out.append(f"加载项文件 {xlam} 与其构建记录不符（文件可能已损坏或被改动）。请重新安装 pytoolkit。")
    module = info.get("udf_module", "")
    if not module or importlib.util.find_spec(module) is None:
        out.append(f"找不到工作表函数模块“{module}”。请重新安装 pytoolkit。")
    return out


def cmd_path(args) -> int:
    xlam, info = packaged_addin()
    print(xlam)
    for problem in problems(xlam, info):
        print(f"注意：{problem}", file=sys.stderr)
    return EXIT_OK


def cmd_install(args) -> int:
    if sys.platform != "win32":
        print(
            "“pytoolkit addin install”只能在 Windows 上运行：加载项需要 Windows 版 Excel 2016 及以上或 Microsoft 365。"
            "在本机上仍可使用命令行（pytoolkit validate 等）；加载项文件位置见 pytoolkit addin path。",
            file=sys.stderr,
        )
        return EXIT_INPUT
    xlam, info = packaged_addin()
    found = problems(xlam, info)
    if found:
        print("加载项未安装：", file=sys.stderr)
        for problem in found:
            print(f"  · {problem}", file=sys.stderr)
        return EXIT_INPUT
    folder = _appdata_folder(args.folder)
    target = folder / XLAM_NAME
    project = info.get("project", "pytoolkit")
    conf = _user_dir() / f".{project}" / f"{project}.conf"
    # Made before anything is written: a path VBA cannot read stops the install here.
    settings = config_bytes(conf, {"INTERPRETER_WIN": sys.executable, "UDF MODULES": info.get("udf_module", "")})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(xlam, target)
    except PermissionError as exc:
        raise InputError(
            f"无法写入 {target}：Excel 可能正打开着旧的加载项。请关闭所有 Excel 窗口后再运行本命令。"
        ) from exc
    except OSError as exc:
        raise InputError(f"无法复制加载项到 {folder}：{os_error_message(exc)}") from exc
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_bytes(settings)
    print(f"已安装加载项：{target}")
    print(f"已写入配置：{conf}（Python 解释器：{sys.executable}）")
    other = _appdata_folder("addins" if args.folder == "xlstart" else "xlstart") / XLAM_NAME
    if other.exists():
        print(f"注意：{other} 处还有一份旧的加载项，两份同时加载会出现两个“决算工具”选项卡，请删除其中一份。")
    print("请重新打开 Excel：功能区会出现“决算工具”选项卡，工作表函数以 pt_ 开头（如 =pt_completion_rate(B2,C2)）。")
    print("如果 Excel 提示宏已被禁用，请参阅加载项安装说明中的“宏安全设置”一节。")
    return EXIT_OK


def _appdata_folder(kind: str) -> Path:
    appdata = os.environ.get("APPDATA")
    if not appdata:
        raise InputError("找不到环境变量 APPDATA（Windows 用户的应用数据文件夹），无法确定 Excel 的加载项位置。")
    return Path(appdata).joinpath(*FOLDERS[kind])


def _user_dir() -> Path:
    profile = os.environ.get("USERPROFILE")
    if not profile:
        raise InputError("找不到环境变量 USERPROFILE（Windows 用户文件夹），无法写入加载项配置。")
    return Path(profile)


def ansi_encoding() -> str:
    """The code page VBA's ``Input #`` reads text files in: the system's ANSI code page."""
    try:
        return codecs.lookup("mbcs").name
    except LookupError:  # not on Windows (tests)
        return locale.getpreferredencoding(False)


def config_bytes(path: Path, settings: dict[str, str]) -> bytes:
    """The xlwings config file ``path`` with ``settings`` set and its other lines kept."""
    encoding = ansi_encoding()
    lines: list[str] = []
    if path.exists():
        raw = path.read_bytes()
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
        wanted = {key.lower() for key in settings}
        lines = [line for line in text.splitlines() if line.strip() and _key(line).lower() not in wanted]
    for key, value in settings.items():
        if '"' in value:
            raise InputError(f"配置值不能包含双引号：{value}")
        lines.append(f'"{key}","{value}"')
    text = "\r\n".join(lines) + "\r\n"
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise InputError(
            f"路径“{sys.executable}”含有当前系统代码页（{encoding}）无法表示的字符，Excel 的宏读不出它。"
            "请把 Python 安装到只含中英文和数字的路径下再安装加载项。"
        ) from exc


def _key(line: str) -> str:
    first = line.split(",", 1)[0].strip()
    return first.strip('"')

