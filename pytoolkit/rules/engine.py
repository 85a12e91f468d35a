"""Core layer: evaluate rule packs over a recognised book and collect every finding.

All rules run (one collector, like pandera's lazy mode); a rule that crashes becomes an error
finding and the run goes on. Exactness (docs/rules.md §4): values stored at the precision shown
are the data, so their identities hold to the cent; where an operand is itself a rounded form of
finer data (more than 2 decimals in its printed unit, or a 万元 figure compared with 元 data), a
difference within the rounding bound is a 尾差 (info), beyond it an error.
"""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from ..checking import CHECKS, BookContext, collect
from ..findings import Finding, Location, Severity
from ..metrics import format_amount
from ..model import Book, Cell, CellRef, Row, Table
from ..tables import codes
from ..tables.recognise import is_uncalculated
from . import expr as E

HALF_CENT = Decimal("0.005")


def check(name: str, explanation: str):
    """Register a Python check usable from a pack as ``function: name`` (in the shared registry,
    ``pytoolkit.checking.CHECKS``, family "rules"); ``explanation`` is one Chinese line."""
    return CHECKS.register(name, "rules", explanation)


@dataclass
class Rule:
    id: str
    title: str
    severity: Severity
    expression: str = ""
    message: str = ""
    each_row: dict | None = None  # {"table": "T3", "rows": "类" | "code" | "all", "union": [...]}
    function: str = ""
    args: dict = field(default_factory=dict)
    tables: tuple[str, ...] = ()  # tables the rule needs; skipped when one is absent
    enabled: bool = True
    source: str = ""  # "file:line" of its definition
    ast: object = None
    explanation: str = ""  # one Chinese line (``explain:``, else derived; see loader)
    compiled: tuple | None = field(default=None, repr=False)  # the fast path's closures (``_compiled``)

    @property
    def table(self) -> str:
        """The table a finding of this rule belongs to when no cell says otherwise: the one table
        it reads, else ""."""
        return self.tables[0] if len(self.tables) == 1 else ""


@dataclass
class Operand:
    value: Decimal
    cell: Cell | None
    table: Table | None


class RuleContext(BookContext):
    """One book under evaluation, with the current row of an each_row rule."""

    def __init__(self, book: Book) -> None:
        super().__init__(book)
        self.current_key: str | None = None
        self.current_table: Table | None = None
        self.row_keys: dict[tuple, list[str]] = {}  # _each_keys, per each_row spec


# -- evaluation --------------------------------------------------------------------------------
def _rows(table: Table, selectors, ctx: RuleContext) -> list[tuple[str, Row | None]]:
    out = []
    for kind, value in selectors:
        if kind == "key":
            out.append((value, table.rows.get(value)))
        elif kind == "current":
            key = ctx.current_key or ""
            out.append((key, table.rows.get(key)))
        elif kind == "level":
            level = {"类": 1, "款": 2, "项": 3}[value]
            out.extend((r.key, r) for r in table.rows.values()
                       if r.code and codes.is_code(r.code) and codes.level(r.code) == level)
        elif kind == "prefix":
            out.extend((r.key, r) for r in table.rows.values()
                       if r.code and r.code.startswith(value) and r.code != value)
    return out


def _cells(ref: E.Ref, ctx: RuleContext) -> tuple[Table | None, list[Cell | None]]:
    """The table ``ref`` reads and the cell of each row it names (None: no such row or column)."""
    table = ctx.current_table if not ref.table else ctx.table(ref.table)
    if table is None:
        return None, []
    return table, [row.values.get(ref.column) if row else None for _key, row in _rows(table, ref.selectors, ctx)]


def _operands(ref: E.Ref, ctx: RuleContext) -> list[Operand]:
    table, cells = _cells(ref, ctx)
    return [Operand(cell.amount if cell else _ZERO, cell, table) for cell in cells]


def _values(ref: E.Ref, ctx: RuleContext) -> list[Decimal]:
    """What ``_operands`` gives, values only (for the compiled fast path)."""
    return [cell.amount if cell else _ZERO for cell in _cells(ref, ctx)[1]]


_ZERO = Decimal(0)


def evaluate(node, ctx: RuleContext, used: list[Operand]) -> Decimal:
    """The value of ``node``, collecting in ``used`` the operands read (for a finding); the fast
    path of a rule that holds is ``_compile``."""
    if isinstance(node, E.Num):
        return node.value
    if isinstance(node, E.Ref):
        if node.is_multi:
            raise E.ExpressionError("多行引用只能放在 sum() 中")
        ops = _operands(node, ctx)
        used.extend(ops)
        return ops[0].value if ops else _ZERO
    if isinstance(node, E.Neg):
        return -evaluate(node.operand, ctx, used)
    if isinstance(node, E.BinOp):
        a, b = evaluate(node.left, ctx, used), evaluate(node.right, ctx, used)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        return a / b if b else Decimal(0)
    if isinstance(node, E.Call):
        values = []
        for arg in node.args:
            if isinstance(arg, E.Ref):
                ops = _operands(arg, ctx)
                used.extend(ops)
                values.extend(o.value for o in ops)
            else:
                values.append(evaluate(arg, ctx, used))
        if node.func == "sum":
            return sum(values, Decimal(0))
        if node.func == "abs":
            return abs(values[0])
        if node.func == "min":
            return min(values)
        return max(values)
    raise E.ExpressionError(f"无法计算的表达式：{node!r}")


def rounding_bound(operands: list[Operand]) -> Decimal:
    """How far the identity may miss because operands are rounded forms (docs/rules.md §4)."""
    units = {o.table.money_unit for o in operands if o.table is not None}
    finer = any(_decimals(o.cell) > 2 for o in operands if o.cell is not None)
    if len(units) <= 1 and not finer:
        return Decimal(0)
    bound = Decimal(0)
    for o in operands:
        if o.cell is None or o.cell.value is None or o.table is None:
            continue
        unit_half = HALF_CENT if o.table.money_unit == "万元" else HALF_CENT / 10000
        if _decimals(o.cell) > 2 or (len(units) > 1 and o.table.money_unit == "万元"):
            bound += unit_half
    return bound


def _decimals(cell: Cell) -> int:
    raw = cell.raw
    if isinstance(raw, float):
        if raw.is_integer():
            return 0
        text = repr(raw)
        return 0 if "e" in text else len(text.split(".")[1])
    if cell.value is None:
        return 0
    return max(0, -cell.value.normalize().as_tuple().exponent)


_FORMATTER = string.Formatter()
ALLOWED_FIELDS = {"actual", "expected", "diff", "row", "label", "table", "bound"}


def check_template(template: str) -> None:
    for _, name, spec, _ in _FORMATTER.parse(template):
        if spec and ("{" in spec or "}" in spec):
            raise ValueError("消息模板的格式说明中不能再嵌套字段")
        if name is not None and name not in ALLOWED_FIELDS:
            raise ValueError(f"消息模板中的“{{{name}}}”不可用，可用：{'、'.join(sorted(ALLOWED_FIELDS))}")


def _fmt(value: Decimal | None, unit: str = "万元") -> str:
    """A figure for a message, in the table's own unit: 元 tables print 元 (so a 0.01 元 break
    never reads “相差0.00”), 万元 tables print plain 万元 figures as the forms do."""
    if value is None:
        return "—"
    if unit == "元":
        return f"{format_amount(value * _WAN)}元"
    return format_amount(value)


def _unit(tables) -> str:
    """元 when every table involved is printed in 元; otherwise 万元 (the disclosure's unit)."""
    units = {t.money_unit for t in tables if t is not None}
    return "元" if units == {"元"} else "万元"


def _bound_text(bound: Decimal, unit: str) -> str:
    if unit == "元":
        return f"±{(bound * _WAN).normalize():f}元"
    return f"±{bound.normalize()}万元"


_WAN = Decimal(10000)


def run_expression_rule(rule: Rule, ctx: RuleContext, file: str) -> list[Finding]:
    out: list[Finding] = []
    if rule.each_row:
        spec = rule.each_row
        table = ctx.table(spec["table"])
        if table is None:
            return out
        keys = _each_keys(table, spec, ctx)
        for key in keys:
            ctx.current_key, ctx.current_table = key, table
            finding = _compare(rule, ctx, file, key)
            if finding:
                out.append(finding)
        ctx.current_key, ctx.current_table = None, None
        return out
    finding = _compare(rule, ctx, file, "")
    return [finding] if finding else []


def _each_keys(table: Table, spec: dict, ctx: RuleContext) -> list[str]:
    """The row keys an each_row rule visits; computed once per book for rules that share a spec
    (a dozen rules walk T3's coded rows)."""
    rows = spec.get("rows", "all")
    cache_key = (spec["table"], rows if isinstance(rows, str) else tuple(rows), tuple(spec.get("union", ())))
    keys = ctx.row_keys.get(cache_key)
    if keys is None:
        keys = ctx.row_keys[cache_key] = _pick_keys(table, rows, spec, ctx)
    return keys


def _pick_keys(table: Table, rows, spec: dict, ctx: RuleContext) -> list[str]:

    def pick(t: Table) -> list[str]:
        if rows == "all":
            return list(t.rows)
        if rows == "code":
            return [r.key for r in t.rows.values() if r.code]
        if rows in ("类", "款", "项"):
            level = {"类": 1, "款": 2, "项": 3}[rows]
            return [r.key for r in t.rows.values() if r.code and codes.is_code(r.code)
                    and codes.level(r.code) == level]
        if rows == "code_or_total":
            return [r.key for r in t.rows.values() if r.code or r.key == "合计"]
        wanted = [rows] if isinstance(rows, str) else list(rows)  # an explicit key or list of keys
        return [k for k in t.rows if k in wanted]

    keys = pick(table)
    for other in spec.get("union", ()):
        t = ctx.table(other)
        if t is not None:
            keys.extend(k for k in pick(t) if k not in keys)
    return keys


_HOLDS = {"==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge, "<": operator.lt,
          ">": operator.gt}


# -- the fast path: expressions compiled to closures over values --------------------------------
# Most rules hold on most books, so a rule is first evaluated by a closure that reads values only;
# ``evaluate`` runs again, collecting the operands for the finding, only when the rule fails.
_Value = Callable[[RuleContext], Decimal]


def _compile(node) -> _Value:
    if isinstance(node, E.Num):
        value = node.value
        return lambda ctx: value
    if isinstance(node, E.Ref):
        if node.is_multi:
            raise E.ExpressionError("多行引用只能放在 sum() 中")
        selectors, column = node.selectors, node.column
        if node.table and len(selectors) == 1 and selectors[0][0] == "key":
            tid, key = node.table, selectors[0][1]

            def keyed(ctx: RuleContext) -> Decimal:  # T1[收入总计].决算数: the common reference
                table = ctx.tables.get(tid)
                row = table.rows.get(key) if table is not None else None
                cell = row.values.get(column) if row is not None else None
                return cell.amount if cell is not None else _ZERO

            return keyed

        if len(selectors) == 1 and selectors[0][0] == "current":
            tid = node.table

            def current(ctx: RuleContext) -> Decimal:  # a bare column or T5[@]: the each_row rules' cells
                table = ctx.tables.get(tid) if tid else ctx.current_table
                row = table.rows.get(ctx.current_key or "") if table is not None else None
                cell = row.values.get(column) if row is not None else None
                return cell.amount if cell is not None else _ZERO

            return current

        def ref(ctx: RuleContext) -> Decimal:
            values = _values(node, ctx)
            return values[0] if values else _ZERO

        return ref
    if isinstance(node, E.Neg):
        operand = _compile(node.operand)
        return lambda ctx: -operand(ctx)
    if isinstance(node, E.BinOp):
        a, b = _compile(node.left), _compile(node.right)
        if node.op == "+":
            return lambda ctx: a(ctx) + b(ctx)
        if node.op == "-":
            return lambda ctx: a(ctx) - b(ctx)
        if node.op == "*":
            return lambda ctx: a(ctx) * b(ctx)

        def divide(ctx: RuleContext) -> Decimal:
            d = b(ctx)
            return a(ctx) / d if d else _ZERO

        return divide
    if isinstance(node, E.Call):
        parts = [(arg, None) if isinstance(arg, E.Ref) else (None, _compile(arg)) for arg in node.args]
        func = {"sum": lambda v: sum(v, _ZERO), "abs": lambda v: abs(v[0]), "min": min, "max": max}[node.func]

        def call(ctx: RuleContext) -> Decimal:
            values: list[Decimal] = []
            for ref, fn in parts:
                if ref is not None:
                    values.extend(_values(ref, ctx))
                else:
                    values.append(fn(ctx))
            return func(values)

        return call
    raise E.ExpressionError(f"无法计算的表达式：{node!r}")


def _compiled(rule: Rule) -> tuple[_Value, _Value]:
    """The closures of a comparison's two sides, built once per rule and kept on it."""
    hit = rule.compiled
    if hit is None or hit[0] is not rule.ast:  # rebuilt if the rule's expression was replaced
        hit = rule.compiled = (rule.ast, _compile(rule.ast.left), _compile(rule.ast.right))
    return hit[1], hit[2]


def _compare(rule: Rule, ctx: RuleContext, file: str, key: str) -> Finding | None:
    node = rule.ast
    op = node.op
    left_value, right_value = _compiled(rule)
    if _HOLDS[op](left_value(ctx) - right_value(ctx), 0):
        return None
    used_left: list[Operand] = []
    used_right: list[Operand] = []
    left = evaluate(node.left, ctx, used_left)
    right = evaluate(node.right, ctx, used_right)
    diff = left - right
    operands = used_left + used_right
    if not any(o.cell is not None and o.cell.value is not None for o in operands):
        return None  # every operand blank: nothing was reported
    if _not_printed(node.left, ctx) or _not_printed(node.right, ctx):
        return None  # the form has no such columns (a T7 without 购置/运行 split): nothing to compare
    if any(o.cell is not None and is_uncalculated(o.cell) for o in operands):
        return None  # the reader reported these cells; their value is unknown, not 0
    bound = rounding_bound(operands)
    miss = abs(diff) if op in ("==", "!=") else (diff if op in ("<=", "<") else -diff)
    severity = rule.severity
    tail = ""
    unit = _unit(o.table for o in operands)
    if bound and miss <= bound and op != "!=":
        severity = Severity.INFO
        tail = f"（在四舍五入尾差范围{_bound_text(bound, unit)}内，属尾差）"
    target = next((o for o in used_left if o.cell is not None), None) or \
        next((o for o in operands if o.cell is not None), None)
    row = (ctx.current_table.rows.get(key) if ctx.current_table and key else None)
    label = row.label if row else key
    fields = {"actual": _fmt(left, unit), "expected": _fmt(right, unit), "diff": _fmt(diff, unit), "row": key,
              "label": label, "table": rule.id.split(".")[0], "bound": _fmt(bound, unit)}
    located = target.table if target is not None and target.table is not None else None
    # str.format_map (C) formats a checked template (check_template) as string.Formatter would
    text = rule.message.format_map(fields) if rule.message else \
        f"{rule.title}：左边{fields['actual']}，右边{fields['expected']}，相差{fields['diff']}"
    where = f"［{label}］" if key else ""
    location = Location.at(target.cell.ref if target and target.cell else None, file)
    if target is None or target.cell is None:
        t = ctx.table(rule.tables[0]) if rule.tables else None
        location = Location.at(t.title_ref if t else None, file)
    related = tuple(dict.fromkeys(str(o.cell.ref) for o in operands if o.cell is not None))
    return Finding(rule.id, severity, f"{rule.title}{where}：{text}{tail}", location,
                   expected=right, actual=left, table=located.id if located is not None else rule.table,
                   related=related, unit=unit)


def _refs(node) -> Iterable[E.Ref]:
    if isinstance(node, E.Ref):
        yield node
    elif isinstance(node, E.Neg):
        yield from _refs(node.operand)
    elif isinstance(node, E.BinOp):
        yield from _refs(node.left)
        yield from _refs(node.right)
    elif isinstance(node, E.Call):
        for arg in node.args:
            yield from _refs(arg)


def _not_printed(node, ctx: RuleContext) -> bool:
    """Every column this side reads is absent from its table's form (not merely blank)."""
    refs = list(_refs(node))
    if not refs:
        return False
    for ref in refs:
        table = ctx.current_table if not ref.table else ctx.table(ref.table)
        if table is None or not table.columns or ref.column in table.columns:
            return False
    return True


def run_rules(book: Book, rules: Iterable[Rule]) -> list[Finding]:
    """Run every enabled rule on ``book``; recognition findings come first."""
    ctx = RuleContext(book)
    file = ctx.file
    findings: list[Finding] = list(book.findings)
    # A table printed twice (四川's 国有资本经营 tables under two titles): a rule within one table
    # checks every copy; rules between tables compare the first.
    copies: dict[str, list[Table]] = {}
    for t in book.tables:
        copies.setdefault(t.id, []).append(t)
    copies = {tid: ts for tid, ts in copies.items() if len(ts) > 1}
    for rule in rules:
        if not rule.enabled:
            continue
        if any(ctx.table(t) is None for t in rule.tables):
            continue
        tids = set(rule.tables)
        again = copies.get(next(iter(tids)), [])[1:] if len(tids) == 1 else []
        for other in (None, *again):
            if other is not None:
                ctx.tables[other.id] = other
                ctx.row_keys.clear()  # the each_row keys were the first copy's
            findings.extend(collect([(_runner(rule, ctx, file), _on_crash(rule, file))]))
        if again:
            ctx.tables[again[0].id] = copies[again[0].id][0]
            ctx.row_keys.clear()
    return findings


def _runner(rule: Rule, ctx: RuleContext, file: str) -> Callable[[], Iterable[Finding]]:
    if rule.function:
        fn = CHECKS.get("rules", rule.function).fn
        return lambda: fn(ctx, rule, file, **rule.args)
    return lambda: run_expression_rule(rule, ctx, file)


def _on_crash(rule: Rule, file: str) -> Callable[[Exception], Finding]:
    # A broken rule must not stop the others (beancount's loader): it becomes an error finding.
    return lambda exc: Finding(rule.id, Severity.ERROR, f"规则“{rule.title}”执行出错：{exc}（{rule.source}）",
                               Location(file=file), table=rule.table)


def make_finding(rule: Rule, file: str, ref: CellRef | None, message: str, expected=None, actual=None,
                 severity: Severity | None = None, related=(), unit: str = "万元", table: str | None = None) -> Finding:
    """A finding of ``rule``; ``table`` is the table the cell ``ref`` is in (default: the rule's)."""
    return Finding(rule.id, severity or rule.severity, message, Location.at(ref, file), expected, actual,
                   table=rule.table if table is None else table, related=tuple(related), unit=unit)


def compare_sum(rule: Rule, file: str, target: Cell | None, parts: list[tuple[Cell | None, Table]],
                table: Table, what: str | Callable[[], str]) -> Finding | None:
    """``target`` must equal the sum of ``parts`` (within the rounding bound, ``rounding_bound``).

    ``what`` names the comparison in the message; a callable is called only for a finding (the
    checks compare thousands of cells per book, nearly all of which agree).
    """
    total = sum((c.amount for c, _ in parts if c is not None), _ZERO)
    actual = target.amount if target else _ZERO
    if actual == total:
        return None
    if (target is not None and is_uncalculated(target)) or any(c is not None and is_uncalculated(c) for c, _ in parts):
        return None  # reported by the reader: an uncalculated formula is unknown, not 0
    if (target is None or target.value is None) and all(c is None or c.value is None for c, _ in parts):
        return None
    operands = [Operand(actual, target, table)] + [Operand(c.amount, c, t) for c, t in parts if c is not None]
    bound = rounding_bound(operands)
    diff = actual - total
    severity = rule.severity
    tail = ""
    unit = _unit([table, *(t for _, t in parts)])
    if bound and abs(diff) <= bound:
        severity, tail = Severity.INFO, f"（在四舍五入尾差范围{_bound_text(bound, unit)}内，属尾差）"
    ref = target.ref if target else (next((c.ref for c, _ in parts if c is not None), table.title_ref))
    related = [str(c.ref) for c, _ in parts if c is not None]
    return make_finding(rule, file, ref,
                        f"{rule.title}［{what() if callable(what) else what}］：填列{_fmt(actual, unit)}，"
                        f"下级合计{_fmt(total, unit)}，相差{_fmt(diff, unit)}{tail}",
                        expected=total, actual=actual, severity=severity, related=related, unit=unit, table=table.id)
