"""Tasks of the month's close: its final status from the warehouse, and the office's artifact."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from bixue.render.close import Close, close_markdown, month_close
from bixue.runtime import settings_for, warehouse
from tasks import bixue_task
from tasks.remind import run_tag


@bixue_task()
def compose_close(home: str | None, period: str, force: bool) -> Close:
    """The month's final status mail (with its workbook and page) as the warehouse holds it."""
    now = datetime.now(UTC)
    return month_close(warehouse(home), settings_for(home), period, now, run_tag(force))


@bixue_task()
def publish_close(close: Close, queued: list[str]) -> dict:
    """Show the office every unit's final state in the Prefect UI; return it."""
    sent = close.notice.key in queued
    key = f"monthly-close-{close.period}"
    create_markdown_artifact(
        close_markdown(close, sent), key=key, description=f"{close.period} 最终报送情况"
    )
    create_table_artifact(
        list(close.units), key=f"{key}-table", description=f"{close.period} 各单位最终状态"
    )
    return {
        "period": close.period,
        "sent": sent,
        "subject": close.notice.subject,
        "rows": list(close.units),
    }
