"""Core layer: write output files safely.

Outputs go to a temporary file in the target folder and are renamed into place, so a failure
never leaves a partial file; an output path equal to an input is refused; text taken from inputs
never becomes a formula in an output workbook. This is the one atomic writer of the package.

A new output gets the permissions of any file the user creates (``0666`` less the umask, so that
colleagues on a shared folder can open it as they can the user's other files), not the ``0600``
of a temporary file; a replaced output keeps the permissions it had.
"""

from __future__ import annotations

import contextlib
import functools
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


def write_atomic(out: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the result to ``out``; no partial file on failure."""
    out = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=".~" + out.stem, suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        try:
            mode = out.stat().st_mode & 0o777
        except OSError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return out


@functools.cache
def _umask() -> int:
    # The umask can only be read by setting it; set it straight back (once per process).
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
