"""tools/make_offline_bundle.py: the wheels folder is complete for the target PC, and the install
scripts are right for cmd.exe and PowerShell on a Chinese Windows.

No network here: the completeness check runs on a folder of small wheels made in the test (their
METADATA as the real packages state it: xlwings needs pywin32 only on Windows, pandas tzdata only
on win32). Building a real bundle downloads about 100 MB; it was run by hand (see the README's
offline section) and is what ``python tools/make_offline_bundle.py`` does.
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("make_offline_bundle", ROOT / "tools" / "make_offline_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wheel(folder: Path, filename: str, *requires: str) -> None:
    name, version = filename.split("-")[:2]
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(folder / filename, "w") as z:
        z.writestr(f"{name}-{version}.dist-info/METADATA", meta)


@pytest.fixture
def folder(tmp_path) -> Path:
    # Requirements as xlwings 0.37.8 and pandas 3.1 state them in their wheels' METADATA.
    wheel(tmp_path, "pytoolkit-0.1.0-py3-none-any.whl", "xlwings==0.37.8", "pandas<4,>=2.1")
    wheel(tmp_path, "xlwings-0.37.8-cp312-cp312-win_amd64.whl", 'pywin32>=224; platform_system == "Windows"',
          'psutil>=2.0.0; platform_system == "Darwin"')
    wheel(tmp_path, "pandas-3.1.1-cp312-cp312-win_amd64.whl", "numpy>=1.26", 'tzdata; sys_platform == "win32"')
    wheel(tmp_path, "numpy-2.5.5-cp312-cp312-win_amd64.whl")
    return tmp_path


def test_windows_only_dependencies_are_required_for_windows(tool, folder):
    # pip, run on Linux, would judge these markers false and leave pywin32 and tzdata out.
    assert sorted(tool.missing(folder, "3.12", "win_amd64")) == ["pywin32>=224", "tzdata"]
    wheel(folder, "pywin32-311-cp312-cp312-win_amd64.whl")
    wheel(folder, "tzdata-2025.2-py2.py3-none-any.whl")
    assert tool.missing(folder, "3.12", "win_amd64") == []


def test_each_python_needs_its_own_binary_wheels(tool, folder):
    missing = tool.missing(folder, "3.13", "win_amd64")
    assert "xlwings==0.37.8" in missing and "pandas<4,>=2.1" in missing  # cp312 wheels do not serve 3.13


def test_install_scripts(tool, tmp_path):
    tool.write_scripts(tmp_path, ["3.11", "3.12", "3.13"], 33, "0.1.0")
    bat = (tmp_path / "install.bat").read_bytes()
    ps1 = (tmp_path / "install.ps1").read_bytes()
    readme = (tmp_path / "安装说明.txt").read_bytes()
    # cmd.exe reads .bat in the console code page (936): GBK; CRLF line ends throughout.
    text = bat.decode("gbk")
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b"")
    assert '--no-index --find-links "%HERE%wheels" pytoolkit' in text
    assert 'set "HERE=%~dp0"' in text  # ends with a backslash: "%HERE%wheels" is <folder>\wheels
    assert "for %%V in (3.13 3.12 3.11) do" in text  # newest supported Python first
    assert 'py -%%V-64 -c "import sys"' in text  # 64-bit only: the wheels are win_amd64
    assert "((3, 11), (3, 12), (3, 13))" in text
    for line in text.splitlines():
        assert line.count('"') % 2 == 0, line  # balanced quotes on every line (paths with spaces)
        # Every variable is one of the script's own: a stray % would eat the text after it.
        rest = re.sub(r"%%V|%~dp0|%HERE%|%PY%", "", line)
        assert "%" not in rest, line
    # The folder path (%HERE%, which may hold spaces, “(1)” or Chinese) is used only quoted and
    # outside parenthesised blocks, where a “)” in it would end the block.
    assert [line for line in text.splitlines() if "%HERE%" in line] == [
        '%PY% -m pip install --no-index --find-links "%HERE%wheels" pytoolkit']
    # Windows PowerShell 5.1 reads a script without BOM in the ANSI code page: UTF-8 with BOM.
    assert ps1.startswith(b"\xef\xbb\xbf") and b"\r\n" in ps1
    script = ps1.decode("utf-8-sig")
    assert "-m pip install --no-index --find-links $wheels pytoolkit" in script
    assert "Join-Path $PSScriptRoot 'wheels'" in script
    assert "ErrorActionPreference = 'Stop'" not in script
    assert script.count("{") == script.count("}") and script.count("(") == script.count(")")
    assert readme.startswith(b"\xef\xbb\xbf") and "install.bat" in readme.decode("utf-8-sig")
    assert "-ExecutionPolicy Bypass -File .\\install.ps1" in readme.decode("utf-8-sig")


def test_requirements_come_from_setup_cfg(tool):
    reqs = tool.requirements()
    assert "xlwings==0.37.8" in reqs and any(r.startswith("python-calamine") for r in reqs)


def test_every_dependency_is_bounded_and_the_python_floor_holds(tool):
    import configparser

    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    options = setup["options"]
    # python-calamine 0.9 publishes no wheel for Python 3.10 (checked with pip download).
    assert options["python_requires"].strip() == ">=3.11"
    extras = [r for r in options.get("extras_require", "").splitlines() if r.strip()]
    test = [line.strip() for line in setup["options.extras_require"]["test"].splitlines() if line.strip()]
    for requirement in tool.requirements() + test + extras:
        spec = requirement.split(";")[0]
        assert "==" in spec or ("<" in spec and ">=" in spec), requirement
