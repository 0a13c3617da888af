"""Tasks of the circulated results: gate, draft, render, preview, lock, send; one I/O each."""

from __future__ import annotations

from bixue.render.circulation import Bundle, SendReport, bundle, send, write_preview
from bixue.runtime import settings_for, warehouse
from bixue.scoring.gate import IncompleteInputsError, check_inputs
from bixue.scoring.model import parse_period
from tasks import bixue_task


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


@bixue_task(retries=1, retry_delay_seconds=30)
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
