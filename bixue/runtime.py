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
def warehouse(home: str | None) -> Engine:
    """The home's warehouse, migrated and its dimensions in step with config/, once per process."""
    from bixue.warehouse.dimensions import sync_dimensions

    settings = settings_for(home)
    engine = connect(settings.warehouse_url)
    sync_dimensions(engine, settings)
    return engine
