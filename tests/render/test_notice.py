"""Receipts tell each unit exactly where it stands, judged on each form's newest version."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from bixue.config import Settings
from bixue.forms.parse import ParsedSheet
from bixue.model import LandedAttachment, LandedMessage, Submission
from bixue.render.notice import compose_receipts
from bixue.rules.problem import Problem
from tests.factories import landed_message, submission

SH = ZoneInfo("Asia/Shanghai")
BAD = Problem(
    rule="a3.project_name.required",
    message="「项目名称」为必填项，不能为空。",
    sheet="Sheet1",
    row=7,
    column="B",
    header="项目名称",
    fix="请补填后重新报送。",
)


def _msg(n: int) -> LandedMessage:
    return landed_message(source_key=str(n), raw_sha256=f"m{n}", state="accepted")


def _sub(n: int, version: int, problems: list[Problem], late: bool = False) -> Submission:
    sheet = ParsedSheet("a3", "Sheet1", pd.DataFrame({"excel_row": [7, 8]}), {})
    return submission(
        id=f"s{n}",
        message_sha256=f"m{n}",
        attachment=LandedAttachment(f"a{n}", "附件3（禄丰市）.xlsx", False, "xlsx", 1, ""),
        received_at=datetime(2023, 5, 22, tzinfo=SH),
        late=late,
        sheets=[sheet],
        problems=problems,
        version=version,
    )


def test_a_rejection_lists_each_problem_with_its_cell_and_fix(settings: Settings) -> None:
    [notice] = compose_receipts(settings, "2023-05", [_msg(1)], [_sub(1, 1, [BAD])])
    assert notice.to == ("lfs@zs.chuxiong.example",)
    assert notice.subject.endswith("未通过，请修改后重新报送")
    assert (
        "1. 工作表「Sheet1」第7行B列「项目名称」："
        "「项目名称」为必填项，不能为空。处理办法：请补填后重新报送。" in notice.body
    )


def test_a_corrected_resubmission_in_the_same_run_makes_the_verdict_accepted(
    settings: Settings,
) -> None:
    subs = [_sub(1, 1, [BAD]), _sub(2, 2, [])]
    [notice] = compose_receipts(settings, "2023-05", [_msg(1), _msg(2)], subs)
    assert notice.subject.endswith("：已受理")
    assert "无需再修改" in notice.body
    assert "已受理（第2版，替代此前报送），计入项目2个" in notice.body


def test_late_mail_is_told_it_was_late(settings: Settings) -> None:
    [notice] = compose_receipts(settings, "2023-05", [_msg(1)], [_sub(1, 1, [], late=True)])
    assert "晚于报送截止时间（5月20日），已登记为迟报" in notice.body


def test_the_same_submissions_give_the_same_key_so_a_rerun_sends_nothing(
    settings: Settings,
) -> None:
    one = compose_receipts(settings, "2023-05", [_msg(1)], [_sub(1, 1, [])])
    two = compose_receipts(settings, "2023-05", [_msg(1)], [_sub(1, 1, [])])
    assert one[0].key == two[0].key
    assert one[0].key.startswith("receipt-2023-05-")


def test_january_reads_as_one_month(settings: Settings) -> None:
    sub = _sub(1, 1, [])
    sub.period = "2023-01"
    [notice] = compose_receipts(settings, "2023-01", [_msg(1)], [sub])
    assert "2023年1月报表" in notice.subject
