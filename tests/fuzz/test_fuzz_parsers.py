"""Fuzz the parsers that take user text: rule expressions, rule packs (YAML), the narrative claim
extractor. No input may crash them (anything but their typed error) or hang them.

hypothesis drives structured and random inputs here; where atheris is installed, a short
coverage-guided run of each target checks the same property (longer runs: see atheris_harness).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .targets import TARGETS, rule_pack

ROOT = Path(__file__).resolve().parents[2]

# Pieces of real packs, so the fuzzer reaches the checks past the YAML syntax.
_KEYS = ["id", "title", "severity", "check", "message", "function", "args", "each_row", "tables", "enabled",
         "rows", "union", "table", "disable"]
_VALUES = st.one_of(
    st.sampled_from(["T1.balance", "error", "warning", "info", "code_hierarchy", "T3", "类", "all", "X.x",
                     "T1[收入总计].决算数 == T1[支出总计].决算数", "sum(T3[类].本年支出合计) == 1",
                     "{actual}{expected}{diff}", "{nope}", "{actual:{x}}", True, None, 3]),
    st.text(max_size=40),
    st.lists(st.sampled_from(["T1", "T2", "T9", "PE", "Q"]), max_size=3),
    st.dictionaries(st.sampled_from(["table", "rows", "x"]), st.sampled_from(["T3", "类", 1]), max_size=2),
)
RULES = st.lists(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=7), max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RULES)
def test_structured_packs_load_or_fail_with_the_file_named(rules):
    rule_pack(yaml.safe_dump({"rules": rules}, allow_unicode=True).encode())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_as_a_pack_load_or_fail_with_the_file_named(data):
    rule_pack(data)


def test_yaml_aliases_cannot_blow_up_a_pack():
    """The billion-laughs shape: nested aliases must not expand into memory without bound."""
    lol = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)) + "rules: [*i]\n"
    rule_pack(lol.encode())


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _has_atheris(), reason="atheris is not installed here (optional fuzzing engine)")
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_atheris_short_run_finds_no_crash(target, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.atheris_harness", target, "-atheris_runs=3000", "-max_len=512",
         f"-artifact_prefix={tmp_path}/"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not list(tmp_path.glob("crash-*"))
