"""Circulated results: score the draft, pass the gate, render, then preview or lock and send."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow
from pydantic import Field

from tasks.results import (
    check_results_inputs,
    lock_results,
    publish_results,
    render_results,
    score_results_draft,
    send_results,
    write_results_preview,
)

# 2023Q1–2023Q3, or the year 2023.
Period = Annotated[str, Field(pattern=r"^\d{4}(Q[1-3])?$")]


@flow(name="circulate-results", persist_result=False)
def circulate_results(
    period: Period,
    preview: bool = True,
    force: bool = False,
    allow_incomplete: bool = False,
    home: str | None = None,
) -> dict[str, Any]:
    """Preview by default (the office looks first); with preview off, lock 第N版 and send it."""
    check_results_inputs(home, period, allow_incomplete)
    score_results_draft(home, period)
    if preview:
        rendered = render_results(home, period, None)
        return publish_results(rendered, None, write_results_preview(home, rendered))
    rendered = render_results(home, period, lock_results(home, period, force))
    return publish_results(rendered, send_results(home, rendered), None)
