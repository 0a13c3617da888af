"""The monthly flow's stages called directly, without Prefect: for tests and benchmarks only.

flows/monthly_ingest.py composes the same stage functions as Prefect tasks; keep the order here
the same as there.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.forms.submissions import read_submissions
from bixue.mail import intake
from bixue.mail.outbox import open_mailer
from bixue.mail.send import deliver
from bixue.mail.source import open_source
from bixue.model import LandedMessage, RunReport, Submission, merge_batches, release_rows
from bixue.render.annotate import attach_annotations
from bixue.render.notice import compose_receipts
from bixue.render.office import office_status
from bixue.rules import history
from bixue.rules.check import apply_severities, name_rows, validate_submissions
from bixue.warehouse import load


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
    """One monthly run end to end on the given warehouse."""
    source = open_source(settings)
    skip = load.skippable_messages(engine, period)
    landed = intake.land_messages(
        settings.landing_path,
        [r for r in intake.fetch_messages(source) if hashlib.sha256(r.raw).hexdigest() not in skip],
    )
    messages, submissions, rows = merge_batches(
        [
            _ingest_batch(settings, engine, period, batch)
            for batch in intake.in_batches(landed, settings.batch_bytes)
        ]
    )
    counted = load.counted_versions(engine, submissions)
    receipts = attach_annotations(
        compose_receipts(settings, period, messages, submissions, counted=counted), submissions
    )
    notices = [*receipts, office_status(engine, settings, period)]
    sent_keys = load.sent_notice_keys(engine)
    sent = deliver(open_mailer(settings), [n for n in notices if n.key not in sent_keys])
    load.record_notices(engine, sent)
    for msg in messages:
        if msg.state and msg.state != "deferred":
            source.mark_processed(msg.source_key)
    return RunReport(period=period, messages=messages, submissions=submissions, rows_loaded=rows)
