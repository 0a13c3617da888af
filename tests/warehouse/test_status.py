"""The office's monthly status: each unit accepted, rejected, late or missing, with its problems."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.cli import main
from bixue.config import Settings
from bixue.rules.problem import Problem
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run
from bixue.warehouse.status import month_status, required_workbooks
from tests.warehouse.test_load import _message, _submission

NOW = datetime(2023, 5, 18, tzinfo=UTC)
BAD = Problem(
    rule="a3.stage.in_set", message="「项目进展」只能填写…", sheet="Sheet1", row=8, column="G"
)


def test_each_unit_must_send_the_workbooks_of_its_kind(settings: Settings) -> None:
    assert required_workbooks(settings, "禄丰市") == ["a3", "ledger"]
    assert required_workbooks(settings, "绿色钛产业招商组") == ["a3", "a5"]
    assert required_workbooks(settings, "飞地经济招商组") == ["a3", "a4", "a5"]


def _load(
    engine: sa.Engine, n: int, workbook: str, problems: list[Problem], late: bool = False
) -> None:
    msg = _message(n)
    sub = _submission(msg, ["甲"], problems)
    sub.workbook, sub.late = workbook, late
    load_run(engine, "2023-05", [msg], [sub], NOW)


@pytest.mark.parametrize(
    ("loads", "state"),
    [
        ([], "missing"),
        ([("a3", [], False)], "missing"),  # the ledger never came
        ([("a3", [], False), ("ledger", [BAD], False)], "rejected"),
        ([("a3", [], False), ("ledger", [], True)], "late"),
        ([("a3", [], False), ("ledger", [], False)], "accepted"),
        ([("a3", [BAD], False), ("a3", [], False), ("ledger", [], False)], "accepted"),  # fixed
    ],
)
def test_a_units_state_is_the_worst_of_its_newest_workbooks(
    settings: Settings, tmp_path: Path, loads: list, state: str
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    for n, (workbook, problems, late) in enumerate(loads, start=1):
        _load(engine, n, workbook, problems, late)
    [luofeng] = [u for u in month_status(engine, settings, "2023-05") if u["unit"] == "禄丰市"]
    assert luofeng["state"] == state
    assert len(luofeng["submissions"]) == len(loads)


def test_status_json_lists_every_unit_with_its_submissions_and_problems(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = connect(settings.warehouse_url)
    _load(engine, 1, "a3", [BAD])
    assert (
        main(["status", "--period", "2023-05", "--format", "json", "--home", str(settings.home)])
        == 0
    )
    status = json.loads(capsys.readouterr().out)
    assert len(status) == 20
    [luofeng] = [u for u in status if u["unit"] == "禄丰市"]
    [sub] = luofeng["submissions"]
    assert (sub["form"], sub["version"], sub["state"]) == ("a3", 1, "rejected")
    assert sub["problems"] == [
        {
            "rule": "a3.stage.in_set",
            "severity": "error",
            "sheet": "Sheet1",
            "row": 8,
            "column": "G",
            "message": "「项目进展」只能填写…",
        }
    ]
    assert {u["state"] for u in status if u["unit"] != "禄丰市"} == {"missing"}


def test_status_imports_neither_prefect_nor_great_expectations(settings: Settings) -> None:
    connect(settings.warehouse_url).dispose()
    probe = (
        "import sys; from bixue.cli import main; main(['status', '--period', '2023-05', "
        f"'--home', {str(settings.home)!r}]); print(sorted(m for m in "
        "('prefect', 'great_expectations') if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
