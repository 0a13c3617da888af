"""A May with everything the office must see, loaded into a real warehouse by the real loader."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from bixue.config import Settings
from bixue.model import LandedAttachment
from bixue.rules.problem import Problem
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run
from tests.factories import landed_message, submission
from tests.warehouse.test_load import _message, _submission

# 2023-05-18 10:02 and 2023-05-22 09:30 in Asia/Shanghai
ON_TIME = datetime(2023, 5, 18, 2, 2, tzinfo=UTC)
LATE = datetime(2023, 5, 22, 1, 30, tzinfo=UTC)
PROJECT = "元谋彝族文化旅游街区项目"
STAGE = Problem(
    rule="a3.stage.in_set",
    message="「项目进展」只能填写在谈、已签约、已开工、已竣工、已投产。",
    sheet="Sheet1",
    row=15,
    column="G",
    header="项目进展",
    value="洽谈中",
    fix="请从下拉列表中选择。",
)
DUPLICATE = Problem(
    rule="a3.project.unique",
    message="同一项目在表中出现了两次。",
    sheet="Sheet1",
    row=16,
    column="B",
    header="项目名称",
    value=PROJECT,
    fix="请删除重复的一行。",
)
# Texts a unit typed that a spreadsheet would otherwise take for formulas.
FORMULA_LIKE = ('=HYPERLINK("http://x.example","点我")', "+8613800000000", "-5亿元", "@SUM(A1)")


def _formula_problems() -> list[Problem]:
    return [
        Problem(
            rule="a3.partner.text",
            message="合作方名称不规范。",
            sheet="Sheet1",
            row=20 + i,
            column="C",
            header="州外合作方企业（单位）名称",
            value=text,
            severity="warning",
        )
        for i, text in enumerate(FORMULA_LIKE)
    ]


def load_may(settings: Settings) -> sa.Engine:
    """禄丰市: 附件3 accepted, then a late faulty correction; 南华县 refused at intake (too many
    attachments); the 国内合作 statistics in, 实际利用外资 not; one held message."""
    engine = connect(settings.warehouse_url)
    first = _message(1)
    first.received_at = ON_TIME
    good = _submission(first, [PROJECT], _formula_problems())
    good.received_at = ON_TIME
    load_run(engine, "2023-05", [first], [good], ON_TIME)
    second = _message(2)
    second.received_at = LATE
    bad = _submission(second, [PROJECT, PROJECT], [STAGE, DUPLICATE])
    bad.received_at, bad.late = LATE, True
    load_run(engine, "2023-05", [second], [bad], LATE)
    ledger_msg = _message(3)
    ledger = _submission(ledger_msg, [])
    ledger.workbook, ledger.sheets = "ledger", []
    load_run(engine, "2023-05", [ledger_msg], [ledger], ON_TIME)
    stats_msg = _message(4)
    stats_msg.received_at = ON_TIME
    stats = submission(
        id="stats1",
        message_sha256=stats_msg.raw_sha256,
        attachment=stats_msg.attachments[0],
        unit="州招商委办公室统计组",
        sender="tongji@zs.chuxiong.example",
        workbook="stats_funds",
        received_at=ON_TIME,
    )
    load_run(engine, "2023-05", [stats_msg], [stats], ON_TIME)
    refused = landed_message(
        source_key="k-refused",
        raw_sha256="f" * 64,
        raw_path="/landing/refused.eml",
        sender="nhx@zs.chuxiong.example",
        display_from="南华县 <nhx@zs.chuxiong.example>",
        subject="南华县5月报表",
        received_at=ON_TIME,
        attachments=[LandedAttachment("e" * 64, "附件3.xlsx", False, "xlsx", 10, "/x.xlsx")],
    )
    refused.unit, refused.state = "南华县", "rejected"
    refused.reasons = ["附件数量51个，超过上限50个。"]
    held = landed_message(
        source_key="k-held",
        raw_sha256="d" * 64,
        raw_path="/landing/held.eml",
        sender="x@evil.example",
        display_from='"lfs@zs.chuxiong.example" <x@evil.example>',
        subject="报表",
        received_at=ON_TIME,
    )
    held.state, held.reasons = "quarantined", ["发件人地址x@evil.example未登记为任何报送单位"]
    load_run(engine, "2023-05", [refused, held], [], ON_TIME)
    return engine
