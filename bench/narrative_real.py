"""The narrative checker on real published 情况说明 fragments (``tests/data/narrative/real``).

Each fragment is checked on its own text (no book: the corpus holds text only). Against its
hand-checked list of errors (``expected.yaml``):

- an error is **found** when a finding (error or 核实) stands on its line and names its figure (the
  figure as written appears in the finding's message or quoted text); ``found as error`` counts
  those reported at error severity;
- a finding of error severity is **false** when its line holds no hand-checked error (on a clean
  fragment every error finding is false); 核实 (warnings) are counted apart: they ask the
  accountant to look, they do not say the text is wrong.

A part of the corpus is held out: fragments whose number is 2 modulo 5 (002, 007, 012 …), a rule
fixed before the checker was tuned on the rest. Their totals are printed apart; their rows only with
``--show-held-out``.

    python bench/narrative_real.py [--show-held-out] [--findings]
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytoolkit.findings import Severity  # noqa: E402
from pytoolkit.narrative import check, from_text  # noqa: E402

REAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "narrative" / "real"


def held_out(file: str) -> bool:
    """The fixed rule: fragment number ≡ 2 (mod 5)."""
    m = re.match(r"(\d+)_", file)
    return bool(m) and int(m.group(1)) % 5 == 2


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).replace(",", "")


@dataclass
class Score:
    fragments: int = 0
    clean: int = 0
    errors: int = 0
    found: int = 0
    found_as_error: int = 0
    false: int = 0
    false_on_clean: int = 0
    warnings_on_clean: int = 0
    missed: list[str] = field(default_factory=list)
    false_list: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("fragments", "clean", "errors", "found", "found_as_error", "false", "false_on_clean",
                     "warnings_on_clean"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.missed += other.missed
        self.false_list += other.false_list


def score(entry: dict) -> tuple[Score, list]:
    path = REAL / entry["file"]
    doc = from_text(path.read_text(encoding="utf-8"), entry["file"])
    findings = check(doc)
    s = Score(fragments=1, clean=1 if entry["clean"] else 0)
    errors = entry.get("errors") or []
    s.errors = len(errors)
    lines_with_errors = {e["line"] for e in errors}
    for e in errors:
        figure = _norm(str(e["figure"]))
        digits = re.sub(r"[^\d.]", "", figure)
        hits = [f for f in findings if f.location.line == e["line"] and f.severity is not Severity.INFO
                and (figure in _norm(f.message + f.location.text) or (digits and digits in _norm(f.message)))]
        if hits:
            s.found += 1
            if any(f.severity is Severity.ERROR for f in hits):
                s.found_as_error += 1
        else:
            s.missed.append(f"{entry['file']}:{e['line']} {e['figure']} ({e['kind']}) {e.get('why', '')}")
    for f in findings:
        if f.severity is Severity.ERROR and f.location.line not in lines_with_errors:
            s.false += 1
            if entry["clean"]:
                s.false_on_clean += 1
            s.false_list.append(f"{entry['file']}:{f.location.line} [{f.rule}] {f.message}")
        elif f.severity is Severity.WARNING and entry["clean"]:
            s.warnings_on_clean += 1
    return s, findings


def _row(name: str, s: Score) -> str:
    return (f"{name:<52}{s.errors:>7}{s.found:>7}{s.found_as_error:>7}{s.errors - s.found:>7}{s.false:>7}"
            f"{s.warnings_on_clean:>7}")


def _total(name: str, s: Score) -> str:
    rate = 100 * s.found / s.errors if s.errors else 100.0
    return (f"{name}: {s.fragments} fragments ({s.clean} clean), {s.errors} hand-checked errors, "
            f"found {s.found} ({rate:.1f}%; {s.found_as_error} as error), missed {s.errors - s.found}, "
            f"false errors {s.false} ({s.false_on_clean} on clean fragments), 核实 on clean fragments "
            f"{s.warnings_on_clean}")


def run(show_held_out: bool = False, show_findings: bool = False, out=print) -> tuple[Score, Score]:
    entries = yaml.safe_load((REAL / "expected.yaml").read_text(encoding="utf-8"))
    dev, hold = Score(), Score()
    out(f"{'fragment':<52}{'errors':>7}{'found':>7}{'as err':>7}{'missed':>7}{'false':>7}{'核实':>6}")
    for entry in entries:
        s, findings = score(entry)
        secret = held_out(entry["file"])
        (hold if secret else dev).add(s)
        if secret and not show_held_out:
            continue
        out(_row(("* " if secret else "  ") + entry["file"][:48], s))
        if show_findings:
            for f in findings:
                out(f"      {f.severity.label} {f.location.line} [{f.rule}] {f.message}")
    both = Score()
    both.add(dev)
    both.add(hold)
    out("")
    out(_total("all", both))
    out(_total("development part", dev))
    out(_total("held-out part (number ≡ 2 mod 5)", hold))
    for title, items in (("missed", dev.missed), ("false errors", dev.false_list)):
        if items:
            out(f"\n{title} (development part):")
            for m in items:
                out("  " + m)
    if show_held_out:
        for title, items in (("missed", hold.missed), ("false errors", hold.false_list)):
            if items:
                out(f"\n{title} (held-out part):")
                for m in items:
                    out("  " + m)
    return dev, hold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show-held-out", action="store_true", help="also list the held-out fragments row by row")
    ap.add_argument("--findings", action="store_true", help="print every finding under its fragment")
    args = ap.parse_args(argv)
    run(args.show_held_out, args.findings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
