"""Core layer: write output files safely.

Outputs go to a temporary file in the target folder and are renamed into place, so a failure
never leaves a partial file; an output path equal to an input is refused; text taken from inputs
never becomes a formula in an output workbook.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import InputError

_FORMULA_START = ("=", "+", "-", "@")


def set_text(cell, value: str) -> None:
    """Put ``value`` into an openpyxl cell as plain text, never as a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"


def check_output(out: Path, inputs: Iterable[Path]) -> None:
    out_r = out.resolve()
    for p in inputs:
        if Path(p).resolve() == out_r:
            raise InputError(f"输出文件不能与输入文件相同：{out}（输入文件不会被改写）。")
    if not out.parent.exists():
        raise InputError(f"输出目录不存在：{out.parent}")


def write_atomic(out: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` then rename the result to ``out``; no partial file on failure."""
    out = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=".~" + out.stem, suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
