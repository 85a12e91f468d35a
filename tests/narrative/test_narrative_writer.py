"""The draft writer: standard outline, figures from metrics, marked blanks, and the round trip."""

from __future__ import annotations

import pytest

from pytoolkit.narrative import check, from_text, read_document
from pytoolkit.narrative.writer import BLANK, OUTLINE, draft, write_draft

CLEAN = ("seed_clean", "unit0", "unit1", "unit2")


@pytest.mark.parametrize("name", CLEAN)
def test_round_trip_draft_checks_clean_against_its_book(read_books, name):
    book = read_books[name]
    text = draft(book).text()
    assert check(from_text(text, "draft.txt"), book) == []


def test_draft_follows_the_outline_and_marks_blanks(read_books):
    text = draft(read_books["seed_clean"]).text()
    doc = from_text(text, "d.txt")
    assert [s.title for s in doc.sections] == list(OUTLINE)
    assert BLANK in text and "比上年增加270.89万元，增长47.04%" in text
    assert "完成年初预算的169.06%" in text and "占本年支出合计的100.00%" in text
    assert "本单位2018年度无政府性基金预算财政拨款收入支出" in text


def test_zero_budget_and_zero_base_are_words_not_percentages(read_books):
    text = draft(read_books["unit1"]).text()  # 信息中心: 2010399 has no 年初预算
    assert "无年初预算" in text and "完成年初预算的0.00%" not in text
    assert "增长100" not in text


def test_the_seed_forms_disagree_with_a_draft_from_the_tables(read_books):
    # The seed book's PE says 三公 4.54: a draft from its tables (4.50) is flagged against it.
    fs = check(from_text(draft(read_books["seed"]).text(), "d.txt"), read_books["seed"])
    assert {f.rule for f in fs} == {"N.pe"}


@pytest.mark.parametrize("suffix", [".txt", ".docx"])
def test_written_file_reads_back_and_checks_clean(read_books, tmp_path, suffix):
    out = write_draft(read_books["unit2"], tmp_path / f"草稿{suffix}")
    doc = read_document(out)
    assert [s.ordinal for s in doc.sections] == list("一二三四五六七八九十")
    assert check(doc, read_books["unit2"]) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]
