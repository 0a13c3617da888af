"""Tasks that read workbooks and check them."""

from __future__ import annotations

from datetime import UTC, datetime

from bixue.forms import submissions as forms
from bixue.model import LandedMessage, Submission
from bixue.rules import check
from bixue.runtime import settings_for
from tasks import bixue_task


@bixue_task()
def resolve_period(home: str | None, period: str | None) -> str:
    """The period asked for, or for a scheduled run the month whose deadline just passed."""
    if period:
        forms.parse_period(period)
        return period
    return forms.latest_closed_period(settings_for(home), datetime.now(UTC))


@bixue_task()
def read_submissions(
    home: str | None, messages: list[LandedMessage]
) -> tuple[list[LandedMessage], list[Submission]]:
    """Parse every landed workbook and tell who sent which form for which period."""
    return messages, forms.read_submissions(settings_for(home), messages)


@bixue_task()
def validate_submissions(submissions: list[Submission]) -> list[Submission]:
    """Run each form's Great Expectations suite once over all of this run's rows."""
    return check.validate_submissions(submissions)
