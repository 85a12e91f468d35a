"""Excel adapter layer (build time): write a compound file ([MS-CFB]), the container of vbaProject.bin.

A version 3 file (512-byte sectors) built in memory in one pass, with fixed layout and zero
timestamps so the same streams always give the same bytes:

    header | FAT sectors | directory | mini FAT | mini stream | large streams

Streams shorter than 4096 bytes live in the mini stream (64-byte mini sectors), as §2.6.3
requires; the others in regular sectors. Each storage's children form a balanced binary
search tree in CFB name order (§2.6.4: shorter names first, then by upper-case code units),
coloured so that it is a valid red-black tree.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_HEADER_DIFAT = 109

_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    index: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(entry: _Entry) -> tuple[int, str]:
    return len(entry.name), entry.name.upper()


def _tree(entries: list[_Entry], depth: int, depths: dict[int, int]) -> int:
    """Link ``entries`` (sorted) as a balanced tree; return the root's index."""
    if not entries:
        return NOSTREAM
    middle = len(entries) // 2
    root = entries[middle]
    depths[root.index] = depth
    root.left = _tree(entries[:middle], depth + 1, depths)
    root.right = _tree(entries[middle + 1 :], depth + 1, depths)
    return root.index


def _link(storage: _Entry, entries: list[_Entry]) -> None:
    children = sorted(storage.children, key=_sort_key)
    depths: dict[int, int] = {}
    storage.child = _tree(children, 0, depths)
    # Midpoint splitting leaves every empty child slot on the last two levels, so all nodes black
    # except an incomplete last level, which is red, keeps equal black heights and no red pair.
    if depths:
        last = max(depths.values())
        if sum(1 for d in depths.values() if d == last) < 2**last:
            for index, d in depths.items():
                if d == last:
                    entries[index].color = _RED
    for child in children:
        if child.kind == _STORAGE:
            _link(child, entries)


def _chain(fat: list[int], start: int, count: int) -> None:
    for k in range(count):
        fat[start + k] = start + k + 1 if k < count - 1 else ENDOFCHAIN


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams``, keyed by path ("PROJECT", "VBA/dir", ...)."""
    root = _Entry("Root Entry", _ROOT)
    entries = [root]
    storages = {"": root}
    for path in sorted(streams):
        parts = path.split("/")
        parent = root
        for depth in range(1, len(parts)):
            key = "/".join(parts[:depth])
            if key not in storages:
                storages[key] = _Entry(parts[depth - 1], _STORAGE, index=len(entries), start=0)
                entries.append(storages[key])
                parent.children.append(storages[key])
            parent = storages[key]
        if len(parts[-1]) > 31:
            raise ValueError(f"compound file names hold at most 31 characters: {parts[-1]!r}")
        stream = _Entry(parts[-1], _STREAM, data=streams[path], index=len(entries), size=len(streams[path]))
        entries.append(stream)
        parent.children.append(stream)
    _link(root, entries)

    small = [e for e in entries if e.kind == _STREAM and 0 < e.size < MINI_CUTOFF]
    large = [e for e in entries if e.kind == _STREAM and e.size >= MINI_CUTOFF]
    mini_fat: list[int] = []
    mini_stream = bytearray()
    for entry in small:
        count = -(-entry.size // MINI_SECTOR)
        entry.start = len(mini_fat)
        mini_fat.extend([0] * count)
        _chain(mini_fat, entry.start, count)
        mini_stream += entry.data.ljust(count * MINI_SECTOR, b"\0")

    def sectors(size: int) -> int:
        return -(-size // SECTOR)

    directory_count = sectors(len(entries) * 128)
    mini_fat_count = sectors(len(mini_fat) * 4)
    mini_stream_count = sectors(len(mini_stream))
    data_count = directory_count + mini_fat_count + mini_stream_count + sum(sectors(e.size) for e in large)
    fat_count = 1
    while fat_count * (SECTOR // 4) < fat_count + data_count:
        fat_count += 1
    if fat_count > _HEADER_DIFAT:
        raise ValueError("file too large for a header-only DIFAT")

    fat = [FREESECT] * (fat_count * (SECTOR // 4))
    fat[:fat_count] = [FATSECT] * fat_count
    next_sector = fat_count
    body = bytearray()

    def place(data: bytes) -> int:
        nonlocal next_sector
        count = sectors(len(data))
        start = next_sector
        _chain(fat, start, count)
        body.extend(data.ljust(count * SECTOR, b"\0"))
        next_sector += count
        return start if count else ENDOFCHAIN

    directory_start = next_sector
    next_sector += directory_count  # written last, once every start sector is known
    _chain(fat, directory_start, directory_count)
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_bytes += b"\xff" * (mini_fat_count * SECTOR - len(mini_fat_bytes))
    body_directory_at = len(body)
    body.extend(bytes(directory_count * SECTOR))
    mini_fat_start = place(mini_fat_bytes) if mini_fat else ENDOFCHAIN
    root.start = place(bytes(mini_stream)) if mini_stream else ENDOFCHAIN
    root.size = len(mini_stream)
    for entry in large:
        entry.start = place(entry.data)

    directory = bytearray()
    for entry in entries:
        name = entry.name.encode("utf-16-le")
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name) + 2,
            entry.kind,
            entry.color,
            entry.left,
            entry.right,
            entry.child,
            bytes(16),
            0,
            0,
            0,
            entry.start,
            entry.size,
        )
    empty = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, bytes(16), 0, 0, 0, 0, 0)
    while len(directory) < directory_count * SECTOR:
        directory += empty
    body[body_directory_at : body_directory_at + len(directory)] = directory

    difat = list(range(fat_count)) + [FREESECT] * (_HEADER_DIFAT - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        bytes(16),
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # byte order: little-endian
        9,  # sector shift
        6,  # mini sector shift
        bytes(6),
        0,  # directory sectors: always 0 in version 3
        fat_count,
        directory_start,
        0,  # transaction signature
        MINI_CUTOFF,
        mini_fat_start,
        mini_fat_count,
        ENDOFCHAIN,  # first DIFAT sector: none
        0,
    ) + struct.pack(f"<{_HEADER_DIFAT}I", *difat)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + fat_bytes + bytes(body)
