"""The JSON contract (docs/json.md): every command's ``--format json`` output validates against the
schema shipped in the package, one envelope for validate, consolidate and narrative check, with
every Finding field, and an unusable input as a ``read.unusable`` finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pytoolkit import cli
from pytoolkit.findings import SCHEMA_VERSION, Finding, Location, Severity, envelope, json_schema
from pytoolkit.io.layout import write_book
from pytoolkit.samples.data import DEPARTMENT, SEED

BAD = Path(__file__).parent / "data" / "bad"
VALIDATOR = Draft202012Validator(json_schema())


def _errors(doc: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(doc)]


def run_json(capsys, *argv) -> tuple[int, dict]:
    code = cli.main([str(a) for a in argv] + ["--format", "json"])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert _errors(doc) == []
    assert doc["schema"] == SCHEMA_VERSION
    if "status" in doc:
        assert doc["status"] == code
        assert doc["summary"] == {s: sum(f["severity"] == s for f in doc["findings"])
                                  for s in ("error", "warning", "info")}
    return code, doc


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("json")
    write_book(d / "seed.xlsx", SEED)
    for i, unit in enumerate(DEPARTMENT, 1):
        write_book(d / f"unit{i}.xlsx", unit)
    return d


def test_the_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(json_schema())


def test_the_schema_rejects_what_breaks_the_contract():
    f = Finding("T1.balance", Severity.ERROR, "不平", Location(file="a.xlsx", sheet="T1", cell="C7"),
                expected=__import__("decimal").Decimal("1.5"), actual=__import__("decimal").Decimal("2"))
    doc = envelope("validate", [f], inputs=[])
    assert _errors(doc) == []
    assert doc["findings"][0]["difference"] == "0.5" and doc["status"] == 1
    for broken in (
        {**doc, "schema": 2},
        {**doc, "findings": [{k: v for k, v in doc["findings"][0].items() if k != "table"}]},
        {**doc, "findings": [{**doc["findings"][0], "expected": 1.5}]},  # a float, not an exact decimal string
        {**doc, "findings": [{**doc["findings"][0], "actual": "1E+2"}]},
        {**doc, "command": "frobnicate"},
    ):
        assert _errors(broken), broken


def test_validate(folder, capsys, tmp_path):
    code, doc = run_json(capsys, "validate", folder / "seed.xlsx")
    assert code == 1 and doc["command"] == "validate" and doc["output"] is None
    [entry] = doc["inputs"]
    assert entry["usable"] and entry["role"] == "book" and entry["summary"] == doc["summary"]
    f = doc["findings"][0]
    assert f["title"] and f["table"] in ("PE", "T1", "T4", "T7") and f["related"]
    assert f["difference"] is not None
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    code, doc = run_json(capsys, "validate", folder, broken)
    assert code == 2 and [i["usable"] for i in doc["inputs"]].count(False) == 1
    assert [f["rule"] for f in doc["findings"] if f["location"].get("file") == "broken.xlsx"] == ["read.unusable"]


def test_validate_with_an_annotated_copy_names_the_output(folder, capsys, tmp_path):
    out = tmp_path / "marked.xlsx"
    code, doc = run_json(capsys, "validate", folder / "unit1.xlsx", "--annotate", out)
    assert code == 0 and doc["output"] == str(out) and out.exists()


def test_validate_every_bad_input(capsys, tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(BAD, folder, ignore=shutil.ignore_patterns("*.py", "*.yaml", "__pycache__"))
    code, doc = run_json(capsys, "validate", folder, "--workers", "1")
    assert code == 2
    assert len(doc["inputs"]) >= 15
    assert {f["rule"].split(".")[0] for f in doc["findings"]} >= {"read", "recognise"}


def test_consolidate(folder, capsys, tmp_path):
    units = [folder / f"unit{i}.xlsx" for i in range(1, len(DEPARTMENT) + 1)]
    out = tmp_path / "汇总.xlsx"
    code, doc = run_json(capsys, "consolidate", *units, "-o", out, "--eliminate")
    assert doc["command"] == "consolidate" and doc["output"] == str(out) and code in (0, 1)
    assert [u["name"] for u in doc["consolidation"]["units"]] == [u.name for u in DEPARTMENT]
    assert [i["file"] for i in doc["inputs"]] == [str(u) for u in units]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    code, doc = run_json(capsys, "consolidate", *units, broken, "-o", tmp_path / "b.xlsx")
    assert code == 2
    assert [i["usable"] for i in doc["inputs"]] == [True, True, True, False]
    assert any(f["rule"] == "read.unusable" and f["location"]["file"] == "broken.xlsx" for f in doc["findings"])


def test_consolidate_strict_stop(folder, capsys, tmp_path):
    code, doc = run_json(capsys, "consolidate", folder / "seed.xlsx", folder / "unit1.xlsx", "-o",
                         tmp_path / "s.xlsx", "--strict")
    assert code == 1 and doc["output"] is None and "严格模式" in doc["stopped"]


def test_narrative_check(folder, capsys, tmp_path):
    from pytoolkit.narrative.seed import seed_narrative_text

    text = tmp_path / "情况说明.txt"
    text.write_text(seed_narrative_text(), encoding="utf-8")
    code, doc = run_json(capsys, "narrative", "check", text, "--book", folder / "seed.xlsx")
    assert doc["command"] == "narrative check" and code in (0, 1)
    assert [(i["file"], i["role"]) for i in doc["inputs"]] == [("情况说明.txt", "text"),
                                                              (str(folder / "seed.xlsx"), "book")]
    assert all(f["location"].get("line") is not None for f in doc["findings"] if f["rule"] != "N.crash")


def test_narrative_check_of_an_unusable_text(capsys, tmp_path):
    code, doc = run_json(capsys, "narrative", "check", tmp_path / "nope.txt")
    assert code == 2
    [f] = doc["findings"]
    assert f["rule"] == "read.unusable" and f["location"] == {"file": "nope.txt"}


def test_validate_previous(folder, capsys):
    # Another unit's book as “last year's”: year-to-year findings, each shown under 与上年核对 and
    # pointing at a catalog table (or none).
    code, doc = run_json(capsys, "validate", folder / "seed.xlsx", "--previous", folder / "unit1.xlsx")
    years = [f for f in doc["findings"] if f["rule"].startswith("Y.")]
    assert years and all(f["group"] == "Y" for f in years)
    assert {f["table"] for f in years} - {""} and all(f["group"] == "" for f in doc["findings"] if f not in years)


def test_the_schema_names_every_catalog_table():
    from pytoolkit.tables.catalog import BY_ID

    table = json_schema()["$defs"]["finding"]["properties"]["table"]
    assert table["enum"] == ["", *BY_ID]


def test_rules_list(capsys):
    code, doc = run_json(capsys, "rules", "list")
    assert code == 0 and doc["command"] == "rules list" and len(doc["ids"]) > 100
    families = [c["family"] for c in doc["checks"]]
    assert families == sorted(families, key=["rules", "narrative", "years"].index)
    assert {"rules", "narrative", "years"} == set(families)
    by_name = {(c["family"], c["name"]): c for c in doc["checks"]}
    assert by_name[("narrative", "sum")]["emits"] == ["N.sum", "N.change"]
    assert "T3.hierarchy" in by_name[("rules", "code_hierarchy")]["emits"]
    ids = {i["id"] for i in doc["ids"]}
    assert all(set(c["emits"]) <= ids for c in doc["checks"])
