"""The monthly flow run in this test process, as `bixue ingest` runs it, on a test's home.

Tests that need a whole month run it through here, under the session's `prefect_server`
fixture (mark them `prefect`): the flow is the only composition of the month's steps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bixue import runtime
from bixue.config import Settings


def _forget_handles(home: str) -> None:
    """Drop the per-process settings and engine, so a run sees the test's environment now."""
    if runtime.warehouse.cache_info().currsize:
        runtime.warehouse(home).dispose()  # the cached engine: the flow opens only this home's
    runtime.settings_for.cache_clear()
    runtime.warehouse.cache_clear()


@contextmanager
def _variable(name: str, value: str | None) -> Iterator[None]:
    if value is None:
        yield
        return
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def run_month(
    settings: Settings, period: str | None, *, warehouse_url: str | None = None, **params: Any
) -> dict[str, int]:
    """monthly_ingest(period, home) on the settings' home (optionally another warehouse)."""
    from flows.monthly_ingest import monthly_ingest

    home = str(settings.home)
    with _variable("BIXUE_WAREHOUSE_URL", warehouse_url):
        runtime.settings_for.cache_clear()
        runtime.warehouse.cache_clear()
        try:
            return monthly_ingest(period=period, home=home, **params)
        finally:
            _forget_handles(home)
