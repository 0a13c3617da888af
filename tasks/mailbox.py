"""Tasks at the mailbox boundary."""

from __future__ import annotations

from bixue.mail import intake
from bixue.mail.source import close_source, open_source
from bixue.model import LandedMessage, RawMessage
from bixue.runtime import settings_for, warehouse
from tasks import bixue_task
from tasks.retry import IO_RETRIES


@bixue_task()
def check_intake(home: str | None) -> None:
    """Refuse to read a real mailbox when nobody checks who sent the mail (unless turned off)."""
    settings_for(home).require_sender_check()


@bixue_task(**IO_RETRIES)
def list_mail(home: str | None) -> list[list[str]]:
    """The mailbox's messages to read, in pages: a run holds one page of raw mail at a time."""
    source = open_source(settings_for(home))
    try:
        return intake.mail_pages(source)
    finally:
        close_source(source)


@bixue_task(**IO_RETRIES)
def fetch_messages(home: str | None, keys: list[str] | None = None) -> list[RawMessage]:
    """Read the mailbox's messages (those of a page of `list_mail`), unmodified; IMAP mail
    already recorded is only flagged."""
    source = open_source(settings_for(home))
    try:
        return intake.fetch_new(source, warehouse(home), keys)
    finally:
        close_source(source)


@bixue_task(**IO_RETRIES)
def mark_messages_processed(home: str | None, messages: list[LandedMessage]) -> int:
    """Flag the messages this run recorded, only after the warehouse (and ledger) hold them."""
    source = open_source(settings_for(home))
    try:
        return intake.mark_processed(source, warehouse(home), messages)
    finally:
        close_source(source)
