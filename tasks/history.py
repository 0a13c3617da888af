"""Task at the warehouse boundary that checks a run's forms against earlier reports."""

from __future__ import annotations

from bixue.model import LandedMessage, Submission
from bixue.rules import history
from bixue.rules.check import apply_severities, name_rows
from bixue.runtime import settings_for, warehouse
from tasks import bixue_task


@bixue_task()
def check_history(
    home: str | None, messages: list[LandedMessage], submissions: list[Submission]
) -> list[Submission]:
    """Check against earlier reports and the statistics, apply the configured severities, and
    name each problem's row (its project or activity) while the rows are still held."""
    settings = settings_for(home)
    severities = settings.severities
    engine = warehouse(home)
    prior, statistics = history.history_for(engine, submissions)
    checked = history.check_history(
        messages,
        submissions,
        prior,
        statistics,
        severities,
        documents=history.documents_for(engine, submissions),
        tz=settings.tz,
        signings=history.signings_for(engine, submissions),
    )
    return name_rows(apply_severities(checked, severities))
