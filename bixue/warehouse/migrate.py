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


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the warehouse to `revision` (default: every branch's newest schema)."""
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
    """The warehouse's revisions (one per branch, comma-joined), None when never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def heads() -> str:
    """The newest revision of every branch, as `current` shows a fully migrated warehouse."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ",".join(sorted(ScriptDirectory.from_config(config).get_heads()))
