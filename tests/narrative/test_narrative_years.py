"""The 情况说明's “较上年” statements against last year's book (``narrative check --previous``).

The seed states the 三公 change from 2017 twice: “减少0.45万元，减少了9.09%” (情况说明) and
“较2017年减少了4050元，降幅为8.18%” (整体支出绩效评价自评报告). Without last year's book the two
contradict each other (N.conflict) and the second contradicts the 2018 book's 上年 column
(N.table.change); with the (invented) 2017 book the second contradicts last year's book itself.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from pytoolkit.findings import Severity
from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.narrative import check
from pytoolkit.narrative.seed import WHOLE_REPORT_NAME, seed_documents
from pytoolkit.samples.previous import SEED_PREVIOUS


@pytest.fixture(scope="module")
def seed_2017(tmp_path_factory):
    path = tmp_path_factory.mktemp("years") / "汨罗2017.xlsx"
    write_book(path, SEED_PREVIOUS)
    return read_book(path)


def _rules(findings, prefix="Y."):
    return [f for f in findings if f.rule.startswith(prefix)]


def test_without_a_previous_book_the_two_statements_conflict(read_books):
    findings = check(seed_documents(), read_books["seed"])
    conflict = [f for f in findings if f.rule == "N.conflict" and f.location.file == WHOLE_REPORT_NAME]
    assert conflict and "4050元" in conflict[0].message and "0.45万元" in conflict[0].message
    assert not _rules(findings)
    # The text alone (no book at all) still sees the conflict.
    alone = check(seed_documents())
    assert [f for f in alone if f.rule == "N.conflict" and "4050元" in f.message]


def test_with_last_years_book_the_4050_statement_contradicts_it(read_books, seed_2017):
    findings = check(seed_documents(), read_books["seed"], seed_2017)
    hits = [f for f in findings if f.rule == "Y.narrative_previous"]
    assert len(hits) == 1, [(f.location, f.message) for f in hits]
    hit = hits[0]
    assert hit.location.file == WHOLE_REPORT_NAME and hit.location.line == 6 and "4050元" in hit.location.text
    assert hit.expected == Decimal("0.45") and hit.actual == Decimal("0.405")
    assert hit.severity is Severity.ERROR and "汨罗2017.xlsx" in hit.message
    # The 2018 book's 上年 column agrees with the 2017 book: no conflict between the two sources.
    assert not [f for f in findings if f.rule == "Y.previous_conflict"]
    # The within-text conflict is still reported.
    assert [f for f in findings if f.rule == "N.conflict" and "4050元" in f.message]


def test_this_years_previous_column_against_last_years_book(read_books, tmp_path):
    # Last year's book says 三公 5.00 (all 公务接待费) while the 2018 book's 上年 column says 4.95.
    values = {**SEED_PREVIOUS.values, "T7": {
        "预算数": SEED_PREVIOUS.values["T7"]["预算数"],
        "决算数": {**SEED_PREVIOUS.values["T7"]["决算数"], "合计": "5.00", "公务接待费": "5.00"}}}
    path = tmp_path / "上年_三公5.xlsx"
    write_book(path, replace(SEED_PREVIOUS, values=values))
    findings = check(seed_documents(), read_books["seed"], read_book(path))
    conflicts = [f for f in findings if f.rule == "Y.previous_conflict"]
    assert conflicts, [(f.rule, f.message) for f in findings]
    assert {f.expected for f in conflicts} == {Decimal("5.00")} and {f.actual for f in conflicts} == {Decimal("4.95")}
    assert all("三公" in f.location.sheet and f.location.cell for f in conflicts)
    # The conflict points at this year's 三公 table and is shown under 与上年核对; the statement
    # itself under 情况说明.
    assert {(f.table, f.group) for f in conflicts} == {("T7", "Y")}
    assert {(f.table, f.group) for f in findings if f.rule != "Y.previous_conflict"} == {("", "N")}
    # Against 5.00 even the 0.45 statements are wrong (0.50).
    wrong = [f for f in findings if f.rule == "Y.narrative_previous"]
    assert {f.expected for f in wrong if f.expected is not None} >= {Decimal("0.50")}


def test_previous_book_alone_checks_stated_figures(seed_2017):
    from pytoolkit.narrative import from_text

    doc = from_text("2018年“三公”经费支出决算为4.50万元，比上年增加0.45万元，增长9.09%。", "说明.txt")
    findings = check(doc, None, seed_2017)
    hits = [f for f in findings if f.rule == "Y.narrative_previous"]
    assert hits and "减少0.45万元" in hits[0].message


def test_each_narrative_check_emits_only_the_ids_it_declares(read_books, seed_2017):
    """Each registered check run alone on the seed's texts (with and without its books) and on
    the real fragments: every id it emits is one of its ``emits``."""
    from pathlib import Path

    from pytoolkit.checking import CHECKS
    from pytoolkit.narrative import from_text
    from pytoolkit.narrative.checks import NarrativeContext, extract

    real = sorted((Path(__file__).parent.parent / "data" / "narrative" / "real").glob("*.txt"))
    texts = [[from_text(p.read_text(encoding="utf-8"), p.name)] for p in real]
    runs = [(seed_documents(), read_books["seed"], seed_2017), (seed_documents(), None, None),
            *((docs, None, None) for docs in texts)]
    seen = set()
    for docs, book, previous in runs:
        year = book.year if book is not None else None
        ctx = NarrativeContext([extract(d, year) for d in docs], book, year=year, previous=previous)
        for c in CHECKS.of("narrative"):
            rules = {f.rule for f in c.fn(ctx)}
            assert rules <= set(c.emits), (c.name, rules)
            seen |= rules
    assert len(seen) > 10 and "Y.narrative_previous" in seen
