"""Tasks of the reminder run (催报): the month and day, who owes what, the ledger, the artifact."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from bixue.mail import send
from bixue.mail.outbox import open_mailer
from bixue.periods import parse_period
from bixue.render.notice import Notice
from bixue.render.reminder import (
    SENT,
    Reminders,
    collecting_period,
    local_day,
    month_reminders,
    parse_day,
    reminder_markdown,
    reminder_rows,
)
from bixue.runtime import settings_for, warehouse
from tasks import bixue_task


def run_tag(force: bool) -> str | None:
    """A forced run's own id (a retry of it keeps it, so it still sends nothing twice)."""
    run_id = flow_run.get_id() if force else None
    return run_id.replace("-", "")[:8] if run_id else None


@bixue_task()
def resolve_collecting_period(home: str | None, period: str | None) -> str:
    """The period asked for, or the month being collected (deadline this month's 20th)."""
    if period:
        parse_period(period)
        return period
    return collecting_period(settings_for(home), datetime.now(UTC))


@bixue_task()
def resolve_day(home: str | None, today: str | None) -> str:
    """The reminder's day, YYYY-MM-DD: the one asked for, or today in Asia/Shanghai."""
    if today:
        return parse_day(today).isoformat()
    return local_day(settings_for(home), datetime.now(UTC))


@bixue_task()
def compose_reminders(
    home: str | None, period: str, units: list[str] | None, day: str, force: bool
) -> Reminders:
    """Read who owes what for the month from the warehouse; a reminder composed for each."""
    return month_reminders(
        warehouse(home),
        settings_for(home),
        period,
        day=day,
        now=datetime.now(UTC),
        only=units,
        tag=run_tag(force),
    )


@bixue_task()
def queue_new_notices(home: str | None, notices: list[Notice]) -> list[str]:
    """Commit as pending the notices the ledger does not hold yet; their keys."""
    return send.queue_new(warehouse(home), open_mailer(settings_for(home)), notices)


@bixue_task()
def publish_reminders(home: str | None, reminders: Reminders, queued: list[str]) -> dict:
    """Show the office who was reminded for what, in the Prefect UI; return the same counts."""
    settings = settings_for(home)
    rows = reminder_rows(reminders, queued)
    key = f"remind-units-{reminders.period}"
    create_markdown_artifact(
        reminder_markdown(settings, reminders, queued),
        key=key,
        description=f"{reminders.period} 催报（{reminders.day}）",
    )
    create_table_artifact(
        rows, key=f"{key}-table", description=f"{reminders.period} 各单位催报情况"
    )
    return {
        "period": reminders.period,
        "day": reminders.day,
        "reminded": [r["单位"] for r in rows if r["催报"] == SENT],
        "rows": rows,
    }
