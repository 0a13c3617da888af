"""A problem keeps the name of the row it is about, so later views can name the project too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.rules.check import name_rows
from bixue.rules.problem import Problem
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run
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
