"""Core layer (narrative): read a 情况说明 into numbered lines and recognise its sections.

Sources: plain text (.txt, UTF-8 or GB18030 as saved by Chinese Windows), Word (.docx, one line
per paragraph, then table rows), and a sheet named 情况说明 in a workbook (one line per row).
Sections follow the standard outline (一、收入支出决算总体情况说明 … 十、其他重要事项); their
headings set the scope a figure is read in (a 基本支出 under 六 is 一般公共预算财政拨款基本支出).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..model import Book

SHEET_NAME = "情况说明"
TEXT_SUFFIXES = (".txt", ".text", ".md")
DOCX_SUFFIXES = (".docx",)
BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
MAX_CHARS = 5_000_000  # a 情况说明 is a few pages; anything larger is not one

# 一、…  (top level) and （一）… (second level); the heading is short and states no figure.
_TOP = re.compile(r"^\s*(?:第[一二三四五六七八九十]+部分\s*)?([一二三四五六七八九十]{1,3})\s*[、.．]\s*(\S.*)$")
_SUB = re.compile(r"^\s*[(（]([一二三四五六七八九十]{1,3})[)）]\s*(.*)$")
_FIGURE = re.compile(r"\d\s*(?:万元|元|亿元|%|％)")


def normalize(text: str) -> str:
    """Full-width digits and punctuation to ASCII, character by character (offsets are kept)."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    s = "".join(out)
    return s.replace("\u2212", "-").replace("\u200b", " ").replace("\ufeff", " ")


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’、。，：；（）《》]")


def squeeze(norm: str) -> tuple[str, tuple[int, ...]]:
    """``norm`` without the spaces a PDF puts between Chinese characters (“同 比 增 加27125219.46
    元” → “同比增加27125219.46元”), and where each of its characters stands in ``norm``. A space
    between two ASCII letters or digits is kept."""
    out: list[str] = []
    where: list[int] = []
    n = len(norm)
    for i, ch in enumerate(norm):
        if ch in " \t\u3000\xa0":
            j = i
            while j < n and norm[j] in " \t\u3000\xa0":
                j += 1
            before = out[-1] if out else ""
            after = norm[j] if j < n else ""
            between_words = before.isascii() and before.isalnum() and after.isascii() and after.isalnum()
            if not between_words and (_CJK.match(before or "。") or _CJK.match(after or "。")
                                      or after in "%元万亿" or before == "%"):
                continue
        out.append(ch)
        where.append(i)
    where.append(n)
    return "".join(out), tuple(where)


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line (paragraph, sheet row) number in the source
    text: str  # as written
    norm: str  # normalize(text) without the spaces between Chinese characters (``squeeze``)
    offsets: tuple[int, ...] = ()  # where each character of ``norm`` stands in ``text``

    def original(self, start: int, end: int) -> str:
        """The text as written of ``norm[start:end]``."""
        if not self.offsets:
            return self.text[start:end]
        last = len(self.offsets) - 1
        return self.text[self.offsets[min(start, last)]:self.offsets[min(end, last)]]


@dataclass(frozen=True)
class Section:
    ordinal: str  # "七"
    title: str  # "一般公共预算财政拨款“三公”经费支出决算情况说明"
    first: int  # index into Document.lines of the heading
    scope: str  # "T1", "T4", "T5", "T7", "T8", "PE", "" (see ``scope_of``)


@dataclass
class Document:
    name: str  # file name (for locations)
    lines: list[Line]
    sections: list[Section] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def section_at(self, index: int) -> Section | None:
        found = None
        for s in self.sections:
            if s.first <= index:
                found = s
            else:
                break
        return found


def scope_of(title: str) -> str:
    """Which table a section's figures are read against from its heading."""
    t = normalize(title)
    if "三公" in t:
        return "T7"
    if "政府性基金" in t:
        return "T8"
    if "国有资本经营" in t:
        return "T9"
    if "一般公共预算" in t:
        return "T5"
    if "财政拨款收入支出" in t or "财政拨款收支" in t:
        return "T4"
    if "绩效" in t:
        return "PE"
    if "其他重要事项" in t:
        return "X"
    if "收入" in t or "支出" in t:
        return "T1"
    return ""


def heading(text: str) -> tuple[str, str] | None:
    """(ordinal, title) when ``text`` is a top-level heading (一、…) stating no figure."""
    m = _TOP.match(normalize(text))
    if not m or len(m.group(2)) > 40 or _FIGURE.search(m.group(2)):
        return None
    return m.group(1), m.group(2).strip().rstrip("。.")


def sub_heading(text: str) -> bool:
    m = _SUB.match(normalize(text))
    return bool(m)


def from_text(text: str, name: str = "情况说明") -> Document:
    """Split ``text`` into lines (blank lines are kept for their numbers) and find the sections."""
    if len(text) > MAX_CHARS:
        raise InputError(f"{name}：文本过长（{len(text)} 字），不像是一份情况说明。")
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _build(name, [(i + 1, t) for i, t in enumerate(raw)])


def _build(name: str, numbered: list[tuple[int, str]]) -> Document:
    lines = [Line(n, t, *squeeze(normalize(t))) for n, t in numbered]
    doc = Document(name, lines)
    for i, line in enumerate(lines):
        h = heading(line.text)
        if h:
            doc.sections.append(Section(h[0], h[1], i, scope_of(h[1])))
    return doc


def read_text_file(path: Path) -> Document:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.name}：无法读取文件：{exc.strerror or exc}") from exc
    if len(data) > MAX_CHARS * 4:
        raise InputError(f"{path.name}：文件过大，不像是一份情况说明。")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path.name}：不是文本文件（请另存为 .txt 或 .docx）。")
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return from_text(data.decode(encoding), path.name)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path.name}：无法识别文本编码（应为 UTF-8 或 GB18030）。")


def read_docx(path: Path) -> Document:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        d = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{path.name}：无法读取 Word 文档（文件已损坏或不是 .docx）。") from exc
    except OSError as exc:
        raise InputError(f"{path.name}：无法读取文件：{exc.strerror or exc}") from exc
    numbered: list[tuple[int, str]] = []
    n = 0
    for p in d.paragraphs:
        n += 1
        for part in p.text.split("\n"):
            numbered.append((n, part))
    for table in d.tables:
        for row in table.rows:
            n += 1
            cells: list[str] = []
            for c in row.cells:  # merged cells repeat; keep each text once
                if c.text.strip() and (not cells or cells[-1] != c.text.strip()):
                    cells.append(c.text.strip())
            numbered.append((n, "，".join(cells)))
    return _build(path.name, numbered)


def from_book(book: Book, name: str | None = None) -> Document | None:
    """The sheet named 情况说明 of ``book``, one line per row (None when there is no such sheet)."""
    sheet = book.sheet(SHEET_NAME)
    if sheet is None:
        return None
    numbered = []
    for r, row in enumerate(sheet.cells):
        parts = [str(v).strip() for v in row if v not in (None, "") and str(v).strip()]
        numbered.append((r + 1, "".join(parts)))
    return _build(name or f"{Path(book.path).name}[{SHEET_NAME}]", numbered)


def read_document(path: str | Path) -> Document:
    """Read a 情况说明 from .txt, .docx or a workbook's 情况说明 sheet; InputError names the file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path.name}：文件不存在（{path}）。")
    if path.is_dir():
        raise InputError(f"{path.name}：这是文件夹，请给出 .txt、.docx 或含“情况说明”工作表的工作簿。")
    suffix = path.suffix.lower()
    if suffix in DOCX_SUFFIXES:
        return read_docx(path)
    if suffix in BOOK_SUFFIXES:
        from ..io.reader import read_book

        doc = from_book(read_book(path, recognise=False))
        if doc is None:
            raise InputError(f"{path.name}：工作簿中没有名为“{SHEET_NAME}”的工作表。")
        return doc
    if suffix == ".doc":
        raise InputError(f"{path.name}：不支持旧版 Word（.doc），请另存为 .docx 或 .txt。")
    return read_text_file(path)
