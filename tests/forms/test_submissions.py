"""Who sent what for which month: names, periods and deadlines as the office means them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bixue.config import Settings
from bixue.forms.submissions import (
    deadline,
    latest_closed_period,
    parse_period,
    sender_identity,
    unit_from_text,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("禄丰市", "禄丰市"),
        ("禄丰市招商合作局", "禄丰市"),
        ("禄丰县", "禄丰市"),  # the old name is an alias
        ("楚雄高新区管委会", "楚雄高新区"),
        ("楚雄国家高新区", "楚雄高新区"),
        ("州国有资本投资集团有限公司", "市场化招商平台（州国有资本投资集团有限公司）"),
        (
            "市场化招商平台(州国有资本投资集团有限公司)",
            "市场化招商平台（州国有资本投资集团有限公司）",
        ),
        ("昆明市", None),
        ("", None),
    ],
)
def test_the_submitter_line_names_a_registered_unit(
    settings: Settings, text: str, unit: str | None
) -> None:
    assert unit_from_text(settings, text) == unit


def test_senders_are_matched_to_units_and_providers_only(settings: Settings) -> None:
    assert sender_identity(settings, "lfs@zs.chuxiong.example") == ("禄丰市", "unit")
    assert sender_identity(settings, "tongji@zs.chuxiong.example") == (
        "州招商委办公室统计组",
        "provider",
    )
    assert sender_identity(settings, "someone@evil.example") is None


def test_the_deadline_is_the_end_of_the_20th_in_beijing_time(settings: Settings) -> None:
    assert deadline(settings, "2023-05") == datetime(2023, 5, 20, 23, 59, 59, tzinfo=SH)


@pytest.mark.parametrize(
    ("now", "period"),
    [
        (datetime(2023, 5, 21, 8, 0, tzinfo=SH), "2023-05"),
        (datetime(2023, 5, 20, 12, 0, tzinfo=SH), "2023-04"),
        (datetime(2023, 1, 5, tzinfo=SH), "2022-12"),
    ],
)
def test_a_scheduled_run_takes_the_month_whose_deadline_just_passed(
    settings: Settings, now: datetime, period: str
) -> None:
    assert latest_closed_period(settings, now) == period


@pytest.mark.parametrize("bad", ["2023-13", "2023-5", "202305", "May"])
def test_a_malformed_period_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="2023-05"):
        parse_period(bad)


@pytest.mark.parametrize(
    ("asked", "now", "period"),
    [
        # mail for May arriving on 12 May is answered at once, in May's own run
        (None, datetime(2023, 5, 12, 10, 0, tzinfo=SH), "2023-05"),
        ("", datetime(2023, 5, 20, 23, 59, tzinfo=SH), "2023-05"),
        # after the deadline units fill the next month; May's late mail is handled with it
        (None, datetime(2023, 5, 21, 0, 30, tzinfo=SH), "2023-06"),
        (None, datetime(2023, 12, 25, 9, 0, tzinfo=SH), "2024-01"),
        (None, datetime(2023, 5, 20, 16, 30, tzinfo=UTC), "2023-06"),  # 00:30 on the 21st here
        ("2023-03", datetime(2023, 5, 12, tzinfo=SH), "2023-03"),
    ],
)
def test_an_empty_period_is_the_month_units_are_filling_now(
    settings: Settings, asked: str | None, now: datetime, period: str
) -> None:
    from bixue.periods import resolve_period

    assert resolve_period(settings, asked, now) == period


def test_a_malformed_period_asked_for_is_refused(settings: Settings) -> None:
    from bixue.periods import resolve_period

    with pytest.raises(ValueError, match="2023-05"):
        resolve_period(settings, "2023-5", datetime(2023, 5, 12, tzinfo=SH))
