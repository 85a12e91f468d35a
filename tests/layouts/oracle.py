"""The 勾稽关系 of the public tables, recomputed over a layout's truth with plain Decimal arithmetic.

Independent of the product (no ``pytoolkit`` import): it checks that every corpus description is
internally consistent (a clean book must give 0 errors), and it decides whether a single-cell
mutation breaks a linkage (then the product must flag that cell).

The identities are those of the 财政部 部门决算报表编制说明 for the nine public tables: within a table
(T1 totals and balance, T2/T3/T5/T8/T9 row sums and the 合计=Σ类, 类=Σ款, 款=Σ项 hierarchy, T4 by
fund, T6 人员经费 = 301+303 and 公用经费 = 302+310, T7 合计 = 出国+车+接待 and 车 = 购置+运行) and
between tables (T1↔T2/T3/T4, T4↔T5/T8/T9, T5↔T6, T5≤T3, T6 三公 items ≤ T7 决算数).

An identity applies when its left-hand cell exists in the truth and at least one right-hand cell
does; a missing addend counts as zero, as a blank cell does. So a T7 that prints 公务用车购置及运行费
without its 购置/运行 split carries no 车 = 购置+运行 identity.
"""

from __future__ import annotations

from decimal import Decimal

FUNDS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")
T1_INCOME = ("一般公共预算财政拨款收入", "政府性基金预算财政拨款收入", "国有资本经营预算财政拨款收入", "上级补助收入",
             "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
T1_COLUMNS = ("决算数", "年初预算数", "调整预算数", "上年决算数")
T2_SOURCES = ("财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
T3_PARTS = ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")
FUND_TABLE = ("年初结转和结余", "本年收入", "本年支出合计", "基本支出", "项目支出", "年末结转和结余")
T7_ITEMS = ("因公出国(境)费", "公务用车购置及运行维护费", "公务接待费")
SANGONG_T6 = (("30212", "因公出国(境)费"), ("30217", "公务接待费"), ("30231", "公务用车运行维护费"),
              ("31013", "公务用车购置费"))
ZERO = Decimal(0)

Values = dict[str, dict[str, dict[str, Decimal | None]]]


def _is_code(key: str, n: int | None = None) -> bool:
    return key.isdigit() and (n is None or len(key) == n)


class _Check:
    def __init__(self, values: Values) -> None:
        self.values = values
        self.broken: list[str] = []

    def has(self, t: str, r: str, c: str) -> bool:
        return c in self.values.get(t, {}).get(r, {})

    def v(self, t: str, r: str, c: str) -> Decimal:
        x = self.values.get(t, {}).get(r, {}).get(c)
        return x if x is not None else ZERO

    def codes(self, t: str, n: int | None = None) -> list[str]:
        return [k for k in self.values.get(t, {}) if _is_code(k, n)]

    def columns(self, t: str) -> set[str]:
        return {c for cols in self.values.get(t, {}).values() for c in cols}

    def sum_eq(self, name: str, lhs: tuple[str, str, str], rhs: list[tuple[str, str, str]]) -> None:
        """lhs = Σ rhs, when lhs exists and some rhs does."""
        if not self.has(*lhs) or not any(self.has(*x) for x in rhs):
            return
        if self.v(*lhs) != sum((self.v(*x) for x in rhs), ZERO):
            self.broken.append(name)

    def sums_eq(self, name: str, lhs: list[tuple[str, str, str]], rhs: list[tuple[str, str, str]]) -> None:
        if not any(self.has(*x) for x in lhs) or not any(self.has(*x) for x in rhs):
            return
        if sum((self.v(*x) for x in lhs), ZERO) != sum((self.v(*x) for x in rhs), ZERO):
            self.broken.append(name)

    def le(self, name: str, a: tuple[str, str, str], b: tuple[str, str, str]) -> None:
        if self.has(*a) and self.has(*b) and self.v(*a) > self.v(*b):
            self.broken.append(name)

    def hierarchy(self, t: str, columns, lengths=(3, 5, 7), total: str | None = "合计") -> None:
        coded = self.codes(t)
        for c in columns:
            if total:
                self.sum_eq(f"{t} 合计=Σ类 [{c}]", (t, total, c), [(t, k, c) for k in coded if len(k) == lengths[0]])
            for parent in coded:
                if len(parent) not in lengths[:-1]:
                    continue
                kids = [(t, k, c) for k in coded if len(k) == len(parent) + 2 and k.startswith(parent)]
                if kids:
                    self.sum_eq(f"{t} {parent}=Σ下级 [{c}]", (t, parent, c), kids)


def broken(values: Values) -> list[str]:
    """The names of the identities that do not hold in ``values`` (empty: the book is consistent)."""
    k = _Check(values)
    present = set(values)
    d = "决算数"
    if "T1" in present:
        for c in T1_COLUMNS:
            if c not in k.columns("T1"):
                continue
            k.sum_eq(f"T1 本年收入合计 [{c}]", ("T1", "本年收入合计", c), [("T1", r, c) for r in T1_INCOME])
            if c == d:
                k.sum_eq("T1 本年支出合计=Σ类", ("T1", "本年支出合计", c), [("T1", x, c) for x in k.codes("T1", 3)])
            k.sum_eq(f"T1 收入总计 [{c}]", ("T1", "收入总计", c),
                     [("T1", r, c) for r in ("本年收入合计", "使用非财政拨款结余", "年初结转和结余")])
            k.sum_eq(f"T1 支出总计 [{c}]", ("T1", "支出总计", c),
                     [("T1", r, c) for r in ("本年支出合计", "结余分配", "年末结转和结余")])
            k.sum_eq(f"T1 收入总计=支出总计 [{c}]", ("T1", "收入总计", c), [("T1", "支出总计", c)])
    if "T2" in present:
        for r in ["合计", *k.codes("T2")]:
            k.sum_eq(f"T2 行和 [{r}]", ("T2", r, "本年收入合计"), [("T2", r, c) for c in T2_SOURCES])
        k.hierarchy("T2", ("本年收入合计", *T2_SOURCES))
    if "T3" in present:
        for r in ["合计", *k.codes("T3")]:
            k.sum_eq(f"T3 行和 [{r}]", ("T3", r, "本年支出合计"), [("T3", r, c) for c in T3_PARTS])
        k.hierarchy("T3", ("本年支出合计", *T3_PARTS))
    if "T4" in present:
        k.sum_eq("T4 本年收入合计", ("T4", "本年收入合计", "金额"), [("T4", f, "金额") for f in FUNDS])
        k.sum_eq("T4 年初结转", ("T4", "年初财政拨款结转和结余", "金额"),
                 [("T4", f"年初财政拨款结转和结余/{f}", "金额") for f in FUNDS])
        k.sum_eq("T4 收入总计", ("T4", "收入总计", "金额"),
                 [("T4", "本年收入合计", "金额"), ("T4", "年初财政拨款结转和结余", "金额")])
        for r in [*k.codes("T4", 3), "本年支出合计", "年末财政拨款结转和结余", "支出总计"]:
            k.sum_eq(f"T4 合计=Σ资金 [{r}]", ("T4", r, "合计"), [("T4", r, f) for f in FUNDS])
        for c in ("合计", *FUNDS):
            k.sum_eq(f"T4 本年支出合计=Σ类 [{c}]", ("T4", "本年支出合计", c), [("T4", x, c) for x in k.codes("T4", 3)])
            k.sum_eq(f"T4 支出总计 [{c}]", ("T4", "支出总计", c),
                     [("T4", "本年支出合计", c), ("T4", "年末财政拨款结转和结余", c)])
        for f in FUNDS:
            k.sums_eq(f"T4 资金平衡 [{f}]", [("T4", f, "金额"), ("T4", f"年初财政拨款结转和结余/{f}", "金额")],
                      [("T4", "本年支出合计", f), ("T4", "年末财政拨款结转和结余", f)])
        k.sum_eq("T4 收入总计=支出总计", ("T4", "收入总计", "金额"), [("T4", "支出总计", "合计")])
    if "T5" in present:
        for r in ["合计", *k.codes("T5")]:
            k.sum_eq(f"T5 行和 [{r}]", ("T5", r, "合计"), [("T5", r, "基本支出"), ("T5", r, "项目支出")])
        k.hierarchy("T5", ("年初预算数", "合计", "基本支出", "项目支出"))
    if "T6" in present:
        k.sum_eq("T6 人员经费合计", ("T6", "人员经费合计", d), [("T6", "301", d), ("T6", "303", d)])
        k.sum_eq("T6 公用经费合计", ("T6", "公用经费合计", d), [("T6", "302", d), ("T6", "310", d)])
        k.hierarchy("T6", (d, "人员经费", "公用经费"), lengths=(3, 5), total=None)
        # Forms that print 合计 | 人员经费 | 公用经费 as columns: each row splits, and a 合计 row sums the classes.
        for r in k.values["T6"]:
            k.sum_eq(f"T6 合计=人员+公用 [{r}]", ("T6", r, d), [("T6", r, "人员经费"), ("T6", r, "公用经费")])
        for c in (d, "人员经费", "公用经费"):
            k.sum_eq(f"T6 合计行 [{c}]", ("T6", "合计", c), [("T6", x, c) for x in k.codes("T6", 3)])
    if "T7" in present:
        for r in k.values["T7"]:
            k.sum_eq(f"T7 合计 [{r}]", ("T7", r, "合计"), [("T7", r, c) for c in T7_ITEMS])
            k.sum_eq(f"T7 车小计 [{r}]", ("T7", r, "公务用车购置及运行维护费"),
                     [("T7", r, "公务用车购置费"), ("T7", r, "公务用车运行维护费")])
    for t in ("T8", "T9"):
        if t in present:
            for r in ["合计", *k.codes(t)]:
                k.sums_eq(f"{t} 行平衡 [{r}]", [(t, r, "年初结转和结余"), (t, r, "本年收入")],
                          [(t, r, "本年支出合计"), (t, r, "年末结转和结余")])
                k.sum_eq(f"{t} 行和 [{r}]", (t, r, "本年支出合计"), [(t, r, "基本支出"), (t, r, "项目支出")])
            k.hierarchy(t, FUND_TABLE)
    # Between tables
    if {"T1", "T2"} <= present:
        k.sums_eq("T1=T2 财政拨款收入", [("T1", r, d) for r in T1_INCOME[:3]], [("T2", "合计", "财政拨款收入")])
        for r in T1_INCOME[3:]:
            k.sums_eq(f"T1=T2 {r}", [("T1", r, d)], [("T2", "合计", r)])
        k.sums_eq("T1=T2 本年收入合计", [("T1", "本年收入合计", d)], [("T2", "合计", "本年收入合计")])
    if {"T1", "T3"} <= present:
        for x in sorted(set(k.codes("T1", 3)) | set(k.codes("T3", 3))):
            k.sums_eq(f"T1=T3 类 [{x}]", [("T1", x, d)], [("T3", x, "本年支出合计")])
        k.sums_eq("T1=T3 本年支出合计", [("T1", "本年支出合计", d)], [("T3", "合计", "本年支出合计")])
    if {"T1", "T4"} <= present:
        for r, f in zip(T1_INCOME[:3], FUNDS):
            k.sums_eq(f"T1=T4 {f}", [("T1", r, d)], [("T4", f, "金额")])
        for x in k.codes("T4", 3):
            k.le(f"T4≤T1 类 [{x}]", ("T4", x, "合计"), ("T1", x, d))
    for other, fund, col in (("T5", FUNDS[0], "合计"), ("T8", FUNDS[1], "本年支出合计"),
                             ("T9", FUNDS[2], "本年支出合计")):
        if {"T4", other} <= present:
            k.sums_eq(f"T4={other} 合计", [("T4", "本年支出合计", fund)], [(other, "合计", col)])
            for x in sorted(set(k.codes("T4", 3)) | set(k.codes(other, 3))):
                k.sums_eq(f"T4={other} 类 [{x}]", [("T4", x, fund)], [(other, x, col)])
    if {"T5", "T6"} <= present:
        k.sums_eq("T5 基本=T6 人员+公用", [("T5", "合计", "基本支出")],
                  [("T6", "人员经费合计", d), ("T6", "公用经费合计", d)])
    if {"T5", "T3"} <= present:
        for x in ["合计", *k.codes("T5")]:
            k.le(f"T5≤T3 基本 [{x}]", ("T5", x, "基本支出"), ("T3", x, "基本支出"))
            k.le(f"T5≤T3 项目 [{x}]", ("T5", x, "项目支出"), ("T3", x, "项目支出"))
    if {"T6", "T7"} <= present:
        for code, col in SANGONG_T6:
            k.le(f"T6≤T7 {code}", ("T6", code, d), ("T7", "决算数", col))
    return k.broken
