"""Detection rate: change one amount cell at a time and see whether a pytoolkit rule catches it.

Bases: the SEED public tables (2018, T1–T8) and one DEPARTMENT unit (default 便民服务站, the unit
with a filled T8; 2019, T1–T9), each written in both layouts (single code column in 万元; split
类/款/项 columns in 元) without the 绩效自评 forms. Each mutation (seeded RNG) picks a base and
layout in turn and one amount cell of the written forms (filled or blank), adds a random delta
(±0.01, a few cents, up to ±100, or large up to ±100000), writes the book with write_book,
reads it and runs validate_book.

Whether the mutation breaks a linkage is decided independently of pytoolkit by a small oracle
below: the docs/rules.md §3 identities recomputed over the mutated Values dict with plain Decimal
arithmetic (blank = 0; T1 on 决算数 and T7 on 预算数/决算数, the columns §3 names). A mutation is
caught when validate_book returns an error or warning (info = 尾差 does not count).

Targets: 100% of linkage-breaking mutations caught; 0 errors/warnings on the untouched clean
books. SEED's own 绩效自评 forms carry known inconsistencies with the tables (PE 三公 4.54 vs T7
4.50; 政府基金拨款 159.8), so SEED with PE/PP is validated separately and its findings listed.
Also listed: mutations outside the §3 identities (e.g. T1 年初预算数, T7 上年决算数) and whether
a rule flagged them anyway.

    python bench/mutations.py [--n N] [--quick] [--seed S] [--unit 0|1|2]
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

from pytoolkit.findings import Severity  # noqa: E402
from pytoolkit.io.layout import write_book  # noqa: E402
from pytoolkit.io.reader import read_book  # noqa: E402
from pytoolkit.rules import validate_book  # noqa: E402
from pytoolkit.samples.data import DEPARTMENT, SEED, UnitSample  # noqa: E402
from pytoolkit.tables.catalog import BY_ID, FUNDS, T1_INCOME_ROWS  # noqa: E402

TARGET_RATE = 100.0
WIDE = {"t1_columns": BY_ID["T1"].column_keys, "t7_rows": ("预算数", "决算数", "上年决算数")}


# ---------------------------------------------------------------------------------------------
# The oracle: docs/rules.md §3 over a Values dict (table → row → column → amount text in 万元).

def _is_code(key: str, length: int | None = None) -> bool:
    return key.isdigit() and (length is None or len(key) == length)


def oracle(values: dict, tables: set[str], t1_columns=("决算数",), t7_rows=("预算数", "决算数")) -> list[str]:
    """Names of the §3 identities that do not hold in ``values`` (empty = all linkages hold).

    §3 applies the T1 identities to 决算数 and the T7 ones to 预算数 and 决算数; ``t1_columns`` and
    ``t7_rows`` widen that (used only to describe mutations outside §3).
    """

    def v(t: str, r: str, c: str) -> Decimal:
        text = values.get(t, {}).get(r, {}).get(c)
        return Decimal(str(text).replace(",", "")) if text not in (None, "") else Decimal(0)

    def rows(t: str) -> list[str]:
        return list(values.get(t, {}))

    def codes(t: str, length: int | None = None) -> list[str]:
        return [k for k in rows(t) if _is_code(k, length)]

    broken: list[str] = []

    def eq(name: str, a: Decimal, b: Decimal) -> None:
        if a != b:
            broken.append(name)

    def le(name: str, a: Decimal, b: Decimal) -> None:
        if a > b:
            broken.append(name)

    def hierarchy(t: str, columns, levels=(3, 5, 7), total: str | None = "合计") -> None:
        coded = codes(t)
        for c in columns:
            if total:
                eq(f"{t} 合计=Σ类 [{c}]", v(t, total, c), sum((v(t, k, c) for k in coded if len(k) == 3), Decimal(0)))
            for parent in coded:
                if len(parent) not in levels[:-1]:
                    continue
                kids = [k for k in coded if len(k) == len(parent) + 2 and k.startswith(parent)]
                if kids:
                    eq(f"{t} {parent}=Σ下级 [{c}]", v(t, parent, c), sum((v(t, k, c) for k in kids), Decimal(0)))

    def union(*ts_len) -> list[str]:
        return sorted({k for t, n in ts_len for k in codes(t, n)})

    d = "决算数"
    if "T1" in tables:
        for c in t1_columns:
            eq(f"T1 本年收入合计=Σ收入 [{c}]", v("T1", "本年收入合计", c),
               sum((v("T1", r, c) for r in T1_INCOME_ROWS), Decimal(0)))
            eq(f"T1 本年支出合计=Σ类 [{c}]", v("T1", "本年支出合计", c),
               sum((v("T1", k, c) for k in codes("T1", 3)), Decimal(0)))
            eq(f"T1 收入总计 [{c}]", v("T1", "收入总计", c),
               v("T1", "本年收入合计", c) + v("T1", "使用非财政拨款结余", c) + v("T1", "年初结转和结余", c))
            eq(f"T1 支出总计 [{c}]", v("T1", "支出总计", c),
               v("T1", "本年支出合计", c) + v("T1", "结余分配", c) + v("T1", "年末结转和结余", c))
            eq(f"T1 收入总计=支出总计 [{c}]", v("T1", "收入总计", c), v("T1", "支出总计", c))
    if "T2" in tables:
        sources = BY_ID["T2"].column_keys[1:]
        for r in ["合计", *codes("T2")]:
            eq(f"T2 行和 [{r}]", v("T2", r, "本年收入合计"), sum((v("T2", r, c) for c in sources), Decimal(0)))
        hierarchy("T2", BY_ID["T2"].column_keys)
    if "T3" in tables:
        parts = BY_ID["T3"].column_keys[1:]
        for r in ["合计", *codes("T3")]:
            eq(f"T3 行和 [{r}]", v("T3", r, "本年支出合计"), sum((v("T3", r, c) for c in parts), Decimal(0)))
        hierarchy("T3", BY_ID["T3"].column_keys)
    if "T4" in tables:
        eq("T4 本年收入合计=Σ资金", v("T4", "本年收入合计", "金额"),
           sum((v("T4", f, "金额") for f in FUNDS), Decimal(0)))
        eq("T4 年初结转=Σ资金", v("T4", "年初财政拨款结转和结余", "金额"),
           sum((v("T4", f"年初财政拨款结转和结余/{f}", "金额") for f in FUNDS), Decimal(0)))
        eq("T4 收入总计", v("T4", "收入总计", "金额"),
           v("T4", "本年收入合计", "金额") + v("T4", "年初财政拨款结转和结余", "金额"))
        for r in [*codes("T4", 3), "本年支出合计", "年末财政拨款结转和结余", "支出总计"]:
            eq(f"T4 合计=Σ资金 [{r}]", v("T4", r, "合计"), sum((v("T4", r, f) for f in FUNDS), Decimal(0)))
        for c in ("合计", *FUNDS):
            eq(f"T4 本年支出合计=Σ类 [{c}]", v("T4", "本年支出合计", c),
               sum((v("T4", k, c) for k in codes("T4", 3)), Decimal(0)))
            eq(f"T4 支出总计 [{c}]", v("T4", "支出总计", c),
               v("T4", "本年支出合计", c) + v("T4", "年末财政拨款结转和结余", c))
        for f in FUNDS:
            eq(f"T4 资金平衡 [{f}]", v("T4", f, "金额") + v("T4", f"年初财政拨款结转和结余/{f}", "金额"),
               v("T4", "本年支出合计", f) + v("T4", "年末财政拨款结转和结余", f))
        eq("T4 收入总计=支出总计", v("T4", "收入总计", "金额"), v("T4", "支出总计", "合计"))
    if "T5" in tables:
        for r in ["合计", *codes("T5")]:
            eq(f"T5 行和 [{r}]", v("T5", r, "合计"), v("T5", r, "基本支出") + v("T5", r, "项目支出"))
        hierarchy("T5", BY_ID["T5"].column_keys)
    if "T6" in tables:
        eq("T6 人员经费合计", v("T6", "人员经费合计", d), v("T6", "301", d) + v("T6", "303", d))
        eq("T6 公用经费合计", v("T6", "公用经费合计", d), v("T6", "302", d) + v("T6", "310", d))
        hierarchy("T6", (d,), levels=(3, 5), total=None)
    if "T7" in tables:
        for g in t7_rows:
            eq(f"T7 合计 [{g}]", v("T7", g, "合计"),
               v("T7", g, "因公出国(境)费") + v("T7", g, "公务用车购置及运行维护费") + v("T7", g, "公务接待费"))
            eq(f"T7 车小计 [{g}]", v("T7", g, "公务用车购置及运行维护费"),
               v("T7", g, "公务用车购置费") + v("T7", g, "公务用车运行维护费"))
    for t in ("T8", "T9"):
        if t in tables:
            for r in ["合计", *codes(t)]:
                eq(f"{t} 行平衡 [{r}]", v(t, r, "年初结转和结余") + v(t, r, "本年收入"),
                   v(t, r, "本年支出合计") + v(t, r, "年末结转和结余"))
                eq(f"{t} 行和 [{r}]", v(t, r, "本年支出合计"), v(t, r, "基本支出") + v(t, r, "项目支出"))
            hierarchy(t, BY_ID[t].column_keys)
    # Between tables
    if {"T1", "T2"} <= tables:
        eq("T1=T2 财政拨款收入", sum((v("T1", r, d) for r in T1_INCOME_ROWS[:3]), Decimal(0)),
           v("T2", "合计", "财政拨款收入"))
        for r in T1_INCOME_ROWS[3:]:
            eq(f"T1=T2 {r}", v("T1", r, d), v("T2", "合计", r))
        eq("T1=T2 本年收入合计", v("T1", "本年收入合计", d), v("T2", "合计", "本年收入合计"))
    if {"T1", "T3"} <= tables:
        for k in union(("T1", 3), ("T3", 3)):
            eq(f"T1=T3 类 [{k}]", v("T1", k, d), v("T3", k, "本年支出合计"))
        eq("T1=T3 本年支出合计", v("T1", "本年支出合计", d), v("T3", "合计", "本年支出合计"))
    if {"T1", "T4"} <= tables:
        for r, f in zip(T1_INCOME_ROWS[:3], FUNDS):
            eq(f"T1=T4 {f}", v("T1", r, d), v("T4", f, "金额"))
        for k in union(("T1", 3), ("T4", 3)):
            le(f"T4≤T1 类 [{k}]", v("T4", k, "合计"), v("T1", k, d))
    for other, fund, col in (("T5", FUNDS[0], "合计"), ("T8", FUNDS[1], "本年支出合计"),
                             ("T9", FUNDS[2], "本年支出合计")):
        if {"T4", other} <= tables:
            eq(f"T4={other} 合计", v("T4", "本年支出合计", fund), v(other, "合计", col))
            for k in union(("T4", 3), (other, 3)):
                eq(f"T4={other} 类 [{k}]", v("T4", k, fund), v(other, k, col))
    if {"T5", "T6"} <= tables:
        eq("T5 基本=T6 人员+公用", v("T5", "合计", "基本支出"), v("T6", "人员经费合计", d) + v("T6", "公用经费合计", d))
    if {"T5", "T3"} <= tables:
        for k in ["合计", *union(("T5", None), ("T3", None))]:
            le(f"T5≤T3 基本 [{k}]", v("T5", k, "基本支出"), v("T3", k, "基本支出"))
            le(f"T5≤T3 项目 [{k}]", v("T5", k, "项目支出"), v("T3", k, "项目支出"))
    if {"T6", "T7"} <= tables:
        for code, col in (("30212", "因公出国(境)费"), ("30217", "公务接待费"), ("30231", "公务用车运行维护费"),
                          ("31013", "公务用车购置费")):
            le(f"T6≤T7 {code}", v("T6", code, d), v("T7", "决算数", col))
    return broken


# ---------------------------------------------------------------------------------------------
# Bases, mutations and the pytoolkit side (run in worker processes)

def public_only(sample: UnitSample) -> UnitSample:
    return replace(sample, values={t: v for t, v in sample.values.items() if t not in ("PE", "PP")}, fields={})


def bases(unit: int) -> dict[str, UnitSample]:
    dept = DEPARTMENT[unit]
    return {"SEED": public_only(SEED), dept.name.replace("汨罗市示例局", "DEPT/"): public_only(dept)}


def mutated(values: dict, tid: str, row: str, col: str, delta: Decimal) -> dict:
    """A copy of ``values`` with one cell changed (copying only the dicts on the path)."""
    table = dict(values.get(tid, {}))
    cells = dict(table.get(row, {}))
    old = cells.get(col)
    cells[col] = str((Decimal(old) if old not in (None, "") else Decimal(0)) + delta)
    table[row] = cells
    return {**values, tid: table}


def draw_delta(rng: random.Random) -> Decimal:
    sign = rng.choice((-1, 1))
    kind = rng.random()
    if kind < 0.30:
        cents = 1  # ±0.01
    elif kind < 0.50:
        cents = rng.randint(2, 99)  # a few cents
    elif kind < 0.75:
        cents = rng.randint(100, 10_000)  # up to 100 万元
    else:
        cents = rng.randint(10_000, 10_000_000)  # large: up to 100000 万元
    return Decimal(sign * cents) / 100


SIZES = ("0.01", "0.02–0.99", "1–100", ">100")


def size_class(delta: Decimal) -> str:
    d = abs(delta)
    return SIZES[0] if d == Decimal("0.01") else SIZES[1] if d < 1 else SIZES[2] if d <= 100 else SIZES[3]


def _check(job) -> tuple[list[tuple[str, str]], float]:
    """Write, read and validate one (possibly mutated) book; its findings and seconds."""
    unit, base, layout, change, folder, index = job
    sample = bases(unit)[base]
    if change is not None:
        sample = replace(sample, values=mutated(sample.values, *change))
    code_layout, money_unit = C.LAYOUTS[layout]
    path = Path(folder) / f"m{index:05d}.xlsx"
    t0 = time.perf_counter()
    write_book(path, sample, code_layout=code_layout, money_unit=money_unit)
    findings = validate_book(read_book(path))
    seconds = time.perf_counter() - t0
    path.unlink()
    return [(f.rule, f.severity.value) for f in findings], seconds


def cells_of(sample: UnitSample, layout: int, folder: str) -> tuple[set[str], list[tuple[str, str, str]]]:
    """Tables and every amount cell (table, row key, column key) of the written forms."""
    code_layout, money_unit = C.LAYOUTS[layout]
    layouts = write_book(Path(folder) / "probe.xlsx", sample, code_layout=code_layout, money_unit=money_unit)
    cells = [(tid, row, col) for tid, lay in layouts.items() for (row, col) in lay.cells]
    return set(layouts), cells


def layout_name(layout: int) -> str:
    return "/".join(C.LAYOUTS[layout])


def main() -> None:
    ap = C.parser(__doc__, default_n=500, quick_n=100)
    ap.add_argument("--seed", type=int, default=20240607, help="RNG seed")
    ap.add_argument("--unit", type=int, default=2, choices=(0, 1, 2),
                    help="DEPARTMENT unit (0 局机关, 1 信息中心, 2 便民服务站)")
    args = ap.parse_args()
    n = C.count(args)
    C.header(f"bench/mutations.py: {n} single-cell mutations, seed {args.seed}")
    samples = bases(args.unit)
    rng = random.Random(args.seed)
    workers = min(2, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="pytoolkit-bench-mut-") as folder, \
            ProcessPoolExecutor(max_workers=workers) as pool:
        cases = []
        for base, sample in samples.items():
            for layout in range(len(C.LAYOUTS)):
                tables, cells = cells_of(sample, layout, folder)
                cases.append((base, layout, tables, cells))
        # 1. Clean books: the oracle must agree they are clean; pytoolkit must find nothing.
        print("\n1. 未改动的样本 clean books (without PE/PP)")
        clean_jobs = [(args.unit, b, lay, None, folder, i) for i, (b, lay, _, _) in enumerate(cases)]
        rows = []
        for (base, layout, tables, cells), (found, _) in zip(cases, pool.map(_check, clean_jobs)):
            bad = [f"{r} ({s})" for r, s in found if s != "info"]
            info = [r for r, s in found if s == "info"]
            rows.append((base, layout_name(layout), len(cells), len(oracle(samples[base].values, tables)),
                         len(bad), len(info), "; ".join(bad) or "—"))
        C.table(rows, ("base", "layout", "amount cells", "oracle breaks", "errors+warnings", "info", "findings"))
        seed_pe = []
        for layout in range(len(C.LAYOUTS)):
            code_layout, money_unit = C.LAYOUTS[layout]
            path = Path(folder) / f"seed_pe_{layout}.xlsx"
            write_book(path, SEED, code_layout=code_layout, money_unit=money_unit)
            found = validate_book(read_book(path))
            seed_pe.append((layout_name(layout), ", ".join(f"{f.rule} ({f.severity.value})" for f in found) or "—"))
        print("\n   SEED with its PE/PP forms (known seed inconsistencies, expected at error level):")
        C.table(seed_pe, ("layout", "findings"))

        # 2. Mutations, round robin over the four (base, layout) cases.
        jobs, meta = [], []
        for i in range(n):
            base, layout, tables, cells = cases[i % len(cases)]
            tid, row, col = rng.choice(cells)
            delta = draw_delta(rng)
            values = mutated(samples[base].values, tid, row, col, delta)
            broken = oracle(values, tables)
            # Outside §3: would the same identity, applied to this column too, break?
            wide = set(oracle(values, tables, **WIDE)) - set(oracle(samples[base].values, tables, **WIDE))
            meta.append((base, layout, tid, row, col, delta, broken, bool(wide)))
            jobs.append((args.unit, base, layout, (tid, row, col, delta), folder, 100 + i))
        t0 = time.perf_counter()
        results = list(pool.map(_check, jobs, chunksize=4))
        wall = time.perf_counter() - t0
    breaking = caught = 0
    misses, extra, by_rule, by_table = [], Counter(), Counter(), Counter()
    by_size = Counter()
    for (base, layout, tid, row, col, delta, broken, wide), (found, _) in zip(meta, results):
        flagged = sorted({r for r, s in found if s in (Severity.ERROR.value, Severity.WARNING.value)})
        size = size_class(delta)
        if broken:
            breaking += 1
            by_table[(tid, "break")] += 1
            by_size[(size, "break")] += 1
            if flagged:
                caught += 1
                by_table[(tid, "caught")] += 1
                by_size[(size, "caught")] += 1
                by_rule.update(flagged)
            else:
                misses.append((base, layout_name(layout), tid, row, col, f"{delta:+}", broken[0],
                               ", ".join(f"{r} ({s})" for r, s in found) or "no finding"))
        else:
            extra[(tid, col, "yes" if wide else "no", ", ".join(flagged) or "none")] += 1
    rate = 100.0 * caught / breaking if breaking else 100.0
    per = sum(s for _, s in results) / len(results) * 1000
    print(f"\n2. 变异 mutations: {n} ({wall:.1f} s wall on {workers} processes; write+read+validate "
          f"{per:.0f} ms each)")
    C.table([
        ("linkage-breaking (oracle)", breaking, ""),
        ("caught by a rule (error/warning)", caught, ""),
        ("检出率 detection rate", f"{rate:.1f}%", f"target {TARGET_RATE:.0f}%: {C.verdict(rate >= TARGET_RATE)}"),
        ("outside §3 (oracle: no break)", n - breaking, ""),
    ], ("measure", "value", ""))
    print("\n   by table (breaking / caught):")
    tids = sorted({t for t, _ in by_table})
    C.table([(t, by_table[(t, "break")], by_table[(t, "caught")]) for t in tids], ("table", "breaking", "caught"))
    print("\n   by size of the change (breaking / caught):")
    C.table([(k, by_size[(k, "break")], by_size[(k, "caught")]) for k in SIZES], ("|delta| 万元", "breaking", "caught"))
    print("\n   rules that fired on breaking mutations (mutations per rule, top 15):")
    C.table([(r, k) for r, k in by_rule.most_common(15)], ("rule", "mutations"))
    if extra:
        print("\n   mutations outside the §3 identities (oracle says no break); 'same identity breaks' = the §3")
        print("   identity would break if applied to this column (T1 beyond 决算数, T7 上年决算数),")
        print("   where it holds in the clean book:")
        C.table([(t, c, w, f, k) for (t, c, w, f), k in sorted(extra.items())],
                ("table", "column", "same identity breaks", "pytoolkit flagged", "count"))
    print(f"\n3. 漏检 missed mutations: {len(misses)}")
    if misses:
        C.table(misses, ("base", "layout", "table", "row", "column", "delta", "first broken identity", "findings"))


if __name__ == "__main__":
    main()
