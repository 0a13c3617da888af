"""History kept: what counted at any moment, every version a unit sent, and where a row came
from; dimensions follow the configuration."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.config import Settings
from bixue.warehouse.db import connect, sql
from bixue.warehouse.dimensions import sync_dimensions
from bixue.warehouse.load import load_run
from tests.warehouse.test_load import _message, _submission


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        return connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    return connect(str(request.getfixturevalue("pg_url")))


def _two_versions(engine: sa.Engine) -> None:
    first, second = _message(1), _message(2)
    load_run(
        engine, "2023-05", [first], [_submission(first, ["甲"])], datetime(2023, 5, 18, tzinfo=UTC)
    )
    load_run(
        engine,
        "2023-05",
        [second],
        [_submission(second, ["甲", "乙"])],
        datetime(2023, 5, 25, tzinfo=UTC),
    )


def test_as_of_a_moment_the_version_then_newest_is_the_one_that_counted(engine: sa.Engine) -> None:
    _two_versions(engine)
    with engine.connect() as conn:
        before = conn.execute(sql("current_submission_as_of"), {"as_of": "2023-05-20"}).all()
        after = conn.execute(sql("current_submission_as_of"), {"as_of": "2023-06-01"}).all()
        now = conn.execute(sa.text("select version from current_submission")).scalars().all()
    assert [r.version for r in before] == [1]
    assert [r.version for r in after] == [2]
    assert now == [2]


def test_the_history_of_a_unit_lists_every_version_with_its_mail(engine: sa.Engine) -> None:
    _two_versions(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            sql("submission_history"), {"unit": "禄丰市", "period": "2023-05"}
        ).all()
    assert [(r.version, r.rows_loaded, r.sender) for r in rows] == [
        (1, 1, "lfs@zs.chuxiong.example"),
        (2, 2, "lfs@zs.chuxiong.example"),
    ]


def test_a_fact_row_leads_back_to_its_attachment_and_message(engine: sa.Engine) -> None:
    _two_versions(engine)
    sub_id = _submission(_message(2), []).id
    with engine.connect() as conn:
        [row] = conn.execute(sql("fact_lineage"), {"submission_id": sub_id, "excel_row": 8}).all()
    assert (row.version, row.filename, row.message_id) == (2, "附件3（2）.xlsx", "<2@x>")
    assert row.raw_path == "/landing/2.eml"


def test_dimensions_follow_the_configuration_and_resyncing_changes_nothing(
    engine: sa.Engine, settings: Settings
) -> None:
    sync_dimensions(engine, settings)
    sync_dimensions(engine, settings)
    with engine.connect() as conn:
        units = conn.execute(
            sa.text("select count(*) from dim_unit where valid_to is null")
        ).scalar()
        q2 = conn.execute(
            sa.text("select start_date, end_date from dim_period where key = '2023Q2'")
        ).one()
        logistics = (
            conn.execute(
                sa.text(
                    "select industry from dim_industry "
                    "where group_unit = '现代物流产业招商组' order by industry"
                )
            )
            .scalars()
            .all()
        )
        forms = conn.execute(sa.text("select count(*) from dim_form")).scalar()
    assert units == 20
    assert tuple(q2) == ("2023-04-01", "2023-06-30")
    assert sorted(logistics) == sorted(
        ["批发业", "零售业", "多式联运和运输代理业", "装卸搬运和仓储业"]
    )
    assert forms == 7
