"""附件3 project counts (附件7 在谈/新签约 ≥5亿): which reports of the year make a project count."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from bixue.forms.derive import derive
from bixue.forms.parse import ParsedSheet, frame_columns
from bixue.forms.spec import FORMS
from bixue.model import LandedAttachment
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run
from bixue.warehouse.measures import project_counts
from tests.factories import landed_message, submission

NOW = datetime(2023, 4, 21, tzinfo=UTC)
# (report month, project name as typed, 项目进展, 计划（协议）投资额（亿元）)
Report = tuple[str, str, str, float | None]

# Each case is one unit's 附件3 lines over 2023Q1; expected (talks_5yi, new_signed_5yi,
# new_signed_10yi) at the quarter's report month 2023-03.
CASES: dict[str, tuple[list[Report], tuple[int, int, int]]] = {
    "talks_of_5yi_still_reported": ([("2023-03", "甲", "在谈", 5.0)], (1, 0, 0)),
    "talks_under_5yi": ([("2023-03", "甲", "在谈", 4.99)], (0, 0, 0)),
    "talks_without_amount": ([("2023-03", "甲", "在谈", None)], (0, 0, 0)),
    "talks_in_january_signed_in_march": (
        [("2023-01", "甲", "在谈", 8.0), ("2023-03", "甲", "已签约", 8.0)],
        (0, 1, 0),
    ),
    "signed_before_the_year_is_not_new": (
        [("2023-01", "甲", "已签约", 12.0), ("2023-03", "甲", "已开工", 12.0)],
        (0, 0, 0),
    ),
    "first_reported_after_january_already_signed_is_new": (
        [("2023-02", "甲", "已签约", 12.0), ("2023-03", "甲", "已开工", 12.0)],
        (0, 1, 1),
    ),
    "no_longer_reported_is_not_counted": (
        [("2023-01", "甲", "在谈", 9.0), ("2023-02", "甲", "已签约", 9.0)],
        (0, 0, 0),
    ),
    "latest_amount_counts": (
        [("2023-01", "甲", "在谈", 12.0), ("2023-03", "甲", "已签约", 6.0)],
        (0, 1, 0),
    ),
    "spellings_that_differ_by_white_space_are_one_project": (
        [
            ("2023-01", "新能源 电池项目", "在谈", 12.0),
            ("2023-03", "新能源电池项目", "已签约", 12.0),
        ],
        (0, 1, 1),
    ),
    "full_width_spelling_is_the_same_project": (
        [("2023-01", "ＡＢ电池项目", "已签约", 12.0), ("2023-03", "AB电池项目", "已投产", 12.0)],
        (0, 0, 0),
    ),
    "two_projects_counted_apart": (
        [
            ("2023-01", "甲", "在谈", 6.0),
            ("2023-01", "乙", "在谈", 20.0),
            ("2023-03", "甲", "在谈", 6.0),
            ("2023-03", "乙", "已签约", 20.0),
        ],
        (1, 1, 1),
    ),
    "a_later_year_report_is_outside_the_period": (
        [("2023-03", "甲", "在谈", 6.0), ("2023-04", "甲", "已签约", 6.0)],
        (1, 0, 0),
    ),
}


def _load(engine: object, unit: str, reports: list[Report], seq: int) -> int:
    """Each month's lines of one unit as an accepted 附件3, through derive and the real load."""
    months = sorted({r[0] for r in reports})
    for month in months:
        seq += 1
        lines = [r for r in reports if r[0] == month]
        base = {c: None for c in frame_columns(FORMS["a3"])}
        frame = pd.DataFrame.from_records(
            [
                base
                | {
                    "excel_row": 7 + i,
                    "project_name": name,
                    "partner": "某公司",
                    "site": "禄丰市",
                    "investment_yi": amount,
                    "stage": stage,
                }
                for i, (_, name, stage, amount) in enumerate(lines)
            ]
        ).astype(object)
        sheet = ParsedSheet("a3", "Sheet1", derive("a3", frame, {}), {"project_name": 1})
        att = LandedAttachment(f"{seq:064x}", "附件3.xlsx", False, "xlsx", 10, f"/l/{seq}.xlsx")
        msg = landed_message(
            source_key=f"k{seq}", raw_sha256=f"{seq + 10**6:064x}", attachments=[att]
        )
        sub = submission(
            id=f"s{seq}",
            message_sha256=msg.raw_sha256,
            attachment=att,
            unit=unit,
            period=month,
            sheets=[sheet],
        )
        load_run(engine, month, [msg], [sub], NOW)  # type: ignore[arg-type]
    return seq


def _counts(found: dict[str, dict[str, Decimal]], unit: str) -> tuple[int, int, int]:
    got = found.get(unit, {})
    return tuple(int(got.get(k, 0)) for k in ("talks_5yi", "new_signed_5yi", "new_signed_10yi"))  # type: ignore[return-value]


@pytest.mark.parametrize("case", list(CASES))
def test_project_counts_follow_the_years_reports(case: str, tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    reports, expected = CASES[case]
    _load(engine, "某招商组", reports, 0)
    assert _counts(project_counts(engine, "2023Q1"), "某招商组") == expected


def test_project_counts_are_the_same_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    lite, pg = connect(f"sqlite:///{tmp_path / 'w.sqlite'}"), connect(pg_url)
    seq = 0
    for case, (reports, _) in CASES.items():
        _load(lite, case, reports, seq)
        seq = _load(pg, case, reports, seq)
    on_sqlite = project_counts(lite, "2023Q1")
    assert on_sqlite == project_counts(pg, "2023Q1")
    assert {case: _counts(on_sqlite, case) for case in CASES} == {
        case: expected for case, (_, expected) in CASES.items()
    }
