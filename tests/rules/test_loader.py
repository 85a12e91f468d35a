"""User rule packs: adding, replacing and switching off rules; malformed packs; crashing rules;
the expression parser on arbitrary text."""

from __future__ import annotations

import textwrap
from contextlib import suppress

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytoolkit.errors import RulePackError
from pytoolkit.findings import Severity
from pytoolkit.rules import expr, load_pack, validate_book
from pytoolkit.rules.loader import builtin_pack

# A valid first rule (lines 2-5), so that a broken second rule sits on line 6, not 2.
HEAD = """\
rules:
  - id: U.ok
    title: 三公经费决算数不应超过预算数
    severity: warning
    check: T7[决算数].合计 <= T7[预算数].合计
  - id: U.bad
"""
BAD_LINE = 6


def write_pack(tmp_path, text: str, name: str = "user.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def by_rule(findings, rule_id):
    return [f for f in findings if f.rule == rule_id]


# -- user packs ---------------------------------------------------------------------------------


def test_user_pack_adds_a_rule(tmp_path, make_book):
    pack = write_pack(tmp_path, """\
        rules:
          - id: U.sangong_up
            title: 三公经费应不低于上年
            severity: warning
            check: T7[决算数].合计 >= T7[上年决算数].合计
            message: 决算{actual}万元，上年{expected}万元，相差{diff}万元
        """)
    rules = load_pack(pack)
    assert [(r.id, r.severity, r.tables) for r in rules] == [("U.sangong_up", Severity.WARNING, ("T7",))]
    assert rules[0].source == f"{pack}:2"
    findings = validate_book(make_book(), extra=rules)
    (finding,) = findings  # the clean book breaks no built-in rule
    assert finding.rule == "U.sangong_up" and finding.severity is Severity.WARNING
    assert finding.message == "三公经费应不低于上年：决算2.10万元，上年2.35万元，相差-0.25万元"


def test_user_pack_replaces_a_builtin_rule_by_id(tmp_path, make_book):
    assert {r.id: r.severity for r in builtin_pack("public")}["X.T5_T1_general"] is Severity.WARNING
    pack = write_pack(tmp_path, """\
        rules:
          - id: X.T5_T1_general
            title: 一般公共预算财政拨款支出合计不得大于本年支出合计
            severity: error
            check: T5[合计].合计 <= T1[本年支出合计].决算数
        """)
    book = make_book(edits={("T5", "合计", "合计"): "135.48"})
    assert [f.severity for f in by_rule(validate_book(book), "X.T5_T1_general")] == [Severity.WARNING]
    replaced = by_rule(validate_book(book, extra=load_pack(pack)), "X.T5_T1_general")
    assert [f.severity for f in replaced] == [Severity.ERROR]  # replaced, not added beside it
    assert replaced[0].message.startswith("一般公共预算财政拨款支出合计不得大于本年支出合计：")


def test_user_pack_switches_a_rule_off(tmp_path, make_book):
    pack = write_pack(tmp_path, """\
        rules:
          - id: T1.balance
            enabled: false
        """)
    (rule,) = load_pack(pack)
    assert rule.id == "T1.balance" and rule.enabled is False
    book = make_book(edits={("T1", "收入总计", "决算数"): "153.46"})
    assert by_rule(validate_book(book), "T1.balance")
    findings = validate_book(book, extra=[rule])
    assert by_rule(findings, "T1.balance") == []
    assert by_rule(findings, "T1.income_grand_total")  # the other rules still run


# -- malformed packs: RulePackError naming the file and the line ----------------------------


TITLE = "    title: 坏规则\n"
CHECK = "    check: T1[收入总计].决算数 == 0\n"
MALFORMED = {  # case: (the rest of rule U.bad, the line named, a word the message must contain)
    "missing title": ("    severity: error\n" + CHECK, BAD_LINE, "title"),
    "bad severity": (TITLE + "    severity: fatal\n" + CHECK, BAD_LINE, "severity"),
    "unknown function": (TITLE + "    function: no_such_check\n", BAD_LINE, "no_such_check"),
    "syntax error": (TITLE + "    check: T1[收入总计].决算数 == == 0\n", BAD_LINE, "语法错误"),
    "not a comparison": (TITLE + "    check: T1[收入总计].决算数 + 1\n", BAD_LINE, "比较"),
    "neither check nor function": (TITLE, BAD_LINE, "check"),
    "unknown key": (TITLE + "    chek: T1[收入总计].决算数 == 0\n", BAD_LINE, "chek"),
    "current row without each_row": (TITLE + "    check: 合计 == 基本支出 + 项目支出\n", BAD_LINE, "each_row"),
    "current row @ without each_row": (TITLE + "    check: T5[@].合计 <= T3[@].本年支出合计\n", BAD_LINE, "each_row"),
    "bad each_row": (TITLE + "    each_row: [T3]\n    check: 合计 == 基本支出\n", BAD_LINE, "each_row"),
    "duplicate id": (TITLE + CHECK + "  - id: U.ok\n" + TITLE + CHECK, 9, "U.ok"),
    "template attribute": (TITLE + CHECK + "    message: '{actual.__class__}'\n", BAD_LINE, "actual.__class__"),
    "template index": (TITLE + CHECK + "    message: '{actual[0]}'\n", BAD_LINE, "actual[0]"),
    "template unknown name": (TITLE + CHECK + "    message: '{__import__}'\n", BAD_LINE, "__import__"),
    "template positional": (TITLE + CHECK + "    message: '相差{0}'\n", BAD_LINE, "{0}"),
    "template syntax": (TITLE + CHECK + "    message: '相差{diff'\n", BAD_LINE, "}"),
    "bad YAML (unclosed quote)": ('    title: "坏规则\n' + CHECK, 9, "YAML"),
    "bad YAML (tab)": (TITLE + "\t" + CHECK.lstrip(), 8, "YAML"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_pack_names_file_and_line(tmp_path, case):
    body, line, words = MALFORMED[case]
    path = write_pack(tmp_path, HEAD + body)
    with pytest.raises(RulePackError) as info:
        load_pack(path)
    message = str(info.value)
    assert str(path) in message
    assert f"第{line}行" in message
    assert words in message


@pytest.mark.parametrize("text", ["", "rules: 5\n", "- id: U.a\n", "rules:\n  - just a string\n"])
def test_pack_without_a_rule_list_names_the_file(tmp_path, text):
    path = write_pack(tmp_path, text)
    with pytest.raises(RulePackError, match=str(path)):
        load_pack(path)


def test_unreadable_pack_names_the_file(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(RulePackError, match="missing.yaml"):
        load_pack(path)


def test_non_mapping_args_is_a_pack_error(tmp_path):
    path = write_pack(tmp_path, HEAD + "    title: 坏规则\n    function: code_hierarchy\n    args: 5\n")
    with pytest.raises(RulePackError, match=f"第{BAD_LINE}行"):
        load_pack(path)


def test_template_field_nested_in_format_spec_is_rejected(tmp_path):
    path = write_pack(tmp_path, HEAD + "    title: 坏规则\n    check: T1[收入总计].决算数 == 0\n"
                                       "    message: '{actual:{row.__class__}}'\n")
    with pytest.raises(RulePackError, match=f"第{BAD_LINE}行"):
        load_pack(path)


def test_scalar_tables_is_one_table_or_a_pack_error(tmp_path, make_book):
    path = write_pack(tmp_path, """\
        rules:
          - id: U.t7
            title: 三公经费决算数应为零
            tables: T7
            check: T7[决算数].合计 == 0
        """)
    try:
        rules = load_pack(path)
    except RulePackError:
        return
    assert by_rule(validate_book(make_book(), extra=rules), "U.t7")


def test_each_row_rows_as_a_string_selects_that_row_only(tmp_path, make_book):
    path = write_pack(tmp_path, """\
        rules:
          - id: U.row
            title: 该科目支出应为零
            each_row: {table: T3, rows: '2010350'}
            check: 本年支出合计 == 0
        """)
    try:
        rules = load_pack(path)
    except RulePackError:
        return
    hits = by_rule(validate_book(make_book(), extra=rules), "U.row")
    assert [f.message.split("［")[1].split("］")[0] for f in hits] == ["事业运行"]


# -- a rule that crashes at run time --------------------------------------------------------


def test_crashing_rule_becomes_an_error_finding_and_the_run_goes_on(tmp_path, make_book):
    pack = write_pack(tmp_path, """\
        rules:
          - id: U.multi
            title: 多行引用不在sum中
            check: T3[类].本年支出合计 == T3[合计].本年支出合计
          - id: U.bad_args
            title: 参数错误
            function: code_hierarchy
            args: {table: T3, level: 2}
          - id: U.after
            title: 三公经费应不低于上年
            severity: warning
            check: T7[决算数].合计 >= T7[上年决算数].合计
        """)
    book = make_book(edits={("T1", "收入总计", "决算数"): "153.46"})
    findings = validate_book(book, extra=load_pack(pack))
    crashes = {f.rule: f for f in findings if "执行出错" in f.message}
    assert set(crashes) == {"U.multi", "U.bad_args"}
    assert crashes["U.multi"].severity is Severity.ERROR
    assert f"{pack}:2" in crashes["U.multi"].message
    assert f"{pack}:5" in crashes["U.bad_args"].message
    assert crashes["U.multi"].location.file == book.path.name
    assert by_rule(findings, "U.after")  # rules after the crash ran
    assert by_rule(findings, "T1.balance") and by_rule(findings, "T1.income_grand_total")


# -- the expression parser on arbitrary text ------------------------------------------------


TOKENS = ["T1", "T3", "T5", "PE", "[", "]", "[@]", "[类]", "[款]", "[201*]", "[合计]", ".", ",", "(", ")", "+", "-",
          "*", "/", "==", "<=", ">=", "!=", "<", ">", "=", "!", "@", '"', '"因公出国(境)费"', "sum(", "abs(", "min(",
          "max(", "sum", "决算数", "合计", "基本支出", "201", "2010301", "0.01", "1.", ".5", "1e3", " ", "\t", "\n",
          "类", "*", "\\", "'", "{", "}", "#", "\u3000", "（", "）", "＝"]
EXPRESSIONS = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(TOKENS), max_size=30).map("".join),
)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_parse_never_crashes_nor_hangs(no_hang, text):
    with no_hang(5):
        try:
            ast = expr.parse(text)
        except expr.ExpressionError as exc:
            assert str(exc)
            return
    assert isinstance(ast, expr.Num | expr.Ref | expr.BinOp | expr.Neg | expr.Call | expr.Compare)
    expr.refs(ast)


@pytest.mark.parametrize("text", ["T1[本年收入合计].决算数 == sum(T1[一般公共预算财政拨款收入, 上级补助收入].决算数)",
                                  "sum(T3[类].本年支出合计) == T3[合计].本年支出合计",
                                  'T7[决算数]."因公出国(境)费" <= T5[@].基本支出 - -1 * 2 / 3'])
def test_parse_accepts_the_documented_forms(text):
    assert isinstance(expr.parse(text), expr.Compare)


@pytest.mark.parametrize("text", ["-" * 2000 + "1 == 1", "abs(" * 1000 + "1" + ")" * 1000 + " == 1"],
                         ids=["unary-minus", "calls"])
def test_parse_deep_nesting_is_an_expression_error(text):
    with suppress(expr.ExpressionError):
        expr.parse(text)
