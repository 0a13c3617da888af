"""The rows one suite run checks: each submission's rows tagged with who sent them and when."""

from __future__ import annotations

import pandas as pd
import pytest

from bixue.forms.parse import ParsedSheet
from bixue.model import Submission
from bixue.rules.check import frames_by_year, period_bounds
from tests.factories import submission


def _sheet(form: str, rows: list[dict[str, object]]) -> ParsedSheet:
    return ParsedSheet(form=form, sheet=form, frame=pd.DataFrame(rows), columns={})


def _one_by_one(subs: list[Submission]) -> dict[int, dict[str, pd.DataFrame]]:
    """The plain definition: every sheet tagged on its own, then the sheets joined."""
    parts: dict[int, dict[str, list[pd.DataFrame]]] = {}
    for sub in subs:
        for sheet in sub.sheets:
            if not sub.period or sheet.frame.empty:
                continue
            tags = {"submission_id": sub.id, "unit": sub.unit or "", **period_bounds(sub.period)}
            year = parts.setdefault(int(sub.period[:4]), {})
            year.setdefault(sheet.form, []).append(sheet.frame.assign(**tags))
    return {
        y: {f: pd.concat(p, ignore_index=True) for f, p in forms.items()}
        for y, forms in sorted(parts.items())
    }


A3 = [{"excel_row": 7, "project_name": "钛项目", "investment_yi": 12.0}]
A3_TWO = [
    {"excel_row": 7, "project_name": "钒项目", "investment_yi": None},
    {"excel_row": 8, "project_name": None, "investment_yi": 6.5},
]

CASES = {
    "one submission": [submission(sheets=[_sheet("a3", A3)])],
    "three units, two forms": [
        submission(id="s1", sheets=[_sheet("a3", A3), _sheet("a5", [{"excel_row": 5}])]),
        submission(id="s2", unit="楚雄市", period="2023-06", sheets=[_sheet("a3", A3_TWO)]),
        submission(id="s3", unit=None, sheets=[_sheet("a3", A3)]),
    ],
    "two rules years": [
        submission(id="s1", period="2022-12", sheets=[_sheet("a3", A3)]),
        submission(id="s2", period="2023-01", sheets=[_sheet("a3", A3_TWO)]),
    ],
    "empty sheets and unknown periods left out": [
        submission(id="s1", sheets=[_sheet("a3", [])]),
        submission(id="s2", period=None, sheets=[_sheet("a3", A3)]),
        submission(id="s3", sheets=[_sheet("a3", A3_TWO)]),
    ],
    "a column of the same name is overwritten": [
        submission(id="s1", sheets=[_sheet("a3", [{"excel_row": 7, "unit": "别人"}])]),
    ],
}


@pytest.mark.parametrize("subs", CASES.values(), ids=CASES.keys())
def test_rows_are_tagged_as_if_each_sheet_were_tagged_on_its_own(subs: list[Submission]) -> None:
    found, expected = frames_by_year(subs), _one_by_one(subs)
    assert found.keys() == expected.keys()
    for year, forms in expected.items():
        assert found[year].keys() == forms.keys()
        for form, frame in forms.items():
            pd.testing.assert_frame_equal(found[year][form], frame)


def test_each_row_names_its_own_submission_and_period() -> None:
    [year] = frames_by_year(CASES["three units, two forms"]).values()
    a3 = year["a3"]
    assert list(zip(a3["submission_id"], a3["unit"], a3["period_end"], strict=True)) == [
        ("s1", "禄丰市", "2023-05-31"),
        ("s2", "楚雄市", "2023-06-30"),
        ("s2", "楚雄市", "2023-06-30"),
        ("s3", "", "2023-05-31"),
    ]
