"""Random cells and structure in each form's layout: rows or problems come back, nothing raised."""

from __future__ import annotations

import contextlib
import io
from datetime import date, datetime
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.worksheet.cell_range import MultiCellRange

from bixue.forms.derive import derive
from bixue.forms.parse import ParsedWorkbook, frame_columns, parse_workbook
from bixue.forms.spec import FORMS, WORKBOOKS
from bixue.forms.templates import render_workbook
from bixue.rules.problem import Problem
from bixue.textcell import put_text

TEMPLATES = {
    key: render_workbook(key, year=2023, month=5, unit="禄丰市" if key != "stats_funds" else None)
    for key in WORKBOOKS
}
WORDS = sorted(
    {c.header for f in FORMS.values() for c in f.columns}
    | {f.title for f in FORMS.values()}
    | {"合计", "注：", "填报单位：禄丰市", "（2023年1—5月）", "2023年3月5日至8日", "1,234.5万元"}
)
VALUES = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(WORDS),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.booleans(),
    st.sampled_from(["=1+1", "=A1", "#N/A", "-2+3", "@SUM(A1)", "\t", "\n\n", "０．５"]),
)
ROW = st.integers(1, 40)
COL = st.integers(1, 30)
EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), ROW, COL, VALUES),
        st.tuples(st.just("insert_rows"), ROW, st.integers(1, 3)),
        st.tuples(st.just("delete_rows"), ROW, st.integers(1, 3)),
        st.tuples(st.just("insert_cols"), COL, st.integers(1, 2)),
        st.tuples(st.just("delete_cols"), COL, st.integers(1, 2)),
        st.tuples(st.just("merge"), ROW, COL, st.integers(0, 3), st.integers(0, 3)),
        st.tuples(st.just("unmerge_all")),
        st.tuples(st.just("new_sheet"), st.sampled_from(sorted(WORKBOOKS))),
    ),
    max_size=25,
)


def _put(cell: Any, value: Any) -> None:
    if isinstance(value, str):
        put_text(cell, value)
    else:
        cell.value = value


def _edited(workbook: str, edits: list[tuple[Any, ...]]) -> bytes:
    """The workbook's template with the edits applied, saved by openpyxl."""
    book = load_workbook(io.BytesIO(TEMPLATES[workbook]))
    ws = book.worksheets[0]
    for op, *args in edits:
        if op == "set":
            row, col, value = args
            if type(ws.cell(row=row, column=col)).__name__ != "MergedCell":
                _put(ws.cell(row=row, column=col), value)
        elif op == "merge":
            row, col, down, right = args
            with contextlib.suppress(ValueError):
                ws.merge_cells(start_row=row, start_column=col, end_row=row + down,
                               end_column=col + right)  # fmt: skip
        elif op == "unmerge_all":
            # (unmerge_cells fails once rows moved: openpyxl does not move merged ranges)
            ws.merged_cells = MultiCellRange()
        elif op == "new_sheet":
            other = load_workbook(io.BytesIO(TEMPLATES[args[0]])).worksheets[0]
            copy = book.create_sheet(f"S{len(book.worksheets)}")
            for line in other.iter_rows():
                for cell in line:
                    if cell.value is not None and type(cell).__name__ != "MergedCell":
                        _put(copy.cell(row=cell.row, column=cell.column), cell.value)
        else:
            getattr(ws, op)(*args)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _check(parsed: ParsedWorkbook) -> None:
    assert isinstance(parsed, ParsedWorkbook)
    assert all(isinstance(p, Problem) and p.message for p in parsed.problems)
    assert parsed.sheets or parsed.problems  # rows, or a reason why there are none
    for sheet in parsed.sheets:
        assert isinstance(sheet.frame, pd.DataFrame)
        assert list(sheet.frame.columns)[: len(frame_columns(FORMS[sheet.form]))] == frame_columns(
            FORMS[sheet.form]
        )
        assert all(isinstance(p, Problem) and p.message for p in sheet.problems)
        derive(sheet.form, sheet.frame, {"禄丰市": "532331"})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workbook=st.sampled_from(sorted(WORKBOOKS)), edits=EDITS)
def test_a_randomly_edited_form_parses_to_rows_or_problems(
    workbook: str, edits: list[tuple[Any, ...]]
) -> None:
    _check(parse_workbook(_edited(workbook, edits)))


@settings(max_examples=30, deadline=None)
@given(
    workbook=st.sampled_from(sorted(WORKBOOKS)),
    cut=st.integers(0, 20000),
    flip=st.binary(max_size=8),
)
def test_a_damaged_form_file_parses_to_rows_or_problems(
    workbook: str, cut: int, flip: bytes
) -> None:
    content = TEMPLATES[workbook]
    at = cut % max(len(content), 1)
    _check(parse_workbook(content[:at] + flip + content[at + len(flip) :]))
