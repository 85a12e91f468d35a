"""The corpus of real published 情况说明 fragments (``tests/data/narrative/real``) is well formed.

These tests check the data only, never the checker: every fragment file is listed in
``expected.yaml`` and the reverse, every field has a value of its kind, every hand-checked error
points at a line that exists and contains the figure it names, clean fragments list no errors, and
the corpus keeps its size and mix (topics, errors, regions, years). The README's table names
every fragment.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

REAL = Path(__file__).resolve().parent.parent / "data" / "narrative" / "real"
ENTRIES = yaml.safe_load((REAL / "expected.yaml").read_text(encoding="utf-8"))

KINDS = {
    "truncated_percent", "share_mismatch", "share_sum", "sum_mismatch", "rate_mismatch",
    "change_mismatch", "direction", "zero_base", "completion_vs_direction", "count_mismatch",
    "total_mismatch", "repeated_figure_conflict", "other",
}
TOPICS = {"三公", "收支总体", "收入", "支出", "财政拨款", "基本支出", "其他"}
TOTALS = {"收支总体", "收入", "支出", "财政拨款"}
FIELDS = {"file", "source", "region", "year", "topic", "clean", "errors"}
NAME = re.compile(r"^(\d{3})_[a-z0-9][a-z0-9-]*\.txt$")
URL = re.compile(r"^https?://\S+$")
COMMIT = re.compile(r"^[0-9a-f]{40}$")
PROVINCE = re.compile(r"^(.+?(?:自治区|省|市))")


def lines_of(entry: dict) -> list[str]:
    return (REAL / entry["file"]).read_text(encoding="utf-8").splitlines()


def test_every_fragment_is_listed_and_every_listed_fragment_exists():
    listed = [e["file"] for e in ENTRIES]
    assert len(listed) == len(set(listed)), "a fragment is listed twice"
    on_disk = sorted(p.name for p in REAL.glob("*.txt"))
    assert sorted(listed) == on_disk
    numbers = [NAME.match(f).group(1) for f in listed if NAME.match(f)]
    assert len(numbers) == len(listed), "file names are NNN_<ascii-slug>.txt"
    assert len(set(numbers)) == len(numbers), "two fragments share a number"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_fields(entry):
    assert entry.keys() >= FIELDS, FIELDS - entry.keys()
    source = entry["source"]
    if isinstance(source, str):
        assert URL.match(source), source
    else:
        assert set(source) == {"repo", "path", "commit"}, source
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", source["repo"]) and source["path"]
        assert COMMIT.match(source["commit"]), source["commit"]
    assert PROVINCE.match(entry["region"]), entry["region"]
    assert isinstance(entry["year"], int) and 2017 <= entry["year"] <= 2025
    assert entry["topic"] in TOPICS
    assert isinstance(entry["clean"], bool)
    assert isinstance(entry["errors"], list)
    assert entry["clean"] == (not entry["errors"]), "clean exactly when no error is listed"
    assert isinstance(entry.get("notes", ""), str)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_text_is_utf8_paragraphs_and_every_error_points_at_its_figure(entry):
    raw = (REAL / entry["file"]).read_bytes()
    text = raw.decode("utf-8")
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    assert "\r" not in text
    lines = lines_of(entry)
    assert lines and all(line.strip() for line in lines), "one paragraph a line, no blank lines"
    assert re.search(r"\d", text)
    for error in entry["errors"]:
        assert {"line", "figure", "kind", "why"} <= error.keys(), error
        assert error["kind"] in KINDS, error["kind"]
        assert isinstance(error["line"], int) and 1 <= error["line"] <= len(lines), error
        assert str(error["figure"]) in lines[error["line"] - 1], error
        assert len(error["why"]) >= 10, error


def test_size_and_mix():
    n = len(ENTRIES)
    topics = Counter(e["topic"] for e in ENTRIES)
    assert n >= 50
    assert 3 * topics["三公"] >= n, topics
    assert 3 * sum(topics[t] for t in TOTALS) >= n, topics
    assert sum(1 for e in ENTRIES if e["errors"]) >= 15
    assert sum(1 for e in ENTRIES if e["clean"]) >= 15
    provinces = {PROVINCE.match(e["region"]).group(1) for e in ENTRIES}
    assert len(provinces) >= 6, provinces
    assert len({e["year"] for e in ENTRIES}) >= 5


def test_readme_table_names_every_fragment():
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    missing = [e["file"] for e in ENTRIES if f"`{e['file']}`" not in readme]
    assert not missing, missing
