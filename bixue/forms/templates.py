"""Excel workbooks in the seed's layout: blank templates for units and filled ones for samples."""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from bixue.forms.spec import (
    FORMS,
    WORKBOOK_NAMES,
    WORKBOOKS,
    Column,
    ConfigList,
    FormSpec,
    period_title,
)
from bixue.textcell import put_text

if TYPE_CHECKING:
    from bixue.config import Settings

# Text that a spreadsheet would read as a formula (or DDE payload) when typed or re-imported.
BLANK_ROWS = 10
# Excel keeps a drop-down's list inline up to 255 characters; a longer one goes on a hidden sheet.
INLINE_LIST_CHARS = 255
LISTS_SHEET = "下拉选项"
REMARK_AUTHOR = "州招商委办公室"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# Cell styles as named styles: assigning one by name is cheap, while assigning Font/Border
# objects makes openpyxl hash them for every cell (most of the cost of a large sheet).
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_STYLE_SPECS: dict[str, dict[str, object]] = {
    "bx-label": {"font": Font(name="黑体", size=11)},
    "bx-title": {"font": Font(name="宋体", size=16, bold=True), "alignment": _CENTER},
    "bx-period": {"font": Font(name="宋体", size=11), "alignment": _CENTER},
    "bx-submitter": {
        "font": Font(name="宋体", size=11),
        "alignment": Alignment(horizontal="left", vertical="center"),
    },
    "bx-header": {
        "font": Font(name="宋体", size=10, bold=True),
        "alignment": _CENTER,
        "border": _BORDER,
        "fill": PatternFill(fill_type="solid", fgColor="F2F2F2"),
    },
    "bx-hint": {
        "font": Font(name="宋体", size=9, italic=True, color="666666"),
        "alignment": _CENTER,
        "border": _BORDER,
    },
    "bx-text": {"font": Font(name="宋体", size=10), "alignment": _LEFT, "border": _BORDER},
    "bx-center": {"font": Font(name="宋体", size=10), "alignment": _CENTER, "border": _BORDER},
    "bx-number": {
        "font": Font(name="宋体", size=10),
        "border": _BORDER,
        "alignment": Alignment(horizontal="right", vertical="center"),
    },
    "bx-date": {
        "font": Font(name="宋体", size=10),
        "alignment": _CENTER,
        "border": _BORDER,
        "number_format": DATE_FORMAT,
    },
    "bx-datetime": {
        "font": Font(name="宋体", size=10),
        "alignment": _CENTER,
        "border": _BORDER,
        "number_format": DATETIME_FORMAT,
    },
    "bx-note": {
        "font": Font(name="宋体", size=9),
        "alignment": Alignment(horizontal="left", vertical="top", wrap_text=True),
    },
}


def _register_styles(wb: Workbook) -> None:
    """Add the named styles to a workbook (fresh objects: a NamedStyle binds to one book)."""
    for name, attrs in _STYLE_SPECS.items():
        wb.add_named_style(NamedStyle(name=name, **attrs))


@dataclass(frozen=True)
class SheetLayout:
    """Where each part of a form sits on its sheet, so writers and tests agree on row numbers."""

    title_row: int
    period_row: int | None
    submitter_row: int | None
    header_row: int
    header_rows: int
    hint_row: int | None
    first_data_row: int

    @property
    def last_header_row(self) -> int:
        return self.header_row + self.header_rows - 1

    def data_row(self, index: int) -> int:
        """The Excel row of the 0-based data record `index`."""
        return self.first_data_row + index


def sheet_layout(spec: FormSpec) -> SheetLayout:
    """The row plan of a form: label, title, period, 填报单位, header(s), hint, data."""
    row = 3
    period_row = submitter_row = hint_row = None
    if spec.has_period:
        period_row, row = row, row + 1
    if spec.has_submitter_line:
        submitter_row, row = row, row + 1
    header_row = row
    header_rows = 2 if spec.two_row_header else 1
    row += header_rows
    if spec.has_hint_row:
        hint_row, row = row, row + 1
    return SheetLayout(2, period_row, submitter_row, header_row, header_rows, hint_row, row)


def _display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    """How many wrapped lines a text needs in a column of the given width."""
    usable = max(width - 1.5, 2.0)
    return max(1, math.ceil(_display_width(text) / usable))


def _style_for(value: object) -> str:
    """The data-cell style that suits a value's type."""
    if isinstance(value, bool):
        return "bx-text"
    if isinstance(value, int | float | Decimal):
        return "bx-number"
    if isinstance(value, datetime):
        return "bx-datetime"
    if isinstance(value, date):
        return "bx-date"
    return "bx-text"


def put_value(cell: Cell, value: object) -> None:
    """Write a value with its real type; text is always stored as text, never as a formula."""
    if value is None or value == "":
        cell.value = None
    elif isinstance(value, bool):
        put_text(cell, "是" if value else "否")
    elif isinstance(value, int | float | Decimal):
        cell.value = float(value) if isinstance(value, Decimal) else value
    elif isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        put_text(cell, str(value))


def _styled(ws: Worksheet, row: int, col: int, style: str, value: object = None) -> Cell:
    """A cell with a value and a named style (the style is set last so it keeps the format)."""
    cell = ws.cell(row=row, column=col)
    put_value(cell, value)
    quote = cell.quotePrefix
    cell.style = style
    if quote:
        cell.quotePrefix = True
    return cell


def _merge(ws: Worksheet, row1: int, col1: int, row2: int, col2: int) -> None:
    """Record a merged range; cells inside keep their own borders, as Excel itself stores them."""
    if (row1, col1) != (row2, col2):
        ws.merged_cells.add(CellRange(min_col=col1, min_row=row1, max_col=col2, max_row=row2))


def _write_heading(
    ws: Worksheet,
    spec: FormSpec,
    layout: SheetLayout,
    *,
    year: int,
    month: int | None,
    unit: str | None,
) -> None:
    """Label, title, period and 填报单位 lines above the table."""
    ncols = len(spec.columns)
    _styled(ws, 1, 1, "bx-label", spec.attachment)
    _styled(ws, layout.title_row, 1, "bx-title", spec.title)
    _merge(ws, layout.title_row, 1, layout.title_row, ncols)
    ws.row_dimensions[layout.title_row].height = 30
    if layout.period_row is not None:
        _styled(ws, layout.period_row, 1, "bx-period", period_title(year, month))
        _merge(ws, layout.period_row, 1, layout.period_row, ncols)
    if layout.submitter_row is not None:
        _styled(ws, layout.submitter_row, 1, "bx-submitter", "填报单位：" + (unit or ""))
        _merge(ws, layout.submitter_row, 1, layout.submitter_row, min(ncols, 4))


def _write_header(ws: Worksheet, spec: FormSpec, layout: SheetLayout) -> None:
    """Header row(s): parents merged over their sub-headings, lone headers merged down."""
    top, bottom = layout.header_row, layout.last_header_row
    heights = {top: 1, bottom: 1}
    cols = spec.columns
    for idx, col in enumerate(cols, start=1):
        _styled(ws, top, idx, "bx-header", col.header)
        if bottom != top:
            _styled(ws, bottom, idx, "bx-header", col.sub)
        if col.sub is None:
            _merge(ws, top, idx, bottom, idx)
            share = 1 if bottom == top else 2
            heights[top] = max(heights[top], math.ceil(_lines(col.header, col.width) / share))
        else:
            heights[bottom] = max(heights[bottom], _lines(col.sub, col.width))
    idx = 0
    while idx < len(cols):
        end = idx
        while (
            cols[idx].sub
            and end + 1 < len(cols)
            and cols[end + 1].sub
            and cols[end + 1].header == cols[idx].header
        ):
            end += 1
        if end > idx:
            _merge(ws, top, idx + 1, top, end + 1)
            span = sum(c.width for c in cols[idx : end + 1])
            heights[top] = max(heights[top], _lines(cols[idx].header, span))
        elif cols[idx].sub:
            heights[top] = max(heights[top], _lines(cols[idx].header, cols[idx].width))
        idx = end + 1
    for row, lines in heights.items():
        ws.row_dimensions[row].height = 14 * lines + 6


def _write_hints(ws: Worksheet, spec: FormSpec, row: int) -> None:
    lines = 1
    for idx, col in enumerate(spec.columns, start=1):
        _styled(ws, row, idx, "bx-hint", col.hint)
        if col.hint:
            lines = max(lines, _lines(col.hint, col.width))
    ws.row_dimensions[row].height = 12 * lines + 4


def _write_data(
    ws: Worksheet, spec: FormSpec, first_row: int, records: Sequence[Mapping[str, object]]
) -> int:
    """The data rows (or empty bordered rows for a blank form); returns the next free row."""
    if not records:
        for row in range(first_row, first_row + BLANK_ROWS):
            for idx in range(1, len(spec.columns) + 1):
                _styled(ws, row, idx, "bx-text")
        return first_row + BLANK_ROWS
    for offset, record in enumerate(records):
        row = first_row + offset
        for idx, col in enumerate(spec.columns, start=1):
            value = record.get(col.key)
            if col.key == "seq" and "seq" not in record:
                value = offset + 1
            style = "bx-center" if col.key == "seq" else _style_for(value)
            _styled(ws, row, idx, style, value)
    return first_row + len(records)


def _write_notes(ws: Worksheet, spec: FormSpec, first_row: int, year: int) -> None:
    """A blank row, then one merged, wrapped row per note (the year's own text)."""
    ncols = len(spec.columns)
    total_width = sum(c.width for c in spec.columns)
    for offset, note in enumerate(spec.notes_for(year)):
        row = first_row + 1 + offset
        _styled(ws, row, 1, "bx-note", note)
        _merge(ws, row, 1, row, ncols)
        ws.row_dimensions[row].height = 13 * _lines(note, total_width) + 4


def _remark_notes(ws: Worksheet, spec: FormSpec, first_row: int) -> None:
    """The office's corrections of the seed's notes, as comments: the printed text stays."""
    for index, text in spec.note_remarks:
        comment = Comment(text, REMARK_AUTHOR, width=320, height=110)
        ws.cell(row=first_row + 1 + index, column=1).comment = comment


Lists = Mapping[ConfigList, Sequence[str]]


def config_lists(settings: Settings) -> dict[ConfigList, tuple[str, ...]]:
    """The closed lists that live in configuration: the sites (counties, zone) and industries."""
    sites = tuple(u.name for u in settings.units if u.category == "county")
    return {"sites": sites, "industries": tuple(settings.industries)}


def column_choices(col: Column, lists: Lists) -> tuple[str, ...]:
    """The values a column's drop-down offers (empty: the column is free text)."""
    if isinstance(col.choices, str):
        return tuple(lists[col.choices])
    return col.choices


def _unit_of(col: Column) -> str:
    """The amount's unit as its header prints it: 亿元, 万美元."""
    header = col.header
    return header[header.rfind("（") + 1 : -1] if header.endswith("）") else ""


def _list_source(ws: Worksheet, values: Sequence[str]) -> str:
    """A drop-down's formula: the values inline, or a range on the hidden lists sheet."""
    inline = '"' + ",".join(values) + '"'
    if len(inline) <= INLINE_LIST_CHARS and not any("," in v for v in values):
        return inline
    book = ws.parent
    if LISTS_SHEET in book.sheetnames:
        lists = book[LISTS_SHEET]
    else:
        lists = book.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
    column = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
    for row, value in enumerate(values, start=1):
        lists.cell(row=row, column=column, value=value)
    letter = get_column_letter(column)
    return f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(values)}"


def _validation(ws: Worksheet, col: Column, lists: Lists) -> DataValidation | None:
    """What Excel checks as a unit types: a drop-down for closed lists, numbers for amounts."""
    choices = column_choices(col, lists)
    name = col.label
    if choices:
        dv = DataValidation(type="list", formula1=_list_source(ws, choices), allow_blank=True)
        dv.promptTitle, dv.prompt = name[:32], "请从下拉列表中选择。"
        dv.errorTitle = "请从下拉列表中选择"
        dv.error = f"「{name}」只能填写：{'、'.join(choices)}。"[:255]
        return dv
    if col.kind != "number":
        return None
    unit = _unit_of(col)
    bound = f"{col.minimum:g}" if col.minimum is not None else None
    if bound is None:
        dv = DataValidation(type="decimal", operator="between", formula1="-1E+307")
        dv.formula2 = "1E+307"
        limit = ""
    elif col.strict_minimum:
        dv = DataValidation(type="decimal", operator="greaterThan", formula1=bound)
        limit = f"，须大于{bound}"
    else:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=bound)
        limit = f"，不小于{bound}" if bound != "0" else "，不能为负数"
    dv.promptTitle = f"单位：{unit}"[:32]
    dv.prompt = f"填写数字（单位：{unit}），如 12.5；不要填写文字或单位{limit}。"
    dv.errorTitle = "请填写数字"
    dv.error = f"「{name}」应填写数字（单位：{unit}）{limit}。"
    return dv


def _add_validations(
    ws: Worksheet, spec: FormSpec, layout: SheetLayout, rows: int, lists: Lists
) -> None:
    """Data validation on the blank rows of a template, and the seed's 填报单位 hint."""
    first, last = layout.first_data_row, layout.first_data_row + rows - 1
    for idx, col in enumerate(spec.columns, start=1):
        dv = _validation(ws, col, lists)
        if dv is None:
            continue
        # openpyxl's defaults show neither message: Excel would then accept anything typed.
        dv.allow_blank, dv.showInputMessage, dv.showErrorMessage = True, True, True
        dv.errorStyle = "stop"
        letter = get_column_letter(idx)
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)
    if spec.submitter_hint and layout.submitter_row is not None:
        hint = DataValidation(type=None, allow_blank=True, showInputMessage=True)
        hint.promptTitle = "填报单位"
        hint.prompt = f"{spec.submitter_hint}：在“填报单位：”后填写本单位规范名称。"
        hint.add(f"A{layout.submitter_row}")
        ws.add_data_validation(hint)


def _page_setup(ws: Worksheet, spec: FormSpec, layout: SheetLayout) -> None:
    for idx, col in enumerate(spec.columns, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = col.width
    ws.freeze_panes = f"A{layout.first_data_row}"
    ws.print_title_rows = f"{layout.header_row}:{layout.first_data_row - 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def fill_sheet(
    ws: Worksheet,
    spec: FormSpec,
    *,
    year: int,
    month: int | None,
    unit: str | None,
    records: Sequence[Mapping[str, object]] = (),
    lists: Lists | None = None,
) -> None:
    """Lay one form out on a worksheet in the seed's style; a blank one gets its validations."""
    ws.title = spec.sheet
    layout = sheet_layout(spec)
    _write_heading(ws, spec, layout, year=year, month=month, unit=unit)
    _write_header(ws, spec, layout)
    if layout.hint_row is not None:
        _write_hints(ws, spec, layout.hint_row)
    next_row = _write_data(ws, spec, layout.first_data_row, records)
    _write_notes(ws, spec, next_row, year)
    if not records:
        _remark_notes(ws, spec, next_row)
        if lists is not None:
            _add_validations(ws, spec, layout, BLANK_ROWS, lists)
    _page_setup(ws, spec, layout)


def build_workbook(
    workbook: str,
    *,
    year: int,
    month: int | None,
    unit: str | None,
    rows: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    lists: Lists | None = None,
) -> Workbook:
    """An in-memory workbook with one sheet per form of WORKBOOKS[workbook]."""
    if workbook not in WORKBOOKS:
        raise KeyError(f"unknown workbook {workbook!r}; expected one of {sorted(WORKBOOKS)}")
    wb = Workbook()
    wb.remove(wb.active)
    _register_styles(wb)
    for form_key in WORKBOOKS[workbook]:
        ws = wb.create_sheet()
        records = (rows or {}).get(form_key) or ()
        fill_sheet(
            ws, FORMS[form_key], year=year, month=month, unit=unit, records=records, lists=lists
        )
    if LISTS_SHEET in wb.sheetnames:  # the forms first, the hidden lists last
        wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    return wb


def _period_stamp(year: int, month: int | None) -> datetime:
    return datetime(year, month or 1, 1, 9, 0, 0)


def workbook_bytes(wb: Workbook, *, stamp: datetime) -> bytes:
    """Serialise a workbook reproducibly: fixed document times and fixed zip entry times."""
    wb.properties.creator = "Bixue"
    wb.properties.created = stamp.replace(tzinfo=None)
    wb.properties.modified = stamp.replace(tzinfo=None)
    raw = io.BytesIO()
    # save_workbook() would stamp `modified` with the current time; the writer alone does not.
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return _fixed_zip_times(raw.getvalue(), stamp)


def _fixed_zip_times(data: bytes, stamp: datetime) -> bytes:
    """Rewrite zip entries with one timestamp: openpyxl copies temp-file mtimes into them."""
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def render_workbook(
    workbook: str,
    *,
    year: int,
    month: int | None,
    unit: str | None,
    rows: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    stamp: datetime | None = None,
    lists: Lists | None = None,
) -> bytes:
    """The .xlsx bytes of a workbook; the same arguments always give the same bytes."""
    wb = build_workbook(workbook, year=year, month=month, unit=unit, rows=rows, lists=lists)
    return workbook_bytes(wb, stamp=stamp or _period_stamp(year, month))


def write_workbook(
    workbook: str,
    path: Path,
    *,
    year: int,
    month: int | None,
    unit: str | None,
    rows: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    lists: Lists | None = None,
) -> Path:
    """Write one workbook (a blank template when rows is None) to path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = render_workbook(workbook, year=year, month=month, unit=unit, rows=rows, lists=lists)
    path.write_bytes(data)
    return path


def write_templates(out_dir: Path, *, year: int, settings: Settings | None = None) -> list[Path]:
    """One blank template per workbook, named as circulated, with drop-downs and input hints."""
    from bixue.config import load_settings

    lists = config_lists(settings or load_settings(None))
    out_dir = Path(out_dir)
    return [
        write_workbook(
            key,
            out_dir / f"{WORKBOOK_NAMES[key]}.xlsx",
            year=year,
            month=None,
            unit=None,
            lists=lists,
        )
        for key in WORKBOOKS
    ]
