"""Core layer: read a workbook fast (python-calamine), keeping every value's sheet and cell.

calamine returns cached values only. A formula that was never calculated (a file written by a
script and never opened in Excel) has no cached value and would read as blank, so the sheet XML
is scanned for such cells and they are reported, never taken as zero.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import python_calamine as calamine

from ..errors import InputError
from ..findings import Finding, Location, Severity
from ..model import Book, CellRef, Sheet
from .parts import read_part, sheet_parts, toolkit_sheets

SUPPORTED = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_ZIPPED = (".xlsx", ".xlsm", ".xlsb")
# Refuse archives that would expand beyond this (decompression bombs): real 决算 books are a
# few MB unpacked; a sheet of 500k rows is about 100 MB.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_RATIO = 200

_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_EMPTY_V = re.compile(rb"<v\s*/>|<v>\s*</v>")
_FORMULA = re.compile(rb"<f(?:\s[^>]*)?>(.*?)</f>", re.S)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def read_book(path: str | Path, *, recognise: bool = True, aliases=None) -> Book:
    """Read ``path`` into a ``Book`` and (by default) recognise its standard tables; ``aliases``
    (``tables.aliases.load``) adds a local form's wordings.

    Raises ``InputError`` with a Chinese message naming the file when it cannot be used.
    """
    path = Path(path)
    _check_file(path)
    uncalculated, errors, formulas, toolkit = {}, {}, {}, set()
    if path.suffix.lower() in _ZIPPED:
        with _open_zip(path) as zf:  # one opening for the size checks and the formula scan
            _check_zip(path, zf)
            if path.suffix.lower() != ".xlsb":
                try:
                    uncalculated, errors, formulas = _scan_cells(zf)
                    toolkit = toolkit_sheets(zf)
                except Exception as exc:  # a damaged part inside an intact zip (zlib.error, KeyError, …)
                    raise InputError(f"{path.name}：工作簿内部数据已损坏，无法读取。") from exc
    try:
        wb = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise InputError(f"{path.name}：工作簿设置了打开密码（已加密），请取消密码后再试。") from exc
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise InputError(f"{path.name}：无法读取工作簿（文件已损坏或不是Excel文件）。") from exc
    sheets = []
    calculated: list[tuple[str, list[tuple[int, int]]]] = []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.typ) != "SheetTypeEnum.WorkSheet" and "WorkSheet" not in str(meta.typ):
                continue
            sh = wb.get_sheet_by_name(meta.name)
            cells = sh.to_python(skip_empty_area=False)
            pending = uncalculated.get(meta.name, set())
            computed = _compute(cells, pending, formulas.get(meta.name, {})) if pending else {}
            sheets.append(Sheet(meta.name, cells, list(sh.merged_cell_ranges or ()),
                                frozenset(pending - computed.keys()), frozenset(errors.get(meta.name, ())),
                                meta.name in toolkit))
            if computed:
                calculated.append((meta.name, sorted(computed)))
    except Exception as exc:
        raise InputError(f"{path.name}：读取工作表时出错（文件可能已损坏）。") from exc
    finally:
        wb.close()
    if not any(v not in ("", None) for sheet in sheets for row in sheet.cells for v in row) and \
            not any(sheet.uncalculated or sheet.errors for sheet in sheets):
        raise InputError(f"{path.name}：工作簿是空的，没有任何数据。")
    book = Book(path=path, sheets=sheets)
    if calculated:
        refs = [CellRef(name, r, c) for name, cells in calculated for r, c in cells]
        sample = "、".join(str(ref) for ref in refs[:3]) + ("等" if len(refs) > 3 else "")
        book.findings.append(Finding(
            "read.computed_formula", Severity.INFO,
            f"有{len(refs)}个公式没有保存计算结果（{sample}，在{len(calculated)}个工作表中）："
            "文件由程序生成或填写，还没有在Excel或WPS中保存过。这些公式都是求和、加减或百分比，"
            "已按公式算出后再校验；在Excel或WPS中打开并保存一次，文件里就会有计算结果。",
            Location.at(refs[0], path.name), related=tuple(str(x) for x in refs[:50])))
    if _open_in_excel(path):
        book.findings.append(Finding(
            "read.open_in_excel", Severity.INFO,
            f"{path.name}正在Excel中打开（旁边有临时锁定文件）：校验的是最近一次保存的内容，未保存的修改不在其中。",
            Location(file=path.name)))
    if recognise:
        from ..tables.recognise import recognise_book

        recognise_book(book, aliases)
    return book


def _open_in_excel(path: Path) -> bool:
    """Excel keeps ``~$name`` beside an open workbook (``~$`` over the first two characters of a
    long name)."""
    return any((path.parent / name).exists() for name in {"~$" + path.name, "~$" + path.name[2:]})


# What to do with the files an office PC commonly holds instead of an Excel workbook.
_SAVE_AS = {
    ".et": "这是WPS表格自己的格式：请在WPS中“文件›另存为”，文件类型选“Excel 工作簿(*.xlsx)”后再用。",
    ".ett": "这是WPS表格的模板：请在WPS中打开后“另存为”Excel 工作簿(*.xlsx)。",
    ".csv": "CSV只有一张表、没有合并表头，无法识别决算表：请使用原来的Excel工作簿。",
    ".pdf": "PDF中的表格无法直接校验：请使用编制公开表时的Excel工作簿。",
    ".doc": "Word文档不是工作簿；情况说明请另存为 .docx 后用 pytoolkit narrative check 核对。",
    ".docx": "Word文档不是工作簿；情况说明请用 pytoolkit narrative check 核对。",
}


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"找不到文件：{path}")
    if path.is_dir():
        raise InputError(f"{path} 是文件夹，不是工作簿。")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        hint = _SAVE_AS.get(suffix, "")
        raise InputError(f"{path.name}：不支持的文件类型“{path.suffix}”，请提供 .xlsx / .xlsm / .xls 工作簿。{hint}")
    if path.name.startswith("~$"):
        raise InputError(f"{path.name}：这是Excel打开工作簿时生成的临时锁定文件，不是工作簿本身。")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}：文件为空（0字节）。")
    with path.open("rb") as f:
        head = f.read(8)
    if suffix in (".xlsx", ".xlsm", ".xlsb") and head == _OLE_MAGIC:
        # Excel stores a password-protected .xlsx as a compound file holding the encrypted package.
        if _ENCRYPTION_INFO in path.read_bytes():
            raise InputError(f"{path.name}：工作簿设置了打开密码（已加密），请在Excel中取消密码后再试。")
        raise InputError(f"{path.name}：文件实际是Excel 97-2003格式（.xls），扩展名却是{path.suffix}；"
                         "请把扩展名改为 .xls，或在Excel中另存为 .xlsx。")
    if suffix == ".xls" and head != _OLE_MAGIC:
        if head.startswith(b"PK"):
            raise InputError(f"{path.name}：文件实际是Excel 2007及以上格式（.xlsx），扩展名却是 .xls；"
                             "请把扩展名改为 .xlsx。")
        raise InputError(f"{path.name}：不是有效的Excel 97-2003工作簿（.xls），文件已损坏或不是Excel文件。")


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path.name}：文件已损坏或不是Excel 2007及以上格式的工作簿。") from exc


def _check_zip(path: Path, zf: zipfile.ZipFile) -> None:
    """A workbook's parts are there, and unpacking it stays bounded (no decompression bomb)."""
    infos = zf.infolist()
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise InputError(f"{path.name}：是一个压缩包，但里面没有Excel工作簿的内容（缺少 xl/workbook.xml）。")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 50 * 1024 * 1024 and ratio > MAX_RATIO:
            size = info.file_size // 2**20
            raise InputError(f"{path.name}：压缩包内“{info.filename}”解压后过大"
                             f"（{size} MB，压缩比{ratio:.0f}），疑似压缩炸弹，已拒绝读取。")
    if total > MAX_UNPACKED_BYTES:
        raise InputError(f"{path.name}：工作簿解压后超过{MAX_UNPACKED_BYTES // 2**20} MB，已拒绝读取。")


def _scan_cells(zf: zipfile.ZipFile) -> tuple[dict[str, set[tuple[int, int]]], dict[str, set[tuple[int, int]]],
                                              dict[str, dict[tuple[int, int], str]]]:
    """Per sheet: cells holding a formula without a cached value, cells holding an Excel error
    value (calamine reads both as blank), and the text of each uncalculated formula (where the
    cell states it, not a shared formula's follower). 0-based (row, col)."""
    uncalculated: dict[str, set[tuple[int, int]]] = {}
    errors: dict[str, set[tuple[int, int]]] = {}
    formulas: dict[str, dict[tuple[int, int], str]] = {}
    # Most sheets hold neither; the sheet names are looked up only for those that do.
    flagged = {}
    for info in zf.infolist():
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            data = read_part(zf, info)
            if b"<f" in data or b't="e"' in data:
                flagged[info.filename] = data
    if not flagged:
        return uncalculated, errors, formulas
    for name, part in sheet_parts(zf).items():
        data = flagged.get(part)
        if data is None:
            continue
        for m in _CELL.finditer(data):
            attrs, body = m.group(1), m.group(2)
            ref = _REF.search(attrs)
            if ref is None:
                continue
            where = (int(ref.group(2)) - 1, _col_index(ref.group(1)))
            if b't="e"' in attrs:
                errors.setdefault(name, set()).add(where)
            elif body and b"<f" in body and (b"<v" not in body or (_EMPTY_V.search(body)
                                                                    and b't="str"' not in attrs)):
                # t="str" with an empty <v>: calculated, to the empty text (IF(…,"",…)), as
                # Excel and LibreOffice save it; without t="str" an empty <v> is a placeholder.
                uncalculated.setdefault(name, set()).add(where)
                text = _FORMULA.search(body)
                if text is not None and text.group(1).strip():
                    formulas.setdefault(name, {})[where] = html.unescape(text.group(1).decode("utf-8", "replace"))
    return uncalculated, errors, formulas


def _compute(cells: list[list], pending: set[tuple[int, int]],
             formulas: dict[tuple[int, int], str]) -> dict[tuple[int, int], object]:
    """Values for the uncalculated formulas that ``io.calc`` computes, written into ``cells`` (as
    the reader gives numbers: float); returns them by (row, col)."""
    from decimal import Decimal

    from .calc import Unsupported, evaluate_cells

    def stored(row: int, col: int) -> object:
        if (row, col) in pending:
            raise Unsupported("uncalculated")  # a formula whose text is not stated: unknown, not 0
        return cells[row][col] if row < len(cells) and col < len(cells[row]) else None

    computed = evaluate_cells({k: v for k, v in formulas.items() if k in pending}, stored)
    width = max((len(row) for row in cells), default=0)
    for (row, col), value in computed.items():
        while len(cells) <= row:
            cells.append([""] * width)
        if len(cells[row]) <= col:
            cells[row].extend([""] * (col + 1 - len(cells[row])))
        cells[row][col] = float(value) if isinstance(value, Decimal) else value
    return computed


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1
