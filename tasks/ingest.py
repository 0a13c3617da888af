"""The coarse task of the monthly run: one batch of landed mail read, checked and loaded."""

from __future__ import annotations

from bixue.model import LandedMessage, Submission
from bixue.runtime import settings_for, warehouse
from tasks import bixue_task
from tasks.retry import IO_RETRIES


@bixue_task(**IO_RETRIES)
def ingest_batch(
    home: str | None, period: str, batch: list[LandedMessage]
) -> tuple[list[LandedMessage], list[Submission], int]:
    """Read, check (suites, history, severities) and load one batch; its rows then let go.

    Retried only when the warehouse's connection failed (transient I/O), never for a check: the
    retry, like a rerun, converges, each message recorded in its own transaction, once.
    """
    from bixue.warehouse.ingest import ingest_batch as ingest

    return ingest(settings_for(home), warehouse(home), period, batch)
