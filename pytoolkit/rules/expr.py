"""Core layer: the expression language of rule packs, parsed with lark (never ``eval``).

    T1[本年收入合计].决算数 == sum(T1[一般公共预算财政拨款收入, 上级补助收入].决算数)
    sum(T3[类].本年支出合计) == T3[合计].本年支出合计
    本年支出合计 == 基本支出 + 项目支出            (inside ``each_row``: the current row)
    T5[@].基本支出 <= T3[@].基本支出              (``@`` = the current row's key)

Names are Chinese keys of the catalog; a name with brackets or other punctuation is quoted:
``T7[决算数]."因公出国(境)费"``. Row selectors: keys (codes or labels), ``类``/``款``/``项`` (code
level), ``201*`` (code prefix), ``@`` (current row). ``sum``, ``abs``, ``min``, ``max``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from lark import Lark, Token, Transformer, UnexpectedInput

GRAMMAR = r"""
?start: comparison
?comparison: expr (COMP expr)?
?expr: term (ADDOP term)*
?term: factor (MULOP factor)*
?factor: NUMBER                      -> number
       | "-" factor                  -> neg
       | "(" expr ")"
       | call
       | ref
call: FUNC "(" expr ("," expr)* ")"
ref: TABLE "[" selector ("," selector)* "]" "." name   -> table_ref
   | name                                              -> row_ref
selector: name | "@" -> current | NUMBER -> code_sel | PREFIX -> prefix_sel
name: NAME | STRING
COMP: "==" | "<=" | ">=" | "!=" | "<" | ">"
ADDOP: "+" | "-"
MULOP: "*" | "/"
FUNC.2: /(sum|abs|min|max)(?=\()/
TABLE.2: /(T[1-9]|PE|PP)(?=\[)/
PREFIX.2: /\d{3,6}\*/
NUMBER: /\d+(\.\d+)?/
NAME: /[^\s\[\]\.,+\-*\/()=<>!"@0-9][^\s\[\]\.,+\-*\/()=<>!"]*/
STRING: /"[^"]+"/
%ignore /\s+/
"""

_PARSER = Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)


class ExpressionError(ValueError):
    """An expression that does not parse; ``column`` is 1-based within the expression."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


# -- AST ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Ref:
    table: str  # "" = the current row of an each_row rule
    selectors: tuple[tuple[str, str], ...]  # (kind, value): key / current / level / prefix
    column: str
    # Whether the reference may name several rows (only allowed inside sum()); set on creation
    # because the evaluator asks for every reference of every rule on every book.
    is_multi: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        multi = len(self.selectors) > 1 or any(k in ("level", "prefix") for k, _ in self.selectors)
        object.__setattr__(self, "is_multi", multi)


@dataclass(frozen=True)
class BinOp:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Neg:
    operand: object


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple


@dataclass(frozen=True)
class Compare:
    op: str
    left: object
    right: object


class _ToAst(Transformer):
    def number(self, items):
        return Num(Decimal(str(items[0])))

    def neg(self, items):
        return Neg(items[0])

    def name(self, items):
        text = str(items[0])
        return text[1:-1] if text.startswith('"') else text

    def selector(self, items):
        value = items[0]
        if value in ("类", "款", "项"):
            return ("level", value)
        return ("key", value)

    def current(self, _items):
        return ("current", "@")

    def code_sel(self, items):
        return ("key", str(items[0]))

    def prefix_sel(self, items):
        return ("prefix", str(items[0])[:-1])

    def table_ref(self, items):
        table, *selectors, column = items
        return Ref(str(table), tuple(selectors), column)

    def row_ref(self, items):
        return Ref("", (("current", "@"),), items[0])

    def call(self, items):
        func, *args = items
        return Call(str(func), tuple(args))

    def expr(self, items):
        return self._fold(items)

    def term(self, items):
        return self._fold(items)

    def _fold(self, items):
        node = items[0]
        for i in range(1, len(items), 2):
            node = BinOp(str(items[i]), node, items[i + 1])
        return node

    def comparison(self, items):
        return Compare(str(items[1]), items[0], items[2])


@lru_cache(maxsize=4096)
def parse(text: str):
    """Parse an expression into the AST above; raises ExpressionError with a Chinese message."""
    if len(text) > 4000:
        raise ExpressionError(f"表达式过长（{len(text)}个字符，最多4000）")
    try:
        tree = _PARSER.parse(text)
        ast = _ToAst().transform(tree)
    except RecursionError:
        raise ExpressionError("表达式嵌套过深") from None
    except UnexpectedInput as exc:
        col = getattr(exc, "column", None)
        near = text[max(0, (col or 1) - 1):(col or 1) + 9] if col else ""
        raise ExpressionError(f"表达式语法错误（第{col}个字符附近“{near}”）：{text}", col) from None
    if isinstance(ast, Token):
        raise ExpressionError(f"表达式不完整：{text}")
    return ast


def refs(node) -> list[Ref]:
    """Every reference in an expression, left to right."""
    out: list[Ref] = []

    def walk(n):
        if isinstance(n, Ref):
            out.append(n)
        elif isinstance(n, BinOp | Compare):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, Neg):
            walk(n.operand)
        elif isinstance(n, Call):
            for a in n.args:
                walk(a)

    walk(node)
    return out
