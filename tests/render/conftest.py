"""Fixtures of the render tests: the bundled department consolidated (three units, one in 元,
internal flows eliminated), and the seed checked, as the command line writes them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pytoolkit.consolidate import Consolidator, consolidate_paths, read_units
from pytoolkit.io.layout import write_book
from pytoolkit.samples.data import DEPARTMENT, SEED


@pytest.fixture(scope="session")
def department_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("department")
    out = []
    for i, (unit, money) in enumerate(zip(DEPARTMENT, ("万元", "元", "万元"), strict=True), 1):
        path = folder / f"示例部门_{i}.xlsx"
        write_book(path, unit, money_unit=money, code_layout="split" if i == 3 else "single")
        out.append(path)
    return out


@pytest.fixture
def merged(department_files):
    """The department's 合并 (eliminations), closed after the test."""
    with consolidate_paths(department_files, eliminate=True) as result:
        yield result


@pytest.fixture
def many_units(department_files):
    """Twelve units (the department's three, four times over under other names): a 分户明细 too
    wide for one page."""
    units = [u for p in department_files for u in read_units(p)]
    cons = Consolidator()
    for k in range(4):
        for u in units:
            cons.add(replace(u, name=f"{u.name}（{k + 1}）", source=f"{k + 1}-{u.source}"))
    with cons.finish() as result:
        yield result


@pytest.fixture(scope="session")
def seed_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "seed.xlsx"
    write_book(path, SEED)
    return path
