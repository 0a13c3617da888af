"""Per-process handles: settings and the warehouse engine, opened once per home."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine

from bixue.config import Settings, load_settings
from bixue.warehouse.db import connect


@cache
def settings_for(home: str | None) -> Settings:
    """Validated settings for a home folder (None: BIXUE_HOME or ./var)."""
    return load_settings(home)


@cache
def engine_for(url: str) -> Engine:
    """One engine per warehouse URL, schema ensured on first use."""
    return connect(url)


def warehouse(home: str | None) -> Engine:
    return engine_for(settings_for(home).warehouse_url)
