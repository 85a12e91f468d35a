"""The corpus of real published layouts (tests/data/layouts), built by the independent generator.

For every layout: the description is internally consistent (every 勾稽关系 holds, every key is a
standard key) and cites its public source; and against the product: every table is recognised as
the right one, every amount is read at its cell, no 栏次/行次/count/note cell is read as money, the
clean book gives 0 error findings, and a linkage-breaking edit of one amount is flagged at that
cell. What the product misses today is listed in ``xfail.yaml`` (strict: a fixed case must lose
its entry).

LAYOUTS_MUTATIONS sets the number of single-cell mutations tried per layout (default 3).
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from . import checks, oracle
from . import generator as G

HERE = Path(__file__).resolve().parent
KEYS = yaml.safe_load((HERE / "keys.yaml").read_text(encoding="utf-8"))
XFAIL = yaml.safe_load((HERE / "xfail.yaml").read_text(encoding="utf-8")) or {}
CORPUS = G.load_corpus()
MUTATIONS = int(os.environ.get("LAYOUTS_MUTATIONS", "3"))
INVARIANTS = ("tables", "amounts", "marks", "clean", "mutations")


def cases(invariant: str) -> list:
    out = []
    for lid in CORPUS:
        reason = (XFAIL.get(lid) or {}).get(invariant)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(lid, id=lid, marks=marks))
    return out


@cache
def result(lid: str) -> checks.Result:
    return checks.run(CORPUS[lid])


def _fail(problems: list[str], what: str) -> None:
    if problems:
        shown = "\n  ".join(problems[:25])
        more = f"\n  …另有{len(problems) - 25}处" if len(problems) > 25 else ""
        pytest.fail(f"{what}（{len(problems)}处）：\n  {shown}{more}")


# ---------------------------------------------------------------------------------------------
# The descriptions themselves (no product involved)

def test_corpus_has_the_layouts_the_issue_lists():
    assert len(CORPUS) >= 12, sorted(CORPUS)


@pytest.mark.parametrize("lid", list(CORPUS))
def test_layout_is_internally_consistent(lid):
    truth = G.build(CORPUS[lid], None)
    assert truth.amounts, "a layout with no amounts"
    assert oracle.broken(truth.values()) == []


def _key_ok(table: str, key: str, kind: str) -> bool:
    spec = KEYS.get(table, {})
    if key in spec.get(kind, ()) or key in spec.get(f"extra_{kind}", ()):
        return True
    if kind == "rows":
        if spec.get("extra_rows") == "any":
            return True
        lengths = {"function": (3, 5, 7), "function-class": (3,), "economic": (3, 5)}.get(spec.get("codes", ""), ())
        if key.isdigit():
            return len(key) in lengths
    return False


@pytest.mark.parametrize("lid", list(CORPUS))
def test_layout_names_standard_keys(lid):
    truth = G.build(CORPUS[lid], None)
    bad = sorted({f"{a.table}[{a.row}].{a.col}" for a in truth.amounts
                  if not (_key_ok(a.table, a.row, "rows") and _key_ok(a.table, a.col, "columns"))})
    assert bad == []


@pytest.mark.parametrize("lid", list(CORPUS))
def test_layout_cites_its_source(lid):
    meta = CORPUS[lid].meta
    sources = meta.get("source") or []
    assert sources and all(s.get("url") or s.get("doc") or (s.get("repo") and s.get("path")) for s in sources), lid
    assert meta.get("special") and meta.get("figures"), "say what is special and where the figures come from"
    readme = (G.CORPUS / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^\|\s*`?{re.escape(lid)}`?\s*\|", readme, re.M), f"{lid} missing from the README table"


def test_xfail_entries_name_real_layouts_and_invariants():
    for lid, entries in XFAIL.items():
        if lid == "fuzz":
            continue
        assert lid in CORPUS, lid
        assert set(entries) <= set(INVARIANTS), entries


# ---------------------------------------------------------------------------------------------
# Against the product

@pytest.mark.parametrize("lid", cases("tables"))
def test_tables_recognised(lid):
    _fail(checks.table_problems(result(lid)), "表识别")


@pytest.mark.parametrize("lid", cases("amounts"))
def test_every_amount_read_at_its_cell(lid):
    _fail(checks.amount_problems(result(lid)), "金额读取")


@pytest.mark.parametrize("lid", cases("marks"))
def test_no_lanci_count_or_note_read_as_money(lid):
    _fail(checks.mark_problems(result(lid)), "栏次/行次/统计数/注释被读作金额")


@pytest.mark.parametrize("lid", cases("clean"))
def test_clean_book_has_no_errors(lid):
    _fail(checks.error_problems(result(lid)), "干净的工作簿报错")


@pytest.mark.parametrize("lid", cases("mutations"))
def test_single_cell_mutation_is_flagged_at_the_cell(lid):
    tried, missed = checks.mutation_problems(result(lid), KEYS, MUTATIONS)
    assert tried, "no linkage-breaking cell in this layout"
    _fail(missed, f"改动一个金额后没有规则在该单元格报出（共试{tried}处）")


@pytest.mark.parametrize("lid", list(CORPUS))
def test_truth_points_at_the_written_cells(lid, tmp_path):
    """The generator's truth is right about its own workbook: read back (python-calamine, no product
    code), every amount cell holds the printed figure and every 栏次/行次/count/note cell its text."""
    import python_calamine

    path = tmp_path / f"{lid}.xlsx"
    truth = G.build(CORPUS[lid], path, write_truth=True)
    assert path.with_suffix(".truth.json").exists()
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    sheets = {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}

    def at(sheet, r, c):
        rows = sheets[sheet]
        return rows[r][c] if r < len(rows) and c < len(rows[r]) else ""

    for a in truth.amounts:
        got = at(a.sheet, a.r, a.c)
        if a.value is None:
            assert got in ("", None) or str(got).strip() in G.BLANKS, (a.ref, got)
        elif isinstance(got, str):
            assert CORPUS[lid].text_numbers and G.printed_value(got) == G.printed_value(a.printed), (a.ref, got)
        else:
            assert G.printed_value(repr(float(got))) == G.printed_value(a.printed), (a.ref, got, a.printed)
    for m in truth.marks:
        got = at(m.sheet, m.r, m.c)
        if isinstance(got, int | float):
            assert G.printed_value(repr(float(got))) == G.printed_value(m.text), (m, got)
        else:
            assert got == m.text, (m, got)
