"""Tasks that write and send notices."""

from __future__ import annotations

from datetime import UTC, datetime

from bixue.mail import send
from bixue.mail.outbox import open_mailer
from bixue.model import LandedMessage, Submission
from bixue.render import office, receipts
from bixue.render.notice import Notice
from bixue.runtime import settings_for, warehouse
from tasks import bixue_task
from tasks.retry import IO_RETRIES


@bixue_task()
def write_receipts(
    home: str | None,
    period: str,
    messages: list[LandedMessage],
    submissions: list[Submission],
    as_received: bool = False,
) -> list[Notice]:
    """One receipt per submitting unit, as the warehouse counts it now, workbooks marked.

    `as_received`: a replayed past year, judged late as of each mail's arrival, not today.
    """
    return receipts.write_receipts(
        warehouse(home),
        settings_for(home),
        period,
        messages,
        submissions,
        now=datetime.now(UTC),
        as_received=as_received,
    )


@bixue_task()
def add_office_status(
    home: str | None, period: str, notices: list[Notice], notify_office: bool, refresh: bool
) -> list[Notice]:
    """The run's receipts and, when `notify_office`, the office's status mail for the month
    (its status page is brought up to date whenever the run answered mail, or to `refresh`)."""
    return office.with_office_status(
        warehouse(home), settings_for(home), period, notices, office=notify_office, refresh=refresh
    )


@bixue_task()
def queue_notices(home: str | None, notices: list[Notice], messages: list[LandedMessage]) -> int:
    """Compose each new notice once and commit it as pending, its messages as answered."""
    mailer = open_mailer(settings_for(home))
    return send.queue_notices(warehouse(home), mailer, notices, [m.raw_sha256 for m in messages])


@bixue_task(**IO_RETRIES)
def send_notices(home: str | None) -> int:
    """Send every pending notice, each recorded sent as it goes; a retry sends the rest."""
    report = send.send_pending(warehouse(home), open_mailer(settings_for(home)))
    send.raise_if_pending(report)
    return len(report.sent)
