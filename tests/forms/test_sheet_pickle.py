"""A released sheet comes back from a pool worker without pandas, and reads as before."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from bixue.forms.parse import ParsedSheet, parse_workbook
from bixue.forms.templates import render_workbook

ROWS = {
    "a3": [
        {"project_name": "钛材深加工项目", "partner": "宝钛集团", "site": "禄丰市"},
        {"project_name": "绿色硅光伏项目", "investment_yi": 30.5, "stage": "在谈"},
    ]
}


@pytest.fixture(scope="module")
def sheets() -> list[ParsedSheet]:
    data = render_workbook("a3", year=2023, month=5, unit="禄丰市", rows=ROWS)
    book = parse_workbook(data)
    assert [s.form for s in book.sheets] == ["a3"]
    return book.sheets


def test_a_released_sheet_travels_without_its_rows_and_keeps_its_count_and_columns(
    sheets: list[ParsedSheet],
) -> None:
    for sheet in sheets:
        empty = sheet.frame.iloc[0:0]
        sheet.release()
        back = pickle.loads(pickle.dumps(sheet))
        assert (back.form, back.sheet, back.rows, back.columns) == (
            sheet.form,
            sheet.sheet,
            2,
            sheet.columns,
        )
        assert "frame" not in vars(back)
        # read, it is the empty frame with the same columns and types
        pd.testing.assert_frame_equal(back.frame, empty, check_index_type=False)
        assert back.problems == sheet.problems and back.unit_text == sheet.unit_text


def test_a_sheet_not_yet_released_travels_whole(sheets: list[ParsedSheet]) -> None:
    data = render_workbook("a3", year=2023, month=5, unit="禄丰市", rows=ROWS)
    [a3] = parse_workbook(data).sheets
    back = pickle.loads(pickle.dumps(a3))
    pd.testing.assert_frame_equal(back.frame, a3.frame)
    assert back.rows == 2


def test_the_run_process_unpickles_a_batch_result_without_importing_pandas(
    sheets: list[ParsedSheet], tmp_path: Path
) -> None:
    for sheet in sheets:
        sheet.release()
    blob = tmp_path / "result.pickle"
    blob.write_bytes(pickle.dumps(sheets))
    probe = textwrap.dedent(
        f"""
        import pickle, sys
        sheets = pickle.loads(open({str(blob)!r}, "rb").read())
        before = "pandas" in sys.modules
        rows = [s.rows for s in sheets]
        still = "pandas" in sys.modules
        columns = [list(s.frame.columns) for s in sheets]
        print(before, still, rows, "pandas" in sys.modules, len(columns[0]) > 0)
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "False", "[2]", "True", "True"]
