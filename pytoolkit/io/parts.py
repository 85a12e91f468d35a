"""io layer: the parts of an .xlsx package the readers need, read from the archive itself:
which worksheet part holds which sheet, and which sheets carry the toolkit's mark (a hidden
sheet-scoped defined name, ``io.paint.mark_sheet``). Used by the reader (``io.reader``) and by
the writer of computed results (``io.calc``).
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import PurePosixPath

from ..render.grid import TOOLKIT_NAME

_SHEET_ENTRY_ANY = re.compile(rb"<sheet\b([^>]*)/?>", re.S)
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<Relationship\b([^>]*)/?>", re.S)
_DEFINED_NAME = re.compile(rb"<definedName\b([^>]*)>", re.S)


def toolkit_sheets(zf: zipfile.ZipFile) -> set[str]:
    """The sheets the toolkit made: those holding its sheet-scoped defined name (``io.paint``).
    ``localSheetId`` counts the workbook's sheets in their order (0-based)."""
    try:
        workbook = zf.read("xl/workbook.xml")
    except KeyError:
        return set()
    if b"definedName" not in workbook:
        return set()
    order = [html.unescape(dict(_ATTR.findall(m.group(1))).get(b"name", b"").decode("utf-8"))
             for m in _SHEET_ENTRY_ANY.finditer(workbook)]
    out = set()
    for m in _DEFINED_NAME.finditer(workbook):
        attrs = dict(_ATTR.findall(m.group(1)))
        local = attrs.get(b"localSheetId", b"")
        if local.isdigit() and html.unescape(attrs.get(b"name", b"").decode("utf-8")) == TOOLKIT_NAME \
                and int(local) < len(order):
            out.add(order[int(local)])
    return out


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the worksheet part inside the archive (``xl/worksheets/sheet1.xml``)."""
    workbook = zf.read("xl/workbook.xml")
    rels = {}
    for m in _REL.finditer(zf.read("xl/_rels/workbook.xml.rels")):
        attrs = dict(_ATTR.findall(m.group(1)))
        target = attrs.get(b"Target", b"").decode()
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = str(PurePosixPath("xl") / target)
        rels[attrs.get(b"Id", b"").decode()] = part
    out = {}
    for m in _SHEET_ENTRY_ANY.finditer(workbook):
        attrs = dict(_ATTR.findall(m.group(1)))
        name = attrs.get(b"name")
        rid = next((v for k, v in attrs.items() if k.endswith(b":id")), None)
        if name is None or rid is None:
            continue
        out[_unescape(name.decode("utf-8"))] = rels.get(rid.decode(), "")
    return out


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))
