"""One batch of a month's landed mail read, checked and loaded: the monthly flow's unit of work.

Prefect-free: tasks/ingest.py wraps `ingest_batch` as one coarse task per batch, so a task
runner can spread the batches over workers. The heavy stages (workbook parsing, the Great
Expectations suites) are imported on the first call, so a run with no mail never loads them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.model import LandedMessage, RawMessage, Submission


def new_messages(engine: Engine, period: str, raws: list[RawMessage]) -> list[RawMessage]:
    """Drop messages already recorded or meant for a later month: a rerun does no work twice."""
    if not raws:
        return []
    from bixue.warehouse.seen import skippable_messages

    skip = skippable_messages(engine, period)
    return [r for r in raws if sha256(r.raw).hexdigest() not in skip]


def check_batch(
    settings: Settings, engine: Engine, period: str, batch: list[LandedMessage]
) -> list[Submission]:
    """Read the batch's workbooks, run the suites, check against earlier reports and the
    statistics, apply the configured severities and name each problem's row."""
    from bixue.forms.submissions import read_submissions
    from bixue.rules import history
    from bixue.rules.check import apply_severities, name_rows, validate_submissions

    submissions = validate_submissions(read_submissions(settings, batch), settings.home, period)
    prior, statistics = history.history_for(engine, submissions)
    checked = history.check_history(
        batch,
        submissions,
        prior,
        statistics,
        settings.severities,
        documents=history.documents_for(engine, submissions),
        tz=settings.tz,
        signings=history.signings_for(engine, submissions),
    )
    return name_rows(apply_severities(checked, settings.severities))


def ingest_batch(
    settings: Settings, engine: Engine, period: str, batch: list[LandedMessage]
) -> tuple[list[LandedMessage], list[Submission], int]:
    """The batch read, checked and loaded (one transaction per message); its rows then let go,
    their counts kept, so a month's memory is one batch's rows. An empty batch (no new mail)
    does nothing and loads nothing heavy."""
    if not batch:
        return batch, [], 0
    from bixue.model import release_rows
    from bixue.warehouse.load import load_run

    submissions = check_batch(settings, engine, period, batch)
    rows = load_run(engine, period, batch, submissions, datetime.now(UTC))
    return batch, release_rows(submissions), rows
