"""``pytoolkit narrative check|write``: exit codes, JSON shape, .docx in and out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from rich.console import Console

from pytoolkit import cli
from pytoolkit.commands.narrative import demo_section
from pytoolkit.samples.data import SEED

CJK = re.compile(r"[\u4e00-\u9fff]")
SEED_TEXT = Path(cli.__file__).parent / "samples" / "seed_narrative.txt"


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_check_seed_text_against_seed_book_exit_1_and_json_shape(narrative_books, capsys):
    code, out, _ = run(capsys, "narrative", "check", SEED_TEXT, "--book", narrative_books["seed"], "--format", "json")
    assert code == cli.EXIT_FINDINGS
    doc = json.loads(out)
    assert set(doc) >= {"findings", "summary"} and set(doc["summary"]) == {"error", "warning", "info"}
    f = doc["findings"][0]
    assert set(f) == {"rule", "severity", "title", "message", "location", "table", "related", "expected", "actual",
                      "difference", "unit", "group"}
    assert {(x["table"], x["group"]) for x in doc["findings"]} == {("", "N")}
    assert set(f["location"]) == {"file", "line", "text"} and isinstance(f["location"]["line"], int)
    assert all(x["expected"] is None or isinstance(x["expected"], str) for x in doc["findings"])
    assert {"N.pe", "N.label"} <= {x["rule"] for x in doc["findings"]}


def test_check_text_output_is_chinese(narrative_books, capsys):
    code, out, _ = run(capsys, "narrative", "check", SEED_TEXT, "--book", narrative_books["seed"])
    assert code == cli.EXIT_FINDINGS and "4.54" in out and "seed_narrative.txt:33" in out


def test_write_docx_then_check_it_exit_0(narrative_books, tmp_path, capsys):
    out = tmp_path / "初稿.docx"
    code, _, err = run(capsys, "narrative", "write", narrative_books["unit0"], "-o", out)
    assert code == cli.EXIT_OK and out.exists() and CJK.search(err)
    code, stdout, _ = run(capsys, "narrative", "check", out, "--book", narrative_books["unit0"], "--format", "json")
    assert code == cli.EXIT_OK and json.loads(stdout)["findings"] == []


def test_text_in_a_workbook_sheet_named_qingkuang_shuoming(narrative_books, tmp_path, capsys):
    book = tmp_path / "带说明.xlsx"
    wb = load_workbook(narrative_books["seed_clean"])
    ws = wb.create_sheet("情况说明")
    for line in SEED_TEXT.read_text(encoding="utf-8").splitlines():
        ws.append([line])
    wb.save(book)
    code, out, _ = run(capsys, "narrative", "check", book, "--format", "json")
    doc = json.loads(out)
    assert code == cli.EXIT_OK  # only the 类/款 label warning: the tables were rebuilt from this text
    assert [f["rule"] for f in doc["findings"]] == ["N.label"]
    assert doc["findings"][0]["location"]["line"] == 23


@pytest.mark.parametrize("argv", [
    ("narrative", "check", "不存在.txt"),
    ("narrative", "check", "{bad_docx}"),
    ("narrative", "check", "{no_sheet}"),
    ("narrative", "check", "{seed_text}", "--book", "不存在.xlsx"),
    ("narrative", "write", "{book}", "-o", "{tmp}/out.pdf"),
    ("narrative", "write", "{book}", "-o", "{book}"),
    ("narrative", "write", "{book}", "-o", "{tmp}/no/such/dir/out.txt"),
    ("narrative", "write", "{bad_docx}", "-o", "{tmp}/out.txt"),
])
def test_bad_input_exit_2_with_chinese_message_naming_the_file(narrative_books, tmp_path, capsys, argv):
    bad_docx = tmp_path / "坏文件.docx"
    bad_docx.write_bytes(b"not a zip")
    no_sheet = tmp_path / "无说明.xlsx"
    wb = Workbook()
    wb.save(no_sheet)
    subs = {"bad_docx": bad_docx, "no_sheet": no_sheet, "seed_text": SEED_TEXT, "book": narrative_books["unit0"],
            "tmp": tmp_path}
    args = [a.format(**subs) for a in argv]
    code, out, err = run(capsys, *args)
    assert code == cli.EXIT_INPUT
    assert CJK.search(err)
    named = [Path(a).name for a in args[2:] if "." in Path(a).name] + [str(Path(a).parent) for a in args[2:]
                                                                     if "/no/such/" in a]
    assert any(n in err for n in named), err


def test_narrative_without_subcommand_prints_help(capsys):
    code, _, err = run(capsys, "narrative")
    assert code == cli.EXIT_INPUT and CJK.search(err)


def test_help_is_chinese():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    nar = sub.choices["narrative"]
    assert CJK.search(nar.description)
    inner = next(a for a in nar._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in ("check", "write"):
        p = inner.choices[name]
        assert CJK.search(p.description)
        for action in p._actions:
            if action.dest != "help":
                assert action.help and CJK.search(action.help), (name, action.dest)


def test_demo_section_prints_the_seed_findings(narrative_books, tmp_path):
    console = Console(record=True, width=200)
    demo_section(console, narrative_books["seed"], tmp_path / "情况说明初稿.docx")
    text = console.export_text()
    for needle in ("4.54", "159.80", "4050元", "221", "税收事务(类)"):
        assert needle in text, needle
    assert (tmp_path / "情况说明初稿.docx").exists()
    assert SEED.name  # the demo book is the seed unit

