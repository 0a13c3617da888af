"""Evidence documents: each new project needs its own, matched by file name, and a document
sent with an earlier version or mail of the year still counts for a later version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.model import LandedAttachment, LandedMessage, Submission
from bixue.rules.history import check_history, documents_for, names_project
from bixue.rules.problem import Problem
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run
from tests.warehouse.test_load import _message, _submission

SEVERITIES = {"a3.evidence_missing": "warning", "a3.evidence_unconfirmed": "warning"}
PROJECT = "楚雄高新区绿色硅光伏组件项目"
OTHER = "钛白粉深加工项目"


@pytest.mark.parametrize(
    ("filename", "project", "named"),
    [
        ("元谋彝族文化旅游街区投资协议.pdf", "元谋彝族文化旅游街区项目", True),
        ("钛白粉 深加工-意向书（盖章版）.PDF", OTHER, True),
        ("ＸＸ绿色硅光伏组件项目协议书.pdf", PROJECT, True),  # full-width, a shorter name
        ("新增项目投资意向书及协议.pdf", PROJECT, False),
        ("新增项目投资意向书及协议.pdf", OTHER, False),
        ("钛白粉深加工项目协议.pdf", PROJECT, False),
        ("scan0001.jpg", OTHER, False),
        ("钛白粉深加工项目协议20230115.pdf", OTHER, True),  # a date is no figure of the project
        # another project of the same unit: another county, another capacity
        ("双柏乡村旅游及民宿集群项目投资意向书.pdf", "武定乡村旅游及民宿集群项目", False),
        ("年产30万吨有机硅单体项目投资协议.pdf", "永仁年产50万吨有机硅单体项目", False),
        ("年产50万吨有机硅单体项目投资协议.pdf", "永仁年产50万吨有机硅单体项目", True),
    ],
)
def test_a_file_name_names_a_project_when_most_of_its_name_is_in_it(
    filename: str, project: str, named: bool
) -> None:
    assert names_project(filename, project) is named


def _with_documents(msg: LandedMessage, *names: str) -> LandedMessage:
    docs = [
        LandedAttachment(f"{i:064x}"[::-1], n, False, "pdf", 1, f"/landing/{n}")
        for i, n in enumerate(names, start=1)
    ]
    return replace(msg, unit="楚雄高新区", attachments=[*msg.attachments, *docs])


def _evidence_problems(problems: list[Problem]) -> list[tuple[str, int | None]]:
    return [(p.rule, p.row) for p in problems if p.rule.startswith("a3.evidence")]


def test_one_generic_pdf_no_longer_clears_every_new_project_it_is_listed_to_confirm() -> None:
    msg = _with_documents(_message(1), "新增项目投资意向书及协议.pdf")
    sub = replace(_submission(msg, [PROJECT, OTHER]), unit="楚雄高新区")
    [checked] = check_history([msg], [sub], [], {}, SEVERITIES)
    assert _evidence_problems(checked.problems) == [
        ("a3.evidence_unconfirmed", 7),
        ("a3.evidence_unconfirmed", 8),
    ]
    assert "“新增项目投资意向书及协议.pdf”" in checked.problems[0].message
    assert "待人工核实" in checked.problems[0].message
    assert checked.status == "accepted"  # a warning, not a rejection


def test_each_new_project_is_cleared_by_a_document_that_names_it() -> None:
    msg = _with_documents(_message(1), "绿色硅光伏组件项目投资协议.pdf")
    sub = replace(_submission(msg, [PROJECT, OTHER]), unit="楚雄高新区")
    [checked] = check_history([msg], [sub], [], {}, SEVERITIES)
    assert _evidence_problems(checked.problems) == [("a3.evidence_missing", 8)]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        return connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    return connect(str(request.getfixturevalue("pg_url")))


def _rejected(msg: LandedMessage, names: list[str]) -> Submission:
    broken = Problem(rule="a3.site.in_set", message="建设地点不对。", sheet="Sheet1", row=7)
    return replace(_submission(msg, names, [broken]), unit="楚雄高新区")


def test_the_agreement_sent_with_a_rejected_first_version_counts_for_the_second(
    engine: sa.Engine,
) -> None:
    first = _with_documents(_message(1), "绿色硅光伏组件项目投资协议.pdf")
    v1 = _rejected(first, [PROJECT])
    load_run(engine, "2023-08", [first], [v1], datetime(2023, 8, 18, tzinfo=UTC))
    second = replace(_message(2), unit="楚雄高新区")
    v2 = replace(_submission(second, [PROJECT]), unit="楚雄高新区", period="2023-08")
    documents = documents_for(engine, [v2])
    assert [d.filename for d in documents] == ["绿色硅光伏组件项目投资协议.pdf"]
    [checked] = check_history([second], [v2], [], {}, SEVERITIES, documents=documents)
    assert _evidence_problems(checked.problems) == []


def test_a_document_sent_alone_in_an_earlier_mail_of_the_month_counts(engine: sa.Engine) -> None:
    alone = _with_documents(_message(3), "绿色硅光伏组件项目投资协议.pdf")
    alone = replace(alone, attachments=alone.attachments[1:], state="ignored")
    load_run(engine, "2023-05", [alone], [], datetime(2023, 5, 18, tzinfo=UTC))
    later = replace(_message(4), unit="楚雄高新区")
    sub = replace(_submission(later, [PROJECT]), unit="楚雄高新区")
    documents = documents_for(engine, [sub])
    [checked] = check_history([later], [sub], [], {}, SEVERITIES, documents=documents)
    assert _evidence_problems(checked.problems) == []
    elsewhere = replace(sub, unit="禄丰市")  # another unit's documents are not this one's
    [other] = check_history([later], [elsewhere], [], {}, SEVERITIES, documents=documents)
    assert _evidence_problems(other.problems) == [("a3.evidence_missing", 7)]
