"""Loading is idempotent and atomic, on SQLite and on the real PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from bixue.forms.parse import ParsedSheet, frame_columns
from bixue.forms.spec import FORMS
from bixue.model import LandedAttachment, LandedMessage, Submission
from bixue.rules.problem import Problem
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run, month_summary, skippable_messages
from tests.factories import landed_message, submission

NOW = datetime(2023, 5, 21, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'w.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


def _message(n: int) -> LandedMessage:
    att = LandedAttachment(
        f"{n:064x}", f"附件3（{n}）.xlsx", False, "xlsx", 10, f"/landing/{n}.xlsx"
    )
    return landed_message(
        source_key=f"k{n}",
        raw_sha256=f"{n + 1000:064x}",
        raw_path=f"/landing/{n}.eml",
        message_id=f"<{n}@x>",
        display_from="禄丰市 <lfs@zs.chuxiong.example>",
        subject="报表",
        sent_at=NOW,
        received_at=NOW,
        attachments=[att],
    )


def _submission(msg: LandedMessage, names: list[str], problems: list[Problem] = ()) -> Submission:  # type: ignore[assignment]
    base = {c: None for c in frame_columns(FORMS["a3"])}
    rows = [
        base
        | {
            "excel_row": 7 + i,
            "project_name": n,
            "partner": "某公司",
            "site": "禄丰市",
            "investment_yi": 10.0 + i,
            "stage": "在谈",
        }
        for i, n in enumerate(names)
    ]
    sheet = ParsedSheet("a3", "Sheet1", pd.DataFrame.from_records(rows), {"project_name": 1})
    return submission(
        id=f"s{msg.raw_sha256[-8:]}",
        message_sha256=msg.raw_sha256,
        attachment=msg.attachments[0],
        sender=msg.sender,
        received_at=NOW,
        sheets=[sheet],
        problems=list(problems),
    )


def _state(url: str) -> dict[str, list[tuple]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = {
            table: sorted(
                tuple(map(str, r)) for r in conn.execute(sa.text(f"select * from {table}"))
            )
            for table in ("message", "attachment", "submission", "problem", "fact_a3")
        }
    engine.dispose()
    return out


def test_loading_the_same_run_twice_changes_nothing(url: str) -> None:
    engine = connect(url)
    msg = _message(1)
    assert load_run(engine, "2023-05", [msg], [_submission(msg, ["甲", "乙"])], NOW) == 2
    first = _state(url)
    again = _message(1)
    assert load_run(engine, "2023-05", [again], [_submission(again, ["甲", "乙"])], NOW) == 0
    assert _state(url) == first
    assert skippable_messages(engine, "2023-05") == {msg.raw_sha256}


def test_a_resubmission_is_a_new_version_and_the_old_one_is_kept(url: str) -> None:
    engine = connect(url)
    first, second = _message(1), _message(2)
    load_run(engine, "2023-05", [first], [_submission(first, ["甲"])], NOW)
    sub = _submission(second, ["甲", "乙"])
    load_run(engine, "2023-05", [second], [sub], NOW)
    assert sub.version == 2
    with engine.connect() as conn:
        versions = conn.execute(
            sa.text("select version, rows_loaded from submission order by version")
        ).all()
    assert [tuple(v) for v in versions] == [(1, 1), (2, 2)]


def test_a_rejected_submission_keeps_its_problems_and_loads_no_facts(url: str) -> None:
    engine = connect(url)
    msg = _message(3)
    bad = Problem(
        rule="a3.stage.in_set",
        message="「项目进展」只能填写…",
        sheet="Sheet1",
        row=8,
        column="G",
        header="项目进展",
        value="洽谈中",
    )
    load_run(engine, "2023-05", [msg], [_submission(msg, ["甲"], [bad])], NOW)
    summary = month_summary(engine, "2023-05")
    assert summary == {"received": 1, "accepted": 0, "rejected": 1, "rows_loaded": 0}
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from fact_a3")).scalar() == 0
        assert conn.execute(sa.text("select col, row, value from problem")).one() == (
            "G",
            8,
            "洽谈中",
        )


def test_a_failure_mid_message_leaves_nothing_of_it(url: str) -> None:
    engine = connect(url)
    msg = _message(4)
    sub = _submission(msg, ["甲", "乙"])
    sub.sheets[0].frame.loc[1, "excel_row"] = 7  # duplicate primary key: the insert fails
    with pytest.raises(sa.exc.IntegrityError):
        load_run(engine, "2023-05", [msg], [sub], NOW)
    assert all(rows == [] for rows in _state(url).values())


def test_mail_for_a_later_month_is_deferred_not_recorded(url: str) -> None:
    engine = connect(url)
    msg = _message(5)
    sub = _submission(msg, ["甲"])
    sub.period = "2023-06"
    assert load_run(engine, "2023-05", [msg], [sub], NOW) == 0
    assert msg.state == "deferred"
    assert skippable_messages(engine, "2023-05") == {msg.raw_sha256}  # not read again in May
    assert skippable_messages(engine, "2023-06") == set()  # June's run takes it
