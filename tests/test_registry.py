"""The registry of finding ids (``pytoolkit.findings``) and the shared check registry
(``pytoolkit.checking``): every id the code can emit is registered with a Chinese title, a
severity and a one-line Chinese explanation; ``pytoolkit rules list`` prints them.

Three nets: a static scan of the package (every id-shaped literal and every pack rule), a run
over the sample books, the bad-input corpus, the seed's 情况说明 and a consolidation (every id
emitted), and tests/conftest.py's session hook (every Finding built anywhere in the suite).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pytoolkit
from pytoolkit.checking import CHECKS
from pytoolkit.findings import FAMILIES, Finding, Severity, lookup
from pytoolkit.rules import finding_ids
from pytoolkit.tables.catalog import BY_ID

PACKAGE = Path(pytoolkit.__file__).resolve().parent
BAD = Path(__file__).parent / "data" / "bad"
CJK = re.compile(r"[\u4e00-\u9fff]")
ID_SHAPE = re.compile(r"^(read|recognise|consolidate|output|book|derived|N)\.[a-z_]+(\.[a-z_]+)?$")


def _literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and ID_SHAPE.match(n.value)}


def test_every_id_shaped_literal_in_the_package_is_registered():
    finding_ids()
    seen = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "fixed_ids.py":
            continue
        for literal in _literals(path):
            seen.setdefault(literal, path.relative_to(PACKAGE))
    assert len(seen) > 30  # the scan sees the code (recognise, read, consolidate, narrative ids)
    missing = {rule: str(where) for rule, where in seen.items() if lookup(rule) is None}
    assert missing == {}


def test_no_finding_is_built_with_a_computed_id():
    """An id made at run time (an f-string, a concatenation) would escape the static scan."""
    builders = {"Finding", "finding", "_finding", "find", "make_finding"}  # (unusable: its id is a literal)
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in builders and isinstance(node.args[0], ast.JoinedStr | ast.BinOp):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_every_registered_id_has_chinese_texts_and_a_known_family():
    ids = finding_ids()
    assert len({i.id for i in ids}) == len(ids)
    for info in ids:
        assert CJK.search(info.title), info.id
        assert CJK.search(info.explanation) and "\n" not in info.explanation, info.id
        assert isinstance(info.severity, Severity)
        assert info.family in FAMILIES or info.family in BY_ID, info.id
        assert info.source, info.id


def test_pack_rules_register_from_their_yaml_with_file_and_line():
    from pytoolkit.rules.loader import BUILTIN, builtin_pack

    toolkit = {i.id: i for i in finding_ids()}
    for name in BUILTIN:
        for rule in builtin_pack(name):
            info = toolkit.get(rule.id)
            assert info is not None and info.title == rule.title and info.severity is rule.severity
            assert info.source == rule.source and info.source.startswith(f"{name}.yaml:")


def test_the_narrative_titles_are_the_registered_ones():
    from pytoolkit.narrative import RULES

    assert {rule: (lookup(rule).title if lookup(rule) else None) for rule in RULES} == RULES


def test_a_user_pack_registers_its_ids_beside_the_toolkits(tmp_path, monkeypatch):
    from pytoolkit import findings
    from pytoolkit.rules import load_pack

    monkeypatch.setattr(findings, "_USER_IDS", {})  # the user's ids leave with the test
    pack = tmp_path / "mine.yaml"
    pack.write_text("rules:\n  - id: T1.my_check\n    title: 我的检查\n    severity: warning\n"
                    "    explain: 本年收入合计不应为负\n    check: T1[本年收入合计].决算数 >= 0\n", encoding="utf-8")
    load_pack(pack)
    info = lookup("T1.my_check")
    assert (info.title, info.severity, info.explanation) == ("我的检查", Severity.WARNING, "本年收入合计不应为负")
    assert "T1.my_check" not in {i.id for i in finding_ids()}
    assert "T1.my_check" in {i.id for i in finding_ids(include_user=True)}


def test_one_check_registry_serves_the_rule_packs_the_narrative_and_the_years():
    from pytoolkit.checking import CHECK_FAMILIES, all_checks
    from pytoolkit.rules.loader import BUILTIN, builtin_pack

    checks = all_checks()
    assert {c.family for c in checks} == set(CHECK_FAMILIES)
    functions = {r.function for name in BUILTIN for r in builtin_pack(name) if r.function}
    assert functions <= set(CHECKS.names("rules"))
    for check in checks:
        assert CJK.search(check.explanation) and "\n" not in check.explanation, check.name
        assert all(lookup(rule) is not None for rule in check.emits), check.name
        # A function of the packs emits its calling rule's id; the others name theirs.
        assert bool(check.emits) == (check.family != "rules"), check.name
    # No list of checks beside the registry: the narrative and year modules keep none of their own.
    import pytoolkit.narrative.checks
    import pytoolkit.narrative.context
    import pytoolkit.rules.years

    for module in (pytoolkit.narrative.checks, pytoolkit.narrative.context, pytoolkit.rules.years):
        assert not hasattr(module, "CHECKS") or module.CHECKS is CHECKS, module.__name__


def _emitted_by_the_samples(tmp_path: Path) -> dict[str, Finding]:
    from pytoolkit.batch import check_file
    from pytoolkit.consolidate import consolidate_paths
    from pytoolkit.io.layout import write_book
    from pytoolkit.io.reader import read_book
    from pytoolkit.narrative import check
    from pytoolkit.narrative.seed import seed_documents
    from pytoolkit.samples.data import DEPARTMENT, SEED

    out: dict[str, Finding] = {}
    seed = tmp_path / "seed.xlsx"
    write_book(seed, SEED)
    units = []
    for i, unit in enumerate(DEPARTMENT):
        units.append(tmp_path / f"unit{i}.xlsx")
        write_book(units[-1], unit)
    for path in [seed, *units, *sorted(BAD.rglob("*.xls*"))]:
        for f in check_file(path).findings:
            out.setdefault(f.rule, f)
    for f in check(seed_documents(), read_book(seed)):
        out.setdefault(f.rule, f)
    with consolidate_paths([*units, units[0], tmp_path / "missing.xlsx"], eliminate=True) as result:
        for f in result.all_findings:
            out.setdefault(f.rule, f)
    return out


def test_every_id_emitted_on_the_samples_and_the_bad_inputs_is_registered(tmp_path):
    emitted = _emitted_by_the_samples(tmp_path)
    finding_ids()
    # The run reaches every family: reading, recognition, tables, between tables, narrative, consolidation.
    families = {rule.split(".")[0] for rule in emitted}
    assert {"read", "recognise", "XP", "N", "consolidate"} <= families, families
    assert {rule: f.message for rule, f in emitted.items() if lookup(rule) is None} == {}


def _cli(*args: str, encoding: str = "utf-8") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONPATH": str(PACKAGE.parent)}
    return subprocess.run([sys.executable, "-m", "pytoolkit", *args], capture_output=True, env=env, timeout=120)


def test_rules_list_prints_every_id_under_a_gbk_console():
    proc = _cli("rules", "list", encoding="gbk")
    assert proc.returncode == 0, proc.stderr.decode("gbk", "replace")
    text = proc.stdout.decode("gbk")
    for info in finding_ids():
        assert info.id in text
    assert "文件无法使用" in text and "错误" in text and "核实" in text and "收入总计应等于支出总计" in text
    # Then the check functions, by family, with what they emit.
    assert "检查函数" in text and "情况说明的检查" in text and "与上年核对的检查" in text
    assert "carryover_total" in text and "share_same_whole" in text and "code_hierarchy" in text


def test_rules_list_json():
    proc = _cli("rules", "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["command"] == "rules list" and doc["schema"] == 1
    by_id = {i["id"]: i for i in doc["ids"]}
    assert set(by_id) == {i.id for i in finding_ids()}
    assert by_id["T1.balance"] == {"id": "T1.balance", "family": "T1", "family_title": "T1 收入支出决算总表",
                                   "severity": "error", "title": "收入总计应等于支出总计",
                                   "explanation": "核对：T1[收入总计].决算数 ＝ T1[支出总计].决算数",
                                   "source": by_id["T1.balance"]["source"]}
    assert by_id["read.unusable"]["severity"] == "error"


@pytest.mark.parametrize("argv", [["rules"], ["rules", "--help"]])
def test_rules_without_a_subcommand_shows_chinese_help(argv):
    proc = _cli(*argv)
    assert CJK.search((proc.stdout + proc.stderr).decode())
