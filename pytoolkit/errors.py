"""Core layer: typed exceptions. The CLI and the Excel adapters turn them into messages and exit codes.

Checks never raise on bad data (they return findings); these are for input that cannot be used
at all and for configuration errors. Every message is Chinese and names the place.
"""

from __future__ import annotations

import errno


class PytoolkitError(Exception):
    """Base of every error the toolkit raises on purpose; ``str()`` is the Chinese message."""


class ValueParseError(PytoolkitError, ValueError):
    """A value (cell text, argument) that is not a usable number; the message quotes it."""

    def __init__(self, value: object, reason: str = "", where: str = "") -> None:
        self.value = value
        self.reason = reason
        self.where = where
        text = f"无法识别的数值“{value}”"
        if where:
            text = f"{where}：{text}"
        if reason:
            text = f"{text}（{reason}）"
        super().__init__(text)


class InputError(PytoolkitError):
    """An input file (workbook, text, rule pack) that cannot be used; exit status 2."""


class RulePackError(PytoolkitError):
    """A malformed rule pack; the message names file, line and the problem."""


# Operating-system errors in the user's words. Windows reports a file held open by Excel or WPS
# as a sharing violation (winerror 32) or access denied (5).
_ERRNO_TEXT = {
    errno.ENOENT: "找不到文件或文件夹",
    errno.EACCES: "没有访问权限（文件可能正在 Excel 或 WPS 中打开，或文件夹不允许写入）",
    errno.EPERM: "操作不被允许（没有权限）",
    errno.EEXIST: "文件已存在",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘或文件夹是只读的",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.EINVAL: "文件名无效（Windows 文件名不能含 \\ / : * ? \" < > |）",
    errno.EBUSY: "文件正被其他程序使用",
    errno.EMFILE: "打开的文件太多",
}
_WINERROR_TEXT = {
    5: "没有访问权限（文件可能正在 Excel 或 WPS 中打开）",
    32: "文件正被其他程序使用（多半是在 Excel 或 WPS 中打开着），请关闭后再试",
    33: "文件的一部分被其他程序锁定，请关闭 Excel 或 WPS 后再试",
    123: "文件名、文件夹名或卷标语法不正确",
    206: "文件名或路径太长",
}


def os_error_message(exc: OSError) -> str:
    """A Chinese sentence for an operating-system error, naming the file: never Python's English
    (“[Errno 2] No such file or directory”)."""
    reason = _WINERROR_TEXT.get(getattr(exc, "winerror", None) or 0) or _ERRNO_TEXT.get(exc.errno or 0)
    if reason is None:
        reason = f"系统错误（错误码 {exc.errno}）" if exc.errno else "系统错误"
    names = [str(n) for n in (exc.filename, exc.filename2) if n]
    return f"{'、'.join(names)}：{reason}。" if names else f"{reason}。"
