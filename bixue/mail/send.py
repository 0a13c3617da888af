"""Hand notices to the configured mailer and say what went, for the notice ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bixue.mail.outbox import Outbox, OutgoingMail, SmtpMailer
from bixue.render.notice import Notice


def deliver(mailer: Outbox | SmtpMailer, notices: list[Notice]) -> list[dict[str, Any]]:
    """Send each notice; one ledger row per notice sent."""
    sent = []
    for notice in notices:
        ref = mailer.send(
            OutgoingMail(
                key=notice.key,
                to=notice.to,
                subject=notice.subject,
                body=notice.body,
                attachments=notice.attachments,
                in_reply_to=notice.in_reply_to,
                references=notice.references,
                html=notice.html,
            )
        )
        sent.append(
            {
                "key": notice.key,
                "unit": notice.unit,
                "period": notice.period,
                "kind": notice.kind,
                "recipients": ",".join(notice.to),
                "subject": notice.subject,
                "ref": ref,
                "sent_at": datetime.now(UTC).isoformat(),
            }
        )
    mailer.flush()  # every notice written lasts before the ledger says it went
    return sent
