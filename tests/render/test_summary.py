"""The run's summary in the Prefect UI tells the office why each rejected workbook failed."""

from __future__ import annotations

import pytest

from bixue.model import RunReport
from bixue.render.summary import SHOWN_ERRORS, submission_table, summary_markdown
from bixue.rules.problem import Problem
from tests.factories import submission

MISSING = Problem(rule="a3.not_null", message="项目名称不能为空", sheet="附件3", row=7, column="B")
WARNING = Problem(rule="a3.evidence_missing", message="缺少意向书", severity="warning")


def _report(*subs: object) -> RunReport:
    return RunReport(period="2023-05", messages=[], submissions=list(subs), rows_loaded=0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("problems", "shown", "absent"),
    [
        pytest.param([], [], ["未通过的原因"], id="accepted-no-section"),
        pytest.param([WARNING], [], ["未通过的原因"], id="warning-only-is-accepted"),
        pytest.param(
            [MISSING, WARNING],
            ["## 未通过的原因", "禄丰市 附件3**（共1处错误）", "第7行", "项目名称不能为空"],
            ["缺少意向书"],
            id="rejected-names-where-and-rule",
        ),
        pytest.param(
            [MISSING] * (SHOWN_ERRORS + 2),
            [f"（共{SHOWN_ERRORS + 2}处错误）", "其余2处见发给该单位的回执"],
            [],
            id="many-errors-cut-with-a-pointer-to-the-receipt",
        ),
    ],
)
def test_the_summary_says_why_each_rejected_workbook_failed(
    problems: list[Problem], shown: list[str], absent: list[str]
) -> None:
    text = summary_markdown(_report(submission(problems=problems)))
    for part in shown:
        assert part in text
    for part in absent:
        assert part not in text


def test_the_table_artifact_has_a_row_per_workbook_with_its_first_error() -> None:
    rows = submission_table(
        _report(submission(problems=[MISSING]), submission(unit="双柏县", version=2))
    )
    assert [(r["单位"], r["结果"], r["版本"]) for r in rows] == [
        ("双柏县", "已受理", "2"),
        ("禄丰市", "未通过", "0"),
    ]
    assert "项目名称不能为空" in rows[1]["首个问题"] and rows[0]["首个问题"] == ""
