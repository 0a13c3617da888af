"""Migrations take an empty warehouse to the schema in code, and the latest one steps back."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bixue.warehouse.migrate import MIGRATIONS, current, downgrade, upgrade
from bixue.warehouse.schema import metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        return sa.create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    return sa.create_engine(str(request.getfixturevalue("pg_url")))


def _head() -> str:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head
    return head


def test_empty_to_head_gives_exactly_the_schema_in_code(engine: sa.Engine) -> None:
    upgrade(engine)
    assert current(engine) == _head()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_the_latest_migration_steps_back_and_forward_again(engine: sa.Engine) -> None:
    upgrade(engine)
    downgrade(engine, "-1")
    assert current(engine) != _head()
    upgrade(engine)
    assert current(engine) == _head()


def test_upgrading_twice_is_harmless(engine: sa.Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    assert current(engine) == _head()
