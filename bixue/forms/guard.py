"""A workbook's size checked before it is read: what a reader would allocate, never the file.

An .xlsx is a zip of XML parts. Its members' declared sizes, compression ratios and count are
read from the zip directory; every XML part is then decompressed in chunks (memory: one chunk)
and scanned for a DTD (entity-expansion bombs: no spreadsheet needs one), and every sheet for
its declared <dimension> and the rows and columns its cells actually take. calamine allocates
a dense grid from the first to the last cell present, so one cell at XFD1048576 costs
16384 x 1048576 cells: such a sheet is refused before calamine sees it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from bixue.rules.problem import Problem, column_letter

_MIB = 1024 * 1024
_CHUNK = _MIB


@dataclass(frozen=True)
class WorkbookLimits:
    """Bounds on one workbook (settings.yaml `workbook:`); the defaults are the shipped ones."""

    max_rows: int = 20_000  # rows of one sheet, first to last cell present or declared
    max_columns: int = 256  # columns of one sheet (IV, the old .xls width)
    max_members: int = 1_000  # parts inside the .xlsx zip
    max_member_bytes: int = 100 * _MIB  # one part, decompressed
    max_total_bytes: int = 200 * _MIB  # all parts, decompressed
    max_ratio: int = 200  # decompressed / compressed size of a part over 1 MB
    max_xls_bytes: int = 20 * _MIB  # an .xls (BIFF) file as sent


LIMITS = WorkbookLimits()
# A submission with one of these problems was never read: nothing may open its file again.
UNREAD_RULES = frozenset(
    {"sheet_too_large", "workbook_too_large", "xml_entities", "parse_failed", "unreadable"}
)

RESAVE = (
    "请在Excel或WPS中打开，删除表格以外多余的行和列（或把报表内容复制到新的工作簿），"
    "另存为.xlsx后重新报送。"
)


def _size(n: int) -> str:
    return f"{n / _MIB:.1f} MB" if n >= 100 * 1024 else f"{n / 1024:.1f} KB"


def _refusal(rule: str, message: str, sheet: str | None = None, fix: str = RESAVE) -> Problem:
    return Problem(rule=rule, message=message, sheet=sheet, fix=fix)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
# Refs found by their literal start ' r="' in the text, every tab and line break made a blank
# first (one C pass, only in a piece that has one), several times faster than matching the tags
# around them: a cell's r is letters then digits, a row's only digits, and no other attribute is
# spelled r. A stray match can only make a sheet look larger. Two passes with one small object
# per ref (a pair per cell cost a tuple more): the column letters (a sheet has a few distinct
# ones), and the row digits of every ref, cells' and rows' alike.
_REF_LETTERS = re.compile(rb' r="([A-Z]{1,4})[0-9]')
_REF_ROW = re.compile(rb' r="[A-Z]{0,4}([0-9]{1,8})"')
_BLANKS = bytes.maketrans(b"\t\n\r", b"   ")
_REF = re.compile(r"^\$?([A-Z]{1,4})\$?([0-9]{1,8})$")
_DTD = (b"<!DOCTYPE", b"<!ENTITY")


def _column(letters: bytes | str) -> int:
    """1-based column number of A, Z, AA … XFD."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _span(ref: str) -> tuple[int, int, str] | None:
    """(rows, columns, last cell) a dimension ref such as A1:XFD1048576 declares."""
    parts = [_REF.match(p) for p in ref.strip().split(":")]
    if not parts or any(p is None for p in parts):
        return None
    first, last = parts[0], parts[-1]
    assert first is not None and last is not None
    rows = int(last.group(2)) - int(first.group(2)) + 1
    cols = _column(last.group(1)) - _column(first.group(1)) + 1
    return rows, cols, f"{last.group(1)}{last.group(2)}"


def _chunks(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's text in pieces that end after a '>' (a tag is never cut), one chunk in memory."""
    pending = b""
    with book.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            buf = pending + chunk
            cut = buf.rfind(b">") + 1
            yield buf[:cut]
            pending = buf[cut:][-4096:]  # text between tags is not looked at
    if pending:
        yield pending


class Cells(int):
    """A workbook's cells as the guard counted them, and whether any sheet holds a formula
    (the parser then looks for formulas saved without a value; it need not read them again)."""

    formulas: bool

    def __new__(cls, count: int, formulas: bool) -> Cells:
        found = super().__new__(cls, count)
        found.formulas = formulas
        return found


@dataclass
class _Extent:
    first_row: int = 0
    last_row: int = 0
    first_col: int = 0
    last_col: int = 0

    def add_refs(self, letters: set[bytes], rows: list[bytes]) -> None:
        """Refs found in one piece of a sheet: their distinct column letters and their row
        numbers (cells' and rows' elements); min and max taken in C."""
        if letters:
            cols = [_column(found) for found in letters]
            self.first_col = min(self.first_col or min(cols), min(cols))
            self.last_col = max(self.last_col, max(cols))
        if rows:
            numbers = list(map(int, rows))
            low, high = min(numbers), max(numbers)
            self.first_row = min(self.first_row or low, low)
            self.last_row = max(self.last_row, high)

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1 if self.last_row else 0

    @property
    def cols(self) -> int:
        return self.last_col - self.first_col + 1 if self.last_col else 0


def _sheet_names(book: zipfile.ZipFile) -> dict[str, str]:
    """Part name -> sheet name as Excel shows it; {} when the workbook part cannot say."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    except MemoryError:
        raise
    except Exception:  # damaged parts: the part names are shown instead
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    names: dict[str, str] = {}
    for sheet in workbook.iter(f"{main}sheet"):
        target = targets.get(sheet.get(rel), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        names[part] = sheet.get("name", "")
    return names


def _oversize(sheet: str, what: str, rows: int, cols: int, limits: WorkbookLimits) -> Problem:
    return _refusal(
        "sheet_too_large",
        f"工作表“{sheet}”{what}（{rows}行、{cols}列），超过每张工作表"
        f"{limits.max_rows}行、{limits.max_columns}列的上限，文件未读取。",
        sheet,
    )


def _scan_sheet(
    book: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str, limits: WorkbookLimits
) -> Problem | Cells:
    """The reason one sheet part is refused (a DTD, a declared or actual size), or its cells.

    Cells: rows x columns from the first to the last cell present, what calamine allocates.
    """
    extent = _Extent()
    declared_checked = False
    formulas = False
    for text in _chunks(book, info):
        if b"<!" in text and any(marker in text for marker in _DTD):
            return _dtd(sheet)
        if not declared_checked and (found := _DIMENSION.search(text)):
            declared_checked = True
            span = _span(found.group(1).decode("ascii", "replace"))
            if span and (span[0] > limits.max_rows or span[1] > limits.max_columns):
                return _oversize(sheet, f"的已用区域声明到{span[2]}", span[0], span[1], limits)
        formulas = formulas or b"<f" in text  # as the parser looks for them
        if b"\n" in text or b"\t" in text or b"\r" in text:  # a copy only when needed
            text = text.translate(_BLANKS)
        extent.add_refs(set(_REF_LETTERS.findall(text)), _REF_ROW.findall(text))
        if extent.rows > limits.max_rows or extent.cols > limits.max_columns:
            last = f"{column_letter(extent.last_col - 1)}{extent.last_row}"
            return _oversize(sheet, f"的单元格延伸到{last}", extent.rows, extent.cols, limits)
    return Cells(extent.rows * extent.cols, formulas)


def _dtd(part: str) -> Problem:
    return _refusal(
        "xml_entities",
        f"文件中“{part}”含有XML实体声明（DOCTYPE/ENTITY），Excel保存的工作簿不会有这种内容，"
        "出于安全原因文件未读取。",
        part,
        fix="请在Excel或WPS中打开后另存为新的.xlsx工作簿重新报送。",
    )


def _corrupt() -> Problem:
    return _refusal(
        "unreadable",
        "文件已损坏（压缩包结构或校验不符），无法作为Excel工作簿读取。",
        fix="请用Excel或WPS打开确认文件完好，另存为.xlsx后重新报送。",
    )


def check_xlsx(content: bytes, limits: WorkbookLimits = LIMITS) -> Problem | Cells:
    """Why an .xlsx must not be read (sizes, ratios, DTD, sheet extent), or its sheets' cells."""
    try:
        book = zipfile.ZipFile(io.BytesIO(content))
        infos = [i for i in book.infolist() if not i.is_dir()]
    except MemoryError:
        raise
    except Exception:  # zipfile raises assorted errors on damaged directories (fuzzing found 5)
        return _corrupt()
    if len(infos) > limits.max_members:
        return _refusal(
            "workbook_too_large",
            f"工作簿内部有{len(infos)}个组成部分，超过上限{limits.max_members}个，文件未读取。",
        )
    total = sum(i.file_size for i in infos)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.max_member_bytes or (
            info.file_size > _MIB and ratio > limits.max_ratio
        ):
            return _refusal(
                "workbook_too_large",
                f"工作簿中的“{info.filename}”解压后{_size(info.file_size)}（压缩比{ratio:.0f}），"
                f"超过上限（单个部分{_size(limits.max_member_bytes)}、压缩比{limits.max_ratio}），"
                "文件未读取。",
            )
    if total > limits.max_total_bytes:
        return _refusal(
            "workbook_too_large",
            f"工作簿解压后合计{_size(total)}，超过上限{_size(limits.max_total_bytes)}，文件未读取。",
        )
    names = _sheet_names(book)
    cells = 0
    formulas = False
    try:
        for info in infos:
            lowered = info.filename.lower()
            if not lowered.endswith((".xml", ".rels", ".vml")):
                continue
            if lowered.startswith("xl/worksheets/") and lowered.endswith(".xml"):
                sheet = names.get(info.filename, info.filename)
                found = _scan_sheet(book, info, sheet, limits)
                if isinstance(found, Problem):
                    return found
                cells += found
                formulas = formulas or found.formulas
            elif any(
                b"<!" in text and any(m in text for m in _DTD) for text in _chunks(book, info)
            ):
                return _dtd(info.filename)
    except MemoryError:
        raise
    except Exception:  # zlib.error, BadZipFile, NotImplementedError (a method), EOFError …
        return _corrupt()
    return Cells(cells, formulas)


def check_xls(content: bytes, limits: WorkbookLimits = LIMITS) -> Problem | None:
    """Why an .xls (BIFF) must not be read: only its size can be told before reading."""
    if len(content) <= limits.max_xls_bytes:
        return None
    return _refusal(
        "workbook_too_large",
        f"文件大小{_size(len(content))}，超过.xls工作簿上限{_size(limits.max_xls_bytes)}，文件未读取。",
        fix="请在Excel或WPS中另存为.xlsx工作簿（删除多余的行列）后重新报送。",
    )


def measure_workbook(content: bytes, limits: WorkbookLimits = LIMITS) -> Problem | Cells | None:
    """Why a workbook must not be read; else its cells (.xlsx) or None (.xls: not countable)."""
    if content.startswith(b"PK"):
        return check_xlsx(content, limits)
    return check_xls(content, limits)


def check_workbook(content: bytes, limits: WorkbookLimits = LIMITS) -> Problem | None:
    """Why a workbook must not be read, or None: .xlsx by its parts, anything else by size."""
    found = measure_workbook(content, limits)
    return found if isinstance(found, Problem) else None
