"""Notices through the ledger: queued as pending, then each one marked sent as it goes.

``queue_notices`` composes each notice once (Date and Message-ID fixed then) and commits it
as pending together with the messages it answers; ``send_pending`` hands every pending
notice, this run's and any an earlier run left, to the outbox or SMTP and commits it as sent
the moment the server accepted it or its file is on disk. A run killed anywhere leaves each
notice sent once or pending; only the instant between the server's "250 OK" and the commit
can send one twice (the same Message-ID, so mail clients show it once).
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bixue.crashpoint import crash_point
from bixue.mail.outbox import Outbox, OutgoingMail, SmtpMailer
from bixue.render.notice import Notice
from bixue.runlock import ensure_held
from bixue.warehouse import notices as ledger

# Failures of one mail only; any other (connection, login) would fail every later notice the
# same way, so those stay pending for the retry or the next run instead of being tried each.
_THIS_MAIL_ONLY = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)


class NoticesNotSentError(Exception):
    """Some notices are still pending after this try; the next try or run sends them."""


@dataclass
class SendReport:
    """What one pass over the pending notices did."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    left: int = 0  # not tried: the connection failed before them


def outgoing(notice: Notice) -> OutgoingMail:
    """The mail a notice becomes."""
    return OutgoingMail(
        key=notice.key,
        to=notice.to,
        subject=notice.subject,
        body=notice.body,
        attachments=notice.attachments,
        in_reply_to=notice.in_reply_to,
        references=notice.references,
        html=notice.html,
        cc=notice.cc,
    )


def queue_notices(
    engine: Engine, mailer: Outbox | SmtpMailer, notices: list[Notice], answered: Iterable[str]
) -> int:
    """Queue the notices not in the ledger yet; the `answered` messages are then noticed."""
    known = ledger.known_keys(engine)
    queued = [
        ledger.QueuedNotice(
            key=n.key,
            unit=n.unit,
            period=n.period,
            kind=n.kind,
            to=n.to + n.cc,  # the envelope: the copy goes out in the same transaction
            subject=n.subject,
            message_id=mailer.message_id(n.key),
            raw=mailer.compose(outgoing(n)),
        )
        for n in notices
        if n.key not in known
    ]
    return ledger.queue(engine, queued, answered)


def queue_new(engine: Engine, mailer: Outbox | SmtpMailer, notices: list[Notice]) -> list[str]:
    """Queue the notices not in the ledger yet (answering no message); their keys, in order."""
    known = ledger.known_keys(engine)
    fresh = [n for n in notices if n.key not in known]
    queue_notices(engine, mailer, fresh, [])
    return [n.key for n in fresh]


def send_pending(engine: Engine, mailer: Outbox | SmtpMailer) -> SendReport:
    """Send every pending notice, each committed as sent before the next is tried."""
    report = SendReport()
    todo = ledger.pending(engine)
    for index, notice in enumerate(todo):
        raw = ledger.composed(engine, notice.key)
        if raw is None:
            continue  # no longer pending
        ensure_held()  # a lock lost with its database session: another run may be sending
        try:
            ref = mailer.send_raw(notice.key, notice.to, raw)
        except (smtplib.SMTPException, OSError) as exc:
            report.failed[notice.key] = _reason(exc)
            ledger.mark_failed(engine, notice.key, _reason(exc))
            if not isinstance(exc, _THIS_MAIL_ONLY):
                report.left = len(todo) - index - 1
                break
            continue
        ledger.mark_sent(engine, notice.key, ref)
        report.sent.append(notice.key)
        crash_point("mid-send")
    return report


def raise_if_pending(report: SendReport) -> None:
    """End the step as failed when notices are left, so the office sees it (they stay queued)."""
    if report.failed:
        first = next(iter(report.failed.values()))
        raise NoticesNotSentError(
            f"{len(report.failed) + report.left}份通知未能发出（已发出{len(report.sent)}份），"
            f"已保留待下次重试。首个原因：{first}"
        )


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
