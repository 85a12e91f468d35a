"""Core layer: load rule packs (YAML) with file and line for every rule, and pick the packs.

A pack is a mapping with ``rules:``, a list of rules. A rule has ``id``, Chinese ``title``,
``severity`` (error | warning | info), and either ``check:`` (an expression, see ``expr``) with an
optional ``each_row:`` and ``message:`` template, or ``function:`` (a registered check) with
``args:``. An optional ``explain:`` is the one-line Chinese explanation ``pytoolkit rules list``
prints (default: the function's registered explanation, or the expression in words). ``enabled:
false`` switches a rule off. A user pack adds rules or replaces built-in ones with the same id.

Loading a pack registers its ids in ``pytoolkit.findings`` (title, severity, explanation, file and
line); ``finding_ids()`` loads every built-in pack and returns the whole registry.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from ..checking import CHECKS
from ..errors import RulePackError
from ..findings import Finding, FindingId, Severity, register, registered
from ..model import Book
from ..tables.catalog import BY_ID
from . import checks as _checks  # noqa: F401  (registers the Python checks)
from . import expr as E
from .engine import Rule, check_template, run_rules

BUILTIN = ("public", "t9", "self_evaluation")
_LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping (for error messages)."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}
_KEYS = {"id", "title", "severity", "check", "message", "each_row", "function", "args", "enabled", "tables",
         "explain", _LINE}


def load_pack(source: str | Path, text: str | None = None, builtin: bool = False) -> list[Rule]:
    """Rules of one pack file, their ids registered; raises RulePackError naming file, line and
    problem. ``builtin``: one of the toolkit's packs (its ids are the toolkit's registry)."""
    name = str(source)
    if text is None:
        text = _read_text(Path(source))
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        raise RulePackError(f"规则文件 {name} {where}YAML格式错误：{_yaml_problem(exc)}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise RulePackError(f"规则文件 {name}：缺少 rules: 列表。")
    rules = []
    seen = set()
    for item in doc["rules"]:
        if not isinstance(item, dict):
            raise RulePackError(f"规则文件 {name}：rules 中的每一项都应是一条规则（键值对）。")
        rules.append(_rule(item, name))
        if rules[-1].id in seen:
            raise RulePackError(f"规则文件 {name} 第{item[_LINE]}行：规则编号“{rules[-1].id}”重复。")
        seen.add(rules[-1].id)
    for rule in rules:
        if rule.enabled:
            register(rule.id, rule.severity, rule.title, rule.explanation, rule.source, builtin=builtin)
    return rules


def _read_text(path: Path) -> str:
    """A pack's text: UTF-8 (with or without BOM), or GBK as Notepad on a Chinese Windows saves
    “ANSI”."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise RulePackError(f"找不到规则文件：{path}") from exc
    except IsADirectoryError as exc:
        raise RulePackError(f"{path} 是文件夹，不是规则文件。") from exc
    except OSError as exc:
        raise RulePackError(f"无法读取规则文件 {path}（{exc.strerror or '系统错误'}）。") from exc
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RulePackError(f"规则文件 {path} 不是文本文件，或编码无法识别：请用 UTF-8 编码保存。")


# What PyYAML's (English) problem texts mean, for the message a user reads.
_YAML_PROBLEMS = (
    ("cannot start any token", "含有制表符（Tab）或不能出现在开头的字符；请用空格缩进"),
    ("mapping values are not allowed", "此处不能出现“键: 值”（冒号后面的文字如含“: ”请加引号）"),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("expected <block end>", "缩进不一致（同一层的各项应对齐）"),
    ("did not find expected key", "缩进不一致或缺少键"),
    ("did not find expected '-' indicator", "列表各项的“-”没有对齐"),
    ("found unexpected end of stream", "引号或括号没有闭合"),
    ("expected ',' or ']'", "方括号“[”没有闭合"),
    ("expected ',' or '}'", "花括号“{”没有闭合"),
    ("expected the node content", "缺少内容（括号没有闭合或值为空）"),
    ("found undefined alias", "使用了未定义的别名（*）"),
    ("found duplicate anchor", "锚点（&）重复"),
    ("unacceptable character", "含有不允许的控制字符"),
    ("found unknown escape character", "双引号中的反斜杠“\\”转义无效（路径请用单引号）"),
)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = str(getattr(exc, "problem", "") or "")
    for english, chinese in _YAML_PROBLEMS:
        if english in problem:
            return chinese
    return "语法不正确"


def _rule(item: dict, name: str) -> Rule:
    line = item.get(_LINE, "?")
    where = f"规则文件 {name} 第{line}行"
    unknown = set(item) - _KEYS
    if unknown:
        raise RulePackError(f"{where}：未知的键 {', '.join(sorted(map(str, unknown)))}。")
    rid = item.get("id")
    if not rid or not isinstance(rid, str):
        raise RulePackError(f"{where}：缺少规则编号 id。")
    if item.get("enabled", True) is False and set(item) <= {"id", "enabled", _LINE}:
        return Rule(rid, "", Severity.INFO, enabled=False, source=f"{name}:{line}")
    title = item.get("title")
    if not title:
        raise RulePackError(f"{where}：规则“{rid}”缺少中文标题 title。")
    severity = _SEVERITIES.get(str(item.get("severity", "error")))
    if severity is None:
        raise RulePackError(f"{where}：规则“{rid}”的 severity 应为 error、warning 或 info。")
    args = item.get("args") or {}
    if not isinstance(args, dict):
        raise RulePackError(f"{where}：规则“{rid}”的 args 应为键值对，如 args: {{table: T2}}。")
    rule = Rule(rid, str(title), severity, message=str(item.get("message", "")),
                enabled=bool(item.get("enabled", True)), source=f"{name}:{line}",
                args={k: v for k, v in args.items() if k != _LINE})
    if rule.message:
        try:
            check_template(rule.message)
        except ValueError as exc:
            raise RulePackError(f"{where}：{exc}") from exc
    rule.explanation = str(item.get("explain") or "")
    if "function" in item:
        rule.function = str(item["function"])
        fn = CHECKS.get("rules", rule.function)
        if fn is None:
            raise RulePackError(f"{where}：未知的检查函数“{rule.function}”，"
                                f"可用：{'、'.join(sorted(CHECKS.names('rules')))}。")
        table = rule.args.get("table")
        rule.tables = _table_list(item.get("tables"), where) or ((table,) if table else ())
        rule.explanation = rule.explanation or fn.explanation
        return rule
    if "check" not in item:
        raise RulePackError(f"{where}：规则“{rid}”需要 check（表达式）或 function。")
    rule.expression = str(item["check"])
    try:
        rule.ast = E.parse(rule.expression)
    except E.ExpressionError as exc:
        raise RulePackError(f"{where}：{exc}") from exc
    if not isinstance(rule.ast, E.Compare):
        raise RulePackError(f"{where}：规则“{rid}”的表达式必须是比较（==、<=、>= 等）。")
    each = item.get("each_row")
    if each is not None:
        if isinstance(each, str):
            each = {"table": each}
        if not isinstance(each, dict) or "table" not in each:
            raise RulePackError(f"{where}：each_row 应写表编号，如 each_row: T3 或 each_row: {{table: T3, rows: 类}}。")
        rule.each_row = {k: v for k, v in each.items() if k != _LINE}
        rule.each_row["union"] = _table_list(rule.each_row.get("union"), where)
        rows = rule.each_row.get("rows", "all")
        if isinstance(rows, str) and rows not in ROW_KEYWORDS:
            raise RulePackError(f"{where}：each_row 的 rows 应为 {'、'.join(ROW_KEYWORDS)} 之一，或行的列表。")
    named = {r.table for r in E.refs(rule.ast) if r.table}
    if rule.each_row:
        named.add(rule.each_row["table"])
    if not rule.each_row and any(r.table == "" or any(k == "current" for k, _ in r.selectors)
                                 for r in E.refs(rule.ast)):
        raise RulePackError(f"{where}：规则“{rid}”引用了当前行（裸列名或@），但没有 each_row。")
    rule.tables = _table_list(item.get("tables"), where) or tuple(sorted(named))
    rule.explanation = rule.explanation or _explain(rule)
    for ref in E.refs(rule.ast):
        tid = ref.table or (rule.each_row or {}).get("table", "")
        tdef = BY_ID.get(tid)
        if tdef is None:
            raise RulePackError(f"{where}：规则“{rid}”引用了未知的表“{tid}”。")
        if ref.column not in tdef.column_keys:
            raise RulePackError(f"{where}：规则“{rid}”引用了“{tdef.title}”中不存在的列“{ref.column}”，"
                                f"可用：{'、'.join(tdef.column_keys)}。")
    return rule


ROW_KEYWORDS = ("all", "code", "code_or_total", "类", "款", "项")
_ROWS_IN_WORDS = {"all": "每一行", "code": "每个科目行", "code_or_total": "每个科目行及合计行", "类": "每个类级科目行",
                  "款": "每个款级科目行", "项": "每个项级科目行"}
_OPS_IN_WORDS = (("==", "＝"), ("!=", "≠"), ("<=", "≤"), (">=", "≥"))


def _explain(rule: Rule) -> str:
    """An expression rule in words: “收入决算表每个科目行及合计行：本年收入合计 ＝ 财政拨款收入 + …”."""
    text = " ".join(rule.expression.split())
    for op, word in _OPS_IN_WORDS:
        text = text.replace(f" {op} ", f" {word} ")
    if not rule.each_row:
        return f"核对：{text}"
    spec = rule.each_row
    rows = spec.get("rows", "all")
    scope = _ROWS_IN_WORDS.get(rows, "") if isinstance(rows, str) else "、".join(map(str, rows)) + "各行"
    scope = scope or f"{rows}行"
    tables = "、".join(BY_ID[t].title for t in (spec["table"], *spec.get("union", ())))
    return f"{tables}{scope}：{text}"


def _table_list(value, where: str) -> tuple[str, ...]:
    """``tables:``/``union:`` as one table id or a list of them."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(t, str) and t in BY_ID for t in items):
        raise RulePackError(f"{where}：表编号应为 {'、'.join(BY_ID)} 之一或其列表，实为“{value}”。")
    return tuple(items)


def builtin_pack(name: str) -> list[Rule]:
    return list(_builtin_pack(name))


@cache
def _builtin_pack(name: str) -> tuple[Rule, ...]:
    # Parsed once per process: batch validation calls this for every book.
    ref = resources.files("pytoolkit.rules") / "packs" / f"{name}.yaml"
    return tuple(load_pack(f"{name}.yaml", ref.read_text(encoding="utf-8"), builtin=True))


def finding_ids(include_user: bool = False) -> list[FindingId]:
    """The whole registry of the toolkit's finding ids (every built-in pack loaded), and with
    ``include_user`` the ids of the users' packs loaded in this process."""
    from . import years  # noqa: F401  (registers the year-to-year ids)

    for name in BUILTIN:
        _builtin_pack(name)
    return registered(include_user)


def merge(base: list[Rule], extra: list[Rule]) -> list[Rule]:
    """Rules of ``extra`` replace those of ``base`` with the same id and add the others."""
    by_id = {r.id: r for r in base}
    for r in extra:
        by_id[r.id] = r
    return list(by_id.values())


def packs_for(book: Book, edition: str | None = None) -> list[Rule]:
    """The built-in rules for the tables present: the nine-table edition adds T9's rules."""
    names = ["public"]
    if edition == "2019" or (edition is None and book.table("T9") is not None):
        names.append("t9")
    names.append("self_evaluation")
    rules: list[Rule] = []
    for n in names:
        rules = merge(rules, builtin_pack(n))
    return rules


def validate_book(book: Book, extra: list[Rule] | None = None, edition: str | None = None) -> list[Finding]:
    """All findings for ``book``: recognition, then every rule of the chosen packs."""
    rules = packs_for(book, edition)
    if extra:
        rules = merge(rules, extra)
    return run_rules(book, rules)
