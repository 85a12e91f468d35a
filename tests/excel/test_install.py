"""`pytoolkit addin path|install` and the add-in shipped as package data.

There is no Windows here: the Windows branch runs with ``sys.platform`` set to "win32" and
APPDATA / USERPROFILE pointing into a temporary folder, and checks what lands on disk.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytoolkit import cli
from pytoolkit.commands import addin
from pytoolkit.excel import XLWINGS_VERSION, build_addin

ROOT = build_addin.REPO_ADDIN_DIR.parent
PYTHON = r"C:\Users\会计\AppData\Local\Programs\Python\Python312\python.exe"


@pytest.fixture
def windows(tmp_path, monkeypatch):
    """A Windows user's folders in tmp_path, and sys.platform / sys.executable as on Windows."""
    appdata = tmp_path / "Users" / "会计" / "AppData" / "Roaming"
    profile = tmp_path / "Users" / "会计"
    appdata.mkdir(parents=True)
    monkeypatch.setenv("APPDATA", str(appdata))
    monkeypatch.setenv("USERPROFILE", str(profile))
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(sys, "executable", PYTHON)
    monkeypatch.setattr(addin, "ansi_encoding", lambda: "gbk")  # a Chinese Windows' ANSI code page
    return {
        "xlstart": appdata / "Microsoft" / "Excel" / "XLSTART" / "pytoolkit.xlam",
        "addins": appdata / "Microsoft" / "AddIns" / "pytoolkit.xlam",
        "conf": profile / ".pytoolkit" / "pytoolkit.conf",
    }


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["addin", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def read_conf(path: Path) -> list[str]:
    return path.read_bytes().decode("gbk").splitlines()


# --- package data -------------------------------------------------------------------------------------------


def test_the_packaged_copy_is_the_built_add_in(built):
    for name in (build_addin.XLAM_NAME, build_addin.INFO_NAME):
        packaged = built[build_addin.PACKAGE_ADDIN_DIR / name]
        assert packaged == built[build_addin.REPO_ADDIN_DIR / name]
        assert (build_addin.PACKAGE_ADDIN_DIR / name).read_bytes() == packaged
    assert addin.packaged_dir() == build_addin.PACKAGE_ADDIN_DIR


def test_the_wheel_carries_the_add_in(tmp_path):
    # build_py is the step of bdist_wheel that copies package data (setup.cfg [options.package_data]).
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "pytoolkit", tmp_path / "pytoolkit", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py",
                           "--build-lib", str(tmp_path / "out")], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    shipped = tmp_path / "out" / "pytoolkit" / "excel" / "addin"
    for name in (build_addin.XLAM_NAME, build_addin.INFO_NAME):
        assert (shipped / name).read_bytes() == (build_addin.REPO_ADDIN_DIR / name).read_bytes()


# --- addin path ------------------------------------------------------------------------------------------


def test_path_prints_the_packaged_add_in(capsys):
    code, out, err = run(capsys, "path")
    assert code == 0 and err == ""
    assert Path(out.strip()) == build_addin.PACKAGE_ADDIN_DIR / "pytoolkit.xlam"
    assert Path(out.strip()).is_file()


def test_path_warns_about_a_mismatched_xlwings(capsys, monkeypatch):
    monkeypatch.setattr(addin.importlib.metadata, "version", lambda name: "0.33.0")
    code, out, err = run(capsys, "path")
    assert code == 0 and out.strip().endswith("pytoolkit.xlam")
    assert f"pip install xlwings=={XLWINGS_VERSION}" in err


def test_addin_without_an_action_prints_help(capsys):
    code, _, err = run(capsys)
    assert code == 2 and "install" in err and "path" in err


def test_the_checked_versions_are_the_pins():
    info = json.loads((build_addin.PACKAGE_ADDIN_DIR / build_addin.INFO_NAME).read_text(encoding="utf-8"))
    assert info["xlwings"] == XLWINGS_VERSION
    xlam = build_addin.PACKAGE_ADDIN_DIR / build_addin.XLAM_NAME
    assert info["xlam_sha256"] == hashlib.sha256(xlam.read_bytes()).hexdigest()
    assert addin.problems(xlam, info) == []


# --- addin install --------------------------------------------------------------------------------------


def test_install_elsewhere_than_windows_says_so_in_chinese(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("APPDATA", str(tmp_path))
    code, out, err = run(capsys, "install")
    assert code == 2 and out == ""
    assert "只能在 Windows 上运行" in err and "pytoolkit addin path" in err
    assert list(tmp_path.iterdir()) == []


def test_install_on_windows_copies_the_add_in_and_writes_the_config(capsys, windows):
    code, out, err = run(capsys, "install")
    assert code == 0, err
    assert windows["xlstart"].read_bytes() == (build_addin.PACKAGE_ADDIN_DIR / "pytoolkit.xlam").read_bytes()
    assert read_conf(windows["conf"]) == [f'"INTERPRETER_WIN","{PYTHON}"', '"UDF MODULES","pytoolkit.excel.udfs"']
    assert windows["conf"].read_bytes().endswith(b"\r\n")  # VBA's Input # reads CR LF lines
    assert str(windows["xlstart"]) in out and "决算工具" in out
    assert not windows["addins"].exists()


def test_install_into_the_add_ins_folder_and_warn_about_a_second_copy(capsys, windows):
    assert run(capsys, "install")[0] == 0
    code, out, _ = run(capsys, "install", "--folder", "addins")
    assert code == 0 and windows["addins"].is_file()
    assert "两个“决算工具”选项卡" in out


def test_install_keeps_the_users_other_settings(capsys, windows):
    windows["conf"].parent.mkdir(parents=True)
    windows["conf"].write_bytes('"interpreter_win","C:\\旧\\python.exe"\r\n"SHOW CONSOLE","True"\r\n'.encode("gbk"))
    assert run(capsys, "install")[0] == 0
    assert read_conf(windows["conf"]) == [
        '"SHOW CONSOLE","True"', f'"INTERPRETER_WIN","{PYTHON}"', '"UDF MODULES","pytoolkit.excel.udfs"'
    ]


def test_install_refuses_a_mismatched_xlwings(capsys, windows, monkeypatch):
    monkeypatch.setattr(addin.importlib.metadata, "version", lambda name: "0.33.0")
    code, _, err = run(capsys, "install")
    assert code == 2
    assert "0.33.0" in err and f"pip install xlwings=={XLWINGS_VERSION}" in err
    assert not windows["xlstart"].exists() and not windows["conf"].exists()


def test_install_refuses_a_damaged_add_in(capsys, windows, monkeypatch, tmp_path):
    damaged = tmp_path / "pkg"
    shutil.copytree(build_addin.PACKAGE_ADDIN_DIR, damaged)
    (damaged / "pytoolkit.xlam").write_bytes(b"PK\x03\x04 not an add-in")
    monkeypatch.setattr(addin, "packaged_dir", lambda: damaged)
    code, _, err = run(capsys, "install")
    assert code == 2 and "构建记录不符" in err
    assert not windows["xlstart"].exists()


def test_install_with_the_add_in_missing_from_the_package(capsys, windows, monkeypatch, tmp_path):
    monkeypatch.setattr(addin, "packaged_dir", lambda: tmp_path / "nothing")
    code, _, err = run(capsys, "install")
    assert code == 2 and "重新安装 pytoolkit" in err


def test_install_while_excel_holds_the_add_in(capsys, windows, monkeypatch):
    def locked(source, target):
        raise PermissionError(13, "另一个程序正在使用此文件")

    monkeypatch.setattr(addin.shutil, "copyfile", locked)
    code, _, err = run(capsys, "install")
    assert code == 2 and "关闭所有 Excel 窗口" in err


def test_install_refuses_an_interpreter_path_vba_cannot_read(capsys, windows, monkeypatch):
    monkeypatch.setattr(sys, "executable", "C:\\Users\\😀\\python.exe")
    code, _, err = run(capsys, "install")
    assert code == 2 and "代码页" in err
    assert not windows["xlstart"].exists()  # refused before anything was written


def test_install_without_appdata(capsys, windows, monkeypatch):
    monkeypatch.delenv("APPDATA")
    code, _, err = run(capsys, "install")
    assert code == 2 and "APPDATA" in err
