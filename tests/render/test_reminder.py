"""Who is reminded for what (催报), read from a real SQLite warehouse loaded by the real loader."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bixue.config import Settings
from bixue.mail.outbox import Outbox
from bixue.mail.send import outgoing
from bixue.model import LandedAttachment
from bixue.render.reminder import (
    collecting_period,
    local_day,
    month_reminders,
    reminder_key,
    reminder_rows,
)
from bixue.rules.problem import Problem
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run
from tests.factories import landed_message, submission
from tests.render.pictures import chromium, ink, run_chromium, size

# 2023-05-12 10:00 and 2023-05-22 10:00 in Asia/Shanghai; reminders on the 15th at 09:00.
ON_TIME = datetime(2023, 5, 12, 2, 0, tzinfo=UTC)
LATE = datetime(2023, 5, 22, 2, 0, tzinfo=UTC)
NOW = datetime(2023, 5, 15, 1, 0, tzinfo=UTC)
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
SENDERS = {
    "禄丰市": "lfs@zs.chuxiong.example",
    "飞地经济招商组": "fdjj@zs.chuxiong.example",
    "生物医药产业招商组": "swyy@zs.chuxiong.example",
    "州招商委办公室统计组": "tongji@zs.chuxiong.example",
}
PROVIDER = "州招商委办公室统计组"


def _load(settings: Settings, sent: list[tuple[str, str, str]]) -> sa.Engine:
    """Each (unit, workbook, how) mailed on its own, oldest first: ok, bad (an error), late."""
    engine = connect(settings.warehouse_url)
    for n, (unit, workbook, how) in enumerate(sent, start=1):
        at = LATE if how == "late" else ON_TIME
        att = LandedAttachment(f"{n:064x}", f"{workbook}.xlsx", False, "xlsx", 10, f"/l/{n}")
        msg = landed_message(
            source_key=f"k{n}",
            raw_sha256=f"{n + 1000:064x}",
            sender=SENDERS[unit],
            received_at=at,
            attachments=[att],
        )
        msg.unit = unit
        sub = submission(
            id=f"s{n}",
            message_sha256=msg.raw_sha256,
            attachment=att,
            unit=unit,
            sender=SENDERS[unit],
            workbook=workbook,
            received_at=at,
            late=how == "late",
            problems=[STAGE] if how == "bad" else [],
        )
        load_run(engine, "2023-05", [msg], [sub], at)
    return engine


def _owed(settings: Settings, sent: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    engine = _load(settings, sent)
    reminders = month_reminders(engine, settings, "2023-05", day="2023-05-15", now=NOW)
    return {
        d.unit: [x.short + ("（未通过）" if x.refused else "") for x in d.lacking]
        for d in reminders.due
        if d.unit in SENDERS
    }


EVERYONE_OWES = {
    "禄丰市": ["附件3", "附表"],
    "飞地经济招商组": ["附件3", "附件4", "附件5"],
    "生物医药产业招商组": ["附件3", "附件5"],
    PROVIDER: ["国内合作产业到位资金统计表", "实际利用外资统计表"],
}
CASES: list[tuple[str, list[tuple[str, str, str]], dict[str, list[str]]]] = [
    ("nothing sent: every required workbook owed", [], EVERYONE_OWES),
    (
        "one form missing",
        [("禄丰市", "a3", "ok")],
        EVERYONE_OWES | {"禄丰市": ["附表"]},
    ),
    (
        "rejected and not fixed: owed, said refused",
        [("禄丰市", "a3", "bad"), ("禄丰市", "ledger", "ok")],
        EVERYONE_OWES | {"禄丰市": ["附件3（未通过）"]},
    ),
    (
        "accepted after a rejection: nothing owed",
        [("禄丰市", "a3", "bad"), ("禄丰市", "a3", "ok"), ("禄丰市", "ledger", "ok")],
        {k: v for k, v in EVERYONE_OWES.items() if k != "禄丰市"},
    ),
    (
        "a refused correction leaves the accepted version standing",
        [("禄丰市", "a3", "ok"), ("禄丰市", "a3", "bad"), ("禄丰市", "ledger", "ok")],
        {k: v for k, v in EVERYONE_OWES.items() if k != "禄丰市"},
    ),
    (
        "accepted late still counts as received",
        [("禄丰市", "a3", "late"), ("禄丰市", "ledger", "ok")],
        {k: v for k, v in EVERYONE_OWES.items() if k != "禄丰市"},
    ),
    (
        "a group never asked for 附件4 it is not required to send",
        [("生物医药产业招商组", "a3", "ok"), ("生物医药产业招商组", "a5", "ok")],
        {k: v for k, v in EVERYONE_OWES.items() if k != "生物医药产业招商组"},
    ),
    (
        "the enclave group owes 附件4",
        [("飞地经济招商组", "a3", "ok"), ("飞地经济招商组", "a5", "ok")],
        EVERYONE_OWES | {"飞地经济招商组": ["附件4"]},
    ),
    (
        "statistics: the provider owes what is missing or refused, no unit is asked",
        [(PROVIDER, "stats_funds", "bad")],
        EVERYONE_OWES | {PROVIDER: ["国内合作产业到位资金统计表（未通过）", "实际利用外资统计表"]},
    ),
    (
        "statistics all in: the provider gets nothing",
        [(PROVIDER, "stats_funds", "ok"), (PROVIDER, "stats_fdi", "late")],
        {k: v for k, v in EVERYONE_OWES.items() if k != PROVIDER},
    ),
]


@pytest.mark.parametrize(("sent", "owed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_who_is_reminded_for_what(
    settings: Settings, sent: list[tuple[str, str, str]], owed: dict[str, list[str]]
) -> None:
    assert _owed(settings, sent) == owed


def test_the_reminder_says_what_is_missing_what_was_refused_and_why_and_the_deadline(
    settings: Settings,
) -> None:
    engine = _load(settings, [("禄丰市", "a3", "bad")])
    reminders = month_reminders(
        engine, settings, "2023-05", day="2023-05-15", now=NOW, only=["禄丰市"]
    )
    [notice] = reminders.notices
    assert (
        notice.subject == "催报：2023年1—5月 附表 尚未收到，附件3 未通过审核需重报（截止5月20日）"
    )
    assert notice.to == ("lfs@zs.chuxiong.example",)
    assert notice.cc == (settings.office_address,)
    assert notice.kind == "reminder"
    assert "截至2023年5月15日 09:00" in notice.body
    assert "1. 附表《县市、楚雄高新区外出招商及新签约项目月报表》" in notice.body
    assert (
        "附件3《5亿元以上重点产业招商引资项目推进情况月报表》第1版（2023年5月12日 10:00收到）"
        in (notice.body)
    )
    assert f"    - {STAGE.sentence()}" in notice.body
    assert "报送截止时间为2023年5月20日（每月20日）" in notice.body
    assert "须修改后重新报送" in notice.body
    assert notice.html is not None and "<li>" in notice.html


def test_only_named_units_are_considered_and_an_unknown_name_is_refused_in_chinese(
    settings: Settings,
) -> None:
    engine = _load(settings, [])
    reminders = month_reminders(
        engine, settings, "2023-05", day="2023-05-15", now=NOW, only=["禄丰市", PROVIDER]
    )
    assert [d.unit for d in reminders.due] == ["禄丰市", PROVIDER]
    with pytest.raises(ValueError, match="未登记的单位：禄丰县"):
        month_reminders(engine, settings, "2023-05", day="2023-05-15", now=NOW, only=["禄丰县"])


def test_after_the_deadline_the_reminder_says_it_has_passed(settings: Settings) -> None:
    engine = _load(settings, [])
    late = datetime(2023, 5, 21, 1, 0, tzinfo=UTC)
    reminders = month_reminders(
        engine, settings, "2023-05", day="2023-05-21", now=late, only=["禄丰市"]
    )
    [notice] = reminders.notices
    assert notice.subject.endswith("（已过截止日5月20日）")
    assert "已过，请尽快报送" in notice.body


@pytest.mark.parametrize(
    ("now", "period", "day"),
    [
        (datetime(2023, 5, 15, 1, 0, tzinfo=UTC), "2023-05", "2023-05-15"),
        (datetime(2023, 5, 31, 17, 0, tzinfo=UTC), "2023-06", "2023-06-01"),  # 01:00 in Shanghai
        (datetime(2023, 12, 18, 1, 0, tzinfo=UTC), "2023-12", "2023-12-18"),
    ],
)
def test_the_month_collected_and_the_day_are_the_office_s_local_ones(
    settings: Settings, now: datetime, period: str, day: str
) -> None:
    assert (collecting_period(settings, now), local_day(settings, now)) == (period, day)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (
            ("禄丰市", "2023-05", "2023-05-15", None),
            ("禄丰市", "2023-05", "2023-05-15", None),
            True,
        ),
        (
            ("禄丰市", "2023-05", "2023-05-15", None),
            ("禄丰市", "2023-05", "2023-05-18", None),
            False,
        ),
        (
            ("禄丰市", "2023-05", "2023-05-15", None),
            ("双柏县", "2023-05", "2023-05-15", None),
            False,
        ),
        (
            ("禄丰市", "2023-05", "2023-05-15", None),
            ("禄丰市", "2023-05", "2023-05-15", "ab12"),
            False,
        ),
    ],
)
def test_a_reminder_is_keyed_by_unit_period_and_day(
    a: tuple[Any, ...], b: tuple[Any, ...], same: bool
) -> None:
    assert (reminder_key(*a) == reminder_key(*b)) is same
    assert len(reminder_key(*a)) <= 80  # the ledger's key column


def test_the_table_marks_a_unit_already_reminded_today(settings: Settings) -> None:
    engine = _load(settings, [("禄丰市", "a3", "ok"), ("禄丰市", "ledger", "ok")])
    reminders = month_reminders(engine, settings, "2023-05", day="2023-05-15", now=NOW)
    _, *rest = reminders.notices
    rows = {r["单位"]: r["催报"] for r in reminder_rows(reminders, [n.key for n in rest])}
    assert rows["禄丰市"] == "报表齐全，无需催报"
    assert rows[reminders.due[0].unit] == "今日已催报，未重发"
    assert rows[reminders.due[1].unit] == "已催报"


def test_the_composed_reminder_carries_the_office_in_cc(settings: Settings) -> None:
    engine = _load(settings, [])
    reminders = month_reminders(
        engine, settings, "2023-05", day="2023-05-15", now=NOW, only=["禄丰市"]
    )
    raw = Outbox(settings.outbox_path, settings.office_address).compose(
        outgoing(reminders.notices[0])
    )
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert (msg["To"], msg["Cc"]) == ("lfs@zs.chuxiong.example", settings.office_address)
    assert msg["Subject"] == "催报：2023年1—5月 附件3、附表 尚未收到（截止5月20日）"
    assert [p.get_content_type() for p in msg.walk()][-2:] == ["text/plain", "text/html"]


def test_the_reminder_rendered_by_chromium_shows_the_missing_forms_and_deadline(
    settings: Settings, tmp_path: Path
) -> None:
    browser = chromium()
    engine = _load(settings, [("禄丰市", "a3", "bad")])
    reminders = month_reminders(
        engine, settings, "2023-05", day="2023-05-15", now=NOW, only=["禄丰市"]
    )
    page = tmp_path / "reminder.html"
    page.write_text(reminders.notices[0].html or "", encoding="utf-8")
    dom = run_chromium(browser, tmp_path, "--dump-dom", page.as_uri()).stdout.decode()
    assert "<h1>催报：2023年1—5月 附表 尚未收到，附件3 未通过审核需重报（截止5月20日）</h1>" in dom
    assert "<h2>一、尚未收到（1份）：</h2>" in dom
    assert "报送截止时间为2023年5月20日" in dom
    shot = tmp_path / "reminder.png"
    run_chromium(browser, tmp_path, f"--screenshot={shot}", "--window-size=900,1000", page.as_uri())
    png = shot.read_bytes()
    assert size(png) == (900, 1000)
    inked, colours = ink(png)
    assert colours > 20 and inked > 1 / 200


def test_the_office_s_copy_of_a_reminder_landing_in_its_mailbox_is_ignored(
    settings: Settings,
) -> None:
    from bixue.forms.submissions import read_submissions

    copy = landed_message(
        sender=settings.office_address,
        message_id="<bixue.remind-2023-05-2e51c07d5d-20230515@163.com>",
        subject="催报：2023年1—5月 附表 尚未收到（截止5月20日）",
    )
    forged = landed_message(sender=settings.office_address, message_id="<abc@163.com>")
    assert read_submissions(settings, [copy, forged]) == []
    assert (copy.state, copy.reasons) == ("ignored", ["本系统发出的通知邮件（抄送办公室）"])
    assert forged.state == "quarantined"  # the office's address is no reporting unit
