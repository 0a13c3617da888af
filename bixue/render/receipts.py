"""The run's receipts as the warehouse has them after the load, with the marked workbooks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.model import LandedMessage, Submission
from bixue.render.notice import Notice


def write_receipts(
    engine: Engine,
    settings: Settings,
    period: str,
    messages: list[LandedMessage],
    submissions: list[Submission],
    *,
    now: datetime,
    as_received: bool = False,
) -> list[Notice]:
    """One receipt per submitting unit: accepted and counted, or rejected with each problem.

    Reads which version counts now from the warehouse (a refused correction leaves the earlier
    one standing) and the stored workbooks, to send back the ones with problems marked.
    `as_received`: a replayed past year, judged late as of each mail's arrival, not `now`.
    """
    if not messages:
        return []
    from bixue.render.annotate import attach_annotations
    from bixue.render.notice import compose_receipts
    from bixue.warehouse.load import counted_versions

    counted = counted_versions(engine, submissions)
    notices = compose_receipts(
        settings,
        period,
        messages,
        submissions,
        counted=counted,
        now=now,
        as_received=as_received,
    )
    return attach_annotations(notices, submissions)
