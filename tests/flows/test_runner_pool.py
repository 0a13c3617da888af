"""A month's batches on Prefect's process pool: every result comes back, and the pool's workers
are gone once the last batch is in (they would otherwise sit on ~400 MB each until the run
ends, through the Data Docs and the notices)."""

from __future__ import annotations

import multiprocessing

import pytest
from prefect import flow, task
from prefect.task_runners import ProcessPoolTaskRunner

from flows.runner import each_finished

pytestmark = pytest.mark.prefect


@task
def doubled(home: str | None, period: str, batch: list[int]) -> list[int]:
    """A stand-in batch: importable by the pool's spawned workers."""
    return [2 * n for n in batch]


@flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
def month_of_batches(waves: list[list[list[int]]]) -> tuple[list[list[int]], int, int]:
    """The batches through each_finished, then how many pool workers are still alive."""
    started: list[int] = []
    results: list[list[int]] = []
    for result in each_finished(doubled, None, "2023-05", waves):
        results.append(result)
        started = started or [p.pid for p in multiprocessing.active_children()]
    return sorted(results), len(started), len(multiprocessing.active_children())


def test_the_pools_workers_end_once_the_months_batches_are_in(prefect_server: None) -> None:
    results, while_running, after = month_of_batches([[[1]], [[2, 3], [4]]])
    assert results == [[2], [4, 6], [8]]
    assert while_running >= 1  # the batches did run on the pool's workers
    assert after == 0
