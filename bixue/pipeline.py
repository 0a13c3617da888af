"""The monthly flow's stages called directly, without Prefect: for tests and benchmarks only.

flows/monthly_ingest.py composes the same stage functions as Prefect tasks; keep the order here
the same as there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.forms.submissions import read_submissions
from bixue.mail import intake
from bixue.mail.outbox import open_mailer
from bixue.mail.send import queue_notices, raise_if_pending, send_pending
from bixue.mail.source import MailSource, close_source, open_source
from bixue.model import LandedMessage, RunReport, Submission, merge_batches, release_rows
from bixue.render.annotate import attach_annotations
from bixue.render.notice import compose_receipts
from bixue.render.office import office_status
from bixue.rules import history
from bixue.rules.check import apply_severities, name_rows, validate_submissions
from bixue.runlock import home_lock
from bixue.warehouse import load, notices


def _ingest_batch(
    settings: Settings, engine: Engine, period: str, batch: list[LandedMessage]
) -> tuple[list[LandedMessage], list[Submission], int]:
    """One batch of messages read, checked and loaded: the flow's ingest_batch."""
    submissions = validate_submissions(read_submissions(settings, batch), settings.home, period)
    prior, statistics = history.history_for(engine, submissions)
    documents = history.documents_for(engine, submissions)
    submissions = history.check_history(
        batch,
        submissions,
        prior,
        statistics,
        settings.severities,
        documents=documents,
        tz=settings.tz,
        signings=history.signings_for(engine, submissions),
    )
    submissions = name_rows(apply_severities(submissions, settings.severities))
    rows = load.load_run(engine, period, batch, submissions, datetime.now(UTC))
    return batch, release_rows(submissions), rows


def run_month(settings: Settings, engine: Engine, period: str) -> RunReport:
    """One monthly run end to end on the given warehouse, holding the home meanwhile."""
    settings.require_sender_check()
    with home_lock(settings):
        source = open_source(settings)
        try:
            return _run_month(settings, engine, period, source)
        finally:
            close_source(source)


def _run_month(settings: Settings, engine: Engine, period: str, source: MailSource) -> RunReport:
    skip = load.skippable_messages(engine, period)
    landed = intake.land_messages(
        settings.landing_path,
        [r for r in intake.fetch_new(source, engine) if sha256(r.raw).hexdigest() not in skip],
        intake.policy_for(settings),
    )
    messages, submissions, rows = merge_batches(
        [
            _ingest_batch(settings, engine, period, batch)
            for batch in intake.in_batches(landed, settings.batch_bytes)
        ]
    )
    # Receipts come from the warehouse: this run's messages and any a killed run left unanswered.
    answer, answered = notices.unnoticed(engine)
    counted = load.counted_versions(engine, answered)
    receipts = attach_annotations(
        compose_receipts(settings, period, answer, answered, counted=counted), answered
    )
    mailer = open_mailer(settings)
    due = [*receipts, office_status(engine, settings, period)]
    queue_notices(engine, mailer, due, [m.raw_sha256 for m in answer])
    raise_if_pending(send_pending(engine, mailer))
    intake.mark_processed(source, engine, messages)
    return RunReport(period=period, messages=messages, submissions=submissions, rows_loaded=rows)
