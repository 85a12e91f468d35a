"""Shared fixtures of the narrative tests: sample books written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytoolkit.io.layout import default_tables, write_book
from pytoolkit.io.reader import read_book
from pytoolkit.samples.data import DEPARTMENT, SEED


@pytest.fixture(scope="session")
def narrative_books(tmp_path_factory) -> dict[str, Path]:
    """seed: SEED with its 绩效自评 forms (known inconsistencies); seed_clean: SEED's public tables
    and PP; unit0..2: the DEPARTMENT units (unit2 in split 类/款/项 columns, 元)."""
    d = tmp_path_factory.mktemp("narrative_books")
    out = {"seed": d / "seed.xlsx", "seed_clean": d / "seed_clean.xlsx"}
    write_book(out["seed"], SEED)
    write_book(out["seed_clean"], SEED, tables=[t for t in default_tables(SEED) if t != "PE"])
    for i, unit in enumerate(DEPARTMENT):
        out[f"unit{i}"] = d / f"unit{i}.xlsx"
        write_book(out[f"unit{i}"], unit, **({"code_layout": "split", "money_unit": "元"} if i == 2 else {}))
    return out


@pytest.fixture(scope="session")
def read_books(narrative_books):
    return {k: read_book(p) for k, p in narrative_books.items()}
