"""The monthly run: mailbox to landing, forms to checks, warehouse, then receipts."""

from __future__ import annotations

from typing import Annotated

from prefect import flow
from pydantic import Field

from bixue.model import LandedMessage, Submission, merge_batches
from bixue.runlock import home_lock
from bixue.runtime import settings_for
from tasks.forms import read_submissions, render_data_docs, resolve_period, validate_submissions
from tasks.history import check_history
from tasks.landing import land_messages, plan_batches
from tasks.mailbox import check_intake, fetch_messages, mark_messages_processed
from tasks.notices import queue_notices, send_notices, write_receipts
from tasks.report import publish_summary
from tasks.status import add_office_status
from tasks.warehouse import load_run, select_new_messages, select_unanswered

# The report month as YYYY-MM: the forms titled 2023年1—N月 for N = MM. Empty on a scheduled
# run: the month whose deadline (the 20th) passed most recently.
Period = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


def ingest_batch(
    home: str | None, period: str, batch: list[LandedMessage]
) -> tuple[list[LandedMessage], list[Submission], int]:
    """One batch of the month's messages read, checked and loaded (its rows then let go)."""
    messages, submissions = read_submissions(home, batch)
    submissions = validate_submissions(home, period, submissions)
    submissions = check_history(home, messages, submissions)
    return load_run(home, period, messages, submissions)


@flow(name="monthly-ingest", persist_result=True)
def monthly_ingest(
    period: Period | None = None, home: str | None = None, replay: bool = False
) -> dict[str, int]:
    """Ingest one month's submissions; a rerun converges to the same state, sends nothing twice.

    `replay`: a past year run again (the demo), its receipts written as the mail came in.
    """
    period = resolve_period(home, period)
    check_intake(home)
    with home_lock(settings_for(home)):  # one run per home at a time, however started
        # Nested, so the raw mail (the month's largest object) is let go once it has landed.
        landed = land_messages(home, select_new_messages(home, period, fetch_messages(home)))
        batches = [ingest_batch(home, period, batch) for batch in plan_batches(home, landed)]
        messages, submissions, rows = merge_batches(batches)
        render_data_docs(home, period, submissions)
        # Receipts are composed from the warehouse, so a killed run's are not lost.
        answer, answered = select_unanswered(home)
        receipts = write_receipts(home, period, answer, answered, as_received=replay)
        queue_notices(home, add_office_status(home, period, receipts), answer)
        send_notices(home)
        mark_messages_processed(home, messages)
    return publish_summary(period, messages, submissions, rows)
