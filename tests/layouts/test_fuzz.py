"""Perturbed real layouts: what the product reads right in a corpus layout it must still read right
after one perturbation (栏次 rows, 行次 columns, renumbered labels, moved 合计, notes, stacked or
renamed sheets, 元, text numbers, “—” blanks, numeric codes, dropped optional blocks, header labels or
row labels not merged).

Each (perturbation, base layout) pair is one case with a fixed seed; what the product misses today is
listed under ``fuzz:`` in ``xfail.yaml`` (``kind/base``). The mixed cases combine 2–4 perturbations
that pass on their own, on a random base: LAYOUTS_FUZZ sets how many (default 4), LAYOUTS_FUZZ_SEED
the seed; a failure prints the seed and the perturbations, so it can be replayed.
"""

from __future__ import annotations

import os
import random
import zlib
from functools import cache
from pathlib import Path

import pytest
import yaml

from . import checks, fuzz
from . import generator as G

HERE = Path(__file__).resolve().parent
CORPUS = G.load_corpus()
FUZZ_XFAIL = (yaml.safe_load((HERE / "xfail.yaml").read_text(encoding="utf-8")) or {}).get("fuzz") or {}
BASES = ("hn2024_hongjiang_order", "hb2021_zengdu_biao", "cn2018_central_template", "sh2025_shiquan",
         "caijue01_export")
MIXED = int(os.environ.get("LAYOUTS_FUZZ", "4"))
MIXED_SEED = int(os.environ.get("LAYOUTS_FUZZ_SEED", "20250601"))


def _reason(kind: str, base: str) -> str | None:
    return FUZZ_XFAIL.get(f"{kind}/{base}") or FUZZ_XFAIL.get(f"{kind}/*")


@cache
def base_result(base: str) -> checks.Result:
    return checks.run(CORPUS[base], f"fuzzbase-{base}")


def _check(base: str, kinds: list[str], seed: int) -> None:
    layout, said = fuzz.perturb(CORPUS[base], kinds, seed)
    if not said:
        pytest.skip(f"{'+'.join(kinds)} does not apply to {base}")
    variant = checks.run(layout, f"fuzz-{base}-{'+'.join(kinds)}-{seed}")
    problems = checks.regressions(base_result(base), variant)
    if problems:
        shown = "\n  ".join(problems[:20])
        pytest.fail(f"{base} + {'；'.join(said)}（seed {seed}）后读错{len(problems)}处：\n  {shown}")


def single_cases() -> list:
    out = []
    for kind in fuzz.KINDS:
        for base in BASES:
            reason = _reason(kind, base)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(kind, base, id=f"{kind}-{base}", marks=marks))
    return out


@pytest.mark.parametrize(("kind", "base"), single_cases())
def test_one_perturbation_keeps_every_reading(kind, base):
    _check(base, [kind], zlib.crc32(f"{kind}/{base}".encode()))


def mixed_cases() -> list:
    rng = random.Random(MIXED_SEED)
    out = []
    for i in range(MIXED):
        base = rng.choice(BASES)
        pool = [k for k in fuzz.KINDS if not _reason(k, base)]
        kinds = rng.sample(pool, min(len(pool), rng.randint(2, 4)))
        seed = rng.randrange(1 << 30)
        out.append(pytest.param(base, kinds, seed, id=f"mixed{i}-{base}-{seed}"))
    return out


@pytest.mark.parametrize(("base", "kinds", "seed"), mixed_cases())
def test_combined_perturbations_keep_every_reading(base, kinds, seed):
    _check(base, kinds, seed)


def test_perturbations_keep_the_figures():
    """The fuzzer only rearranges: a perturbed book's truth holds the same figures (in 万元)."""
    for base in BASES[:2]:
        before = G.build(CORPUS[base], None).values()
        for kind in fuzz.KINDS:
            layout, _ = fuzz.perturb(CORPUS[base], [kind], 7)
            after = G.build(layout, None).values()
            expected = before
            if kind == "drop_optional":  # the dropped blocks are gone, the rest is unchanged
                kept = {(t, r, c) for t, rows in after.items() for r, cols in rows.items() for c in cols}
                expected = {t: {r: {c: v for c, v in cols.items() if (t, r, c) in kept}
                                for r, cols in rows.items()} for t, rows in before.items()}
                expected = {t: {r: cols for r, cols in rows.items() if cols} for t, rows in expected.items()}
            assert after == expected, (kind, base)


def test_fuzz_xfail_entries_name_real_perturbations_and_bases():
    for key in FUZZ_XFAIL:
        kind, _, base = key.partition("/")
        assert kind in fuzz.KINDS and (base == "*" or base in BASES), key
