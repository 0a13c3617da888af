"""The unit's own workbook sent back with each problem's cell coloured and commented.

A submitter fixes a form fastest in the form itself: every located problem gets a light red
(error) or light yellow (warning) fill and a comment numbered as in the receipt, and a summary
sheet 审核意见 at the end lists every problem, including those that belong to no cell.
"""

from __future__ import annotations

import io
import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from bixue.forms.guard import UNREAD_RULES
from bixue.forms.templates import put_value
from bixue.model import Submission
from bixue.render.notice import Notice, with_attachments
from bixue.rules.problem import Problem

log = logging.getLogger(__name__)

AUTHOR = "比学赶超报送系统"
SUMMARY_SHEET = "审核意见"
SUMMARY_TITLE = "审核意见（比学赶超报送系统）"
REBUILT_NOTE = (
    "说明：你单位报送的是.xls文件，本文件已转换为.xlsx，仅保留各工作表名称和单元格数值，"
    "原有格式（字体、边框、列宽等）未保留；请在你单位原文件中修改后重新报送。"
)
LEGEND = (
    "红色单元格为须修改的问题（编号与回执一致），黄色单元格为提示；"
    "鼠标移到单元格上可查看批注，点击序号可跳转到该单元格。"
)
HEADERS = ("序号", "工作表", "行", "项目或活动", "列", "栏目", "填报值", "问题", "处理办法")
WIDTHS = (8, 14, 6, 22, 6, 20, 22, 44, 40)
# Points per wrapped line of 11-point text (Chinese glyphs are taller than Latin ones).
LINE_POINTS = 16.0
ERROR_RGB = "FFFFC7CE"
WARNING_RGB = "FFFFEB9C"
FILLS = {
    "error": PatternFill(fill_type="solid", fgColor=ERROR_RGB, bgColor=ERROR_RGB),
    "warning": PatternFill(fill_type="solid", fgColor=WARNING_RGB, bgColor=WARNING_RGB),
}
# The separator between our comment and a comment the unit had already put on the cell, so a
# re-annotated resubmission gets the unit's own comment back and not ours twice.
ORIGINAL_MARK = "\n——原批注——\n"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class Item:
    """One problem with its label as the receipt shows it: the error's number, or 注意."""

    label: str
    problem: Problem

    @property
    def title(self) -> str:
        return f"问题{self.label}" if self.problem.severity == "error" else "注意"


# One style object per look, shared by every cell that has it (openpyxl compares them per cell).
WRAP = Alignment(wrap_text=True, vertical="top")
LINK_FONT = Font(color="FF0563C1", underline="single")


def numbered(problems: Sequence[Problem]) -> list[Item]:
    """Errors numbered 1..n in the receipt's order, then the warnings, unnumbered."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    return [Item(str(n), p) for n, p in enumerate(errors, start=1)] + [
        Item("注意", p) for p in warnings
    ]


def _text(value: str) -> str:
    """Text safe inside the workbook's XML (control characters would make Excel refuse it)."""
    return _ILLEGAL.sub("", value)


def comment_text(item: Item) -> str:
    """What the cell's comment says: the receipt's wording, without the location."""
    p = item.problem
    lines = [f"{item.title}：{p.message}"]
    if p.value not in (None, ""):
        lines.append(f"填报值：{p.value}")
    if p.fix:
        lines.append(f"处理办法：{p.fix}")
    return _text("\n".join(lines))


def _rebuilt(content: bytes) -> Workbook:
    """An .xlsx of the .xls file's sheet names, values and merges (openpyxl reads no .xls)."""
    source = CalamineWorkbook.from_filelike(io.BytesIO(content))
    book = Workbook()
    book.remove(book.active)
    for name in source.sheet_names:
        sheet = source.get_sheet_by_name(name)
        ws = book.create_sheet(title=name)
        for r, row in enumerate(sheet.to_python(skip_empty_area=False), start=1):
            for c, value in enumerate(row, start=1):
                if value != "":
                    put_value(ws.cell(row=r, column=c), value)
        for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    if not book.sheetnames:
        book.create_sheet(title="Sheet1")
    return book


def _open(content: bytes, kind: str) -> tuple[Workbook, bool] | None:
    """The unit's workbook as openpyxl holds it, and whether it had to be rebuilt from values."""
    try:
        if kind == "xlsx":
            return load_workbook(io.BytesIO(content), rich_text=True), False
        return _rebuilt(content), True
    except Exception as exc:  # a broken file was already reported as unreadable; no attachment
        log.warning("cannot annotate a %s workbook: %s", kind, type(exc).__name__)
        return None


def _clear_previous(book: Workbook) -> None:
    """Remove our marks from an annotated workbook the unit sent back, keeping theirs."""
    if SUMMARY_SHEET in book.sheetnames:
        ws = book[SUMMARY_SHEET]
        if str(ws["A1"].value or "").startswith((SUMMARY_TITLE, "说明：你单位报送的是.xls")):
            book.remove(ws)
    for ws in book.worksheets:
        for cell in [c for row in ws.iter_rows() for c in row if c.comment is not None]:
            comment = cell.comment
            if comment is None or comment.author != AUTHOR:
                continue
            _, mark, original = comment.text.partition(ORIGINAL_MARK)
            cell.comment = Comment(original, "") if mark and original else None
            if cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb in (ERROR_RGB, WARNING_RGB):
                cell.fill = PatternFill(fill_type=None)


def _anchor(ws: Worksheet, column: str, row: int) -> Cell | None:
    """The cell a comment can sit on: the top-left one when the cell is inside a merged range."""
    try:
        cell = ws[f"{column}{row}"]
    except ValueError:
        return None
    if isinstance(cell, MergedCell):
        for merged in ws.merged_cells.ranges:
            if cell.coordinate in merged:
                top_left = ws.cell(row=merged.min_row, column=merged.min_col)
                return top_left if isinstance(top_left, Cell) else None
        return None
    return cell if isinstance(cell, Cell) else None


def _mark_cells(book: Workbook, items: list[Item]) -> None:
    """Fill and comment each located problem's cell; several problems share one comment."""
    by_cell: dict[tuple[str, str], tuple[Cell, list[Item]]] = {}
    for item in items:
        p = item.problem
        if not (p.sheet and p.row and p.column) or p.sheet not in book.sheetnames:
            continue
        cell = _anchor(book[p.sheet], p.column, p.row)
        if cell is not None:
            by_cell.setdefault((p.sheet, cell.coordinate), (cell, []))[1].append(item)
    for cell, cell_items in by_cell.values():
        severe = any(i.problem.severity == "error" for i in cell_items)
        cell.fill = FILLS["error" if severe else "warning"]
        text = "\n\n".join(comment_text(i) for i in cell_items)
        if cell.comment is not None and cell.comment.text:
            text += ORIGINAL_MARK + cell.comment.text
        lines = sum(1 + len(line) // 20 for line in text.splitlines())
        cell.comment = Comment(text, AUTHOR, height=min(40 + 18 * lines, 600), width=320)


def _display_width(text: str) -> int:
    """Width in Excel's column units: a Chinese (wide) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    """How many lines a wrapped cell of this column width needs for the text."""
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(_display_width(line) / usable)) for line in text.split("\n"))


def _wrapped_height(texts: Sequence[tuple[str, float]]) -> float:
    """A row height (points) that shows every wrapped text in full: Excel does not grow it."""
    return LINE_POINTS * max([_lines(t, w) for t, w in texts if t] or [1])


def _summary(book: Workbook, items: list[Item], rebuilt: bool) -> Worksheet:
    """The sheet 审核意见 at the end: every problem, with a link to its cell where it has one.

    Long texts wrap within their column and each row is tall enough to show them whole;
    the heading lines span the table's width.
    """
    ws = book.create_sheet(title=SUMMARY_SHEET)
    errors = sum(i.problem.severity == "error" for i in items)
    title = f"{SUMMARY_TITLE}：须修改的问题{errors}处，提示{len(items) - errors}处"
    heading = [REBUILT_NOTE] if rebuilt else []
    heading += [title, LEGEND]
    total = float(sum(WIDTHS))
    for r, text in enumerate(heading, start=1):
        put_value(ws.cell(row=r, column=1), text)
        ws.cell(row=r, column=1).font = Font(bold=r == 1)
        ws.cell(row=r, column=1).alignment = WRAP
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(HEADERS))
        ws.row_dimensions[r].height = _wrapped_height([(text, total)])
    top = len(heading) + 2
    for c, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(row=top, column=c)
        put_value(cell, header)
        cell.font = Font(bold=True)
        cell.alignment = WRAP
        ws.column_dimensions[cell.column_letter].width = width
    for r, item in enumerate(items, start=top + 1):
        p = item.problem
        values = (
            item.label,
            p.sheet,
            p.row,
            p.item,
            p.column,
            p.header,
            p.value,
            p.message,
            p.fix,
        )
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            put_value(cell, _text(value) if isinstance(value, str) else value)
            cell.alignment = WRAP
        ws.row_dimensions[r].height = _wrapped_height(
            [(str(v), w) for v, w in zip(values, WIDTHS, strict=True) if v is not None]
        )
        ws.cell(row=r, column=1).fill = FILLS[p.severity]
        if p.sheet and p.row and p.column and p.sheet in book.sheetnames:
            link = ws.cell(row=r, column=1)
            target = p.sheet.replace("'", "''")
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=f"'{target}'!{p.column}{p.row}"
            )
            link.font = LINK_FONT
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    _print_on_width(ws)
    return ws


def _print_on_width(ws: Worksheet) -> None:
    """Printed (or exported to PDF) landscape, all columns on one page width."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _show_first(book: Workbook, ws: Worksheet) -> None:
    """Open on the summary; exactly one selected tab, or Excel would group the sheets."""
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    book.active = book.worksheets.index(ws)


def annotate_workbook(content: bytes, kind: str, problems: Sequence[Problem]) -> bytes | None:
    """The unit's workbook as .xlsx with its problems marked; None when it cannot be read."""
    if any(p.rule in UNREAD_RULES for p in problems):
        return None  # refused before reading (too large, a bomb, a dead parse): never opened here
    opened = _open(content, kind)
    if opened is None:
        return None
    book, rebuilt = opened
    _clear_previous(book)
    items = numbered(problems)
    _mark_cells(book, items)
    _show_first(book, _summary(book, items, rebuilt))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def annotated_name(filename: str, taken: set[str]) -> str:
    """审核意见_<their file name>.xlsx, unique within one receipt and safe as a file name."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    stem = _UNSAFE_NAME.sub("_", stem).strip(" ._") or "报表"
    name = f"{SUMMARY_SHEET}_{stem}.xlsx"
    n = 2
    while name in taken:
        name = f"{SUMMARY_SHEET}_{stem}（{n}）.xlsx"
        n += 1
    taken.add(name)
    return name


def _annotated(sub: Submission) -> bytes | None:
    """One submission's annotated workbook, read from the landing area."""
    try:
        content = Path(sub.attachment.stored_path).read_bytes()
    except OSError as exc:
        log.warning("submission %s: stored workbook unreadable: %s", sub.id, exc)
        return None
    return annotate_workbook(content, sub.attachment.kind, sub.problems)


def attach_annotations(
    notices: Sequence[Notice], submissions: Sequence[Submission]
) -> list[Notice]:
    """Each receipt with the annotated workbooks of the submissions it asks to annotate."""
    by_id = {sub.id: sub for sub in submissions}
    out = []
    for notice in notices:
        taken: set[str] = set()
        files = []
        to_fix = False
        for sub_id in notice.annotate:
            sub = by_id.get(sub_id)
            data = _annotated(sub) if sub is not None else None
            if sub is not None and data is not None:
                files.append((annotated_name(sub.attachment.filename, taken), data))
                to_fix = to_fix or sub.status == "rejected"
        out.append(with_attachments(notice, tuple(files), to_fix=to_fix) if files else notice)
    return out
