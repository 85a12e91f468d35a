"""Detection rate of the narrative checker: change one figure of a clean 情况说明 at a time.

Bases: the drafts ``narrative write`` makes from clean books — SEED's public tables (2018,
without the 绩效自评 forms, which carry known inconsistencies) and the three DEPARTMENT units
(2019), one in the split 类/款/项 layout in 元. Each draft is first checked against its own book:
every finding there is a false positive. A second, harder base is the seed's own published
情况说明 (written by people, not by the writer) against SEED's public tables: its findings on the
unmutated text are listed as the baseline, and a mutation there counts as caught when a finding
appears that the baseline does not have (same rule and line). Then every figure the extractor finds in the draft
(amounts, percentages) is mutated in turn — last digit ±1 (a cent / a hundredth of a percent), a
transposition of two digits, ×10 — and the mutated text is checked against the same book. A
mutation is caught when any error or warning comes back.

    python bench/narrative_mutations.py [--kinds cent,swap,scale] [--show-missed N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytoolkit.findings import Severity  # noqa: E402
from pytoolkit.io.layout import default_tables, write_book  # noqa: E402
from pytoolkit.io.reader import read_book  # noqa: E402
from pytoolkit.narrative import check, extract, from_text  # noqa: E402
from pytoolkit.narrative.seed import seed_narrative_text  # noqa: E402
from pytoolkit.narrative.writer import draft  # noqa: E402
from pytoolkit.samples.data import DEPARTMENT, SEED  # noqa: E402

KINDS = ("cent", "swap", "scale")


def bases(tmp: Path):
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
        if head == "0":
            return None
        return head + "0" + ("." + tail if tail else "")
    raise ValueError(kind)


def caught(findings, baseline: frozenset = frozenset()) -> bool:
    return any(f.severity in (Severity.ERROR, Severity.WARNING) and (f.rule, f.location.line) not in baseline
               for f in findings)


def keys(findings) -> frozenset:
    return frozenset((f.rule, f.location.line) for f in findings)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--show-missed", type=int, default=10, help="list up to N missed mutations")
    args = ap.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    start = time.perf_counter()
    total = Counter()
    hit = Counter()
    false_pos = 0
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        seed_book = None
        runs = []
        for name, path in bases(Path(tmp)):
            book = read_book(path)
            seed_book = seed_book or book
            runs.append((name, book, draft(book).text(), False))
        runs.append(("SEED 情况说明原文", seed_book, seed_narrative_text(), True))
        for name, book, text, published in runs:
            clean = check(from_text(text, "draft.txt"), book)
            baseline = keys(clean) if published else frozenset()
            if published:
                print(f"baseline findings on the published seed text (known problems): {len(clean)}")
            else:
                false_pos += len(clean)
            for f in clean:
                print(f"  {'已知' if published else '误报'} {name}: {f.rule} {f.location} {f.message}")
            lines = text.split("\n")
            ex = extract(from_text(text, "draft.txt"), book.year)
            for c in ex.claims:
                if c.kind not in ("amount", "percent"):
                    continue
                line = lines[c.line_index]
                written = line[c.start:c.end]
                number = written.rstrip("万元%").rstrip()
                for kind in kinds:
                    new = mutate(number, kind)
                    if new is None or new == number:
                        continue
                    mutated = line[:c.start] + new + line[c.start + len(number):]
                    doc = from_text("\n".join([*lines[:c.line_index], mutated, *lines[c.line_index + 1:]]), "m.txt")
                    label = f"{'seed ' if published else ''}{c.kind}/{kind}"
                    total[label] += 1
                    if caught(check(doc, book), baseline):
                        hit[label] += 1
                    elif len(missed) < args.show_missed:
                        missed.append(f"{name} 第{c.line}行 {written} → {new}（{c.key or '?'}）：{line.strip()[:60]}")
    elapsed = time.perf_counter() - start
    n = sum(v for k, v in total.items() if not k.startswith("seed"))
    h = sum(v for k, v in hit.items() if not k.startswith("seed"))
    print(f"\n{'mutation':<18}{'n':>6}{'caught':>8}{'rate':>9}")
    for label in sorted(total):
        print(f"{label:<18}{total[label]:>6}{hit[label]:>8}{100 * hit[label] / total[label]:>8.1f}%")
    print(f"{'all drafts':<18}{n:>6}{h:>8}{100 * h / max(n, 1):>8.1f}%")
    sn = sum(v for k, v in total.items() if k.startswith("seed"))
    sh = sum(v for k, v in hit.items() if k.startswith("seed"))
    print(f"{'all seed text':<18}{sn:>6}{sh:>8}{100 * sh / max(sn, 1):>8.1f}%")
    print(f"false positives on the clean drafts: {false_pos}")
    print(f"time: {elapsed:.1f}s")
    if missed:
        print("\nmissed (first ones):")
        for m in missed:
            print("  " + m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
