"""Core layer: the user's alias file, extra wordings of a local form (YAML).

A county's own template may title a table, a column or a row in its own words. Instead of a new
release, the accountant writes them in an alias file: ``--aliases FILE``, or a file named
``决算表别名.yaml`` beside the workbook (found automatically). The file is checked when it is
loaded: every mistake is reported in Chinese with the file and line, and nothing is guessed.

Format (every part optional)::

    T2:                       # a table: its id (T1…T9, PE, PP) or its standard title
      表名: [收入决算总表（县级）]
      列:                      # standard column → the local wordings
        财政拨款收入: [财政补助收入]
      行:                      # standard row key (or a 科目编码) → the local wordings
        本年收入合计: [收入合计数]
    功能分类类名:              # a 功能分类 类 named in the local way → its 3-digit code
      政法支出: "204"
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import PytoolkitError
from . import codes
from .catalog import ALL_TABLES, CODED, Aliases, normalise_label

BESIDE_NAME = "决算表别名.yaml"
_TABLE_KEYS = {"表名": "titles", "列": "columns", "行": "rows"}
_CLASS_KEY = "功能分类类名"


class AliasFileError(PytoolkitError):
    """The alias file cannot be used; the message names the file and line."""


def beside(workbook: str | Path) -> Path | None:
    """The alias file next to ``workbook``, if there is one."""
    p = Path(workbook).parent / BESIDE_NAME
    return p if p.is_file() else None


def load(path: str | Path) -> Aliases:
    """Read and check an alias file; raises ``AliasFileError`` naming the file and line."""
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AliasFileError(f"找不到别名文件：{path}") from None
    except UnicodeDecodeError:
        raise AliasFileError(f"别名文件{name}不是UTF-8编码的文本，请另存为UTF-8后再试。") from None
    except OSError as exc:
        raise AliasFileError(f"无法读取别名文件{name}：{exc}") from exc
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        # where the broken construct began (an unclosed “[”), else where the parser gave up
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行" if mark else ""
        problem = getattr(exc, "problem", exc)
        raise AliasFileError(f"别名文件{name}{where}格式错误（不是有效的YAML）：{problem}") from None
    if root is None:
        return Aliases(source=str(path))
    by_id = {t.id: t for t in ALL_TABLES}
    by_title = {normalise_label(t.title): t for t in ALL_TABLES}
    titles: dict = {}
    columns: dict = {}
    rows: dict = {}
    classes: dict = {}

    def fail(node, message: str):
        raise AliasFileError(f"别名文件{name}第{node.start_mark.line + 1}行：{message}")

    def mapping(node, what: str):
        if not isinstance(node, yaml.MappingNode):
            fail(node, f"{what}应是“名称: 内容”的映射。")
        return node.value

    def words(node, what: str) -> tuple[str, ...]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out = []
        for item in items:
            if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
                fail(item, f"{what}应是文字或文字列表，如 [收入合计数]。")
            out.append(str(item.value).strip())
        return tuple(out)

    for key_node, value_node in mapping(root, "别名文件"):
        key = str(key_node.value).strip()
        if key == _CLASS_KEY:
            for name_node, code_node in mapping(value_node, _CLASS_KEY):
                code = str(code_node.value).strip()
                if not (isinstance(code_node, yaml.ScalarNode) and codes.is_code(code) and len(code) == 3):
                    fail(code_node, f"“{name_node.value}”的功能分类类编码应为3位数字（如\"201\"），实为“{code}”。")
                classes[str(name_node.value).strip()] = code
            continue
        tdef = by_id.get(key.upper()) or by_title.get(normalise_label(key))
        if tdef is None:
            known = "、".join(t.id for t in ALL_TABLES)
            fail(key_node, f"“{key}”不是已知的表（应为表号 {known}，或标准表名，或“{_CLASS_KEY}”）。")
        for part_node, content in mapping(value_node, f"“{key}”的内容"):
            part = str(part_node.value).strip()
            if part not in _TABLE_KEYS:
                fail(part_node, f"“{key}”下的“{part}”无法识别（可用：表名、列、行）。")
            if part == "表名":
                titles[tdef.id] = (*titles.get(tdef.id, ()), *words(content, "表名"))
                continue
            target = columns if part == "列" else rows
            known_keys = tdef.column_keys if part == "列" else (
                *(r.key for r in tdef.rows), *(("合计",) if tdef.kind == CODED else ()))
            for std_node, wording in mapping(content, f"“{key}”的{part}"):
                std = str(std_node.value).strip()
                if std not in known_keys and not (part == "行" and codes.is_code(std)):
                    listed = "、".join(known_keys) or "科目编码"
                    fail(std_node, f"“{tdef.title}”没有标准{part}“{std}”（可用：{listed}）。")
                target.setdefault(tdef.id, {})[std] = (*target.get(tdef.id, {}).get(std, ()),
                                                       *words(wording, f"“{std}”的写法"))
    return Aliases(titles=titles, columns=columns, rows=rows, classes=classes, source=str(path))
