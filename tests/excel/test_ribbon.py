"""The ribbon entry points on the fake book: what the user sees, and that nothing of theirs changes."""

from __future__ import annotations

import copy

import pytest
import xlwings as xw

from pytoolkit.errors import InputError
from pytoolkit.excel import ribbon, udfs


def test_help_shows_the_buttons_and_functions_in_chinese(book):
    before = copy.deepcopy(book.snapshot())
    ribbon.help(book)
    (alert,) = book.app.alerts
    assert alert["title"] == "决算工具 帮助" and alert["mode"] == "info"
    for entry in ribbon.ENTRY_POINTS.values():
        assert entry.label in alert["prompt"]
    for udf in udfs.UDFS:
        assert udf.__name__ in alert["prompt"]
    assert "后续版本提供" in alert["prompt"]  # the help does not hide what is missing
    assert book.snapshot() == before


@pytest.mark.parametrize("name", [name for name, entry in ribbon.ENTRY_POINTS.items() if not entry.ready])
def test_unfinished_entry_points_say_so_and_change_nothing(book, name):
    before = copy.deepcopy(book.snapshot())
    getattr(ribbon, name)(book)
    (alert,) = book.app.alerts
    assert ribbon.NOT_YET in alert["prompt"] and ribbon.ENTRY_POINTS[name].label in alert["prompt"]
    assert book.snapshot() == before


def test_only_help_is_ready_for_now():
    assert [name for name, entry in ribbon.ENTRY_POINTS.items() if entry.ready] == ["help"]


def test_entry_point_uses_the_calling_book(book, monkeypatch):
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    ribbon.help()  # as RunPython calls it
    assert len(book.app.alerts) == 1


def test_toolkit_errors_become_a_message_box(book, monkeypatch):
    def fails(book, name):
        raise InputError("工作簿中找不到收入支出决算总表")

    monkeypatch.setattr(ribbon, "_not_yet", fails)
    ribbon.validate(book)
    (alert,) = book.app.alerts
    assert alert == {
        "prompt": "工作簿中找不到收入支出决算总表",
        "title": "决算工具",
        "buttons": "ok",
        "mode": "critical",
    }


def test_programming_errors_propagate(book, monkeypatch):
    def fails(book, name):
        raise KeyError(name)

    monkeypatch.setattr(ribbon, "_not_yet", fails)
    with pytest.raises(KeyError):
        ribbon.validate(book)
