"""Make the corpus of bad inputs in this folder; ``expected.yaml`` beside it says how each is answered.

    python tests/data/bad/make_corpus.py            # rewrite the committed files
    python tests/data/bad/make_corpus.py --check    # exit 1 if a committed file is missing

Every file starts from a bundled sample unit (``DEPARTMENT[0]``, consistent: it validates with no
finding) and breaks it in one way, so a test can tell the answer to that one problem from the
rest. Cells are found through the recogniser (``read_book``), never by hard-coded positions.

Two inputs are too large to commit and are made on demand by the tests with the functions here:
``huge_sheet`` (hundreds of thousands of rows) and the decompression bombs are small on disk but
are written fresh so the committed tree holds no file that expands to hundreds of MB.

Making ``encrypted.xlsx`` needs msoffcrypto-tool (a real password-protected workbook, password
“1234”), and ``legacy.xls`` needs LibreOffice (soffice) to save the sample in the Excel 97 format;
both are committed so the tests need neither.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

from pytoolkit.io.layout import write_book
from pytoolkit.io.reader import read_book
from pytoolkit.samples.data import DEPARTMENT

HERE = Path(__file__).resolve().parent
UNIT = DEPARTMENT[0]


def _good(path: Path, **kwargs) -> Path:
    write_book(path, UNIT, **kwargs)
    return path


def _edit(source: Path, target: Path, change) -> Path:
    """Apply ``change(workbook, book)`` to an openpyxl copy of ``source`` (``book`` = what the
    recogniser found in it, for cell positions) and save it as ``target``."""
    book = read_book(source)
    wb = load_workbook(source)
    change(wb, book)
    wb.save(target)
    return target


def _variant(d: Path, name: str, change) -> Path:
    """The sample unit with ``change(workbook, book)`` applied, saved as ``d/name``."""
    src = _good(d / f"_{name}")
    try:
        return _edit(src, d / name, change)
    finally:
        src.unlink()


def rezip(source: Path, target: Path, parts=None, extra=None) -> Path:
    """Copy the zip ``source`` to ``target``, each part through ``parts[name](bytes)`` where
    given, then add the ``extra`` parts (name → bytes)."""
    parts, extra = parts or {}, extra or {}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename in parts:
                data = parts[item.filename](data)
            zout.writestr(item, data)
        for name, data in extra.items():
            zout.writestr(name, data)
    return target


def _sample_rezipped(d: Path, name: str, parts=None, extra=None) -> Path:
    good = _good(d / f"_{name}")
    try:
        return rezip(good, d / name, parts, extra)
    finally:
        good.unlink()


def _cell(wb, book, table: str, row: str, column: str):
    ref = book.table(table).cell(row, column).ref
    return wb[ref.sheet].cell(ref.row + 1, ref.col + 1)


# -- files that cannot be used -------------------------------------------------------------------
def not_a_workbook(d: Path) -> Path:
    p = d / "not_a_workbook.xlsx"
    p.write_text("这是一段文字，被改了扩展名。\n", encoding="utf-8")
    return p


def truncated(d: Path) -> Path:
    data = _good(d / "_full.xlsx").read_bytes()
    p = d / "truncated.xlsx"
    p.write_bytes(data[: len(data) // 2])
    (d / "_full.xlsx").unlink()
    return p


def corrupted_entry(d: Path) -> Path:
    """The zip directory is intact but one sheet's compressed bytes are damaged."""
    good = _good(d / "_full.xlsx")
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + info.compress_size - 20, 7):
        data[i] ^= 0x5A
    good.unlink()
    p = d / "corrupted_entry.xlsx"
    p.write_bytes(bytes(data))
    return p


def zip_not_workbook(d: Path) -> Path:
    p = d / "zip_not_workbook.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "不是工作簿")
    return p


def encrypted(d: Path) -> Path:
    import msoffcrypto.format.ooxml as ooxml  # only needed to remake the committed file

    good = _good(d / "_full.xlsx")
    p = d / "encrypted.xlsx"
    with good.open("rb") as src, p.open("wb") as out:
        ooxml.OOXMLFile(src).encrypt("1234", out)
    good.unlink()
    return p


def fake_legacy(d: Path) -> Path:
    p = d / "fake_legacy.xls"
    p.write_text("旧格式扩展名，但内容不是工作簿", encoding="utf-8")
    return p


def empty_file(d: Path) -> Path:
    p = d / "empty_file.xlsx"
    p.write_bytes(b"")
    return p


def empty_workbook(d: Path) -> Path:
    from openpyxl import Workbook

    p = d / "empty_workbook.xlsx"
    Workbook().save(p)
    return p


def lock_file(d: Path) -> Path:
    # What Excel leaves beside an open workbook: the owner's name, padded.
    p = d / "~$局机关.xlsx"
    p.write_bytes(b"\x08Owner   " + b"\x00" * 150)
    return p


def bomb_sheet(d: Path, mb: int = 120) -> Path:
    """A sheet part that inflates to ``mb`` MB of spaces from about 0.1% of that on disk."""
    pad = b" " * (mb * 2**20)
    return _sample_rezipped(d, "bomb_sheet.xlsx",
                            {"xl/worksheets/sheet2.xml": lambda x: x.replace(b"<sheetData>", b"<sheetData>" + pad, 1)})


def bomb_shared_strings(d: Path, mb: int = 120) -> Path:
    """A shared-strings part holding one string of ``mb`` MB."""
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           b"<si><t>" + b"A" * (mb * 2**20) + b"</t></si></sst>")
    return _sample_rezipped(d, "bomb_shared_strings.xlsx", extra={"xl/sharedStrings.xml": sst})


# -- files that can be used, with findings --------------------------------------------------------
def _saved_by_libreoffice(d: Path, name: str) -> Path:
    """The sample saved by LibreOffice as ``name`` (its extension picks the format)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit(f"{name} needs LibreOffice (soffice) to be made")
    target = Path(name)
    with tempfile.TemporaryDirectory() as tmp:
        src = _good(Path(tmp) / f"{target.stem}.xlsx")
        profile = Path(tmp) / "profile"
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                        target.suffix[1:], "--outdir", str(d), str(src)], check=True, capture_output=True,
                       timeout=180)
    return d / name


def legacy_xls(d: Path) -> Path:
    """The sample saved by LibreOffice in the Excel 97–2003 format."""
    return _saved_by_libreoffice(d, "legacy.xls")


def libreoffice_ods(d: Path) -> Path:
    """The sample saved by LibreOffice as .ods: the reader gets no merged ranges from it."""
    return _saved_by_libreoffice(d, "libreoffice.ods")


def wps_et(d: Path) -> Path:
    """A unit's book in WPS 表格's own .et format (an OLE file like .xls; refused by its extension)."""
    p = d / "wps_native.et"
    p.write_bytes((d / "legacy.xls").read_bytes())
    return p


def missing_sheets(d: Path) -> Path:
    def change(wb, book):
        for t in ("T4", "T5", "T6", "T7"):
            del wb[book.table(t).sheet]

    return _variant(d, "missing_sheets.xlsx", change)


def _swap_columns(ws, a: int, b: int, first_row: int) -> None:
    for row in ws.iter_rows(min_row=first_row):
        ca, cb = row[a - 1], row[b - 1]
        if isinstance(ca, MergedCell) or isinstance(cb, MergedCell):
            continue  # covered by a merged header: its value lives in the area's first cell
        ca.value, cb.value = cb.value, ca.value


def reordered_columns(d: Path) -> Path:
    """T3's 基本支出 and 项目支出 columns swapped, headers and values together."""
    def change(wb, book):
        t = book.table("T3")
        a, b = t.columns["基本支出"][0], t.columns["项目支出"][0]
        _swap_columns(wb[t.sheet], a.col + 1, b.col + 1, a.row + 1)

    return _variant(d, "reordered_columns.xlsx", change)


def renamed_header(d: Path) -> Path:
    """T3's 项目支出 header renamed to a wording no form uses."""
    def change(wb, book):
        ref = book.table("T3").columns["项目支出"][0]
        wb[ref.sheet].cell(ref.row + 1, ref.col + 1).value = "专项资金支出（自定义）"

    return _variant(d, "renamed_header.xlsx", change)


def merged_over_data(d: Path) -> Path:
    """Two amount cells of a T3 row merged into one (Excel keeps only the left value)."""
    def change(wb, book):
        t = book.table("T3")
        row = t.row("201")
        left, right = row.values["基本支出"].ref, row.values["项目支出"].ref
        wb[t.sheet].merge_cells(start_row=left.row + 1, start_column=left.col + 1, end_row=right.row + 1,
                                end_column=right.col + 1)

    return _variant(d, "merged_over_data.xlsx", change)


def hidden_rows_and_columns(d: Path) -> Path:
    """A T3 data row and T2's 上级补助收入 column hidden; their values still count."""
    def change(wb, book):
        t3 = book.table("T3")
        wb[t3.sheet].row_dimensions[t3.row("201").ref_row + 1].hidden = True
        t2 = book.table("T2")
        letter = t2.columns["上级补助收入"][0].a1.rstrip("0123456789")
        wb[t2.sheet].column_dimensions[letter].hidden = True

    return _variant(d, "hidden_rows_and_columns.xlsx", change)


# The written forms of numbers accountants type or paste, each for a cell whose value it keeps.
TEXT_FORMS = {
    "thousands": lambda v: f"{v:,.2f}",
    "full_width": lambda v: f"{v:.2f}".translate(str.maketrans("0123456789.", "０１２３４５６７８９．")),
    "with_unit": lambda v: f"{v:.2f}万元",
    "padded": lambda v: f"  {v:.2f} ",
}
ZERO_FORMS = ("-", "—", "/", "")


def text_numbers(d: Path) -> Path:
    """T3 amounts written as text in every form (values unchanged, so the tables still agree), zero
    cells as “-”, “—”, “/” and blank, and one amount as “(12.00)”, a negative in accounting form."""
    def change(wb, book):
        t = book.table("T3")
        forms = list(TEXT_FORMS.values())
        zeros = iter(ZERO_FORMS)
        i = 0
        for row in t.rows.values():
            for cell in row.values.values():
                target = wb[t.sheet].cell(cell.ref.row + 1, cell.ref.col + 1)
                if cell.value:
                    target.value = forms[i % len(forms)](cell.value)
                    i += 1
                else:
                    target.value = next(zeros, None)
        _cell(wb, book, "T2", "合计", "其他收入").value = "(12.00)"

    return _variant(d, "text_numbers.xlsx", change)


def excel_errors(d: Path) -> Path:
    def change(wb, book):
        _cell(wb, book, "T3", "201", "基本支出").value = "#DIV/0!"
        _cell(wb, book, "T5", "合计", "合计").value = "#REF!"

    return _variant(d, "excel_errors.xlsx", change)


def uncalculated_formulas(d: Path) -> Path:
    """T3's 合计 row as formulas written by a script, never calculated (no cached values)."""
    def change(wb, book):
        t = book.table("T3")
        total = t.row("合计")
        firsts = [r for r in t.rows.values() if r.code and len(r.code) == 3]
        for col, cell in total.values.items():
            letter = cell.ref.a1.rstrip("0123456789")
            parts = ",".join(f"{letter}{r.ref_row + 1}" for r in firsts if col in r.values)
            wb[t.sheet].cell(cell.ref.row + 1, cell.ref.col + 1).value = f"=SUM({parts})"

    return _variant(d, "uncalculated_formulas.xlsx", change)


def uncalculated_other_formulas(d: Path) -> Path:
    """The same 合计 row with SUBTOTAL (a function outside the templates' plain formulas, which the
    reader computes itself): never calculated, so unknown, never read as zero."""
    def change(wb, book):
        t = book.table("T3")
        total = t.row("合计")
        firsts = [r for r in t.rows.values() if r.code and len(r.code) == 3]
        for col, cell in total.values.items():
            letter = cell.ref.a1.rstrip("0123456789")
            parts = ",".join(f"{letter}{r.ref_row + 1}" for r in firsts if col in r.values)
            wb[t.sheet].cell(cell.ref.row + 1, cell.ref.col + 1).value = f"=SUBTOTAL(9,{parts})"

    return _variant(d, "uncalculated_other_formulas.xlsx", change)


def bad_codes(d: Path) -> Path:
    """Codes as accountants mistype them: spaces and a leading apostrophe (accepted), a 6-digit code
    and a code that appears twice (both reported)."""
    def change(wb, book):
        t = book.table("T3")
        coded = [r for r in t.rows.values() if r.code]
        ws = wb[t.sheet]
        code_col = next(iter(coded[0].values.values())).ref.col - 1  # the name column is left of amounts
        while code_col > 0 and not str(ws.cell(coded[0].ref_row + 1, code_col + 1).value or "").isdigit():
            code_col -= 1

        def put(row, text):
            ws.cell(row.ref_row + 1, code_col + 1).value = text

        put(coded[0], f" {coded[0].code[:3]} ")
        put(coded[1], f"'{coded[1].code}")
        put(coded[2], coded[2].code[:6] if len(coded[2].code) == 7 else coded[2].code + "0")
        put(coded[3], coded[1].code)

    return _variant(d, "bad_codes.xlsx", change)


def mixed_units(d: Path) -> Path:
    """T1 and T2 in 元, the other tables in 万元: the same unit, read exactly."""
    in_yuan = _good(d / "_yuan.xlsx", money_unit="元")
    src = _good(d / "_full.xlsx")
    yuan = load_workbook(in_yuan)

    def change(wb, book):
        for tid in ("T1", "T2"):
            name = book.table(tid).sheet
            for row in yuan[name].iter_rows():
                for c in row:
                    if c.coordinate not in yuan[name].merged_cells:  # same layout: only values differ
                        wb[name].cell(c.row, c.column).value = c.value

    p = _edit(src, d / "mixed_units.xlsx", change)
    src.unlink()
    in_yuan.unlink()
    return p


def open_in_excel(d: Path) -> Path:
    """A workbook with Excel's lock file beside it: it is open in Excel right now."""
    folder = d / "open_in_excel"
    folder.mkdir(exist_ok=True)
    p = _good(folder / "局机关.xlsx")
    lock_file(folder)
    return p


def formula_injection(d: Path) -> Path:
    """Texts that would be formulas if copied into an output workbook as they are."""
    def change(wb, book):
        t = book.table("T3")
        ws = wb[t.sheet]
        label_col = min(c.ref.col for c in t.row("合计").values.values()) - 1
        last = max(r.ref_row for r in t.rows.values()) + 1
        for cell, text in ((ws.cell(last + 1, label_col + 1), '=HYPERLINK("http://example.invalid","点此")'),
                           (_unit_name_cell(wb), "=cmd|' /C calc'!A0")):
            cell.value = text
            cell.data_type = "s"  # text that looks like a formula, as a pasted value would be
        ws.cell(last + 1, label_col + 2).value = 1
        ws.cell(last + 2, label_col + 1).value = "+1+2"
        ws.cell(last + 2, label_col + 2).value = 2
        ws.cell(last + 3, label_col + 1).value = "@SUM(A1)"
        ws.cell(last + 3, label_col + 2).value = 3

    return _variant(d, "formula_injection.xlsx", change)


def _unit_name_cell(wb):
    """The cell right of 单位名称 on the cover sheet."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.strip().rstrip(":：") == "单位名称":
                    return ws.cell(c.row, c.column + 1)
    raise LookupError("no 单位名称 on the cover sheet")


def huge_sheet(d: Path, rows: int = 300_000) -> Path:
    """The sample plus a sheet of ``rows`` rows × 8 numbers, its XML written directly (fast)."""
    body = "".join(f'<row r="{r}">' + "".join(f'<c r="{col}{r}"><v>{r % 997}.5</v></c>' for col in "ABCDEFGH")
                   + "</row>" for r in range(1, rows + 1))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           f"{body}</sheetData></worksheet>").encode()
    entry = '<sheet name="明细流水" sheetId="99" r:id="rIdHuge"/>'.encode()
    rel = (b'<Relationship Id="rIdHuge" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           b'worksheet" Target="worksheets/huge.xml"/>')
    override = (b'<Override PartName="/xl/worksheets/huge.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
    return _sample_rezipped(d, "huge_sheet.xlsx", {
        "xl/workbook.xml": lambda x: x.replace(b"</sheets>", entry + b"</sheets>"),
        "xl/_rels/workbook.xml.rels": lambda x: x.replace(b"</Relationships>", rel + b"</Relationships>"),
        "[Content_Types].xml": lambda x: x.replace(b"</Types>", override + b"</Types>"),
    }, {"xl/worksheets/huge.xml": xml})


COMMITTED = (not_a_workbook, truncated, corrupted_entry, zip_not_workbook, encrypted, fake_legacy, empty_file,
             empty_workbook, lock_file, legacy_xls, libreoffice_ods, wps_et, missing_sheets, reordered_columns,
             renamed_header, merged_over_data, hidden_rows_and_columns, text_numbers, excel_errors,
             uncalculated_formulas, uncalculated_other_formulas,
             bad_codes, mixed_units, open_in_excel, formula_injection)
ON_DEMAND = {"bomb_sheet.xlsx": bomb_sheet, "bomb_shared_strings.xlsx": bomb_shared_strings,
             "huge_sheet.xlsx": huge_sheet}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the committed files exist")
    ap.add_argument("--only", nargs="*", help="remake only these (function names)")
    args = ap.parse_args()
    if args.check:
        import yaml

        cases = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
        missing = [c["file"] for c in cases if not c.get("on_demand") and not (HERE / c["file"]).exists()]
        print("missing: " + ", ".join(missing) if missing else "all committed inputs present")
        return 1 if missing else 0
    for make in COMMITTED:
        if args.only and make.__name__ not in args.only:
            continue
        print(make(HERE).relative_to(HERE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
