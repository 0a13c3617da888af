"""Retries for the I/O tasks only (IMAP, SMTP, database connect), with backoff.

    @bixue_task(**IO_RETRIES)

A task fails at once on anything else (validation, scoring, configuration): the condition asks
bixue.transient which failures may pass on their own.
"""

from __future__ import annotations

from typing import Any

from prefect.client.schemas.objects import TaskRun
from prefect.states import State
from prefect.tasks import exponential_backoff

from bixue.transient import is_transient


def retry_on_transient_io(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Prefect's retry_condition_fn: retry only when the failure is transient I/O."""
    try:
        state.result(raise_on_failure=True)
    except BaseException as exc:
        return is_transient(exc)
    return False


# 3 retries, 10 s, 20 s, 40 s apart (each ±50 %): a mail server's or database's restart.
IO_RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=10),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": retry_on_transient_io,
}
