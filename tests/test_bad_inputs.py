"""Robustness: every bad input of ``tests/data/bad`` gets the answer ``expected.yaml`` gives it.

For each input: the exit status of ``pytoolkit validate``; a Chinese answer naming the file (and
the sheet and cell where there is one); the expected finding ids; no traceback; the input's bytes
unchanged and nothing written beside it. Bombs are refused under a memory cap, not expanded.
Outputs: text from inputs never becomes a formula; an output equal to an input is refused; a
failed write leaves no file.
"""

from __future__ import annotations

import hashlib
import json
import re
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from pytoolkit import cli
from pytoolkit.io.layout import write_book
from pytoolkit.samples.data import DEPARTMENT

BAD = Path(__file__).parent / "data" / "bad"
sys.path.insert(0, str(BAD))
import make_corpus  # noqa: E402

CASES = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def on_demand(tmp_path_factory) -> dict[str, Path]:
    """The inputs too large to commit, made once for the module."""
    d = tmp_path_factory.mktemp("on_demand")
    return {name: make(d) for name, make in make_corpus.ON_DEMAND.items()}


def _path(case: dict, on_demand: dict[str, Path]) -> Path:
    return on_demand[case["file"]] if case.get("on_demand") else BAD / case["file"]


def test_every_committed_input_exists_and_every_input_has_an_answer():
    committed = {c["file"] for c in CASES if not c.get("on_demand")}
    assert all((BAD / f).exists() for f in committed)
    on_disk = {str(p.relative_to(BAD)) for p in BAD.rglob("*") if p.suffix in (".xlsx", ".xls", ".ods", ".et")}
    on_disk.discard("open_in_excel/~$局机关.xlsx")  # part of the open_in_excel case
    assert on_disk == committed, "a file of the folder has no line in expected.yaml, or the reverse"
    assert set(make_corpus.ON_DEMAND) == {c["file"] for c in CASES if c.get("on_demand")}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_each_bad_input_gets_its_answer(case, on_demand, capsys):
    path = _path(case, on_demand)
    before = tree(path.parent)
    code = cli.main(["validate", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    doc = json.loads(out)
    assert code == case["exit"], (out, err)
    (book,) = doc["inputs"]
    answer = "\n".join(f["message"] for f in doc["findings"])
    if case["exit"] == 2:  # the unusable input is one finding, read.unusable, naming the file
        assert book["usable"] is False
        [problem] = [f for f in doc["findings"] if f["rule"] == "read.unusable"]
        assert path.name in problem["message"] and CJK.search(problem["message"])
    else:
        assert book["summary"]["error"] == sum(f["severity"] == "error" for f in doc["findings"])
        if code == 0:
            assert book["summary"]["error"] == 0
    for text in case.get("says", ()):
        located = [f"{f['location'].get('sheet')}!{f['location'].get('cell')}" for f in doc["findings"]]
        assert text in answer or text in located, f"{text!r} not in the answer to {case['file']}"
    rules = {f["rule"] for f in doc["findings"]}
    assert set(case.get("rules", ())) <= rules
    assert not set(case.get("none_of", ())) & rules
    assert tree(path.parent) == before, "the input changed or a file was written beside it"


def test_a_folder_of_bad_inputs_is_answered_by_the_command_without_a_traceback(tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(BAD, folder, ignore=shutil.ignore_patterns("*.py", "*.yaml", "__pycache__"))
    proc = subprocess.run([sys.executable, "-m", "pytoolkit", "validate", str(folder)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    unusable = [c["file"] for c in CASES if c["exit"] == 2 and not c.get("on_demand") and "~$" not in c["file"]]
    for name in unusable:
        assert Path(name).name in proc.stderr, name
    assert "临时锁定文件" not in proc.stderr  # lock files inside a folder are skipped, not reported


def _limit_memory() -> None:
    cap = 1536 * 2**20  # far below what expanding a bomb would take
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


@pytest.mark.parametrize("name", ["bomb_sheet.xlsx", "bomb_shared_strings.xlsx"])
def test_a_bomb_is_refused_under_a_memory_cap(name, on_demand):
    proc = subprocess.run([sys.executable, "-m", "pytoolkit", "validate", str(on_demand[name])],
                          capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory)
    assert proc.returncode == 2, proc.stderr
    assert "压缩炸弹" in proc.stderr and "Traceback" not in proc.stderr


def test_a_bomb_of_many_parts_is_refused(tmp_path):
    """Each part below the one-part limit, together far beyond the unpacked-size limit."""
    good = tmp_path / "good.xlsx"
    write_book(good, DEPARTMENT[0])
    bomb = tmp_path / "多个部分.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item))
        for i in range(9):
            zout.writestr(f"xl/media/pad{i}.bin", b"\0" * (48 * 2**20))
    code = cli.main(["validate", str(bomb)])
    assert code == 2


# -- outputs ---------------------------------------------------------------------------------------
def _formula_cells(path: Path) -> list[str]:
    wb = load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def test_text_from_inputs_never_becomes_a_formula_in_the_annotated_copy(tmp_path, capsys):
    source = BAD / "formula_injection.xlsx"
    out = tmp_path / "标注.xlsx"
    assert cli.main(["validate", str(source), "--annotate", str(out)]) == 0
    assert _formula_cells(out) == []
    wb = load_workbook(out)
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {'=HYPERLINK("http://example.invalid","点此")', "+1+2", "@SUM(A1)", "=cmd|' /C calc'!A0"} <= texts


def test_a_cached_text_that_looks_like_a_formula_stays_text(tmp_path):
    """A formula whose last result is the text “=cmd|…”: the copy holds that text, not a formula."""
    good = tmp_path / "good.xlsx"
    write_book(good, DEPARTMENT[0])
    row = b'<row r="40"><c r="A40" t="str"><f>B40</f><v>=cmd|\' /C calc\'!A0</v></c></row>'
    crafted = make_corpus.rezip(good, tmp_path / "缓存文本.xlsx", {
        "xl/worksheets/sheet1.xml": lambda x: x.replace(b"</sheetData>", row + b"</sheetData>")})
    out = tmp_path / "标注.xlsx"
    assert cli.main(["validate", str(crafted), "--annotate", str(out)]) in (0, 1)
    assert _formula_cells(out) == []
    assert load_workbook(out)["封面"]["A40"].value == "=cmd|' /C calc'!A0"


def test_an_output_equal_to_the_input_is_refused(tmp_path, capsys):
    path = tmp_path / "局机关.xlsx"
    write_book(path, DEPARTMENT[0])
    before = sha256(path)
    assert cli.main(["validate", str(path), "--annotate", str(path)]) == 2
    assert "不能与输入文件相同" in capsys.readouterr().err
    assert sha256(path) == before


def test_a_failed_output_leaves_no_file(tmp_path, capsys):
    source = BAD / "excel_errors.xlsx"
    missing_dir = tmp_path / "不存在的文件夹" / "标注.xlsx"
    assert cli.main(["validate", str(source), "--annotate", str(missing_dir)]) == 2
    assert not missing_dir.parent.exists()
    unusable = tmp_path / "标注.xlsx"
    assert cli.main(["validate", str(BAD / "truncated.xlsx"), "--annotate", str(unusable)]) == 2
    assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in capsys.readouterr().err


def test_the_readme_table_lists_every_input():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### 异常输入如何处理"):]
    for case in CASES:
        assert f"| {case['what']} | {case['exit']} |" in table, case["file"]
