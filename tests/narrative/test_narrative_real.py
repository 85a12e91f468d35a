"""The checker on the corpus of real published 情况说明 fragments (``tests/data/narrative/real``).

The corpus and its hand-checked errors are made and reviewed apart from the checker (see the
corpus README); these tests hold the checker to it as a whole: no error finding on a fragment
marked clean, and at least 90% of the hand-checked errors found over the whole corpus. Scoring
follows ``bench/narrative_real.py`` (which also prints the held-out part apart).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from pytoolkit.findings import Severity
from pytoolkit.narrative import check, from_text

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "narrative" / "real"
ENTRIES = yaml.safe_load((REAL / "expected.yaml").read_text(encoding="utf-8"))
CLEAN = [e for e in ENTRIES if e["clean"]]


def _held_out(file: str) -> bool:
    return int(file[:3]) % 5 == 2  # the bench's held-out rule: never print what they say


@pytest.mark.parametrize("entry", CLEAN, ids=[e["file"] for e in CLEAN])
def test_no_error_on_a_clean_fragment(entry):
    findings = check(from_text((REAL / entry["file"]).read_text(encoding="utf-8"), entry["file"]))
    errors = [f"{f.location.line}: [{f.rule}] {f.message}" for f in findings if f.severity is Severity.ERROR]
    if _held_out(entry["file"]):
        assert len(errors) == 0, "error findings on a clean held-out fragment (see bench/narrative_real.py)"
    else:
        assert errors == []


def test_at_least_90_percent_of_the_hand_checked_errors_are_found():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from narrative_real import Score, score
    finally:
        sys.path.remove(str(ROOT / "bench"))
    total = Score()
    for entry in ENTRIES:
        total.add(score(entry)[0])
    assert total.errors >= 20, "the corpus holds too few hand-checked errors to measure"
    shown = [m for m in total.missed + total.false_list if not _held_out(m)]
    assert total.found / total.errors >= 0.9, shown
    assert total.false_on_clean == 0, shown


def test_every_finding_names_file_line_and_quote():
    for entry in ENTRIES:
        if entry["clean"]:
            continue
        for f in check(from_text((REAL / entry["file"]).read_text(encoding="utf-8"), entry["file"])):
            assert f.location.file == entry["file"] and f.location.line and f.location.text, f
