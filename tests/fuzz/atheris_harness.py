"""Coverage-guided fuzzing of the user-text parsers with atheris (where it installs).

    python -m tests.fuzz.atheris_harness rule_pack -atheris_runs=200000
    python -m tests.fuzz.atheris_harness narrative -max_total_time=600

The first argument names a target of ``tests.fuzz.targets``; the rest go to libFuzzer.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from tests.fuzz.targets import TARGETS


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in TARGETS:
        raise SystemExit(f"usage: python -m tests.fuzz.atheris_harness {{{'|'.join(TARGETS)}}} [libFuzzer options]")
    atheris.Setup([sys.argv[0], *sys.argv[2:]], TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
