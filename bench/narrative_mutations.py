"""Detection rate of the narrative checker: change one figure of a 情况说明 at a time.

Bases:

- **drafts** that ``narrative write`` makes from clean books — SEED's public tables (2018, without
  the 绩效自评 forms, which carry known inconsistencies) and the three DEPARTMENT units (2019), one
  in the split 类/款/项 layout in 元 — each checked against its own book. Every finding on an
  unmutated draft is a false positive. Every figure of a draft is tied to its book, so every
  mutation is countable.
- the **seed's published 情况说明** (written by people, not by the writer) against SEED's public
  tables, and the **real corpus** (``tests/data/narrative/real``, published fragments of many
  regions, checked on their text alone). Their findings on the unmutated text are the baseline; a
  mutation counts as caught when a finding appears that the baseline does not have (same rule and
  line). An error finding on an unmutated fragment the corpus marks clean is a false error.

Each figure (amount or percentage, found by the oracle's own tokenizer, not the product's) is
mutated in turn — last digit ±1 (a cent, a hundredth of a percent), a transposition of two digits,
×10 — and the text is checked again. Caught: any error or 核实 that the baseline does not have —
the same rule, line and message (its figures). The earlier key, rule and line only, hides a new
finding on a line that already has one of that rule (a fragment with a known error there); the
rate by that key is printed beside.

On published texts only mutations that make the text inconsistent are countable: the oracle
(``_narrative_oracle``, independent of the product) lists the arithmetic identities among the
figures that hold at the precision written (sums, ratios, differences, shares adding to 100); a
mutation is countable when it breaks one of them. A mutation that breaks none — a figure nothing
else depends on, or a change within the rounding bound — is reported apart, not counted.

    python bench/narrative_mutations.py [--kinds cent,swap,scale] [--show-missed N] [--bases drafts,seed,corpus]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _narrative_oracle import countable, figures  # noqa: E402
from narrative_real import held_out  # noqa: E402

from pytoolkit.findings import Severity  # noqa: E402
from pytoolkit.io.layout import default_tables, write_book  # noqa: E402
from pytoolkit.io.reader import read_book  # noqa: E402
from pytoolkit.narrative import check, from_text  # noqa: E402
from pytoolkit.narrative.seed import seed_narrative_text  # noqa: E402
from pytoolkit.narrative.writer import draft  # noqa: E402
from pytoolkit.samples.data import DEPARTMENT, SEED  # noqa: E402

KINDS = ("cent", "swap", "scale")
REAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "narrative" / "real"


def books(tmp: Path):
    seed = tmp / "seed.xlsx"
    write_book(seed, SEED, tables=[t for t in default_tables(SEED) if t != "PE"])
    yield "SEED 2018", seed
    for i, unit in enumerate(DEPARTMENT):
        p = tmp / f"unit{i}.xlsx"
        write_book(p, unit, **({"code_layout": "split", "money_unit": "元"} if i == 2 else {}))
        yield unit.name, p


def mutate(number: str, kind: str) -> str | None:
    """A different number text of the same shape, or None when the kind does not apply."""
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    if not digits:
        return None
    if kind == "cent":
        last = digits[-1]
        d = int(number[last])
        return number[:last] + str(d + 1 if d < 9 else d - 1) + number[last + 1:]
    if kind == "swap":
        for a, b in zip(digits, digits[1:]):
            if number[a] != number[b]:
                chars = list(number)
                chars[a], chars[b] = chars[b], chars[a]
                out = "".join(chars)
                return out if out.lstrip("0") or out == "0" else None
        return None
    if kind == "scale":
        head, _, tail = number.partition(".")
        if head.lstrip("-") in ("0", ""):
            return None
        return head + "0" + ("." + tail if tail else "")
    raise ValueError(kind)


def caught(findings, baseline: frozenset = frozenset(), key=None) -> bool:
    key = key or _key
    return any(f.severity in (Severity.ERROR, Severity.WARNING) and key(f) not in baseline for f in findings)


def _key(f) -> tuple:
    """A finding as the unmutated text has it: rule, line and message (its figures)."""
    return f.rule, f.location.line, f.message


def _old_key(f) -> tuple:
    """The earlier bench's key: rule and line only (a new finding on a line that already has one of
    the same rule is not seen)."""
    return f.rule, f.location.line


def keys(findings, key=None) -> frozenset:
    return frozenset((key or _key)(f) for f in findings)


def corpus():
    entries = yaml.safe_load((REAL / "expected.yaml").read_text(encoding="utf-8"))
    for e in entries:
        yield e["file"], (REAL / e["file"]).read_text(encoding="utf-8"), bool(e["clean"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--bases", default="drafts,seed,corpus")
    ap.add_argument("--show-missed", type=int, default=10, help="list up to N missed countable mutations")
    args = ap.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    wanted = set(args.bases.split(","))
    start = time.perf_counter()
    total, hit, uncountable, uncountable_hit, hit_old = Counter(), Counter(), Counter(), Counter(), Counter()
    false_pos = Counter()
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        runs = []  # (group, name, book, text, published, clean)
        seed_book = None
        for name, path in books(Path(tmp)):
            book = read_book(path)
            seed_book = seed_book or book
            if "drafts" in wanted:
                runs.append(("drafts", name, book, draft(book).text(), False, True))
        if "seed" in wanted:
            runs.append(("seed text", "SEED 情况说明原文", seed_book, seed_narrative_text(), True, False))
        if "corpus" in wanted:
            for name, text, clean in corpus():
                runs.append(("held-out" if held_out(name) else "corpus", name, None, text, True, clean))
        for group, name, book, text, published, clean in runs:
            base = check(from_text(text, name), book)
            baseline = keys(base) if published else frozenset()
            baseline_old = keys(base, _old_key) if published else frozenset()
            errors = [f for f in base if f.severity is Severity.ERROR] if published else base
            secret = group == "held-out"  # counted, never shown
            if clean:
                false_pos[group] += len(errors)
                for f in errors if not secret else ():
                    print(f"  误报 {name}: {f.rule} {f.location} {f.message}")
            lines = text.split("\n")
            for fig in figures(text):
                line = lines[fig.line]
                for kind in kinds:
                    new = mutate(fig.text, kind)
                    if new is None or new == fig.text:
                        continue
                    mutated_line = line[:fig.start] + new + line[fig.end:]
                    mutated = "\n".join([*lines[:fig.line], mutated_line, *lines[fig.line + 1:]])
                    label = f"{group}: {'percent' if fig.percent else 'amount'}/{kind}"
                    after = check(from_text(mutated, name), book)
                    found = caught(after, baseline)
                    if published and not countable(text, mutated, fig.index):
                        uncountable[group] += 1
                        uncountable_hit[group] += found
                        continue
                    total[label] += 1
                    hit_old[group] += caught(after, baseline_old, _old_key)
                    if found:
                        hit[label] += 1
                    elif len(missed) < args.show_missed and not secret:
                        missed.append(f"{name} 第{fig.line + 1}行 {fig.text} → {new}：{line.strip()[:70]}")
    elapsed = time.perf_counter() - start
    print(f"\n{'mutation':<30}{'n':>6}{'caught':>8}{'rate':>9}")
    for label in sorted(k for k in total if not k.startswith("held-out")):
        print(f"{label:<30}{total[label]:>6}{hit[label]:>8}{100 * hit[label] / total[label]:>8.1f}%")
    for group in ("drafts", "seed text", "corpus", "held-out"):
        n = sum(v for k, v in total.items() if k.startswith(group + ":"))
        h = sum(v for k, v in hit.items() if k.startswith(group + ":"))
        if not n and not uncountable[group]:
            continue
        print(f"{'all ' + group:<30}{n:>6}{h:>8}{100 * h / max(n, 1):>8.1f}%"
              f"   (not countable: {uncountable[group]}, of which flagged anyway {uncountable_hit[group]}; "
              f"by rule and line only: {100 * hit_old[group] / max(n, 1):.1f}%)")
    print(f"false errors on clean texts: drafts {false_pos['drafts']}, corpus {false_pos['corpus']}"
          f" (+ held-out {false_pos['held-out']})")
    print("(missed mutations and false errors of the held-out fragments are counted but not listed)")
    print(f"time: {elapsed:.1f}s")
    if missed:
        print("\nmissed countable mutations (first ones):")
        for m in missed:
            print("  " + m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
