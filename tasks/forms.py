"""Tasks that read workbooks and check them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bixue.forms import submissions as forms
from bixue.model import LandedMessage, Submission
from bixue.rules import check
from bixue.runtime import settings_for
from tasks import bixue_task

log = logging.getLogger(__name__)


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
def validate_submissions(
    home: str | None, period: str, submissions: list[Submission]
) -> list[Submission]:
    """Run each form's Great Expectations suite once over all of this run's rows."""
    return check.validate_submissions(submissions, settings_for(home).home, period)


@bixue_task()
def render_data_docs(home: str | None, period: str, submissions: list[Submission]) -> str | None:
    """The stored validations as GX Data Docs in <home>/docs; the index page, None if none.

    The pages are for the office to browse; failing to render them must not hold up loading
    the warehouse or the units' receipts, so an error is logged, not raised.
    """
    years = {int(sub.period[:4]) for sub in submissions if sub.period and sub.sheets}
    if not years:
        return None
    try:
        from bixue.rules.docs import render_site

        return str(render_site(settings_for(home).home, years))
    except Exception:
        log.exception("Data Docs for %s not rendered", period)
        return None
