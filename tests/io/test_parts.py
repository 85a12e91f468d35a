"""io.parts.read_part reads worksheet parts directly: the same bytes as ``ZipFile.read``, and for a
part that lies about its size, the same refusal, without inflating more than the declared size."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from pytoolkit.io.parts import read_part


def _zip(parts: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_same_bytes_as_zipfile(method):
    parts = {"xl/workbook.xml": b"<workbook/>" * 50, "xl/worksheets/表1.xml": "金额".encode() * 999}
    zf = zipfile.ZipFile(io.BytesIO(_zip(parts, method)))
    for info in zf.infolist():
        assert read_part(zf, info) == zf.read(info) == parts[info.filename]
    assert read_part(zf, "xl/workbook.xml") == parts["xl/workbook.xml"]
    with pytest.raises(KeyError):
        read_part(zf, "xl/missing.xml")


def _lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with ``name``'s uncompressed size set to ``size`` in both headers (a bomb's trick)."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    struct.pack_into("<I", out, local + 22, size)
    central = out.find(b"PK\x01\x02")
    struct.pack_into("<I", out, central + 24, size)
    return bytes(out)


def test_a_part_larger_than_declared_is_refused_not_inflated(monkeypatch):
    big = b"0" * 5_000_000
    zf = zipfile.ZipFile(io.BytesIO(_lie_about_size(_zip({"xl/worksheets/sheet1.xml": big}),
                                                     "xl/worksheets/sheet1.xml", 100)))
    inflated: list[int] = []
    original = zlib.decompressobj

    class Spy:
        def __init__(self, *args):
            self._d = original(*args)

        def decompress(self, data, max_length=0):
            out = self._d.decompress(data, max_length)
            inflated.append(len(out))
            return out

        def __getattr__(self, name):  # zf.read's decompressor uses eof, unconsumed_tail, ...
            return getattr(self._d, name)

    monkeypatch.setattr(zlib, "decompressobj", Spy)
    with pytest.raises(zipfile.BadZipFile):  # zf.read's refusal (its CRC check), as before
        read_part(zf, "xl/worksheets/sheet1.xml")
    assert inflated[0] <= 101  # the direct read stopped one byte past the declared size (zf.read came after)
