"""Read a submitted workbook into tidy rows: header found by content, cells normalised per kind."""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache, lru_cache
from typing import Any
from xml.etree import ElementTree

import pandas as pd
from python_calamine import CalamineWorkbook

from bixue.forms.guard import LIMITS, WorkbookLimits, check_workbook
from bixue.forms.sheet import ParsedSheet as ParsedSheet  # re-exported
from bixue.forms.spec import FORMS, INVALID, WORKBOOKS, Column, FormSpec
from bixue.forms.spec import frame_columns as frame_columns  # re-exported
from bixue.rules.problem import Problem, column_letter

HEADER_SCAN_ROWS = 20
NOTE_PREFIXES = ("注", "说明", "备注", "填表说明")
TOTAL_LABELS = {"合计", "小计", "总计"}


_SPACE = re.compile(r"\s+")


def _short_cached(convert: Callable[[str], str], size: int) -> Callable[[str], str]:
    """convert, computed once per distinct text of up to 200 characters in this process
    (longer texts are not kept): headers, sites, stages and names recur across a month."""
    cached = lru_cache(maxsize=size)(convert)
    return lambda text: cached(text) if len(text) <= 200 else convert(text)


def _squeezed(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


_norm = _short_cached(_squeezed, 1 << 16)


def norm(value: object) -> str:
    """Text as compared: NFKC (full-width to half-width), no white space of any kind."""
    if value is None or value == "":
        return ""
    return _norm(str(value))


_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")


def _cleaned(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return (_BREAK.sub("\n", text) if "\n" in text else text).strip()


_clean = _short_cached(_cleaned, 1 << 14)


def clean_text(value: object) -> str:
    """Text as stored: NFKC, line breaks folded, outer white space dropped."""
    return _clean(str(value))


@dataclass
class ParsedWorkbook:
    """Every recognised form in a workbook; problems about the file as a whole."""

    workbook: str | None
    sheets: list[ParsedSheet]
    problems: list[Problem] = field(default_factory=list)

    @property
    def period(self) -> tuple[int, int] | None:
        return next((s.period for s in self.sheets if s.period), None)

    @property
    def unit_text(self) -> str | None:
        """The first 填报单位 filled in; "" when every such line is blank, None when none."""
        texts = [s.unit_text for s in self.sheets if s.unit_text is not None]
        return next((t for t in texts if t), "" if texts else None)


# ---------------------------------------------------------------- title lines

_PERIOD_RANGE = re.compile(r"(\d{4})年(?:1|一)?月?[-—–~～至到]+(\d{1,2})月")
_PERIOD_MONTH = re.compile(r"(\d{4})年(\d{1,2})月")
_SUBMITTER = re.compile(r"^填报单位[:：]?(.*)$")


def find_period(rows: Sequence[Sequence[Any]], upto: int) -> tuple[int, int] | None:
    """The reporting period from the title lines: 2023年1—5月 (or 2023年5月) -> (2023, 5)."""
    for row in rows[:upto]:
        for cell in row:
            text = norm(cell)
            match = _PERIOD_RANGE.search(text) or _PERIOD_MONTH.search(text)
            if match:
                year, month = int(match.group(1)), int(match.group(2))
                if 2000 <= year <= 2100 and 1 <= month <= 12:
                    return year, month
    return None


def find_submitter(rows: Sequence[Sequence[Any]], upto: int) -> str | None:
    """The 填报单位 text, whether in the same cell or the next non-empty one.

    "" when the line is there but left blank; None when the sheet has no such line. A merged
    line repeats its text into the cells it covers: those copies are not the unit's name.
    """
    for row in rows[:upto]:
        cells = [norm(c) for c in row]
        for i, text in enumerate(cells):
            match = _SUBMITTER.match(text)
            if not match:
                continue
            rest = match.group(1).strip()
            if not rest:
                rest = next((c for c in cells[i + 1 :] if c and not _SUBMITTER.match(c)), "")
            # A trailing "填报日期：…" or "单位：万元" in the same cell is not part of the name.
            rest = re.split(r"填报(?:日期|时间|人)|联系人|单位[:：]", rest)[0]
            return rest.strip(" ：:")
    return None


# ---------------------------------------------------------------- header detection


@cache
def _header_keys(col: Column) -> frozenset[str]:
    return frozenset({norm(col.header), *(norm(a) for a in col.aliases)})


def _fill_merged(grid: list[list[Any]], merged: Sequence[Any]) -> None:
    """Copy each merged range's value into all its cells, so a parent header covers its children."""
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(grid):
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else ""
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, len(grid[r]) - 1) + 1):
                grid[r][c] = value


@cache
def _header_index(form: str) -> tuple[dict[str, frozenset[str]], tuple[tuple[str, str], ...]]:
    """A form's headers as exact texts -> column keys, and (text, key) matched inside a cell."""
    exact: dict[str, set[str]] = {}
    partial: list[tuple[str, str]] = []
    for col in FORMS[form].columns:
        for key in _header_keys(col):
            if key:
                exact.setdefault(key, set()).add(col.key)
                if len(key) >= 4:
                    partial.append((key, col.key))
    return {k: frozenset(v) for k, v in exact.items()}, tuple(partial)


@lru_cache(maxsize=65536)
def _columns_matching(text: str, form: str) -> frozenset[str]:
    """The keys of the form's columns whose header a (normalised) cell text matches."""
    exact, partial = _header_index(form)
    found = {key for header, key in partial if header in text}
    return exact.get(text, frozenset()) | found if found else exact.get(text, frozenset())


def head_of(grid: list[list[Any]]) -> list[list[str]]:
    """The rows where titles and headers can be, normalised once per sheet."""
    return [[norm(c) for c in row] for row in grid[: HEADER_SCAN_ROWS + 1]]


Located = tuple[int, dict[str, int], int]


def filled_cells(head: list[list[str]]) -> list[list[tuple[int, str]]]:
    """Each head row's non-empty cells with their column: what every form's search reads."""
    return [[(i, text) for i, text in enumerate(row) if text] for row in head[:HEADER_SCAN_ROWS]]


def locate_columns(
    head: list[list[str]], spec: FormSpec, filled: list[list[tuple[int, str]]] | None = None
) -> Located | None:
    """Header row, field -> column index, and the first row after the header block.

    filled: `filled_cells(head)`, when several forms are tried on one sheet.
    """
    best: Located | None = None
    needed = max(2, (len(spec.columns) + 1) // 2)
    filled = filled if filled is not None else filled_cells(head)
    for r in range(min(HEADER_SCAN_ROWS, len(head))):
        cells = filled[r]
        if len(cells) < needed:
            continue
        matches = [(i, keys) for i, text in cells if (keys := _columns_matching(text, spec.key))]
        if len(matches) < needed:
            continue  # each found column takes a distinct matching cell
        below = head[r + 1] if r + 1 < len(head) else []
        found: dict[str, int] = {}
        taken: set[int] = set()
        for col in spec.columns:
            for i, keys in matches:
                if i in taken or col.key not in keys:
                    continue
                if col.sub and (i >= len(below) or below[i] != norm(col.sub)):
                    continue
                found[col.key] = i
                taken.add(i)
                break
        if len(found) >= needed and (best is None or len(found) > len(best[1])):
            start = r + 2 if spec.two_row_header else r + 1
            best = (r, found, start)
    return best


# ---------------------------------------------------------------- cell values

_YI = {"亿元": 1.0, "亿": 1.0, "万元": 1e-4, "万": 1e-4, "元": 1e-8}
_WAN_USD = {"万美元": 1.0, "亿美元": 1e4, "美元": 1e-4, "万": 1.0}
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)([^\d]*)$")


def _unit_table(col: Column) -> dict[str, float]:
    return _WAN_USD if "万美元" in col.header else _YI


def to_number(value: Any, col: Column) -> float | None:
    """A number in the column's own unit; None when the text is not a number (kept as invalid)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = norm(value).replace(",", "").replace("，", "")
    match = _NUMBER.match(text)
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    if not unit:
        return number
    factor = _unit_table(col).get(unit)
    return None if factor is None else number * factor


_DATE = re.compile(r"^(?:(\d{4})[年./-])?(\d{1,2})[月./-](\d{1,2})日?$")


def to_date(value: Any, year: int | None) -> date | None:
    """A date from an Excel date, a serial, 2023.3.1, 2023-03-01, 2023年3月1日 or 3月1日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(value))).date()
    match = _DATE.match(norm(value))
    if not match:
        return None
    y = int(match.group(1)) if match.group(1) else year
    if y is None:
        return None
    try:
        return date(y, int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


_MONTH = re.compile(r"^(\d{4})[年./-](\d{1,2})月?$")


def to_month(value: Any) -> str | None:
    """A month as YYYY-MM from 2023年3月, 2023.3, 2023-03 or a date."""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    text = norm(value)
    match = _MONTH.match(text)
    if not match:
        as_date = to_date(value, None)
        return f"{as_date.year:04d}-{as_date.month:02d}" if as_date else None
    month = int(match.group(2))
    return f"{int(match.group(1)):04d}-{month:02d}" if 1 <= month <= 12 else None


_RANGE_SPLIT = re.compile(r"至|到|[-—–~～]")


def to_date_range(value: Any, year: int | None) -> tuple[date, date] | None:
    """起止时间 such as 3月5日至3月8日 (or 3月5日至8日, or one day) inside the reporting year."""
    if isinstance(value, datetime | date):
        day = to_date(value, year)
        return (day, day) if day else None
    parts = [p for p in _RANGE_SPLIT.split(norm(value)) if p]
    if len(parts) == 1:
        day = to_date(parts[0], year)
        return (day, day) if day else None
    if len(parts) != 2:
        return None
    start = to_date(parts[0], year)
    end_text = parts[1]
    if start and re.fullmatch(r"\d{1,2}日?", end_text):
        end_text = f"{start.month}月{end_text.rstrip('日')}日"
    end = to_date(end_text, start.year if start else year)
    if not start or not end or end < start:
        return None
    return start, end


_DASHES = re.compile(r"\s*[-‐‑‒–—―－]+\s*")


def normal_code(value: Any) -> str:
    """A project code with any dash (-, –, －, —) written as the seed's “—”, spaces removed."""
    return _DASHES.sub("—", _as_text(value)).replace(" ", "")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text_cell(value: Any) -> str | None:
    """A text column's value: None for empty or blank, else the cell as clean text."""
    if type(value) is str:
        return clean_text(value) if value.strip() else None
    return None if value is None else _as_text(value)


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    return clean_text(value)


def convert_cell(value: Any, col: Column, year: int | None) -> tuple[dict[str, Any], str | None]:
    """Field values for one cell, and the raw text when it cannot be read as the column's kind."""
    if _is_blank(value):
        out: dict[str, Any] = {col.key: None}
        if col.kind == "date_range":
            out |= {f"{col.key}_start": None, f"{col.key}_end": None}
        return out, None
    if col.kind == "code":
        return {col.key: normal_code(value)}, None
    if col.kind == "text":
        return {col.key: _as_text(value)}, None
    if col.kind in ("number", "integer"):
        number = to_number(value, col)
        return {col.key: number}, None if number is not None else _as_text(value)
    if col.kind == "date":
        day = to_date(value, year)
        return {col.key: day.isoformat() if day else None}, None if day else _as_text(value)
    if col.kind == "month":
        month = to_month(value)
        return {col.key: month}, None if month else _as_text(value)
    span = to_date_range(value, year)
    fields = {
        col.key: _as_text(value),
        f"{col.key}_start": span[0].isoformat() if span else None,
        f"{col.key}_end": span[1].isoformat() if span else None,
    }
    return fields, None if span else _as_text(value)


# ---------------------------------------------------------------- rows


def _first_filled(cells: Sequence[Any]) -> Any:
    """The first cell that is neither empty nor blank text; None when there is none."""
    for c in cells:  # a loop, not next() over a generator: called for every row of a month
        if c is not None and not (isinstance(c, str) and not c.strip()):
            return c
    return None


def _is_note(cells: list[Any]) -> bool:
    first = _first_filled(cells)
    return type(first) is str and norm(first.lstrip()[:8]).startswith(NOTE_PREFIXES)


@cache
def _hints(spec: FormSpec) -> frozenset[str]:
    return frozenset(norm(c.hint) for c in spec.columns if c.hint)


def _is_hint_row(values: list[Any], hints: frozenset[str]) -> bool:
    """A row of the guidance printed under the headers (every filled cell is a hint text)."""
    texts = [v for v in values if not _is_blank(v)]
    return bool(texts) and all(type(t) is str and norm(t) in hints for t in texts)


def _convert_number(value: Any, col: Column) -> tuple[Any, str | None]:
    kind = type(value)
    if kind is float:
        return (None, "nan") if math.isnan(value) else (value, None)
    if kind is int:
        return float(value), None
    number = to_number(value, col)
    return number, None if number is not None else _as_text(value)


_UNSEEN = object()


def _memoised(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """convert, computed once per distinct text: a column repeats its sites, stages, dates."""
    seen: dict[str, Any] = {}

    def once(raw: Any) -> Any:
        if type(raw) is not str:
            return convert(raw)
        hit = seen.get(raw, _UNSEEN)
        if hit is _UNSEEN:
            hit = seen[raw] = convert(raw)
        return hit

    return once


def convert_column(raws: list[Any], col: Column, year: int | None) -> dict[str, list[Any]]:
    """convert_cell over one column's cells, with the common cell types read directly."""
    kind = col.kind
    if kind in ("number", "integer"):
        values: list[Any] = []
        invalid: list[str | None] = []
        for raw in raws:
            if _is_blank(raw):
                values.append(None)
                invalid.append(None)
                continue
            number, bad = _convert_number(raw, col)
            values.append(number)
            invalid.append(bad)
        return {col.key: values, col.key + INVALID: invalid}
    if kind == "text":
        text = _memoised(_text_cell)
        return {col.key: [text(raw) for raw in raws]}
    if kind == "code":
        return {col.key: [None if _is_blank(raw) else normal_code(raw) for raw in raws]}
    spans = [f"{col.key}_start", f"{col.key}_end"] if kind == "date_range" else []
    out: dict[str, list[Any]] = {name: [] for name in (col.key, *spans, col.key + INVALID)}
    cell = _memoised(lambda raw: convert_cell(raw, col, year))
    for raw in raws:
        fields, bad = cell(raw)
        for name, value in fields.items():
            out[name].append(value)
        out[col.key + INVALID].append(bad)
    return out


def _data_rows(
    grid: list[list[Any]], start: int, spec: FormSpec, columns: dict[str, int]
) -> list[int]:
    """The 0-based rows of the table: up to the notes, without blank, hint and total rows."""
    kept: list[int] = []
    indexes = list(columns.values())
    widest = max(indexes, default=-1)
    hints = _hints(spec)
    for r in range(start, len(grid)):
        cells = grid[r]
        if _is_note(cells):
            break
        if widest < len(cells):
            values = [cells[i] for i in indexes]
        else:
            values = [cells[i] if i < len(cells) else None for i in indexes]
        first = _first_filled(values)
        if first is None:
            continue
        # Guidance sits between the headers and the data: no need to look for it further down.
        if hints and not kept and _is_hint_row(values, hints):
            continue
        if type(first) is str and len(first) <= 12 and norm(first) in TOTAL_LABELS:
            continue
        kept.append(r)
    return kept


def object_frame(columns: dict[str, list[Any]], names: list[str]) -> pd.DataFrame:
    """A frame of Python values with None for missing, as the checks and the loader read it."""
    return pd.DataFrame({name: columns[name] for name in names}, columns=names, dtype=object)


def parse_sheet(
    grid: list[list[Any]],
    spec: FormSpec,
    sheet: str,
    head: list[list[str]] | None = None,
    located: Located | None = None,
) -> ParsedSheet:
    """The form's rows from a sheet grid; missing columns are problems, not crashes."""
    head = head if head is not None else head_of(grid)
    located = located if located is not None else locate_columns(head, spec)
    period = find_period(head, HEADER_SCAN_ROWS)
    unit_text = find_submitter(head, HEADER_SCAN_ROWS)
    names = frame_columns(spec)
    if located is None:
        problem = Problem(
            rule="header_not_found",
            message=f"未找到《{spec.title}》的表头。",
            sheet=sheet,
            fix="请使用统一下发的模板填报，不要删改表头。",
        )
        empty = object_frame({name: [] for name in names}, names)
        return ParsedSheet(spec.key, sheet, empty, {}, unit_text, period, [problem])
    header_row, columns, start = located
    problems = [
        Problem(
            rule="column_missing",
            message=f"未找到列「{col.label}」。",
            sheet=sheet,
            row=header_row + 1,
            header=col.label,
            fix="请使用统一下发的模板填报，不要删改表头。",
        )
        for col in spec.columns
        if col.key not in columns and col.required
    ]
    year = period[0] if period else None
    rows = _data_rows(grid, start, spec, columns)
    fields: dict[str, list[Any]] = {"excel_row": [r + 1 for r in rows]}
    for col in spec.columns:
        idx = columns.get(col.key)
        raws = [grid[r][idx] if idx is not None and idx < len(grid[r]) else None for r in rows]
        fields |= convert_column(raws, col, year)
    for name, _ in spec.derived:
        fields[name] = [None] * len(rows)
    frame = object_frame(fields, names)
    return ParsedSheet(spec.key, sheet, frame, columns, unit_text, period, problems)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _sheet_paths(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, through the workbook's relationships."""
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    paths = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(_REL), "")
        paths[sheet.get("name", "")] = (
            target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        )
    return paths


def uncached_formulas(content: bytes) -> dict[str, list[tuple[int, int]]]:
    """Per sheet, the (row, 0-based column) of formulas saved without a computed value.

    calamine reads such a cell as empty, so it must be found here, in the sheet XML, read
    incrementally (a sheet's tree is never built whole; the guard has refused DTDs before).
    """
    found: dict[str, list[tuple[int, int]]] = {}
    try:
        book = zipfile.ZipFile(io.BytesIO(content))
        paths = _sheet_paths(book)
    except MemoryError:
        raise
    except Exception:  # not an xlsx (an .xls), or broken: nothing to look for
        return found
    for name, path in paths.items():
        try:
            if not _has_formula(book, path):
                continue
            cells = list(_uncached_cells(book, path))
        except MemoryError:
            raise
        except Exception:  # a damaged part: its formulas cannot be told, calamine reports it
            continue
        if cells:
            found[name] = cells
    return found


def _has_formula(book: zipfile.ZipFile, path: str) -> bool:
    """Whether a sheet part holds a formula element at all (a cheap scan, 1 MB at a time)."""
    tail = b""
    with book.open(path) as fh:
        while chunk := fh.read(1 << 20):
            if b"<f" in tail + chunk:
                return True
            tail = chunk[-1:]
    return False


def _uncached_cells(book: zipfile.ZipFile, path: str) -> Iterator[tuple[int, int]]:
    """(row, 0-based column) of one sheet's formulas without a value, the XML read streaming."""
    with book.open(path) as fh:
        for _, cell in ElementTree.iterparse(fh, events=("end",)):
            if cell.tag != f"{_MAIN}c":
                if cell.tag == f"{_MAIN}row":
                    cell.clear()
                continue
            value = cell.find(f"{_MAIN}v")
            if cell.find(f"{_MAIN}f") is not None and (value is None or not value.text):
                match = _CELL_REF.match(cell.get("r", ""))
                if match:
                    col = 0
                    for ch in match.group(1):
                        col = col * 26 + ord(ch) - 64
                    yield int(match.group(2)), col - 1
            cell.clear()


def _formula_problems(sheet: ParsedSheet, cells: list[tuple[int, int]]) -> list[Problem]:
    """One problem per uncached formula in a data row of the form's table."""
    rows = set(sheet.frame["excel_row"]) if len(sheet.frame) else set()
    keys = {index: key for key, index in sheet.columns.items()}
    spec = FORMS[sheet.form]
    return [
        Problem(
            rule="formula_uncached",
            message="该单元格是公式，但文件中没有公式的计算结果，无法读取数值。",
            sheet=sheet.sheet,
            row=row,
            column=column_letter(col),
            header=spec.column(keys[col]).label,
            fix="请在Excel或WPS中打开并重新计算后保存，或把公式单元格“选择性粘贴为数值”后重新报送。",
        )
        for row, col in cells
        if row in rows and col in keys
    ]


def read_grids(content: bytes) -> list[tuple[str, list[list[Any]]]]:
    """Every sheet's cell grid at its absolute positions, merged ranges filled (xlsx and xls)."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    grids = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        grid: list[list[Any]] = sheet.to_python(skip_empty_area=False)  # fresh lists: ours
        _fill_merged(grid, sheet.merged_cell_ranges or [])
        grids.append((name, grid))
    return grids


def _score(
    head: list[list[str]], spec: FormSpec, filled: list[list[tuple[int, str]]], title_text: str
) -> tuple[int, Located | None]:
    located = locate_columns(head, spec, filled)
    title_hits = sum(norm(k) in title_text for k in (spec.title, *spec.keywords))
    return (len(located[1]) if located else 0) * 10 + title_hits, located


def recognise(head: list[list[str]]) -> tuple[FormSpec, Located | None] | None:
    """The form whose headers (and title) a sheet's head carries best, with where they are."""
    filled = filled_cells(head)
    title_text = "".join(c for row in head[:HEADER_SCAN_ROWS] for c in row)
    scored = [(_score(head, spec, filled, title_text), spec) for spec in FORMS.values()]
    (score, located), spec = max(scored, key=lambda pair: pair[0][0])
    return (spec, located) if score >= 30 else None


def parse_workbook(
    content: bytes,
    limits: WorkbookLimits = LIMITS,
    *,
    checked: bool = False,
    formulas: bool = True,
) -> ParsedWorkbook:
    """All forms found in a workbook; a file with none, or too large to read, is one problem.

    checked: the guard has already passed these bytes (it is not run twice); formulas: False
    when the guard found no formula in any sheet (they are not looked for again).
    """
    refused = None if checked else check_workbook(content, limits)
    if refused is not None:
        return ParsedWorkbook(None, [], [refused])
    try:
        grids = read_grids(content)
    except MemoryError:
        raise  # the caller refuses the file for its memory, not as broken
    except Exception as exc:  # calamine raises its own error types for broken files
        problem = Problem(
            rule="unreadable",
            message=f"文件无法作为Excel工作簿读取（{type(exc).__name__}）。",
            fix="请用Excel或WPS打开确认文件完好，另存为.xlsx后重新报送。",
        )
        return ParsedWorkbook(None, [], [problem])
    sheets: list[ParsedSheet] = []
    uncached = uncached_formulas(content) if formulas else {}
    for name, grid in grids:
        head = head_of(grid)
        found = recognise(head)
        if found is not None and all(s.form != found[0].key for s in sheets):
            sheet = parse_sheet(grid, found[0], name, head, found[1])
            sheet.problems.extend(_formula_problems(sheet, uncached.get(name, [])))
            sheets.append(sheet)
    forms = {s.form for s in sheets}
    workbook = next((k for k, v in WORKBOOKS.items() if forms and forms <= set(v)), None)
    problems: list[Problem] = []
    if not sheets:
        problems.append(
            Problem(
                rule="form_unknown",
                message="未能识别报表类型：工作簿中没有附件3、附件4、附件5或县市月报表的表头。",
                fix="请使用统一下发的模板填报，不要删改标题和表头。",
            )
        )
    elif workbook is None:
        problems.append(
            Problem(
                rule="form_mixed",
                message="同一工作簿中包含不同报表，无法确定报表类型。",
                fix="请每种报表单独保存为一个文件。",
            )
        )
    return ParsedWorkbook(workbook, sheets, problems)
