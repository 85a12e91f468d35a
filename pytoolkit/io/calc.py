"""I/O layer: compute the plain formulas of a workbook that was never calculated.

A workbook written by a program (openpyxl, or a script filling a template) holds formulas without
results until a spreadsheet application opens and saves it. The toolkit's own templates use a
small set of formulas, and this module computes exactly those, the way Excel does, with exact
decimals:

    SUM(C6:C35)            sums of ranges and cells (text and blanks ignored)
    C31+C32, D5-F5         + − * / of cells and numbers (a blank cell counts 0)
    SUMPRODUCT(--(LEN(TRIM(A6:A35))=3),C6:C35)            the 类 rows of a coded table
    IF(N(A6)=0,"无预算",ROUND(G6/A6*100,2))               the zero-guarded percentages
    "完成预算(%)"          text

The formula text is parsed with a grammar (lark), never ``eval``. Anything outside this grammar
(another function, a reference to another sheet, an error value such as #VALUE! or #DIV/0!) is
left uncalculated for the reader to report: a guess is worse than no value.

Used by the reader (values for uncalculated formulas, reported as ``read.computed_formula``) and by
the templates (cached values written at build, so a blank template validates clean).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from lark import Lark, Token, Transformer, UnexpectedInput

__all__ = ["FUNCTIONS", "Unsupported", "evaluate", "evaluate_cells", "parse"]

FUNCTIONS = ("SUM", "SUMPRODUCT", "IF", "N", "LEN", "TRIM", "ROUND")

GRAMMAR = r"""
?start: "="? comparison
?comparison: sum (COMP sum)?
?sum: product (ADDOP product)*
?product: unary (MULOP unary)*
?unary: "-" unary                  -> neg
      | "+" unary
      | atom
?atom: NUMBER                      -> number
     | STRING                      -> string
     | CELL ":" CELL               -> range
     | CELL                        -> cell
     | FUNC "(" [comparison ("," comparison)*] ")" -> call
     | "(" comparison ")"
COMP: "<>" | "<=" | ">=" | "=" | "<" | ">"
ADDOP: "+" | "-"
MULOP: "*" | "/"
FUNC.3: /[A-Z][A-Z0-9.]*(?=\()/
CELL.2: /\$?[A-Z]{1,3}\$?[1-9][0-9]{0,6}/
NUMBER: /\d+(\.\d+)?([eE][+-]?\d+)?/
STRING: /"([^"]|"")*"/
%ignore /[ \t\r\n]+/
"""

_PARSER = Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
_SPACES = re.compile(" {2,}")


class Unsupported(ValueError):
    """A formula this module does not compute (unknown function, error value, other sheet)."""


# -- parsing -----------------------------------------------------------------------------------
# The tree is nested tuples: ("num", Decimal) ("str", text) ("cell", (row, col))
# ("range", (r0, c0, r1, c1)) ("neg", x) ("bin", op, a, b) ("call", NAME, args). Rows and
# columns are 0-based.
class _Build(Transformer):
    def number(self, items):
        return ("num", Decimal(str(items[0])))

    def string(self, items):
        return ("str", str(items[0])[1:-1].replace('""', '"'))

    def cell(self, items):
        return ("cell", _coordinate(items[0]))

    def range(self, items):
        (r0, c0), (r1, c1) = _coordinate(items[0]), _coordinate(items[1])
        return ("range", (min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)))

    def neg(self, items):
        return ("neg", items[0])

    def call(self, items):
        name = str(items[0]).upper()
        if name not in FUNCTIONS:
            raise Unsupported(name)
        return ("call", name, tuple(i for i in items[1:] if i is not None))

    def comparison(self, items):
        return ("bin", str(items[1]), items[0], items[2])

    def sum(self, items):
        return self._chain(items)

    def product(self, items):
        return self._chain(items)

    @staticmethod
    def _chain(items):
        node = items[0]
        for op, right in zip(items[1::2], items[2::2]):
            node = ("bin", str(op), node, right)
        return node


def _coordinate(token: Token | str) -> tuple[int, int]:
    m = _CELL.fullmatch(str(token))
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


@lru_cache(maxsize=4096)
def parse(formula: str) -> tuple:
    """The tree of ``formula`` (with or without its leading "="); ``Unsupported`` otherwise."""
    try:
        return _Build().transform(_PARSER.parse(formula.strip()))
    except UnexpectedInput as exc:
        raise Unsupported(formula) from exc
    except Exception as exc:  # lark wraps errors raised inside the transformer
        if isinstance(getattr(exc, "orig_exc", None), Unsupported):
            raise exc.orig_exc from None
        raise Unsupported(formula) from exc


# -- evaluation --------------------------------------------------------------------------------
Value = Decimal | str | bool | None  # None: a blank cell
Lookup = Callable[[int, int], Value]


def evaluate(formula: str, value_of: Lookup) -> Decimal | str:
    """The result of ``formula``, reading cells (0-based row, column) through ``value_of``:
    a number (Decimal, exact) or a text. Raises ``Unsupported`` where Excel would give an error
    value or the formula is outside the grammar."""
    result = _scalar(_eval(parse(formula), value_of))
    if result is None:
        return Decimal(0)  # =A1 with A1 blank shows 0
    if isinstance(result, bool):
        raise Unsupported("TRUE/FALSE")
    return result


def evaluate_cells(formulas: Mapping[tuple[int, int], str],
                   cell_value: Callable[[int, int], object]) -> dict[tuple[int, int], Decimal | str]:
    """Values for every formula cell of one sheet that this module can compute, in dependency
    order (a formula may read another formula's cell); the rest are left out.

    ``cell_value(row, col)`` gives the stored value of a non-formula cell as the reader has it
    (float, int, str, bool, "" or None for blank).
    """
    done: dict[tuple[int, int], Decimal | str] = {}
    failed: set[tuple[int, int]] = set()
    active: set[tuple[int, int]] = set()

    def value_of(row: int, col: int) -> Value:
        key = (row, col)
        if key in formulas:
            if key in done:
                return done[key]
            if key in failed or key in active:  # an error upstream, or a circular reference
                raise Unsupported("dependency")
            active.add(key)
            try:
                done[key] = evaluate(formulas[key], value_of)
            except Unsupported:
                failed.add(key)
                raise
            finally:
                active.discard(key)
            return done[key]
        return _stored(cell_value(row, col))

    for key in formulas:
        try:
            value_of(*key)
        except Unsupported:
            failed.add(key)
    return done


def _stored(value: object) -> Value:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        return value
    raise Unsupported(type(value).__name__)  # dates, times: not in the templates' formulas


def _eval(node: tuple, value_of: Lookup):
    kind = node[0]
    if kind == "num" or kind == "str":
        return node[1]
    if kind == "cell":
        return value_of(*node[1])
    if kind == "range":
        r0, c0, r1, c1 = node[1]
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 1_000_000:
            raise Unsupported("range too large")
        return [value_of(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
    if kind == "neg":
        return _map1(_eval(node[1], value_of), lambda v: -_number(v))
    if kind == "bin":
        return _binary(node[1], _eval(node[2], value_of), _eval(node[3], value_of))
    if kind == "call":
        return _call(node[1], node[2], value_of)
    raise Unsupported(kind)


def _call(name: str, args: tuple, value_of: Lookup):
    if name == "SUM":
        total = Decimal(0)
        for arg in args:
            value = _eval(arg, value_of)
            if isinstance(value, list):  # in a range only numbers count
                total += sum((v for v in value if isinstance(v, Decimal)), Decimal(0))
            elif value is not None:
                total += _number(value)
        return total
    if name == "SUMPRODUCT":
        arrays = [_eval(arg, value_of) for arg in args]
        arrays = [a if isinstance(a, list) else [a] for a in arrays]
        if not arrays or len({len(a) for a in arrays}) != 1:
            raise Unsupported("SUMPRODUCT sizes")
        total = Decimal(0)
        for items in zip(*arrays):
            product = Decimal(1)
            for v in items:  # text and blanks count 0, as in Excel
                product *= v if isinstance(v, Decimal) else Decimal(0)
            total += product
        return total
    if name == "IF":
        if len(args) not in (2, 3):
            raise Unsupported("IF")
        condition = _scalar(_eval(args[0], value_of))
        if isinstance(condition, str):
            raise Unsupported("IF text")
        chosen = args[1] if (condition if isinstance(condition, bool) else _number(condition) != 0) else (
            args[2] if len(args) == 3 else None)
        return False if chosen is None else _scalar(_eval(chosen, value_of))
    if len(args) == 1 and name in ("N", "LEN", "TRIM"):
        value = _eval(args[0], value_of)
        return _map1(value, {"N": _n, "LEN": lambda v: Decimal(len(_text(v))), "TRIM": _trim}[name])
    if name == "ROUND" and len(args) == 2:
        value = _number(_scalar(_eval(args[0], value_of)))
        places = _number(_scalar(_eval(args[1], value_of)))
        if places != places.to_integral_value():
            raise Unsupported("ROUND places")
        # Excel rounds half away from zero; Decimal's ROUND_HALF_UP does the same.
        return value.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    raise Unsupported(name)


def _binary(op: str, a, b):
    if isinstance(a, list) or isinstance(b, list):
        n = len(a) if isinstance(a, list) else len(b)
        if isinstance(a, list) and isinstance(b, list) and len(a) != len(b):
            raise Unsupported("array sizes")
        left = a if isinstance(a, list) else [a] * n
        right = b if isinstance(b, list) else [b] * n
        return [_binary(op, x, y) for x, y in zip(left, right)]
    if op in ("+", "-", "*", "/"):
        x, y = _number(a), _number(b)
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if y == 0:
            raise Unsupported("#DIV/0!")
        return x / y
    return _compare(op, a, b)


def _compare(op: str, a, b) -> bool:
    # Excel compares a blank as 0 with a number and as "" with a text; numbers sort before text.
    if a is None:
        a = "" if isinstance(b, str) else Decimal(0)
    if b is None:
        b = "" if isinstance(a, str) else Decimal(0)
    if isinstance(a, bool) or isinstance(b, bool):
        raise Unsupported("TRUE/FALSE comparison")
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.casefold(), b.casefold()
    elif isinstance(a, str) or isinstance(b, str):
        return op in ("<>",) or (op in ("<", "<=") and isinstance(b, str)) or (op in (">", ">=") and isinstance(a, str))
    return {"=": a == b, "<>": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _number(value) -> Decimal:
    """A value in arithmetic: blank 0, TRUE 1, a number, or a text that reads as a number
    (Excel's coercion); any other text is #VALUE!."""
    if value is None:
        return Decimal(0)
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise Unsupported("#VALUE!") from None
    raise Unsupported("#VALUE!")


def _n(value) -> Decimal:
    if isinstance(value, bool):
        return Decimal(int(value))
    return value if isinstance(value, Decimal) else Decimal(0)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return value


def _trim(value) -> str:
    # Excel's TRIM: spaces (only U+0020) at either end removed, runs inside reduced to one.
    return _SPACES.sub(" ", _text(value)).strip(" ")


def _map1(value, fn):
    return [fn(v) for v in value] if isinstance(value, list) else fn(value)


def _scalar(value):
    if isinstance(value, list):
        if len(value) != 1:
            raise Unsupported("array in a cell")
        return value[0]
    return value


# -- cached results in a saved workbook --------------------------------------------------------
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*)><f>([^<]*)</f>(?:<v\s*/>|<v>\s*</v>)?</c>')


def sheet_results(ws) -> dict[tuple[int, int], Decimal | str]:
    """The results of the formulas of an openpyxl worksheet, from the values it holds."""
    formulas = {(c.row - 1, c.column - 1): c.value for row in ws.iter_rows() for c in row
                if c.data_type == "f" and isinstance(c.value, str)}

    def cell_value(row: int, col: int) -> object:
        return ws.cell(row=row + 1, column=col + 1).value

    return evaluate_cells(formulas, cell_value)


def store_results(path, results: Mapping[str, Mapping[tuple[int, int], Decimal | str]]) -> None:
    """Write cached results into the formula cells of the saved workbook ``path`` (as openpyxl
    saves them: ``<c r=".."><f>..</f><v></v></c>``), per sheet name; the file is rewritten in place.

    openpyxl cannot store a formula's result; Excel, WPS and LibreOffice recalculate on opening
    anyway (openpyxl sets fullCalcOnLoad), and readers that take the cached values (the toolkit's
    own, calamine, pandas) see the results instead of blanks.
    """
    import os
    import tempfile
    import zipfile
    from xml.sax.saxutils import escape

    from .parts import sheet_parts

    with zipfile.ZipFile(path) as zin:
        parts = {part: results[name] for name, part in sheet_parts(zin).items() if results.get(name)}
        items = [(info, zin.read(info)) for info in zin.infolist()]

    def patch(values, m: re.Match) -> bytes:
        col = 0
        for ch in m.group(1):
            col = col * 26 + ch - 64
        value = values.get((int(m.group(2)) - 1, col - 1))
        if value is None:
            return m.group(0)
        attrs = m.group(3)
        if isinstance(value, str):
            return (b'<c r="' + m.group(1) + m.group(2) + b'"' + attrs + b' t="str"><f>' + m.group(4) + b"</f><v>"
                    + escape(value).encode("utf-8") + b"</v></c>")
        return (b'<c r="' + m.group(1) + m.group(2) + b'"' + attrs + b"><f>" + m.group(4) + b"</f><v>"
                + format(value, "f").encode("ascii") + b"</v></c>")

    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info, data in items:
                values = parts.get(info.filename)
                if values:
                    data = _FORMULA_CELL.sub(lambda m, v=values: patch(v, m), data)
                zout.writestr(info, data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
