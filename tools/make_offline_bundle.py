"""Build the offline bundle: everything a Windows PC without internet (内网) needs to install pytoolkit.

Run on any machine with internet and Python 3.11+ (Windows or Linux), from the project folder:

    python tools/make_offline_bundle.py

It writes ``dist/pytoolkit-offline-<version>/`` (and a .zip of it) holding

    wheels/          the project's own wheel and every dependency as a binary wheel for 64-bit
                     Windows and each supported Python (3.11, 3.12, 3.13)
    install.bat      one command (or a double click): finds Python, installs from wheels/ only
    install.ps1      the same for PowerShell
    安装说明.txt      what to do, in Chinese

and checks that the folder is complete: for each Python, ``pip install --dry-run --no-index`` from
the folder alone must resolve pytoolkit with all its dependencies.

Only the standard library and pip are used, so the script runs before pytoolkit is installed.
It is a maintainer's (or the IT department's) job done once per release, not the accountant's, so
it is a script in the repository rather than a subcommand of the installed tool.

Options: ``--python 3.11 3.12`` (a subset), ``--platform manylinux2014_x86_64`` (another target,
used by the tests on Linux), ``--out DIR``, ``--no-zip``, ``--no-check``.
"""

from __future__ import annotations

import argparse
import configparser
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13")
WINDOWS = "win_amd64"

INSTALL_BAT = r"""@echo off
rem 离线安装 pytoolkit（部门决算工具）：只从本文件夹的 wheels 子文件夹安装，不连接网络。
rem 用法：双击本文件，或在命令提示符中运行 install.bat
rem 依次找 64 位的 Python {names_rev}（py 启动器的 -X.Y-64），再找 PATH 上的 python。
setlocal
set "HERE=%~dp0"
set "PY="
for %%V in ({versions}) do (
    py -%%V-64 -c "import sys" >nul 2>nul && (
        set "PY=py -%%V-64"
        goto :found
    )
)
python -c "import sys; sys.exit(0 if sys.version_info[:2] in {tuples} and sys.maxsize > 2**32 else 1)" >nul 2>nul && (
    set "PY=python"
    goto :found
)
echo 没有找到可用的 Python：需要 64 位的 Python {names} 之一。
echo 请先安装 Python（安装时勾选“Add python.exe to PATH”），再运行本文件。
goto :failed

:found
echo 使用 %PY% 安装 pytoolkit（不连接网络）……
%PY% -m pip install --no-index --find-links "%HERE%wheels" pytoolkit
if errorlevel 1 goto :failed
%PY% -m pytoolkit --version
if errorlevel 1 goto :failed
echo.
echo 安装完成。可以运行 pytoolkit demo 看演示；Excel 加载项请再运行 pytoolkit addin install。
if not defined PYTOOLKIT_NO_PAUSE pause
exit /b 0

:failed
echo 安装没有完成。请把上面的提示文字（可截图）发给信息中心或维护人员。
if not defined PYTOOLKIT_NO_PAUSE pause
exit /b 2
"""

INSTALL_PS1 = r"""# 离线安装 pytoolkit（部门决算工具）：只从本文件夹的 wheels 子文件夹安装，不连接网络。
# 用法（在本文件夹中打开 PowerShell）：powershell -ExecutionPolicy Bypass -File .\install.ps1
# Not 'Stop': Windows PowerShell 5.1 would stop at the first line a probe writes to stderr.
$wheels = Join-Path $PSScriptRoot 'wheels'
$python = $null
foreach ($v in @({versions_ps})) {{
    if (Get-Command py -ErrorAction SilentlyContinue) {{
        & py "-$v-64" -c 'import sys' 2>$null
        if ($LASTEXITCODE -eq 0) {{ $python = @('py', "-$v-64"); break }}
    }}
}}
if (-not $python -and (Get-Command python -ErrorAction SilentlyContinue)) {{
    & python -c 'import sys; sys.exit(0 if sys.version_info[:2] in {tuples} and sys.maxsize > 2**32 else 1)' 2>$null
    if ($LASTEXITCODE -eq 0) {{ $python = @('python') }}
}}
if (-not $python) {{
    Write-Host '没有找到可用的 Python：需要 64 位的 Python {names} 之一。'
    Write-Host '请先安装 Python（安装时勾选“Add python.exe to PATH”），再运行本脚本。'
    exit 2
}}
$exe = $python[0]
$pre = @($python | Select-Object -Skip 1)
Write-Host "使用 $($python -join ' ') 安装 pytoolkit（不连接网络）……"
& $exe @pre -m pip install --no-index --find-links $wheels pytoolkit
if ($LASTEXITCODE -ne 0) {{ Write-Host '安装没有完成。请把上面的提示文字（可截图）发给信息中心或维护人员。'; exit 2 }}
& $exe @pre -m pytoolkit --version
if ($LASTEXITCODE -ne 0) {{ exit 2 }}
Write-Host '安装完成。可以运行 pytoolkit demo 看演示；Excel 加载项请再运行 pytoolkit addin install。'
exit 0
"""

README = """pytoolkit（部门决算工具）离线安装包 {version}

本文件夹可以拷到不能上网的电脑（内网）上安装，不需要连接网络。

需要：Windows 10 或 11（64位），64 位的 Python {names}（从 python.org 下载安装程序，
安装时勾选“Add python.exe to PATH”）。

安装：双击 install.bat；或在本文件夹中打开命令提示符（cmd），运行
    install.bat
用 PowerShell 时运行
    powershell -ExecutionPolicy Bypass -File .\\install.ps1

装好后：
    pytoolkit demo                 看演示（示例文件写入当前文件夹下的 pytoolkit-demo）
    pytoolkit validate 单位决算.xlsx  校验
    pytoolkit addin install        安装 Excel 加载项（先关闭所有 Excel 窗口）

wheels 文件夹里是 pytoolkit 及其所需的全部软件包（{count} 个文件），请不要删改。
"""


def project_version() -> str:
    text = (ROOT / "pytoolkit" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__\s*=\s*"([^"]+)"', text).group(1)


def requirements() -> list[str]:
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    return [line.strip() for line in setup["options"]["install_requires"].splitlines() if line.strip()]


def run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def build_wheel(wheels: Path) -> Path:
    """The project's own wheel (pure Python), built from this folder."""
    with tempfile.TemporaryDirectory() as tmp:
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", tmp, str(ROOT)])
        [built] = Path(tmp).glob("pytoolkit-*.whl")
        target = wheels / built.name
        shutil.copy2(built, target)
    return target


def download(wheels: Path, python: str, platform: str) -> None:
    """Binary wheels of every dependency for one Python and platform."""
    run([sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--platform", platform,
         "--python-version", python, "--implementation", "cp", "--dest", str(wheels), *requirements()])


def _packaging():
    try:
        from packaging.markers import Marker  # noqa: F401
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name, parse_wheel_filename
    except ImportError:  # pip carries its own copy
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename
    return Requirement, canonicalize_name, parse_wheel_filename


def target_environment(python: str, platform: str) -> dict[str, str]:
    """The environment markers of the target PC (pip evaluates markers on the machine it runs on,
    whatever ``--platform`` says: from Linux it would leave out pywin32 and tzdata)."""
    windows = platform.startswith("win")
    return {"python_version": python, "python_full_version": f"{python}.0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "implementation_version": f"{python}.0",
            "sys_platform": "win32" if windows else "linux", "platform_system": "Windows" if windows else "Linux",
            "os_name": "nt" if windows else "posix", "platform_machine": "AMD64" if windows else "x86_64",
            "platform_release": "", "platform_version": "", "extra": ""}


def missing(wheels: Path, python: str, platform: str) -> list[str]:
    """Requirements (of the project and of every wheel it pulls in, markers evaluated for the
    target) that no wheel in the folder satisfies for this Python."""
    Requirement, canonicalize_name, parse_wheel_filename = _packaging()
    xy = "cp" + python.replace(".", "")
    available: dict[str, list[tuple[object, Path]]] = {}
    for path in wheels.glob("*.whl"):
        name, version, _, tags = parse_wheel_filename(path.name)
        if any(t.interpreter in (xy, "py3", "py2") or (t.abi == "abi3" and t.interpreter <= xy) for t in tags) and \
                any(t.platform in ("any", platform) for t in tags):
            available.setdefault(canonicalize_name(name), []).append((version, path))
    env = target_environment(python, platform)
    wanted = [Requirement("pytoolkit")]
    seen: set[str] = set()
    out: list[str] = []
    while wanted:
        req = wanted.pop()
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        key = canonicalize_name(req.name)
        if key in seen:
            continue
        seen.add(key)
        match = [path for version, path in available.get(key, []) if req.specifier.contains(version, prereleases=True)]
        if not match:
            out.append(f"{req.name}{req.specifier}")
            continue
        with zipfile.ZipFile(max(match)) as wheel:
            meta = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            for line in wheel.read(meta).decode("utf-8").splitlines():
                if line.startswith("Requires-Dist:"):
                    wanted.append(Requirement(line.split(":", 1)[1].strip()))
    return out


def complete(wheels: Path, python: str, platform: str) -> None:
    """Download what the folder still lacks for this target until nothing is missing."""
    for _ in range(5):
        lacking = missing(wheels, python, platform)
        if not lacking:
            return
        run([sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--platform", platform,
             "--python-version", python, "--implementation", "cp", "--dest", str(wheels), *lacking])
    raise SystemExit(f"错误：Python {python} 仍缺少：{'、'.join(missing(wheels, python, platform))}")


def check(wheels: Path, python: str, platform: str) -> None:
    """The folder alone resolves pytoolkit and all its dependencies for this Python and platform:
    pip resolves from the folder only (versions, Requires-Python), and every requirement whose
    marker holds on the target has its wheel (pip would judge markers by this machine)."""
    with tempfile.TemporaryDirectory() as scratch:
        run([sys.executable, "-m", "pip", "download", "--no-index", "--find-links", str(wheels), "--only-binary=:all:",
             "--platform", platform, "--python-version", python, "--implementation", "cp", "--dest", scratch,
             "pytoolkit"])
    lacking = missing(wheels, python, platform)
    if lacking:
        raise SystemExit(f"错误：离线安装包缺少 Python {python} 所需的：{'、'.join(lacking)}")


def write_scripts(folder: Path, pythons: list[str], count: int, version: str) -> None:
    names = "、".join(pythons)
    tuples = "(" + ", ".join(f"({p.replace('.', ', ')})" for p in pythons) + ")"
    newest_first = sorted(pythons, key=lambda p: tuple(map(int, p.split("."))), reverse=True)
    bat = INSTALL_BAT.format(versions=" ".join(newest_first), tuples=tuples, names=names,
                             names_rev="、".join(newest_first))
    ps1 = INSTALL_PS1.format(versions_ps=", ".join(f"'{p}'" for p in newest_first), tuples=tuples, names=names)
    # cmd.exe reads a batch file in the console's code page (936 on a Chinese Windows): GBK.
    # Windows PowerShell 5.1 reads a script without BOM in the ANSI code page: UTF-8 with BOM is
    # read right on every Windows. Both with CRLF line ends.
    (folder / "install.bat").write_bytes(bat.replace("\n", "\r\n").encode("gbk"))
    (folder / "install.ps1").write_bytes(ps1.replace("\n", "\r\n").encode("utf-8-sig"))
    (folder / "安装说明.txt").write_bytes(
        README.format(version=version, names=names, count=count).replace("\n", "\r\n").encode("utf-8-sig"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成 pytoolkit 的离线安装包（Windows 64 位）。")
    parser.add_argument("--python", nargs="+", default=list(PYTHONS), metavar="X.Y",
                        help=f"目标 Python 版本（默认 {' '.join(PYTHONS)}）")
    parser.add_argument("--platform", default=WINDOWS, help=f"目标平台（默认 {WINDOWS}）")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="输出文件夹（默认 dist）")
    parser.add_argument("--no-zip", action="store_true", help="不生成 .zip")
    parser.add_argument("--no-check", action="store_true", help="不核对安装包是否完整")
    args = parser.parse_args(argv)

    version = project_version()
    folder = args.out / f"pytoolkit-offline-{version}"
    if folder.exists():
        shutil.rmtree(folder)
    wheels = folder / "wheels"
    wheels.mkdir(parents=True)
    try:
        own = build_wheel(wheels)
        for python in args.python:
            download(wheels, python, args.platform)
            complete(wheels, python, args.platform)
        if not args.no_check:
            for python in args.python:
                check(wheels, python, args.platform)
    except subprocess.CalledProcessError as exc:
        print(f"\n错误：pip 没有完成（退出码 {exc.returncode}），见上面 pip 的提示；离线安装包不完整，未生成。",
              file=sys.stderr)
        return 2
    files = sorted(p.name for p in wheels.glob("*.whl"))
    write_scripts(folder, args.python, len(files), version)
    print(f"\n离线安装包：{folder}（{len(files)} 个 wheel，其中本项目 {own.name}）")
    if not args.no_zip:
        archive = shutil.make_archive(str(folder), "zip", folder.parent, folder.name)
        print(f"压缩包：{archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
