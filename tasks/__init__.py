"""Thin Prefect tasks over the Prefect-free `bixue` package: one I/O boundary each."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE


def bixue_task(**options: Any) -> Any:
    """@task without input hashing: inputs are large and reruns converge through the warehouse."""
    return task(cache_policy=NO_CACHE, persist_result=False, **options)
