"""The task runner a month's batches go to, chosen in this one place from the configuration.

`run.task_runner` in settings.yaml (BIXUE_TASK_RUNNER, BIXUE_WORKERS and BIXUE_DASK_ADDRESS
override it, `bixue.config.runner_choice` validates it):
- inline: every batch in the run's own process, one after another;
- process: Prefect's ProcessPoolTaskRunner, `workers` spawned processes on this machine;
- dask: prefect-dask's DaskTaskRunner on the existing Dask scheduler at the address.

A batch whose process-pool worker is lost (the pool breaks with every batch it held) is run
again in the flow's process; on Dask the scheduler runs it again on another worker.

A month of one batch runs in the run's own process whatever the choice (`each_finished`): a
worker costs ~5-10 s to start (Prefect, GX, pandas imported again), more than such a month's
data work. The flow carries the configured runner from its import (deployments: the worker's
environment); `bixue ingest` and the benchmark give it the home's own with `with_options`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from prefect import unmapped
from prefect.context import FlowRunContext
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from bixue.config import RunnerChoice, Settings, runner_choice

log = logging.getLogger(__name__)


class InlineTaskRunner(ThreadPoolTaskRunner[Any]):
    """The run's own process: batches are called one after another, never submitted."""

    def __init__(self, max_workers: int | None = 1) -> None:
        super().__init__(max_workers=1)


def task_runner_for(choice: RunnerChoice) -> TaskRunner[Any]:
    """The Prefect task runner for a validated choice (prefect-dask imported only for dask)."""
    if choice.kind == "dask":
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=choice.address)
    if choice.kind == "process":
        return ProcessPoolTaskRunner(max_workers=choice.workers)
    return InlineTaskRunner()


def configured_task_runner(home: str | Path | None = None) -> TaskRunner[Any]:
    """The runner settings.yaml's `run:` and the environment choose for a home.

    Reads only settings.yaml (the flow module calls it on import): None is BIXUE_HOME or ./var.
    """
    settings = Settings(home=Path(home or os.environ.get("BIXUE_HOME") or "var"))
    return task_runner_for(runner_choice(settings.file.run, os.environ))


@contextmanager
def shared_api(context: FlowRunContext | None) -> Iterator[None]:
    """Point the process pool's workers at this run's Prefect API while its batches run.

    A run on Prefect's temporary server (`bixue ingest` without PREFECT_API_URL) would
    otherwise have each worker start a server of its own: ~220 MB and seconds each, and their
    task runs recorded where nobody sees them. The pool hands its workers this environment with
    each task; the variable is taken back afterwards (the temporary server ends with the run).
    """
    if os.environ.get("PREFECT_API_URL") or context is None or context.client is None:
        yield
        return
    os.environ["PREFECT_API_URL"] = str(context.client.api_url).rstrip("/")
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def each_finished(
    task: Any, home: str | None, period: str, waves: list[list[Any]]
) -> Iterator[Any]:
    """Each batch's result as it finishes, wave after wave (`intake.plan_waves`).

    A month of two batches or more goes to the flow's task runner, each wave's batches at
    once; a month of one batch, or an inline runner, calls them here in order. A process
    pool is shut down after the last wave (nothing else in the flow is submitted to it).
    """
    context = FlowRunContext.get()
    runner = context.task_runner if context else None
    inline = runner is None or isinstance(runner, InlineTaskRunner)
    if inline or sum(len(wave) for wave in waves) < 2:
        for wave in waves:
            for batch in wave:
                yield task(home, period, quote(batch))  # not walked: see the flow
        return
    with shared_api(context) if isinstance(runner, ProcessPoolTaskRunner) else nullcontext():
        for wave in waves:
            futures: list[Any] = list(task.map(unmapped(home), unmapped(period), wave))
            batch_of = {id(future): batch for future, batch in zip(futures, wave, strict=True)}
            for future in as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool:
                    # A process-pool worker died (killed, out of memory): the pool is gone with
                    # every batch it held. Each is read again here; what a lost worker had
                    # already committed is recorded once (natural keys): nothing loaded twice.
                    log.warning("a task runner worker was lost; its batch runs in the flow")
                    yield task(home, period, quote(batch_of[id(future)]))
    if isinstance(runner, ProcessPoolTaskRunner):
        # The pool's workers end with the month's batches: each holds ~400 MB (Prefect, GX,
        # pandas and its last batch), idle through the Data Docs and notices otherwise.
        runner.cancel_all()
