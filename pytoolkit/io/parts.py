"""io layer: the parts of an .xlsx package the readers need, read from the archive itself:
which worksheet part holds which sheet, and which sheets carry the toolkit's mark (a hidden
sheet-scoped defined name, ``io.paint.mark_sheet``). Used by the reader (``io.reader``) and by
the writer of computed results (``io.calc``).
"""

from __future__ import annotations

import html
import re
import zipfile
import zlib
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
        workbook = read_part(zf, "xl/workbook.xml")
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
    workbook = read_part(zf, "xl/workbook.xml")
    rels = {}
    for m in _REL.finditer(read_part(zf, "xl/_rels/workbook.xml.rels")):
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


def read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo | str) -> bytes:
    """``zf.read(info)``, reading and inflating the part directly (zipfile's reader costs about as
    much again as the inflating). Anything unusual (encryption, another compression, a header or
    CRC that does not match) goes to ``zf.read``, which reads it or raises as it always has. A
    name not in the archive raises KeyError, as ``zf.read`` does."""
    if isinstance(info, str):
        info = zf.getinfo(info)
    method = info.compress_type
    if (method == zipfile.ZIP_DEFLATED or method == zipfile.ZIP_STORED) and not info.flag_bits & 0x61:
        try:
            fp = zf.fp
            fp.seek(info.header_offset)
            head = fp.read(30)
            if len(head) == 30 and head[:4] == b"PK\x03\x04":
                skip = int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
                raw = fp.read(skip + info.compress_size)
                name = raw[:int.from_bytes(head[26:28], "little")]
                # inflate at most one byte past the declared size: a part that lies about its size
                # (a bomb) stops there and goes to zf.read, which refuses it
                data = raw[skip:] if method == zipfile.ZIP_STORED else \
                    zlib.decompressobj(-15).decompress(raw[skip:], info.file_size + 1)
                if name == info.orig_filename.encode("utf-8" if head[7] & 0x08 else "cp437") \
                        and len(data) == info.file_size and zlib.crc32(data) == info.CRC:
                    return data
        except Exception:  # zf.read below reads it, or raises its own error
            pass
    return zf.read(info)
