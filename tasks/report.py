"""Task at the Prefect UI boundary: the run's summary as an artifact."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from bixue.model import LandedMessage, RunReport, Submission
from bixue.render.summary import submission_table, summary_markdown
from tasks import bixue_task


@bixue_task()
def publish_summary(
    period: str, messages: list[LandedMessage], submissions: list[Submission], rows: int
) -> dict[str, int]:
    """Show the office what this run did, in the Prefect UI; return the counts."""
    report = RunReport(period=period, messages=messages, submissions=submissions, rows_loaded=rows)
    create_markdown_artifact(
        summary_markdown(report),
        key=f"monthly-ingest-{period}",
        description=f"{period} 月度报表处理结果",
    )
    if report.submissions:
        create_table_artifact(
            submission_table(report),
            key=f"monthly-ingest-{period}-table",
            description=f"{period} 本次处理的报表（每份一行）",
        )
    return report.counts()
