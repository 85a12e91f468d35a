"""The seed's published 情况说明 and 绩效自评报告 against the seed sample workbook (issue #5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pytoolkit.findings import Severity
from pytoolkit.narrative import check, from_text
from pytoolkit.narrative.seed import PROJECT_REPORT_NAME, WHOLE_REPORT_NAME, seed_documents, seed_narrative_text

NARRATIVE = "seed_narrative.txt"


@pytest.fixture(scope="module")
def seed_findings(read_books):
    return check(seed_documents(), read_books["seed"])


def _pick(findings, rule, file=None, line=None):
    return [f for f in findings if f.rule == rule and (file is None or f.location.file == file)
            and (line is None or f.location.line == line)]


def test_sangong_text_4_5_against_the_self_evaluation_4_54(seed_findings):
    hits = [f for f in _pick(seed_findings, "N.pe", NARRATIVE) if f.expected == Decimal("4.54")]
    assert {f.actual for f in hits} == {Decimal("4.5")}
    assert any("三公经费合计" in f.message for f in hits)
    assert any("公务接待费" in f.message for f in hits)
    assert all(f.severity is Severity.ERROR and f.location.text for f in hits)


def test_two_contradictory_year_on_year_statements_about_sangong(seed_findings):
    report = [f for f in seed_findings if f.location.file == WHOLE_REPORT_NAME]
    conflict = _pick(report, "N.conflict")
    assert conflict and "0.45万元" in conflict[0].message and "4050元" in conflict[0].message
    assert conflict[0].location.line == 6 and "4050元" in conflict[0].location.text
    table = _pick(report, "N.table.change")
    assert table and table[0].expected == Decimal("0.45") and table[0].actual == Decimal("0.405")
    internal = _pick(report, "N.change")  # 8.18% does not follow from 4.5万元 and −4050元
    assert internal and internal[0].actual == Decimal("8.18") and internal[0].expected == Decimal("8.26")


def test_fund_source_contradiction(seed_findings):
    hits = _pick(seed_findings, "N.pe", NARRATIVE, 43)
    assert len(hits) == 1 and hits[0].expected == Decimal("159.8")
    assert "政府基金拨款" in hits[0].message and "未发生政府性基金" in hits[0].message


def test_project_detail_sums_to_211_against_221(seed_findings):
    sums = _pick(seed_findings, "N.sum", PROJECT_REPORT_NAME)
    assert sums and sums[0].expected == Decimal("221") and sums[0].actual == Decimal("211.00")
    pp = _pick(seed_findings, "N.pp", PROJECT_REPORT_NAME)
    assert pp and pp[0].severity is Severity.ERROR and pp[0].expected == Decimal("221")


def test_class_and_kuan_mislabel_and_project_count(seed_findings):
    label = _pick(seed_findings, "N.label", NARRATIVE)
    assert [f.location.line for f in label] == [23]
    assert "税收事务(类)" in label[0].message and "一般公共服务支出(类)税收事务(款)" in label[0].message
    counts = _pick(seed_findings, "N.count", NARRATIVE)
    assert counts and all("8项" in f.message for f in counts)


def test_nothing_else_is_flagged_in_the_seed(seed_findings):
    rules = {f.rule for f in seed_findings}
    assert rules <= {"N.pe", "N.conflict", "N.table.change", "N.change", "N.sum", "N.pp", "N.label", "N.count"}
    assert not _pick(seed_findings, "N.crash")


def test_the_narrative_alone_is_internally_consistent_but_for_labels():
    # Every rate, share and sum of 第三部分 holds (169.06%, 137.63%, 36.32% + 63.68% …).
    findings = check(from_text(seed_narrative_text(), NARRATIVE))
    assert [f.rule for f in findings] == ["N.label"]
