"""Tasks of the forms stage: which month a run is for, and the validations as Data Docs."""

from __future__ import annotations

from datetime import UTC, datetime

from bixue import periods
from bixue.model import Submission
from bixue.runtime import settings_for
from tasks import bixue_task


@bixue_task()
def resolve_period(home: str | None, period: str | None) -> str:
    """The period asked for; when empty, the report month units are filling now."""
    return periods.resolve_period(settings_for(home), period, datetime.now(UTC))


@bixue_task()
def render_data_docs(
    home: str | None, period: str, submissions: list[Submission], refresh: bool = False
) -> str | None:
    """The stored validations as GX Data Docs in <home>/docs; the index page, None if none.

    Failing to render them must not hold up the receipts: an error is logged, not raised.
    """
    from bixue.rules.docs import render_run

    return render_run(settings_for(home).home, period, submissions, refresh)
