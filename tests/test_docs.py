"""docs/ is the maintainer's reference: its examples run, its lists are in step with the code, and
nothing in the repository cites a document that is not in it."""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import pytoolkit
from pytoolkit.findings import json_schema

ROOT = Path(pytoolkit.__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MAINTAINER_DOCS = ("architecture.md", "rules.md", "json.md", "api.md")


@pytest.mark.parametrize("name", MAINTAINER_DOCS)
def test_the_doc_is_there(name):
    text = (DOCS / name).read_text(encoding="utf-8")
    assert len(text) > 2000 and re.search(r"[\u4e00-\u9fff]", text)


def test_api_examples_run(tmp_path, monkeypatch):
    """docs/api.md's examples, as doctest, in an empty folder."""
    monkeypatch.chdir(tmp_path)
    result = doctest.testfile(str(DOCS / "api.md"), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE,
                              encoding="utf-8", verbose=False, report=True)
    assert result.attempted > 25 and result.failed == 0


def _json_blocks(name: str) -> list[dict]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)]


def test_json_examples_follow_the_schema():
    validator = Draft202012Validator(json_schema())
    blocks = _json_blocks("json.md")
    assert len(blocks) == 3
    for doc in blocks:
        assert [e.message for e in validator.iter_errors(doc)] == []


def test_json_doc_names_every_field_of_the_schema():
    text = (DOCS / "json.md").read_text(encoding="utf-8")
    defs = json_schema()["$defs"]
    for part in ("envelope", "finding", "input"):
        for field in defs[part]["properties"]:
            assert f"`{field}`" in text, (part, field)


def test_rules_doc_lists_every_built_in_rule():
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    from pytoolkit.rules.loader import BUILTIN, builtin_pack

    listed = set(re.findall(r"^\| `([^`]+)` \|", text, re.M))
    built_in = {r.id for name in BUILTIN for r in builtin_pack(name)}
    assert listed == built_in


# A link to a document other work adds (the recogniser's layout variants); every other relative
# link must resolve.
PENDING_LINKS = {"layouts.md"}


@pytest.mark.parametrize("name", MAINTAINER_DOCS)
def test_relative_links_resolve(name):
    text = (DOCS / name).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if "://" in target or target in PENDING_LINKS:
            continue
        assert (DOCS / target).exists(), target


# -- nothing cites a document outside the repository ---------------------------------------------
# The design notes and the domain reference the project was started from are not in the
# repository: a comment must cite docs/ (or the public source itself), and no file names a path
# of the machine it was written on.
OUTSIDE = re.compile(r"RULES(?:\.md)?\s*§|RULES\.md|DESIGN\.md|DESIGN\s*[\"“:]|NOTES-excel|\bNOTES:|see NOTES|"
                     r"/work/|shared/(?:seed|domain)|domain/RULES")
def _project_files() -> list[Path]:
    out = []
    for folder in ("pytoolkit", "tests", "bench", "docs", "addin"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".yaml", ".md", ".txt", ".bas", ".cfg", ".toml", ".json", ".xml") and \
                    path.is_file() and path != Path(__file__).resolve() and "__pycache__" not in path.parts:
                out.append(path)
    return [*out, ROOT / "README.md", ROOT / "setup.cfg", ROOT / "pyproject.toml"]


def test_no_file_cites_a_document_outside_the_repository():
    offenders = []
    for path in _project_files():
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()[:100]}")
    assert offenders == []


def test_citations_of_docs_name_their_sections():
    """“docs/architecture.md “Numbers”” and “docs/rules.md §4” point at a heading that exists."""
    headings = {name: (DOCS / name).read_text(encoding="utf-8") for name in MAINTAINER_DOCS}
    for path in _project_files():
        text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
        for name, title in re.findall(r"docs/([a-z]+\.md) “([^”]+)”", text):
            assert re.search(rf"^#+ {re.escape(title)}$", headings[name], re.M), (path.name, name, title)
        for name, section in re.findall(r"docs/([a-z]+\.md) (§\d)", text):
            assert re.search(rf"^#+ {section} ", headings[name], re.M), (path.name, name, section)


def test_the_citation_check_sees_a_citation():
    assert OUTSIDE.search("money is exact (DESIGN \"Numbers\")")
    assert OUTSIDE.search("see RULES.md §4") and OUTSIDE.search("(RULES §3)")
    assert OUTSIDE.search('Path("/work/shared/seed/x.txt")')
    assert not OUTSIDE.search("docs/rules.md §4") and not OUTSIDE.search("_COMMON_NOTES = (")
