"""Tests for ``pytoolkit.batch`` (core) and ``validate --workers``: a batch over worker
processes gives the same findings, in input order, as checking the files one by one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytoolkit import cli
from pytoolkit.batch import check_file, check_files, default_workers
from pytoolkit.io.layout import write_book
from pytoolkit.samples.data import DEPARTMENT, SEED


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Seed, the three units, a broken file, and the units again: 8 files, so workers engage."""
    d = tmp_path_factory.mktemp("batch")
    write_book(d / "a_seed.xlsx", SEED)
    for i, unit in enumerate(DEPARTMENT, 1):
        write_book(d / f"b_unit{i}.xlsx", unit)
        shutil.copy(d / f"b_unit{i}.xlsx", d / f"d_copy{i}.xlsx")
    (d / "c_broken.xlsx").write_bytes(b"not a workbook")
    return d


def _key(result):
    return (result.path.name, result.problem,
            [(f.rule, f.severity, str(f.location), f.expected, f.actual) for f in result.findings or ()])


def test_workers_give_the_same_results_in_input_order(folder):
    paths = sorted(folder.iterdir())
    one = [_key(r) for r in check_files(paths, workers=1)]
    two = [_key(r) for r in check_files(paths, workers=2)]
    assert two == one
    assert [name for name, *_ in two] == [p.name for p in paths]
    seed = next(k for k in one if k[0] == "a_seed.xlsx")
    assert {rule for rule, *_ in seed[2] if rule.startswith("XP.")} == {
        "XP.general_budget", "XP.gov_fund", "XP.sangong", "XP.reception"}
    broken = next(k for k in one if k[0] == "c_broken.xlsx")
    assert "c_broken.xlsx" in broken[1]
    assert [(rule, sev.value, where) for rule, sev, where, *_ in broken[2]] == [
        ("read.unusable", "error", "c_broken.xlsx")]


def test_check_file_reports_an_unusable_file_instead_of_raising(tmp_path):
    missing = check_file(tmp_path / "nope.xlsx")
    assert not missing.usable and "找不到文件" in missing.problem
    assert [f.rule for f in missing.findings] == ["read.unusable"]
    assert missing.findings[0].message == missing.problem


def test_default_workers_is_the_cpu_count_but_never_more_than_the_files(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert default_workers(1) == 1 and default_workers(3) == 3
    assert default_workers(1000) == 4


def test_cli_workers_json_matches_sequential(folder, capsys):
    runs = []
    for workers in ("1", "2"):
        code = cli.main(["validate", str(folder), "--workers", workers, "--format", "json"])
        runs.append((code, json.loads(capsys.readouterr().out)))
    assert runs[0] == runs[1]
    assert runs[0][0] == 2  # the broken file: exit 2 even though the others were checked
    files = [b["file"] for b in runs[0][1]["inputs"]]
    assert files == sorted(files) and len(files) == 8
    assert [b["usable"] for b in runs[0][1]["inputs"]].count(False) == 1


@pytest.mark.parametrize("bad", ["0", "-1", "x"])
def test_cli_rejects_a_bad_worker_count(bad, capsys):
    assert cli.main(["validate", "x.xlsx", "--workers", bad]) == 2
    assert "正整数" in capsys.readouterr().err


def test_a_folder_lists_a_wps_et_file_instead_of_passing_over_it(tmp_path, capsys):
    """A unit that sent its book in WPS's own .et format is reported (with what to do), not skipped;
    an .ods among the books is read."""
    write_book(tmp_path / "单位1.xlsx", DEPARTMENT[0])
    shutil.copy(Path(__file__).parent / "data" / "bad" / "wps_native.et", tmp_path / "单位2.et")
    shutil.copy(Path(__file__).parent / "data" / "bad" / "libreoffice.ods", tmp_path / "单位3.ods")
    code = cli.main(["validate", str(tmp_path), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == cli.EXIT_INPUT
    files = {f["location"].get("file") for f in doc["findings"] if f["rule"] == "read.unusable"}
    assert files == {"单位2.et"}
    message = next(f["message"] for f in doc["findings"] if f["rule"] == "read.unusable")
    assert "WPS" in message and "另存为" in message
    usable = {Path(i["file"]).name: i["usable"] for i in doc["inputs"]}
    assert usable == {"单位1.xlsx": True, "单位2.et": False, "单位3.ods": True}
