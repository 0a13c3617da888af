"""Tasks at the mailbox boundary."""

from __future__ import annotations

from bixue.mail import intake
from bixue.mail.source import open_source
from bixue.model import LandedMessage, RawMessage
from bixue.runtime import settings_for
from tasks import bixue_task


@bixue_task(retries=2, retry_delay_seconds=[5, 30])
def fetch_messages(home: str | None) -> list[RawMessage]:
    """Read every message in the mailbox, unmodified."""
    return intake.fetch_messages(open_source(settings_for(home)))


@bixue_task()
def mark_messages_processed(home: str | None, messages: list[LandedMessage]) -> int:
    """Flag the messages this run recorded, only after the warehouse holds them."""
    source = open_source(settings_for(home))
    done = [m for m in messages if m.state and m.state != "deferred"]
    for msg in done:
        source.mark_processed(msg.source_key)
    return len(done)
