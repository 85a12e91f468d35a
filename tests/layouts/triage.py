"""Run every invariant on every corpus layout and print what fails, as a draft of xfail.yaml.

    PYTHONPATH=. python -m tests.layouts.triage            # all layouts
    PYTHONPATH=. python -m tests.layouts.triage ID ...     # some

For the recogniser's maintainer: after a change, this shows which xfail entries can go.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from . import checks
from . import generator as G

KEYS = yaml.safe_load((Path(__file__).resolve().parent / "keys.yaml").read_text(encoding="utf-8"))


def problems(layout: G.Layout, mutations: int = 3) -> dict[str, list[str]]:
    r = checks.run(layout)
    out = {"tables": checks.table_problems(r), "amounts": checks.amount_problems(r),
           "marks": checks.mark_problems(r), "clean": checks.error_problems(r)}
    tried, missed = checks.mutation_problems(r, KEYS, mutations)
    out["mutations"] = missed if tried else ["no linkage-breaking cell"]
    return out


def reason(found: list[str]) -> str:
    head = "；".join(p.split("：")[0][:90] for p in found[:2])
    return f"{len(found)}处，如：{head}" if len(found) > 2 else head


def main(argv: list[str]) -> None:
    corpus = G.load_corpus()
    ids = argv or list(corpus)
    draft = {}
    for lid in ids:
        found = problems(corpus[lid])
        entries = {k: reason(v) for k, v in found.items() if v}
        if entries:
            draft[lid] = entries
        print(f"# {lid}: " + ("全部通过" if not entries else "、".join(entries)), file=sys.stderr)
    print(yaml.safe_dump(draft, allow_unicode=True, sort_keys=False, width=200))


if __name__ == "__main__":
    main(sys.argv[1:])
