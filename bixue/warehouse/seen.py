"""Which messages a run need not read again: asked before any mail is read, so pandas-free."""

from __future__ import annotations

from sqlalchemy import Engine

from bixue.warehouse.db import sql


def skippable_messages(engine: Engine, period: str) -> set[str]:
    """Hashes of messages a run for `period` need not read: recorded, or for a later month."""
    with engine.connect() as conn:
        return {
            row[0] for row in conn.execute(sql("select_skippable_messages"), {"period": period})
        }
