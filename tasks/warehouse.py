"""Tasks at the warehouse boundary."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from bixue.model import LandedMessage, RawMessage, Submission, release_rows
from bixue.runtime import warehouse
from bixue.warehouse import load, notices
from tasks import bixue_task


@bixue_task()
def select_new_messages(home: str | None, period: str, raws: list[RawMessage]) -> list[RawMessage]:
    """Drop messages already recorded or meant for a later month: a rerun does no work twice."""
    skip = load.skippable_messages(warehouse(home), period)
    return [r for r in raws if hashlib.sha256(r.raw).hexdigest() not in skip]


@bixue_task(retries=1, retry_delay_seconds=10)
def load_run(
    home: str | None, period: str, messages: list[LandedMessage], submissions: list[Submission]
) -> tuple[list[LandedMessage], list[Submission], int]:
    """Record messages and submissions and load accepted facts, one transaction per message.

    The loaded rows are then let go (their counts stay): a month's memory is one batch's rows.
    """
    rows = load.load_run(warehouse(home), period, messages, submissions, datetime.now(UTC))
    return messages, release_rows(submissions), rows


@bixue_task()
def select_unanswered(home: str | None) -> tuple[list[LandedMessage], list[Submission]]:
    """Recorded messages whose receipts were never queued: this run's, and a killed run's."""
    return notices.unnoticed(warehouse(home))
