"""Tasks that write and send notices."""

from __future__ import annotations

from datetime import UTC, datetime

from bixue.mail import send
from bixue.mail.outbox import open_mailer
from bixue.model import LandedMessage, Submission
from bixue.render.annotate import attach_annotations
from bixue.render.notice import Notice, compose_receipts
from bixue.runtime import settings_for, warehouse
from bixue.warehouse import load
from tasks import bixue_task


@bixue_task()
def write_receipts(
    home: str | None,
    period: str,
    messages: list[LandedMessage],
    submissions: list[Submission],
    as_received: bool = False,
) -> list[Notice]:
    """One receipt per submitting unit: accepted and counted, or rejected with each problem.

    Reads which version counts now from the warehouse (a refused correction leaves the earlier
    one standing) and the stored workbooks, to send back the ones with problems marked.
    `as_received`: a replayed past year, judged late as of each mail's arrival, not today.
    """
    counted = load.counted_versions(warehouse(home), submissions)
    notices = compose_receipts(
        settings_for(home),
        period,
        messages,
        submissions,
        counted=counted,
        now=datetime.now(UTC),
        as_received=as_received,
    )
    return attach_annotations(notices, submissions)


@bixue_task()
def queue_notices(home: str | None, notices: list[Notice], messages: list[LandedMessage]) -> int:
    """Compose each new notice once and commit it as pending, its messages as answered."""
    mailer = open_mailer(settings_for(home))
    return send.queue_notices(warehouse(home), mailer, notices, [m.raw_sha256 for m in messages])


@bixue_task(retries=2, retry_delay_seconds=[10, 60])
def send_notices(home: str | None) -> int:
    """Send every pending notice, each recorded sent as it goes; a retry sends the rest."""
    report = send.send_pending(warehouse(home), open_mailer(settings_for(home)))
    send.raise_if_pending(report)
    return len(report.sent)
