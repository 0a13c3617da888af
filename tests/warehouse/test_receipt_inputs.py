"""What receipts read from the warehouse: the version that still counts, and problems that keep
the name of the row they are about."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.rules.check import name_rows
from bixue.rules.problem import Problem
from bixue.warehouse.db import connect
from bixue.warehouse.load import counted_versions, load_run
from tests.warehouse.test_load import _message, _submission


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        return connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    return connect(str(request.getfixturevalue("pg_url")))


def test_a_loaded_problem_keeps_its_rows_project_name(engine: sa.Engine) -> None:
    msg = _message(1)
    located = Problem(rule="a3.stage.in_set", message="不在选项内。", sheet="Sheet1", row=8)
    whole = Problem(rule="period_missing", message="未找到报表期间。", severity="warning")
    [sub] = name_rows([_submission(msg, ["甲项目", "乙项目"], [located, whole])])
    load_run(engine, "2023-05", [msg], [sub], datetime(2023, 5, 18, tzinfo=UTC))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select rule, item from problem order by seq")).all()
    assert [tuple(r) for r in rows] == [("a3.stage.in_set", "乙项目"), ("period_missing", None)]


def test_a_rejected_correction_leaves_the_accepted_first_version_counted(engine: sa.Engine) -> None:
    first, second = _message(1), _message(2)
    broken = Problem(rule="a3.stage.in_set", message="不在选项内。", sheet="Sheet1", row=7)
    v1, v2 = _submission(first, ["甲项目"]), _submission(second, ["甲项目"], [broken])
    load_run(engine, "2023-05", [first], [v1], datetime(2023, 5, 18, tzinfo=UTC))
    load_run(engine, "2023-05", [second], [v2], datetime(2023, 5, 25, tzinfo=UTC))
    assert (v1.version, v2.version, v2.status) == (1, 2, "rejected")
    assert counted_versions(engine, [v2]) == {("禄丰市", "a3", "2023-05"): 1}
