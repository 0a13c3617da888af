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


def test_upgrading_to_0007_keys_the_projects_already_loaded(engine: sa.Engine) -> None:
    upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into submission (id, message_sha256, attachment_sha256, filename, unit,"
                " workbook, period, version, status, late, rows_loaded, loaded_at) values"
                " ('s1', 'm', 'a', '附件3.xlsx', '禄丰市', 'a3', '2023-05', 1, 'accepted',"
                " false, 2, 'now')"
            )
        )
        conn.execute(
            sa.text(
                "insert into fact_a3 (submission_id, sheet, excel_row, unit, period, project_name)"
                " values ('s1', 'Sheet1', 7, '禄丰市', '2023-05', 'ＡＢ 电池\n项目'),"
                " ('s1', 'Sheet1', 8, '禄丰市', '2023-05', null)"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        keys = conn.execute(sa.text("select project_key from fact_a3 order by excel_row")).all()
    assert [k for (k,) in keys] == ["AB电池项目", None]


def test_upgrading_to_0012_keys_the_signings_already_loaded(engine: sa.Engine) -> None:
    upgrade(engine, "0008")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into submission (id, message_sha256, attachment_sha256, filename, unit,"
                " workbook, period, version, status, late, rows_loaded, loaded_at) values"
                " ('s1', 'm', 'a', '台账.xlsx', '禄丰市', 'ledger', '2023-05', 1, 'accepted',"
                " false, 2, 'now')"
            )
        )
        conn.execute(
            sa.text(
                "insert into fact_ledger_signings (submission_id, sheet, excel_row, unit, period,"
                " project_name) values"
                " ('s1', '新签约项目', 7, '禄丰市', '2023-05', 'ＡＢ 电池\n项目'),"
                " ('s1', '新签约项目', 8, '禄丰市', '2023-05', null)"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        keys = conn.execute(
            sa.text("select project_key from fact_ledger_signings order by excel_row")
        ).all()
    assert [k for (k,) in keys] == ["AB电池项目", None]
