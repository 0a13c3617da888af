"""Migrations take an empty warehouse to the schema in code, and the latest one steps back."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bixue.warehouse.migrate import current, downgrade, heads, upgrade
from bixue.warehouse.schema import all_tables


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        return sa.create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    return sa.create_engine(str(request.getfixturevalue("pg_url")))


def test_empty_to_head_gives_exactly_the_schema_in_code(engine: sa.Engine) -> None:
    upgrade(engine)
    assert current(engine) == heads()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), all_tables())
    assert diff == []


def test_the_latest_migration_steps_back_and_forward_again(engine: sa.Engine) -> None:
    upgrade(engine)
    for head in heads().split(","):
        downgrade(engine, f"{head}@-1" if "," in heads() else "-1")
        assert current(engine) != heads()
        upgrade(engine)
    upgrade(engine)
    assert current(engine) == heads()


def test_upgrading_twice_is_harmless(engine: sa.Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    assert current(engine) == heads()
