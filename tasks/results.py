"""Tasks of the circulated results: gate, draft, render, preview, lock, send; one I/O each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import runtime, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import RUN_ID, TASK_SOURCE

from bixue.render.approval import approval_markdown, outcome_markdown
from bixue.render.circulation import Bundle, SendReport, bundle, send, write_preview
from bixue.runtime import settings_for, warehouse
from bixue.scoring import approval, audit
from bixue.scoring.gate import IncompleteInputsError, check_inputs
from bixue.scoring.model import parse_period
from tasks import bixue_task
from tasks.retry import IO_RETRIES


@bixue_task()
def check_results_inputs(home: str | None, period: str, allow_incomplete: bool) -> list[str]:
    """The inputs gate: stop the flow (in Chinese) unless the period's inputs are complete."""
    p = parse_period(period)
    gaps = check_inputs(warehouse(home), settings_for(home), p)
    if gaps and not allow_incomplete:
        raise IncompleteInputsError(p, gaps)
    return [g.text() for g in gaps]


@bixue_task()
def score_results_draft(home: str | None, period: str) -> int:
    """Score the period from the warehouse as a draft (recording the gaps the gate allowed)."""
    from bixue.scoring.service import score_warehouse

    done = score_warehouse(
        warehouse(home), settings_for(home), parse_period(period), allow_incomplete=True
    )
    return done.version


@bixue_task()
def lock_results(home: str | None, period: str, force: bool) -> int:
    """Lock the newest draft as 第N版 (circulate_version) and return N."""
    from bixue.scoring.service import circulate_version

    return circulate_version(warehouse(home), settings_for(home), period, force=force)


@bixue_task()
def render_results(home: str | None, period: str, number: int | None) -> Bundle:
    """The workbook, 述评 and mails of 第N版, or of the newest draft when None."""
    return bundle(warehouse(home), settings_for(home), period, number=number)


@bixue_task()
def write_results_preview(home: str | None, rendered: Bundle) -> str:
    """Write the preview folder; nothing is sent."""
    return str(write_preview(settings_for(home), rendered))


@bixue_task(**IO_RETRIES)
def send_results(home: str | None, rendered: Bundle) -> SendReport:
    """Send what the ledger has not sent; a retry sends only what failed."""
    return send(warehouse(home), settings_for(home), rendered)


@bixue_task()
def publish_results(rendered: Bundle, report: SendReport | None, preview: str | None) -> dict:
    """What the run did, for the flow's result and the UI."""
    out: dict = {
        "period": rendered.period,
        "version": rendered.number,
        "mails": len(rendered.mails),
    }
    if preview is not None:
        out["preview"] = preview
    if report is not None:
        out |= {"sent": len(report.sent), "skipped": len(report.skipped), "failed": report.failed}
    return out


def _key(period: str) -> str:
    return f"results-{period.lower()}"


@bixue_task()
def resolve_results_period(home: str | None, period: str, annual: bool) -> str:
    """The period asked for, else the one a scheduled run circulates, as of its scheduled date."""
    if period.strip():
        return str(parse_period(period))
    when = runtime.flow_run.scheduled_start_time or datetime.now(UTC)
    return approval.results_period(annual, when, settings_for(home).tz)


@bixue_task()
def request_approval(home: str | None, period: str) -> approval.Request:
    """This run's approval request: the draft scored once, the same one when resumed."""
    run_id = str(runtime.flow_run.id or f"local-{datetime.now(UTC).isoformat()}")
    return approval.request(warehouse(home), settings_for(home), period, run_id)


@bixue_task()
def rank_draft(home: str | None, request: approval.Request) -> dict[str, Any]:
    """The ranking of the draft the office is asked to approve."""
    from bixue.scoring.service import ranking

    _, scores = audit.load(warehouse(home), request.period, request.version)
    return ranking(scores)


# Published once per flow run: a run resumed after the office's decision reuses it.
@task(cache_policy=RUN_ID + TASK_SOURCE, persist_result=True)
def publish_draft(
    request: approval.Request, ranking: dict[str, Any], gaps: list[str], preview: str
) -> str:
    """The draft's workbook and ranking as artifacts; returns the resume form's description."""
    text = approval_markdown(request.period, request.version, ranking, gaps, preview)
    key = _key(request.period)
    create_markdown_artifact(text, key=f"{key}-draft", description=f"{request.period} 待审核草稿")
    rows = [{"类别": category, **row} for category, group in ranking.items() for row in group]
    create_table_artifact(rows, key=f"{key}-ranking", description=f"{request.period} 草稿排名")
    return text


@bixue_task()
def record_decision(
    home: str | None, request: approval.Request, approve: bool, opinion: str
) -> approval.Request:
    """The office's decision and words, written once in the warehouse."""
    return approval.decide(warehouse(home), request.run_id, approve, opinion)


@bixue_task()
def lock_approved_results(home: str | None, request: approval.Request, force: bool) -> int:
    """Lock the draft the office approved as 第N版 (refused if a newer draft appeared)."""
    return approval.lock_approved(warehouse(home), settings_for(home), request.run_id, force=force)


@bixue_task()
def publish_outcome(
    request: approval.Request, rendered: Bundle | None, report: SendReport | None
) -> dict[str, Any]:
    """What the run did after the decision, as an artifact and the flow's result."""
    number = rendered.number if rendered is not None else None
    text = outcome_markdown(
        request.period,
        request.version,
        request.approved,
        request.opinion,
        number,
        report.sent if report else (),
        report.skipped if report else (),
        report.failed if report else None,
    )
    create_markdown_artifact(
        text, key=f"{_key(request.period)}-outcome", description=f"{request.period} 通报结果"
    )
    out: dict[str, Any] = {
        "period": request.period,
        "draft": request.version,
        "approved": request.approved,
        "opinion": request.opinion,
        "version": number,
    }
    if report is not None:
        out |= {"sent": len(report.sent), "skipped": len(report.skipped), "failed": report.failed}
    return out
