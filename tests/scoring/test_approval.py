"""The office's approval of a draft, on a real warehouse (SQLite and PostgreSQL): one draft per
request, the decision written once, and only the draft the office saw is locked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bixue.config import Settings
from bixue.scoring import approval, audit
from bixue.scoring.model import ScoringError, parse_period
from bixue.scoring.service import score, warehouse_measures
from bixue.warehouse.db import connect

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse(request: pytest.FixtureRequest, settings: Settings) -> sa.Engine:
    if request.param == "sqlite":
        return connect(settings.warehouse_url)
    return connect(str(request.getfixturevalue("pg_url")))


def _drafts(engine: sa.Engine, period: str) -> int:
    with engine.connect() as conn:
        return len(audit.runs(conn, period))


@pytest.mark.parametrize(
    ("annual", "when", "period"),
    [
        (False, datetime(2024, 4, 25, 9, tzinfo=SHANGHAI), "2024Q1"),
        (False, datetime(2024, 7, 25, 9, tzinfo=SHANGHAI), "2024Q2"),
        (False, datetime(2024, 10, 25, 9, tzinfo=SHANGHAI), "2024Q3"),
        (False, datetime(2024, 12, 31, 23, tzinfo=SHANGHAI), "2024Q3"),
        # 1 July 07:00 in Beijing is still 30 June in UTC: the office's date counts.
        (False, datetime(2024, 6, 30, 23, tzinfo=ZoneInfo("UTC")), "2024Q2"),
        (True, datetime(2024, 1, 25, 9, tzinfo=SHANGHAI), "2023"),
        (True, datetime(2023, 12, 31, 17, tzinfo=ZoneInfo("UTC")), "2023"),
    ],
)
def test_a_scheduled_run_circulates_the_quarter_just_ended_or_the_previous_year(
    annual: bool, when: datetime, period: str
) -> None:
    assert approval.results_period(annual, when, SHANGHAI) == period


def test_a_quarterly_run_in_the_first_quarter_points_to_the_annual_results() -> None:
    with pytest.raises(ScoringError, match="第四季度不单独通报"):
        approval.results_period(False, datetime(2024, 2, 1, tzinfo=SHANGHAI), SHANGHAI)


def test_a_request_scores_one_draft_however_often_it_is_asked(
    warehouse: sa.Engine, settings: Settings
) -> None:
    first = approval.request(warehouse, settings, "2023Q1", "run-1")
    again = approval.request(warehouse, settings, "2023Q1", "run-1")
    assert again == first and first.state == approval.WAITING and _drafts(warehouse, "2023Q1") == 1
    with pytest.raises(ScoringError, match="不能改为 2023Q2"):
        approval.request(warehouse, settings, "2023Q2", "run-1")


def test_the_office_decides_once_and_its_words_are_kept(
    warehouse: sa.Engine, settings: Settings
) -> None:
    approval.request(warehouse, settings, "2023Q1", "run-1")
    refused = approval.decide(warehouse, "run-1", False, "  第二名数据待核实 ")
    assert (refused.state, refused.opinion) == (approval.REFUSED, "第二名数据待核实")
    assert refused.decided_at
    assert approval.decide(warehouse, "run-1", True, "同意") == refused
    with pytest.raises(ScoringError, match="办公室未同意通报"):
        approval.lock_approved(warehouse, settings, "run-1")
    with warehouse.connect() as conn:
        assert audit.runs(conn, "2023Q1")[0].circulated is None


def test_an_approved_draft_is_locked_once_as_the_next_version(
    warehouse: sa.Engine, settings: Settings
) -> None:
    approval.request(warehouse, settings, "2023Q1", "run-1")
    approval.decide(warehouse, "run-1", True, "")
    assert approval.lock_approved(warehouse, settings, "run-1") == 1
    assert approval.lock_approved(warehouse, settings, "run-1") == 1
    found = approval.find(warehouse, "run-1")
    assert found is not None and found.number == 1 and found.opinion is None


def test_a_draft_scored_after_the_one_the_office_saw_is_not_locked(
    warehouse: sa.Engine, settings: Settings
) -> None:
    shown = approval.request(warehouse, settings, "2023Q1", "run-1")
    # Scored again without the gate (another draft): not what the office was shown.
    newer = score(warehouse, settings, parse_period("2023Q1"), warehouse_measures, source_name="x")
    assert newer.version == shown.version + 1
    approval.decide(warehouse, "run-1", True, "同意")
    with pytest.raises(ScoringError, match=f"第{shown.version}次评分草稿"):
        approval.lock_approved(warehouse, settings, "run-1")
    with warehouse.connect() as conn:
        assert all(r.circulated is None for r in audit.runs(conn, "2023Q1"))
