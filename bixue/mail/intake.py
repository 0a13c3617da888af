"""Mailbox to landing area: every raw message and attachment kept by hash before anything else."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from bixue.mail.landing import store_attachment, store_raw_message
from bixue.mail.message import parse_message
from bixue.mail.source import MailSource
from bixue.model import LandedAttachment, LandedMessage, RawMessage


def fetch_messages(source: MailSource, skip: set[str] | None = None) -> list[RawMessage]:
    """Every message in the mailbox, unmodified, in arrival order; `skip` holds source keys."""
    keys = source.keys()
    return [RawMessage(key, source.fetch(key)) for key in keys if key not in (skip or ())]


def received_time(raw: bytes) -> datetime | None:
    """When our own server received the message: the date of the topmost Received header."""
    headers = email.message_from_bytes(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
    for value in headers.get_all("Received") or []:
        _, _, stamp = str(value).rpartition(";")
        try:
            moment = parsedate_to_datetime(stamp.strip())
        except (TypeError, ValueError, IndexError):
            continue
        if moment.tzinfo is not None:
            return moment
    return None


def land_message(landing: Path, raw: RawMessage) -> LandedMessage:
    """Store the raw message and each attachment under their hashes, and read the headers."""
    parsed = parse_message(raw.raw)
    raw_path = store_raw_message(landing / "messages", raw.raw)
    attachments = [
        LandedAttachment(
            sha256=a.sha256,
            filename=a.filename,
            name_flagged=a.name_flagged,
            kind=a.kind,
            size=len(a.content),
            stored_path=str(store_attachment(landing / "attachments", a)),
        )
        for a in parsed.attachments
    ]
    return LandedMessage(
        source_key=raw.source_key,
        raw_sha256=parsed.raw_sha256,
        raw_path=str(raw_path),
        message_id=parsed.message_id,
        sender=parsed.sender,
        sender_problem=parsed.sender_problem,
        display_from=parsed.display_from,
        subject=parsed.subject,
        sent_at=parsed.sent_at,
        received_at=received_time(raw.raw) or parsed.sent_at,
        auto_reply=parsed.auto_reply,
        attachments=attachments,
    )


def land_messages(landing: Path, raws: list[RawMessage]) -> list[LandedMessage]:
    return [land_message(landing, raw) for raw in raws]
