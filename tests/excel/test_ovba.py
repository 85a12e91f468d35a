"""The MS-OVBA compressor and encryption and the compound-file writer, checked against oletools/olefile."""

from __future__ import annotations

import io
import random
import struct
from pathlib import Path

import olefile
import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st

from pytoolkit.excel import cfb, ovba

from .conftest import olevba

decompress_stream = olevba().decompress_stream


def roundtrip(data: bytes) -> None:
    packed = ovba.compress(data)
    assert ovba.decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data  # an independent decompressor


def test_spec_example_without_matches():
    # [MS-OVBA] §3.2.1: no copy tokens, one flag byte per 8 literals
    packed = ovba.compress(b"abcdefghijklmnopqrstuv.")
    assert packed.hex(" ") == "01 19 b0 00 61 62 63 64 65 66 67 68 00 69 6a 6b 6c 6d 6e 6f 70 00 71 72 73 74 75 76 2e"


def test_long_matches_are_not_corrupted():
    # The bug in ms-ovba-compression: 0xFFFF << bit_count + 3 instead of (0xFFFF >> bit_count) + 3
    # let a copy token claim more than its length field holds. Long runs need many capped tokens.
    roundtrip(b"a" * 10_000)
    roundtrip(b"'" + b"=" * 5000 + b"\r\n" + b"    " * 3000)
    roundtrip(bytes(range(256)) * 40)


def test_xlwings_module_roundtrips():
    # the 45,838-character module that came back as 40,126 characters with the buggy compressor
    source = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_bytes()
    assert len(source) == 45_838
    roundtrip(source)


def test_incompressible_chunk_is_stored_raw():
    data = random.Random(7).randbytes(4096)
    packed = ovba.compress(data)
    (header,) = struct.unpack_from("<H", packed, 1)
    assert header & 0x8000 == 0 and len(packed) == 1 + 2 + 4096
    roundtrip(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=9000))
def test_any_bytes_roundtrip(data):
    roundtrip(data)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"ab", b"    ", b"End Sub\r\n", b"x" * 300, b"\x00"]), max_size=400))
def test_repetitive_text_roundtrips(pieces):
    roundtrip(b"".join(pieces))


def test_empty_and_boundary_sizes():
    for size in (0, 1, 2, 3, 4095, 4096, 4097, 8192, 8193):
        roundtrip((b'Attribute VB_Name = "x"\r\n' * 400)[:size])


# --- §2.4.3 data encryption --------------------------------------------------------------------------

# Test vectors: the PROJECT stream of xlwings 0.37.8's quickstart_addin_ribbon.xlam.
QUICKSTART_ID = "{318BEE36-5BE1-492A-826D-473DB19B0F30}"


@pytest.mark.parametrize(
    ("encrypted", "plain"),
    [("5D5F8AADDAA8DEA8DEA8DEA8DE", bytes(4)), ("5D5F8AADDAADDBADDBAD", b"\x00"), ("5D5F8AADDAADDBADDB52", b"\xff")],
)
def test_decrypt_known_values(encrypted, plain):
    assert ovba.decrypt(QUICKSTART_ID, bytes.fromhex(encrypted)) == plain


@pytest.mark.parametrize("seed", range(256))
def test_encrypt_reproduces_and_roundtrips(seed):
    encrypted = ovba.encrypt(QUICKSTART_ID, b"\x00", seed)
    assert ovba.decrypt(QUICKSTART_ID, encrypted) == b"\x00"
    assert encrypted[:3] == bytes([seed, seed ^ 2, seed ^ 0xD7])  # seed, version 2, project key


# --- compound file -------------------------------------------------------------------------------------


def _streams() -> dict[str, bytes]:
    return {
        "PROJECT": b"ID=...\r\n",
        "PROJECTwm": b"",
        "VBA/dir": b"d" * 700,
        "VBA/_VBA_PROJECT": ovba.VBA_PROJECT_STREAM,
        "VBA/Module1": bytes(range(256)) * 20,  # regular sectors
        "VBA/Small": b"s" * 4095,  # largest mini stream entry
        "VBA/Exactly4096": b"e" * 4096,  # smallest regular entry
        **{f"VBA/M{i:02}": bytes([i]) * (i * 37) for i in range(1, 30)},
    }


def test_compound_file_reads_back_with_olefile():
    streams = _streams()
    data = cfb.compound_file(streams)
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(io.BytesIO(data))
    found = {"/".join(path) for path in ole.listdir(streams=True)}
    assert found == set(streams)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content
    assert cfb.compound_file(streams) == data  # deterministic


def _check_red_black(entries: list[tuple[int, int, int, int]], root: int) -> int:
    """Black height of the subtree at ``root``; asserts the red-black rules."""
    if root == cfb.NOSTREAM:
        return 1
    color, left, right, _ = entries[root]
    if color == 0:  # red: no red child
        assert all(entries[c][0] == 1 for c in (left, right) if c != cfb.NOSTREAM)
    heights = {_check_red_black(entries, left), _check_red_black(entries, right)}
    assert len(heights) == 1
    return heights.pop() + color


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 8, 15, 16, 33])
def test_sibling_trees_are_red_black(count):
    data = cfb.compound_file({f"VBA/S{i:03}": b"x" for i in range(count)})
    directory_start = struct.unpack_from("<I", data, 48)[0]
    raw = data[512 * (directory_start + 1) :]
    entries = []
    for i in range(count + 2):
        fields = struct.unpack_from("<64sHBBIII", raw, i * 128)
        entries.append((fields[3], fields[4], fields[5], fields[6]))
    root_color = entries[0][0]
    assert root_color == 1
    vba_child = entries[entries[0][3]][3]
    assert entries[vba_child][0] == 1  # a tree's root is black
    _check_red_black(entries, vba_child)
