"""Core layer: rule checks that need loops or look-ups, registered for use in rule packs."""

from __future__ import annotations

from decimal import Decimal

from ..errors import ValueParseError
from ..findings import Severity
from ..metrics import grade, parse_grade, round_half_up, to_decimal
from ..tables import codes
from ..tables.catalog import BY_ID, EDITIONS, SUMMARY_UNIT, edition_for
from ..tables.derived_columns import targets
from .engine import Rule, RuleContext, _fmt, check, compare_sum, make_finding


@check("code_hierarchy", "科目层级：合计=Σ类、类=Σ款、款=Σ项，逐个金额列核对；上级科目应在表中。")
def code_hierarchy(ctx: RuleContext, rule: Rule, file: str, table: str):
    """合计 = Σ类, 类 = Σ款, 款 = Σ项 for every numeric column (财政部 部门决算报表编制说明;
    docs/rules.md §3)."""
    t = ctx.table(table)
    if t is None:
        return
    coded = {r.code: r for r in t.rows.values() if r.code and codes.is_code(r.code)}
    children: dict[str, list] = {}
    for code, row in coded.items():
        parent = codes.parent(code)
        if parent is None:
            continue
        if parent not in coded:
            yield make_finding(rule, file, row.values[next(iter(row.values))].ref if row.values else None,
                               f"{rule.title}：科目“{code} {row.label}”的上级科目{parent}不在表中。")
            continue
        children.setdefault(parent, []).append(row)
    columns = list(t.columns)
    total = t.rows.get("合计")
    top = [r for r in coded.values() if codes.level(r.code) == 1]
    if total is not None and top:
        for col in columns:
            f = compare_sum(rule, file, total.values.get(col), [(r.values.get(col), t) for r in top], t,
                            lambda: f"合计/{col}")  # noqa: B023 - called at once
            if f:
                yield f
    for parent, kids in children.items():
        prow = coded[parent]
        for col in columns:
            f = compare_sum(rule, file, prow.values.get(col), [(r.values.get(col), t) for r in kids], t,
                            lambda: f"{parent} {prow.label}/{col}")  # noqa: B023 - called at once
            if f:
                yield f


@check("unit_rows_sum", "整体支出绩效自评表的“局机关及二级机构汇总”行应逐列等于各单位行之和。")
def unit_rows_sum(ctx: RuleContext, rule: Rule, file: str, table: str = "PE"):
    """整体支出绩效自评表: the 局机关及二级机构汇总 row = Σ unit rows, column by column."""
    t = ctx.table(table)
    if t is None or SUMMARY_UNIT not in t.rows:
        return
    summary = t.rows[SUMMARY_UNIT]
    units = [r for k, r in t.rows.items() if k != SUMMARY_UNIT]
    for col in summary.values:
        f = compare_sum(rule, file, summary.values.get(col), [(r.values.get(col), t) for r in units], t, col)
        if f:
            yield f


@check("project_detail_sum", "项目支出绩效自评表：支出明细之和=支出合计=资金来源的实际支出。")
def project_detail_sum(ctx: RuleContext, rule: Rule, file: str):
    """项目支出绩效自评表: Σ 支出明细 = 支出合计 = 实际支出, for every project form in the book."""
    for t in ctx.book.all("PP"):
        details = [r for r in t.rows.values() if r.side == "明细" and r.key != "支出合计"]
        total = t.rows.get("支出合计")
        name = t.fields.get("项目名称")
        what = f"{name.raw}" if name is not None and name.raw else t.sheet
        if total is not None and details:
            f = compare_sum(rule, file, total.values.get("实际支出数"),
                            [(r.values.get("实际支出数"), t) for r in details], t, f"{what}/支出明细")
            if f:
                yield f
        funds = t.rows.get("合计")
        if total is not None and funds is not None:
            a, b = total.values.get("实际支出数"), funds.values.get("实际支出")
            if a is not None and b is not None and a.amount != b.amount:
                u = t.money_unit
                yield make_finding(rule, file, a.ref,
                                   f"{rule.title}［{what}］：支出明细合计{_fmt(a.amount, u)}，与实际支出"
                                   f"{_fmt(b.amount, u)}不一致，相差{_fmt(a.amount - b.amount, u)}",
                                   expected=b.amount, actual=a.amount, related=[str(b.ref)], unit=t.money_unit,
                                   table=t.id)


@check("project_funds",
       "项目支出绩效自评表：结余=实际到位减实际支出；资金来源合计=中央+省+市+县+其它，逐列核对。")
def project_funds(ctx: RuleContext, rule: Rule, file: str):
    """项目支出绩效自评表: 结余 = 实际到位 − 实际支出; 合计 = Σ 中央/省/市/县/其它, each column."""
    for t in ctx.book.all("PP"):
        fund_rows = [r for r in t.rows.values() if r.side == "资金"]
        for r in fund_rows:
            got, spent, left = (r.values.get(k) for k in ("实际到位资金", "实际支出", "结余"))
            if left is None or (got is None and spent is None):
                continue
            expected = (got.amount if got else Decimal(0)) - (spent.amount if spent else Decimal(0))
            if left.value is None and expected == 0:
                continue
            if left.amount != expected:
                u = t.money_unit
                yield make_finding(rule, file, left.ref,
                                   f"{rule.title}［{r.label}］：结余填列{_fmt(left.amount, u)}，实际到位减实际支出为"
                                   f"{_fmt(expected, u)}，相差{_fmt(left.amount - expected, u)}",
                                   expected=expected, actual=left.amount, unit=t.money_unit, table=t.id)
        total = t.rows.get("合计")
        subs = [r for r in fund_rows if r.key != "合计"]
        if total is None or not subs:
            continue
        for col, cell in total.values.items():
            parts = [(r.values.get(col), t) for r in subs]
            if all(c is None or c.value is None for c, _ in parts):
                continue  # the form leaves the breakdown blank
            f = compare_sum(rule, file, cell, parts, t, f"资金来源/{col}")
            if f:
                yield f


@check("grade_matches_score",
       "绩效自评评价等次应由综合得分得出：优≥90，良≥80，中≥60，差<60（财预〔2020〕10号）。")
def grade_matches_score(ctx: RuleContext, rule: Rule, file: str):
    """绩效自评: 评价等次 must follow from 综合得分 (财预〔2020〕10号: 优≥90, 良≥80, 中≥60, 差<60)."""
    for t in [*ctx.book.all("PE"), *ctx.book.all("PP")]:
        score, stated = t.fields.get("绩效自评综合得分"), t.fields.get("评价等次")
        if score is None or stated is None or score.value is None:
            continue
        try:
            expected = grade(score.value)
            given = parse_grade(stated.raw)
        except ValueParseError as exc:
            yield make_finding(rule, file, stated.ref, f"{rule.title}：{exc}", table=t.id)
            continue
        if given is not None and given != expected:
            yield make_finding(rule, file, stated.ref,
                               f"{rule.title}［{t.tdef.title}］：综合得分{score.value}分应评为“{expected.long}”，"
                               f"表中填“{stated.raw}”", related=[str(score.ref)], table=t.id)


@check("empty_table_note", "表下注明“本单位无…收支，本表为空表”时，表中不应有金额。")
def empty_table_note(ctx: RuleContext, rule: Rule, file: str, table: str):
    """T8/T9: a table that says it is empty (“本单位…无…”) must hold no amounts, and vice versa."""
    t = ctx.table(table)
    if t is None or not t.is_empty_note:
        return
    for r in t.rows.values():
        for cell in r.values.values():
            if cell.value not in (None, Decimal(0)):
                yield make_finding(rule, file, cell.ref,
                                   f"{rule.title}：表下注明本表为空表，但{r.label}填有{_fmt(cell.value, t.money_unit)}",
                                   unit=t.money_unit, table=t.id)
                return


@check("missing_tables",
       "含公开表的工作簿应含该版本的全部公开表（2018年8张，2019年起9张）；缺表时涉及它的勾稽关系无法校验。")
def missing_tables(ctx: RuleContext, rule: Rule, file: str, edition: str | None = None):
    """A book holding some public tables should hold all of its edition's (docs/rules.md §1); the
    linkage rules that need an absent table cannot run, which the accountant must know."""
    present = {t.id for t in ctx.book.tables}
    if not present & set(EDITIONS["2019"]):
        return  # only 绩效自评 forms, or nothing recognised (reported by the recogniser)
    if edition is None:
        year = ctx.book.year
        edition = "2019" if "T9" in present else edition_for(year).id if year is not None else "2018"
    missing = [tid for tid in EDITIONS[edition] if tid not in present]
    if missing:
        names = "、".join(f"{tid} {BY_ID[tid].title}" for tid in missing)
        yield make_finding(rule, file, None, f"{rule.title}：没有找到{names}；涉及这些表的勾稽关系未校验。")


_CENT = Decimal("0.01")


@check("derived_values", "表中填列的完成率、增减额、增减率应等于按表中金额计算、四舍五入保留两位的结果。")
def derived_values(ctx: RuleContext, rule: Rule, file: str):
    """A 完成率/增减额/增减率 column printed beside the amounts must hold the figure the amounts
    give, half up to 2 places (docs/rules.md §4); a percent-formatted cell
    holds it as a fraction."""
    for target in targets(ctx.book):
        sheet = ctx.book.sheet(target.ref.sheet)
        raw = sheet.value(target.ref.row, target.ref.col) if sheet else ""
        try:
            stated = to_decimal(raw, where=str(target.ref))
        except ValueParseError:
            continue  # text in a figure column (“—”, a note): nothing stated to compare
        if stated is None:
            continue
        if target.value is None:
            yield make_finding(rule, file, target.ref,
                               f"{rule.title}［{target.row}/{target.kind}］：填列{stated.normalize():f}，但基数为0或空白，"
                               "应写“无年初预算”或留空，不应计算百分比或增减率", actual=stated,
                               severity=Severity.WARNING, table=target.table)
            continue
        forms = [stated]
        if target.is_percent:
            forms.append(stated * 100)  # the cell is formatted as %: 1.6906 shows 169.06%
        if any(round_half_up(v, 2) == target.value and v == round_half_up(v, 4) for v in forms):
            continue
        shown = min(forms, key=lambda v: abs(v - target.value))
        hint = ""
        if abs(shown) == abs(target.value) - _CENT and abs(shown) < abs(target.value):
            hint = "；相差0.01，疑似直接截断而未四舍五入"
        unit = "%" if target.is_percent else ""
        yield make_finding(rule, file, target.ref,
                           f"{rule.title}［{target.row}/{target.kind}］：填列{shown.normalize():f}{unit}，"
                           f"按表中数字四舍五入应为{target.value}{unit}{hint}",
                           expected=target.value, actual=shown, table=target.table)
