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
    assert "c_broken.xlsx" in broken[1] and broken[2] == []


def test_check_file_reports_an_unusable_file_instead_of_raising(tmp_path):
    missing = check_file(tmp_path / "nope.xlsx")
    assert missing.findings is None and "找不到文件" in missing.problem


def test_default_workers_keeps_small_batches_in_process():
    assert default_workers(1) == 1 and default_workers(7) == 1
    assert default_workers(1000) >= 1


def test_cli_workers_json_matches_sequential(folder, capsys):
    runs = []
    for workers in ("1", "2"):
        code = cli.main(["validate", str(folder), "--workers", workers, "--format", "json"])
        runs.append((code, json.loads(capsys.readouterr().out)))
    assert runs[0] == runs[1]
    assert runs[0][0] == 2  # the broken file: exit 2 even though the others were checked
    files = [b["file"] for b in runs[0][1]["books"]]
    assert files == sorted(files) and len(files) == 8


@pytest.mark.parametrize("bad", ["0", "-1", "x"])
def test_cli_rejects_a_bad_worker_count(bad, capsys):
    assert cli.main(["validate", "x.xlsx", "--workers", bad]) == 2
    assert "正整数" in capsys.readouterr().err
