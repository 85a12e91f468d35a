"""Excel adapter layer (build time): build ``addin/pytoolkit.xlam`` from the text sources, without Excel.

    python -m pytoolkit.excel.build_addin           # write the add-in and its generated files
    python -m pytoolkit.excel.build_addin --check   # exit 1 if any of them is out of date

Inputs (all text):

- ``addin/src/customUI.xml``: the 决算工具 ribbon tab;
- ``addin/src/PytoolkitRibbon.bas``, ``ThisWorkbook.cls``, ``Sheet1.cls``: VBA as VBA stores it
  (Attribute lines first; ASCII, since the project is code page 1252);
- ``pytoolkit.excel.udfs``: the UDFs, whose VBA wrappers are generated into
  ``addin/src/PytoolkitUdfs.bas`` by xlwings' own generator (see ``registration``), with a
  ``RegisterFunctionHelp`` Sub that gives Excel's function wizard the Chinese descriptions;
- the installed xlwings (pinned to ``XLWINGS_VERSION``): its ``xlwings_custom_addin.bas`` with
  PROJECT_NAME set to "pytoolkit", and its Mac ``Dictionary`` class, as in xlwings' own
  quickstart add-in.

Outputs: ``addin/pytoolkit.xlam`` (an Office Open XML package: workbook with one hidden config
sheet ``pytoolkit.conf``, ``customUI/customUI.xml``, ``xl/vbaProject.bin`` written by ``ovba`` and
``cfb``), ``addin/src/PytoolkitUdfs.bas`` and ``addin/build-info.json`` (pinned xlwings version and
checksums), and copies of the .xlam and build-info in ``pytoolkit/excel/addin/``, the package data
that ships in the wheel. The zip is stored uncompressed with fixed timestamps, so the same inputs give the
same bytes on every machine; a test rebuilds and compares.

The config sheet sets only ``UDF MODULES``. INTERPRETER_WIN is deliberately absent: an empty
entry there would hide the one that ``pytoolkit addin install`` writes to
``%USERPROFILE%\\.pytoolkit\\pytoolkit.conf`` (xlwings reads the sheet first).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import xlwings

from pytoolkit.excel import XLWINGS_VERSION, cfb, ovba, registration
from pytoolkit.excel.ovba import Module, ModuleKind

PROJECT_NAME = "pytoolkit"
# Fixed, so that rebuilding gives the same PROJECT stream: uuid5 of the project's name.
PROJECT_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "pytoolkit/addin/vbaProject")).upper() + "}"
UDF_VBA_MODULE = "PytoolkitUdfs"
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
CONFIG = {"UDF MODULES": registration.UDF_MODULE}
REPO_ADDIN_DIR = Path(__file__).resolve().parents[2] / "addin"
# The copy that ships in the wheel (setup.cfg package_data), found by `pytoolkit addin path`.
PACKAGE_ADDIN_DIR = Path(__file__).resolve().parent / "addin"
XLAM_NAME = "pytoolkit.xlam"
INFO_NAME = "build-info.json"
# 1980-01-01, the zip format's earliest date: no build time leaks into the file.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_VBA_LINE_MAX = 1023
_HEX_PER_LINE = 600


class BuildError(Exception):
    """The add-in cannot be built from these inputs (wrong xlwings, bad VBA source, ...)."""


@dataclass(frozen=True)
class Sources:
    """Everything the add-in is made of, read and generated, before packaging."""

    custom_ui: bytes
    modules: tuple[Module, ...]
    udf_vba: str


# ---------------------------------------------------------------------------------------------
# VBA sources


def _xlwings_dir() -> Path:
    if xlwings.__version__ != XLWINGS_VERSION:
        raise BuildError(
            f"installed xlwings is {xlwings.__version__}, the add-in is pinned to {XLWINGS_VERSION}: "
            "its VBA names xlwings64-<version>.dll, so both must match (pip install xlwings=="
            f"{XLWINGS_VERSION})"
        )
    return Path(xlwings.__file__).parent


def xlwings_module() -> str:
    """xlwings' VBA module for custom add-ins, with this add-in's PROJECT_NAME (its config names)."""
    text = (_xlwings_dir() / "xlwings_custom_addin.bas").read_text(encoding="ascii")
    constant = 'Public Const PROJECT_NAME As String = "myaddin"'
    if text.count(constant) != 1:
        raise BuildError(f"xlwings_custom_addin.bas no longer has exactly one line {constant!r}")
    return text.replace(constant, f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"')


def dictionary_class() -> str:
    """xlwings' Dictionary class (used by its VBA on Mac) as VBA stores a class module.

    An exported .cls starts with a VERSION/BEGIN...END block that VBA does not store; the stored
    text carries instead the class attributes that the export leaves implicit.
    """
    lines = (_xlwings_dir() / "addin" / "Dictionary.cls").read_text(encoding="ascii").splitlines()
    end = lines.index("END")
    stored = []
    for line in lines[end + 1 :]:
        stored.append(line)
        if line.startswith("Attribute VB_Name "):
            stored.append('Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"')
        elif line.startswith("Attribute VB_Exposed "):
            stored += ["Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False"]
    return "\n".join(stored) + "\n"


def _hex(text: str) -> str:
    """UTF-16 code units as hex: Chinese text inside an ASCII-only VBA module (decoded by U)."""
    return text.encode("utf-16-be").hex().upper()


def _vba_string(text: str, indent: str) -> str:
    """A hex-encoded string literal, split over continued lines that stay short."""
    codes = _hex(text)
    pieces = [codes[i : i + _HEX_PER_LINE] for i in range(0, len(codes), _HEX_PER_LINE)] or [""]
    return f" & _\n{indent}".join(f'"{piece}"' for piece in pieces)


def udf_module() -> str:
    """The generated VBA module: xlwings' UDF wrappers plus the function wizard's Chinese help."""
    module = registration.registered_module()
    registered = registration.registrations(module)
    indent = " " * 8
    calls = []
    for name, xlfunc in registered.items():
        docs = registration.argument_descriptions(xlfunc)
        arguments = ", _\n".join(f"{indent}    {_vba_string(doc, indent + '    ')}" for doc in docs)
        calls.append(
            f'    Describe "{name}", category, _\n'
            f"{indent}{_vba_string(registration.description(xlfunc), indent)}, _\n"
            f"{indent}Array( _\n{arguments})"
        )
    categories = {xlfunc["category"] for xlfunc in registered.values()}
    if len(categories) != 1:
        raise BuildError(f"every UDF should have the same category, found {sorted(categories)}")
    lines = [
        f'Attribute VB_Name = "{UDF_VBA_MODULE}"',
        "' Generated by python -m pytoolkit.excel.build_addin from pytoolkit.excel.udfs: do not edit.",
        "' The wrappers are those xlwings' Import Functions writes, so users need not run it.",
        "' RegisterFunctionHelp gives Excel's function wizard the Chinese descriptions; the project",
        "' is code page 1252, so that text is written as UTF-16 code units in hex, decoded by U.",
        """#Const App = "Microsoft Excel" 'Adjust when using outside of Excel""",
        registration.wrapper_vba(module).rstrip("\n"),
        "",
        "Public Sub RegisterFunctionHelp()",
        "    ' Called by Workbook_Open. A failure must not stop the add-in from loading.",
        "    Dim category As String",
        "    On Error Resume Next",
        f"    category = U({_vba_string(categories.pop(), indent)})",
        *calls,
        "    ThisWorkbook.Saved = True",
        "End Sub",
        "",
        "Private Sub Describe(ByVal functionName As String, ByVal category As String, _",
        "        ByVal codes As String, ByVal argumentCodes As Variant)",
        "    Dim i As Long",
        "    Dim texts() As String",
        "    ReDim texts(LBound(argumentCodes) To UBound(argumentCodes))",
        "    For i = LBound(argumentCodes) To UBound(argumentCodes)",
        "        texts(i) = U(CStr(argumentCodes(i)))",
        "    Next i",
        '    Application.MacroOptions Macro:="\'" & ThisWorkbook.Name & "\'!" & functionName, _',
        "        Description:=U(codes), Category:=category, ArgumentDescriptions:=texts",
        "End Sub",
        "",
        "Private Function U(ByVal codes As String) As String",
        "    Dim i As Long, j As Long, unit As Long",
        "    For i = 1 To Len(codes) Step 4",
        "        unit = 0",
        "        For j = i To i + 3",
        '            unit = unit * 16 + InStr(1, "0123456789ABCDEF", Mid$(codes, j, 1)) - 1',
        "        Next j",
        "        U = U & ChrW$(unit)",
        "    Next i",
        "End Function",
    ]
    return "\n".join(lines).replace("\r\n", "\n") + "\n"


def _check_vba(module: Module) -> None:
    module.stored()  # raises on text outside code page 1252
    first = module.code.splitlines()[0] if module.code else ""
    if first != f'Attribute VB_Name = "{module.name}"':
        raise BuildError(f'VBA module {module.name}: the first line must be Attribute VB_Name = "{module.name}"')
    for number, line in enumerate(module.code.splitlines(), 1):
        if len(line) > _VBA_LINE_MAX:
            raise BuildError(f"VBA module {module.name}, line {number}: longer than {_VBA_LINE_MAX} characters")
    logical = re.split(r"(?<! _)\n", module.code)
    if any(statement.count(" _\n") > 24 for statement in logical):
        raise BuildError(f"VBA module {module.name}: a statement has more than 24 line continuations")


def read_sources(addin_dir: Path = REPO_ADDIN_DIR) -> Sources:
    src = addin_dir / "src"

    def text(name: str) -> str:
        return (src / name).read_text(encoding="utf-8")

    udf_vba = udf_module()
    modules = (
        Module("ThisWorkbook", ModuleKind.DOCUMENT, text("ThisWorkbook.cls")),
        Module("Sheet1", ModuleKind.DOCUMENT, text("Sheet1.cls")),
        Module("PytoolkitRibbon", ModuleKind.STANDARD, text("PytoolkitRibbon.bas")),
        Module(UDF_VBA_MODULE, ModuleKind.STANDARD, udf_vba),
        Module("xlwings", ModuleKind.STANDARD, xlwings_module()),
        Module("Dictionary", ModuleKind.CLASS, dictionary_class()),
    )
    for module in modules:
        _check_vba(module)
    return Sources((src / "customUI.xml").read_bytes(), modules, udf_vba)


def vba_project(modules: tuple[Module, ...]) -> bytes:
    streams = ovba.project_streams(PROJECT_NAME, PROJECT_ID, list(modules), [ovba.STDOLE, ovba.OFFICE])
    return cfb.compound_file(streams)


# ---------------------------------------------------------------------------------------------
# The package

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _relationships(*targets: tuple[str, str, str]) -> str:
    rows = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in targets)
    return f'{_XML}<Relationships xmlns="{_PR}">{rows}</Relationships>'


def _config_sheet(strings: list[str]) -> str:
    rows = []
    for number, (key, value) in enumerate(CONFIG.items(), 1):
        cells = "".join(
            f'<c r="{column}{number}" t="s"><v>{strings.index(text)}</v></c>'
            for column, text in (("A", key), ("B", value))
        )
        rows.append(f'<row r="{number}">{cells}</row>')
    return (
        f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_R}"><sheetPr codeName="Sheet1"/>'
        f'<dimension ref="A1:B{len(CONFIG)}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="2" width="30" customWidth="1"/></cols>'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


def package_parts(custom_ui: bytes, vba_bin: bytes) -> list[tuple[str, bytes]]:
    """The parts of the .xlam, in the order they are written."""
    strings = [text for pair in CONFIG.items() for text in pair]
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    parts = {
        "[Content_Types].xml": (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": _relationships(
            ("rId1", f"{_RT}/officeDocument", "xl/workbook.xml"),
            ("rId2", f"{_PR}/metadata/core-properties", "docProps/core.xml"),
            ("rId3", f"{_RT}/extended-properties", "docProps/app.xml"),
            # The 2006 relationship goes with the 2006/01/customui namespace (Office 2007 and later).
            (
                "rId4",
                "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
                "customUI/customUI.xml",
            ),
        ),
        "docProps/core.xml": (
            f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>决算工具</dc:title>'
            "<dc:creator>pytoolkit</dc:creator></cp:coreProperties>"
        ),
        "docProps/app.xml": (
            f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>Microsoft Excel</Application></Properties>"
        ),
        "xl/workbook.xml": (
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_R}"><workbookPr codeName="ThisWorkbook"/>'
            '<bookViews><workbookView visibility="hidden"/></bookViews>'
            f'<sheets><sheet name="{CONFIG_SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": _relationships(
            ("rId1", f"{_RT}/worksheet", "worksheets/sheet1.xml"),
            ("rId2", f"{_RT}/styles", "styles.xml"),
            ("rId3", f"{_RT}/sharedStrings", "sharedStrings.xml"),
            ("rId4", "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin"),
        ),
        "xl/worksheets/sheet1.xml": _config_sheet(strings),
        "xl/sharedStrings.xml": (
            f'{_XML}<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>'
        ),
        "xl/styles.xml": (
            f'{_XML}<styleSheet xmlns="{_MAIN}">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
    }
    encoded = [(name, text.encode("utf-8")) for name, text in parts.items()]
    return [*encoded, ("customUI/customUI.xml", custom_ui), ("xl/vbaProject.bin", vba_bin)]


def zip_parts(parts: list[tuple[str, bytes]]) -> bytes:
    """A zip with fixed metadata: stored (no deflate, whose output varies with zlib builds)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.create_system = 0
            info.external_attr = 0
            archive.writestr(info, data, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def build_xlam(sources: Sources) -> bytes:
    return zip_parts(package_parts(sources.custom_ui, vba_project(sources.modules)))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def outputs(addin_dir: Path = REPO_ADDIN_DIR, package_dir: Path | None = None) -> dict[Path, bytes]:
    """Every file the build writes, with its content.

    ``addin/`` is the source of truth; the add-in and its build-info are copied into
    ``package_dir`` (by default ``PACKAGE_ADDIN_DIR`` when building the repository's add-in), the
    package data that ``pip install`` puts on the user's machine.
    """
    if package_dir is None and Path(addin_dir).resolve() == REPO_ADDIN_DIR:
        package_dir = PACKAGE_ADDIN_DIR
    sources = read_sources(addin_dir)
    xlam = build_xlam(sources)
    info = {
        "xlwings": XLWINGS_VERSION,
        "udf_module": registration.UDF_MODULE,
        "project": PROJECT_NAME,
        "config_sheet": {"name": CONFIG_SHEET, **CONFIG},
        "xlam_sha256": _sha256(xlam),
        "vba_modules_sha256": {m.name: _sha256(m.stored()) for m in sources.modules},
    }
    info_bytes = (json.dumps(info, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    files = {
        addin_dir / XLAM_NAME: xlam,
        addin_dir / "src" / f"{UDF_VBA_MODULE}.bas": sources.udf_vba.encode("ascii"),
        addin_dir / INFO_NAME: info_bytes,
    }
    if package_dir is not None:
        files[package_dir / XLAM_NAME] = xlam
        files[package_dir / INFO_NAME] = info_bytes
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytoolkit.excel.build_addin",
        description="从 addin/src 的文本源文件生成 Excel 加载项 pytoolkit.xlam（不需要 Excel）。",
    )
    parser.add_argument("--addin-dir", type=Path, default=REPO_ADDIN_DIR, help="addin 目录（默认为仓库中的 addin/）")
    parser.add_argument("--check", action="store_true", help="只检查生成的文件是否为最新，不写文件；过期时退出码为1")
    args = parser.parse_args(argv)
    try:
        files = outputs(args.addin_dir)
    except (BuildError, ValueError, OSError) as error:
        print(f"无法生成加载项：{error}", file=sys.stderr)
        return 2
    stale = [path for path, data in files.items() if not path.exists() or path.read_bytes() != data]
    if args.check:
        for path in stale:
            print(f"已过期：{path}（请运行 python -m pytoolkit.excel.build_addin）", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data := files[path])
        print(f"已写入 {path}（{len(data)} 字节）")
    if not stale:
        print("加载项已是最新。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
