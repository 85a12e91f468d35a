"""The built add-in: ribbon XML, VBA read back from vbaProject.bin with oletools, config, reproducibility."""

from __future__ import annotations

import configparser
import importlib
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import xlwings
import xmlschema

from pytoolkit.excel import XLWINGS_VERSION, build_addin, registration, ribbon

from .conftest import olevba

ADDIN = build_addin.REPO_ADDIN_DIR
SCHEMA = Path(__file__).parent / "data" / "customUI-minimal.xsd"
CUSTOM_UI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# ``r.entry()``, or ``r.entry('" & HexUtf16(path) & "')`` for a button that asks for a file first.
RUN_PYTHON = re.compile(r'RunPython "import ([\w.]+) as (\w+); \2\.(\w+)\((?:\)"|\'" & )')


def read_modules(xlam_bytes: bytes) -> dict[str, str]:
    """Module name → source text, as oletools reads it from the package's vbaProject.bin."""
    parser = olevba().VBA_Parser("pytoolkit.xlam", data=xlam_bytes)
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_all_macros()}
    finally:
        parser.close()


@pytest.fixture(scope="session")
def xlam_bytes(built) -> bytes:
    return built[ADDIN / build_addin.XLAM_NAME]


@pytest.fixture(scope="session")
def modules(xlam_bytes) -> dict[str, str]:
    return read_modules(xlam_bytes)


@pytest.fixture(scope="session")
def buttons(xlam) -> list[ET.Element]:
    root = ET.fromstring(xlam.read("customUI/customUI.xml"))
    return list(root.iter(f"{CUSTOM_UI_NS}button"))


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


# --- reproducibility ------------------------------------------------------------------------------------


def test_committed_files_match_a_rebuild(built):
    for path, data in built.items():
        assert path.exists(), f"{path} is missing: run python -m pytoolkit.excel.build_addin"
        assert path.read_bytes() == data, f"{path} is out of date: run python -m pytoolkit.excel.build_addin"


def test_build_is_deterministic(built):
    again = build_addin.outputs()
    assert again == built


def test_check_mode_reports_up_to_date(capsys):
    assert build_addin.main(["--check"]) == 0


def test_check_mode_reports_stale_files(tmp_path, capsys):
    (tmp_path / "src").mkdir()
    for source in (ADDIN / "src").iterdir():
        (tmp_path / "src" / source.name).write_bytes(source.read_bytes())
    assert build_addin.main(["--check", "--addin-dir", str(tmp_path)]) == 1
    assert "已过期" in capsys.readouterr().err
    assert build_addin.main(["--addin-dir", str(tmp_path)]) == 0
    assert (tmp_path / "pytoolkit.xlam").read_bytes() == (ADDIN / "pytoolkit.xlam").read_bytes()
    assert build_addin.main(["--check", "--addin-dir", str(tmp_path)]) == 0


def test_zip_metadata_is_fixed(xlam):
    for info in xlam.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_STORED
    assert xlam.namelist()[0] == "[Content_Types].xml"


# --- ribbon ------------------------------------------------------------------------------------------------


def test_custom_ui_validates_against_the_schema(xlam):
    schema = xmlschema.XMLSchema(SCHEMA)
    schema.validate(io.BytesIO(xlam.read("customUI/customUI.xml")))
    assert xlam.read("customUI/customUI.xml") == (ADDIN / "src" / "customUI.xml").read_bytes()


def test_schema_rejects_what_office_would_reject():
    schema = xmlschema.XMLSchema(SCHEMA)
    bad = (ADDIN / "src" / "customUI.xml").read_text(encoding="utf-8").replace('size="large"', 'size="huge"', 1)
    assert not schema.is_valid(bad)
    misspelt = (ADDIN / "src" / "customUI.xml").read_text(encoding="utf-8").replace("onAction=", "onaction=", 1)
    assert not schema.is_valid(misspelt)


def test_ribbon_tab_and_labels_are_chinese(xlam, buttons):
    root = ET.fromstring(xlam.read("customUI/customUI.xml"))
    (tab,) = root.iter(f"{CUSTOM_UI_NS}tab")
    assert tab.get("label") == "决算工具"
    assert [b.get("label") for b in buttons] == [entry.label for entry in ribbon.ENTRY_POINTS.values()]
    assert all(b.get("imageMso") and b.get("supertip") for b in buttons)


def test_every_on_action_has_a_vba_sub_read_back_from_the_project(buttons, modules):
    for button in buttons:
        module, sub = button.get("onAction").split(".")
        assert module in modules, module
        assert re.search(rf"^Public Sub {sub}\(control As IRibbonControl\)\r?$", modules[module], re.M), sub


def test_every_python_target_of_a_sub_is_importable_and_callable(buttons, modules):
    targets = []
    for button in buttons:
        module, sub = button.get("onAction").split(".")
        body = re.search(rf"^Public Sub {sub}\(.*?^End Sub", modules[module], re.M | re.S).group(0)
        (target,) = RUN_PYTHON.findall(body)
        targets.append(target)
    assert len(targets) == len(ribbon.ENTRY_POINTS)
    for module_name, _, function in targets:
        entry = getattr(importlib.import_module(module_name), function)
        assert callable(entry) and function in ribbon.ENTRY_POINTS


# --- VBA project -----------------------------------------------------------------------------------------


def test_each_module_read_back_equals_its_source(modules):
    sources = build_addin.read_sources()
    assert list(modules) == [m.name for m in sources.modules]
    for module in sources.modules:
        assert modules[module.name] == crlf(module.code), module.name  # proves the compressor


def test_committed_vba_sources_are_ascii():
    for path in (ADDIN / "src").glob("*.[bc][al][ss]"):
        path.read_bytes().decode("ascii")


def test_xlwings_module_is_the_installed_pinned_one(modules):
    installed = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text(encoding="ascii")
    ours = modules["xlwings"]
    assert ours == crlf(installed.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "pytoolkit"'))
    assert f'"xlwings64-{XLWINGS_VERSION}.dll"' in ours
    assert f'Public Const XLWINGS_VERSION As String = "{XLWINGS_VERSION}"' in ours


def test_version_pins_agree():
    assert xlwings.__version__ == XLWINGS_VERSION
    info = json.loads((ADDIN / build_addin.INFO_NAME).read_text(encoding="utf-8"))
    assert info["xlwings"] == XLWINGS_VERSION
    setup = configparser.ConfigParser()
    setup.read(Path(build_addin.REPO_ADDIN_DIR).parent / "setup.cfg", encoding="utf-8")
    assert f"xlwings=={XLWINGS_VERSION}" in setup["options"]["install_requires"].split()


def test_modules_match_xlwings_own_quickstart_add_in():
    # xlwings ships a ribbon add-in (source only, last saved by Excel): our Dictionary class, made
    # from the exported .cls, must carry the same attributes and code. Excel's editor normalises
    # the case of identifiers (err.Raise → Err.Raise), which VBA ignores, hence lower().
    quickstart = (Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam").read_bytes()
    theirs = crlf(read_modules(quickstart)["Dictionary"])
    ours = crlf(build_addin.dictionary_class())

    def attributes(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("Attribute ")]

    assert attributes(ours) == attributes(theirs)
    assert ours.lower() == theirs.lower()


def test_wrong_xlwings_version_refuses_to_build(monkeypatch):
    monkeypatch.setattr(xlwings, "__version__", "0.0.1")
    with pytest.raises(build_addin.BuildError, match="pinned to"):
        build_addin.xlwings_module()


def test_non_ascii_vba_is_refused(tmp_path):
    (tmp_path / "src").mkdir()
    for source in (ADDIN / "src").iterdir():
        (tmp_path / "src" / source.name).write_bytes(source.read_bytes())
    ribbon_bas = tmp_path / "src" / "PytoolkitRibbon.bas"
    ribbon_bas.write_text(ribbon_bas.read_text(encoding="ascii") + "' 校验\n", encoding="utf-8")
    with pytest.raises(ValueError, match="PytoolkitRibbon, line"):
        build_addin.read_sources(tmp_path)


# --- UDF wrappers and their help ---------------------------------------------------------------------------


def _describe_calls(vba: str) -> dict[str, list[str]]:
    joined = re.sub(r'"\s*&\s*_\n\s*"', "", vba).replace(" _\n", " ")
    calls = {}
    for line in joined.splitlines():
        if line.strip().startswith("Describe "):
            name, *texts = re.findall(r'"([^"]*)"', line)
            calls[name] = [bytes.fromhex(t).decode("utf-16-be") for t in texts]
    return calls


def test_udf_wrappers_and_help_are_in_the_project(modules, registered_udfs):
    vba = modules[build_addin.UDF_VBA_MODULE].replace("\r\n", "\n")
    assert vba == (ADDIN / "src" / f"{build_addin.UDF_VBA_MODULE}.bas").read_text(encoding="ascii")
    assert registration.wrapper_vba(registered_udfs).strip() in vba
    calls = _describe_calls(vba)
    registered = registration.registrations(registered_udfs)
    assert set(calls) == set(registered)
    for name, xlfunc in registered.items():
        description, *arguments = calls[name]
        assert description == registration.description(xlfunc)
        assert arguments == registration.argument_descriptions(xlfunc)
    (category,) = re.findall(r'category = U\("([0-9A-F]+)"\)', vba)
    assert bytes.fromhex(category).decode("utf-16-be") == "决算工具"


def test_workbook_open_registers_the_help(modules):
    assert re.search(
        r"Private Sub Workbook_Open\(\)\s+PytoolkitUdfs\.RegisterFunctionHelp\s+End Sub", modules["ThisWorkbook"]
    )


def test_vba_lines_fit_the_editor(modules):
    for name, code in modules.items():
        assert all(len(line) <= 1023 for line in code.splitlines()), name


# --- package ---------------------------------------------------------------------------------------------


def test_config_sheet_names_the_udf_module_and_leaves_the_interpreter_to_addin_install(xlam):
    strings = [si.findtext(f"{MAIN_NS}t") for si in ET.fromstring(xlam.read("xl/sharedStrings.xml"))]
    sheet = ET.fromstring(xlam.read("xl/worksheets/sheet1.xml"))
    rows = [[strings[int(c.findtext(f"{MAIN_NS}v"))] for c in row] for row in sheet.iter(f"{MAIN_NS}row")]
    assert rows == [["UDF MODULES", "pytoolkit.excel.udfs"]]
    workbook = ET.fromstring(xlam.read("xl/workbook.xml"))
    (sheet_entry,) = workbook.iter(f"{MAIN_NS}sheet")
    assert sheet_entry.get("name") == "pytoolkit.conf"  # xlwings looks for PROJECT_NAME & ".conf"


def test_document_modules_match_the_workbook_code_names(xlam, modules):
    workbook = ET.fromstring(xlam.read("xl/workbook.xml"))
    sheet = ET.fromstring(xlam.read("xl/worksheets/sheet1.xml"))
    assert workbook.find(f"{MAIN_NS}workbookPr").get("codeName") == "ThisWorkbook"
    assert sheet.find(f"{MAIN_NS}sheetPr").get("codeName") == "Sheet1"
    assert {"ThisWorkbook", "Sheet1"} <= set(modules)


def test_every_part_is_typed_and_every_relationship_resolves(xlam):
    names = set(xlam.namelist())
    types = ET.fromstring(xlam.read("[Content_Types].xml"))
    defaults = {d.get("Extension") for d in types if d.tag.endswith("Default")}
    overrides = {o.get("PartName").lstrip("/") for o in types if o.tag.endswith("Override")}
    assert overrides <= names
    assert all(name.rsplit(".", 1)[-1] in defaults or name in overrides for name in names)
    assert any("addin.macroEnabled.main" in o.get("ContentType", "") for o in types)
    for rels, base in (("_rels/.rels", ""), ("xl/_rels/workbook.xml.rels", "xl/")):
        for relationship in ET.fromstring(xlam.read(rels)):
            assert base + relationship.get("Target") in names
