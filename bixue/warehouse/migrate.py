"""Alembic migrations of the warehouse, run from Python: no alembic.ini to keep in step."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the warehouse to `revision` (default: the newest schema)."""
    with engine.begin() as conn:
        config = _config(engine)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Step the warehouse back to `revision` (e.g. "-1")."""
    with engine.begin() as conn:
        config = _config(engine)
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def revision(engine: Engine, message: str) -> None:
    """Write a new migration comparing the schema in code with the warehouse (developers only)."""
    with engine.begin() as conn:
        config = _config(engine)
        config.attributes["connection"] = conn
        command.revision(config, message=message, autogenerate=True)


def current(engine: Engine) -> str | None:
    """The warehouse's revision, None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
