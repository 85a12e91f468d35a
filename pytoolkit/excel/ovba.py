"""Excel adapter layer (build time): a source-only VBA project, written from the MS-OVBA spec.

[MS-OVBA] "Office VBA File Format Structure" sections implemented here:

- §2.4.1 compression and decompression (CompressedContainer of 4096-byte chunks; copy tokens
  whose offset/length split follows CopyToken Help §2.4.1.3.19.1, with the maximum length
  ``(0xFFFF >> bit_count) + 3``);
- §2.4.3 data encryption of the PROJECT stream's CMG, DPB and GC values;
- §2.3.4.2 the ``dir`` stream, §2.3.1 the ``PROJECT`` stream, §2.3.3 ``PROJECTwm`` and
  §2.3.4.1 the ``_VBA_PROJECT`` stream with version 0xFFFF and no performance cache, so that the
  VBA host compiles the source on load (§1.6: the cache is ignored for that version).

The result is a mapping of stream paths to bytes; ``pytoolkit.excel.cfb`` puts it into the
compound file ``vbaProject.bin``. Nothing random: the same modules give the same bytes.

Written for this project rather than taken from PyPI's ms-ovba (which hard-codes the project
name, has no class modules, writes temporary files into the working directory and seeds its
encryption randomly) and its compressor (whose maximum match length is wrong, see
docs/architecture.md “Excel and LibreOffice”).
"""

from __future__ import annotations

import struct
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum

CHUNK_SIZE = 4096
# VBA keeps module text in the project's code page; 1252 (Western) is what VBA projects built
# outside Excel use. Sources are therefore ASCII; Chinese lives in customUI.xml and in the
# \u-encoded strings of the generated UDF module.
CODEPAGE = 1252
ENCODING = "cp1252"


# ---------------------------------------------------------------------------------------------
# §2.4.1 compression


def _bit_count(difference: int) -> int:
    """CopyToken Help: bits of a copy token that hold the offset, from the position in the chunk."""
    return max((difference - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    """One CompressedChunk (header + data) for up to 4096 bytes of input (§2.4.1.3.7)."""
    end = len(chunk)
    heads: defaultdict[bytes, list[int]] = defaultdict(list)  # 3-byte prefix → earlier positions
    body = bytearray()
    pos = 0
    while pos < end:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            bits = _bit_count(pos)
            max_length = (0xFFFF >> bits) + 3
            best_length, best_at = 0, 0
            limit = min(end - pos, max_length)
            # §2.4.1.3.19.4 Matching: the longest match among earlier positions in the chunk,
            # the nearest one on a tie. Only positions sharing the next 3 bytes can reach the
            # minimum length 3, so the index of 3-byte prefixes finds the same candidates.
            for candidate in reversed(heads.get(chunk[pos : pos + 3], ())):
                length = 0
                while length < limit and chunk[candidate + length] == chunk[pos + length]:
                    length += 1
                if length > best_length:
                    best_length, best_at = length, candidate
                    if length == limit:
                        break
            if best_length >= 3:
                token = ((pos - best_at - 1) << (16 - bits)) | (best_length - 3)
                body += struct.pack("<H", token)
                flags |= 1 << bit
                step = best_length
            else:
                body.append(chunk[pos])
                step = 1
            for p in range(pos, min(pos + step, end - 2)):
                heads[chunk[p : p + 3]].append(p)
            pos += step
        body[flag_at] = flags
    if len(body) <= CHUNK_SIZE:  # CompressedChunkSize holds size − 3 in 12 bits: at most 4098
        return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + bytes(body)
    # §2.4.1.3.10: incompressible data is stored raw, always 4096 bytes.
    return struct.pack("<H", 0x3000 | (CHUNK_SIZE + 2 - 3)) + chunk.ljust(CHUNK_SIZE, b"\0")


def compress(data: bytes) -> bytes:
    """An MS-OVBA CompressedContainer (§2.4.1.1.1) holding ``data``."""
    chunks = (_compress_chunk(data[start : start + CHUNK_SIZE]) for start in range(0, len(data), CHUNK_SIZE))
    return b"\x01" + b"".join(chunks)


def decompress(data: bytes) -> bytes:
    """Inverse of ``compress`` for any valid CompressedContainer (§2.4.1.3.1)."""
    if not data or data[0] != 1:
        raise ValueError("not an MS-OVBA compressed container (signature byte is not 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(data):
        (header,) = struct.unpack_from("<H", data, pos)
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at byte {pos}")
        chunk_end = min(pos + (header & 0x0FFF) + 3, len(data))
        pos += 2
        if not header & 0x8000:
            out += data[pos : pos + CHUNK_SIZE]
            pos += CHUNK_SIZE
            continue
        chunk_start = len(out)
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                (token,) = struct.unpack_from("<H", data, pos)
                pos += 2
                bits = _bit_count(len(out) - chunk_start)
                length = (token & (0xFFFF >> bits)) + 3
                source = len(out) - ((token >> (16 - bits)) + 1)
                if source < chunk_start:
                    raise ValueError("copy token points before its chunk")
                for k in range(length):  # byte by byte: a copy may overlap its own output
                    out.append(out[source + k])
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# §2.4.3 data encryption (CMG, DPB, GC)


def _project_key(project_id: str) -> int:
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt(project_id: str, data: bytes, seed: int) -> bytes:
    """§2.4.3.2 Encryption. The seed is a parameter (the spec allows any) so output is reproducible."""
    version = 2
    key = _project_key(project_id)
    out = bytearray([seed, seed ^ version, seed ^ key])
    unencrypted_1, encrypted_1, encrypted_2 = key, seed ^ key, seed ^ version
    ignored = bytes((seed & 6) // 2)  # IgnoredLength bytes of any value
    for byte in ignored + struct.pack("<I", len(data)) + data:
        encrypted = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(encrypted)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, encrypted, byte
    return bytes(out)


def decrypt(project_id: str, encrypted: bytes) -> bytes:
    """§2.4.3.3 Decryption; checks the version and the project key."""
    seed, version_enc, key_enc = encrypted[:3]
    if seed ^ version_enc != 2 or seed ^ key_enc != _project_key(project_id):
        raise ValueError("encrypted data does not belong to this project")
    unencrypted_1, encrypted_1, encrypted_2 = seed ^ key_enc, key_enc, version_enc
    plain = bytearray()
    for byte in encrypted[3:]:
        decrypted = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(decrypted)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte, decrypted
    ignored = (seed & 6) // 2
    (length,) = struct.unpack_from("<I", plain, ignored)
    return bytes(plain[ignored + 4 : ignored + 4 + length])


# ---------------------------------------------------------------------------------------------
# The project


class ModuleKind(Enum):
    """How a module is listed in the PROJECT stream, and its MODULETYPE record id."""

    STANDARD = ("Module", 0x0021)
    CLASS = ("Class", 0x0022)
    DOCUMENT = ("Document", 0x0022)

    def __init__(self, keyword: str, type_id: int) -> None:
        self.keyword = keyword
        self.type_id = type_id


@dataclass(frozen=True)
class Module:
    """A VBA module as VBA stores it: the text starts with its Attribute lines, lines end in CRLF."""

    name: str
    kind: ModuleKind
    code: str

    def stored(self) -> bytes:
        text = self.code.replace("\r\n", "\n").replace("\n", "\r\n")
        try:
            return text.encode(ENCODING)
        except UnicodeEncodeError as error:
            line = text[: error.start].count("\n") + 1
            raise ValueError(
                f"VBA module {self.name}, line {line}: not code page {CODEPAGE} (keep VBA ASCII)"
            ) from None


@dataclass(frozen=True)
class Reference:
    """A REFERENCEREGISTERED record: a type library known to Windows by its LIBID."""

    name: str
    libid: str


# The libraries every Excel VBA project references; paths are hints, the GUID and version decide.
STDOLE = Reference(
    "stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"
)
OFFICE = Reference(
    "Office",
    r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL"
    r"#Microsoft Office 16.0 Object Library",
)


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _text_record(record_id: int, unicode_id: int, text: str) -> bytes:
    """A record with an MBCS string followed by its UTF-16 twin (DOCSTRING, STREAMNAME, ...)."""
    return _record(record_id, text.encode(ENCODING)) + _record(unicode_id, text.encode("utf-16-le"))


def dir_stream(name: str, references: list[Reference], modules: list[Module]) -> bytes:
    """The uncompressed ``dir`` stream (§2.3.4.2)."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", 1))  # PROJECTSYSKIND: Win32, like Excel's own files
    out += _record(0x0002, struct.pack("<I", 0x0409))  # PROJECTLCID
    out += _record(0x0014, struct.pack("<I", 0x0409))  # PROJECTLCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODEPAGE))  # PROJECTCODEPAGE
    out += _record(0x0004, name.encode(ENCODING))  # PROJECTNAME
    out += _text_record(0x0005, 0x0040, "")  # PROJECTDOCSTRING
    out += _text_record(0x0006, 0x003D, "")  # PROJECTHELPFILEPATH
    out += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION: Reserved=4, major, minor
    out += _text_record(0x000C, 0x003C, "")  # PROJECTCONSTANTS
    for reference in references:
        out += _text_record(0x0016, 0x003E, reference.name)  # REFERENCENAME
        libid = reference.libid.encode(ENCODING)
        registered = struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0)
        out += _record(0x000D, registered)  # REFERENCEREGISTERED
    out += _record(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for module in modules:
        out += _record(0x0019, module.name.encode(ENCODING))  # MODULENAME
        out += _record(0x0047, module.name.encode("utf-16-le"))  # MODULENAMEUNICODE
        out += _text_record(0x001A, 0x0032, module.name)  # MODULESTREAMNAME
        out += _text_record(0x001C, 0x0048, "")  # MODULEDOCSTRING
        out += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source at 0, no p-code
        out += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += _record(module.kind.type_id, b"")  # MODULETYPE
        out += _record(0x002B, b"")  # module terminator
    out += _record(0x0010, b"")  # dir terminator
    return bytes(out)


def project_stream(name: str, project_id: str, modules: list[Module]) -> bytes:
    """The ``PROJECT`` stream (§2.3.1): module list, name, and unprotected, visible state."""
    lines = [f'ID="{project_id}"']
    for module in modules:
        suffix = "/&H00000000" if module.kind is ModuleKind.DOCUMENT else ""
        lines.append(f"{module.kind.keyword}={module.name}{suffix}")
    lines += [f'Name="{name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"']
    # No protection (4 zero bytes), no password (one 0x00), visible (0xFF); fixed seeds.
    for key, data, seed in (("CMG", bytes(4), 0x21), ("DPB", b"\x00", 0x43), ("GC", b"\xff", 0x65)):
        lines.append(f'{key}="{encrypt(project_id, data, seed).hex().upper()}"')
    lines += [
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING)


def project_wm_stream(modules: list[Module]) -> bytes:
    """``PROJECTwm`` (§2.3.3): each module name in MBCS and UTF-16."""
    names = b"".join(m.name.encode(ENCODING) + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules)
    return names + b"\0\0"


# §2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (no usable cache: compile from source), Reserved2,
# Reserved3 — the bytes xlwings' own source-only add-ins carry.
VBA_PROJECT_STREAM = b"\xcc\x61\xff\xff\x00\x01\x00"


def project_streams(name: str, project_id: str, modules: list[Module], references: list[Reference]) -> dict[str, bytes]:
    """Every stream of ``vbaProject.bin``, by path inside the compound file."""
    streams = {
        "PROJECT": project_stream(name, project_id, modules),
        "PROJECTwm": project_wm_stream(modules),
        "VBA/_VBA_PROJECT": VBA_PROJECT_STREAM,
        "VBA/dir": compress(dir_stream(name, references, modules)),
    }
    streams.update({f"VBA/{m.name}": compress(m.stored()) for m in modules})
    return streams
