"""Tasks at the warehouse boundary."""

from __future__ import annotations

from bixue.model import LandedMessage, RawMessage, Submission
from bixue.runtime import warehouse
from bixue.warehouse import ingest, notices
from tasks import bixue_task


@bixue_task()
def select_new_messages(home: str | None, period: str, raws: list[RawMessage]) -> list[RawMessage]:
    """Drop messages already recorded or meant for a later month: a rerun does no work twice."""
    return ingest.new_messages(warehouse(home), period, raws)


@bixue_task()
def select_unanswered(home: str | None) -> tuple[list[LandedMessage], list[Submission]]:
    """Recorded messages whose receipts were never queued: this run's, and a killed run's."""
    return notices.unnoticed(warehouse(home))


@bixue_task()
def select_owed(home: str | None) -> bool:
    """Whether any receipt is still owed (a stopped run's unanswered mail or unsent notice)."""
    return notices.owed(warehouse(home))
