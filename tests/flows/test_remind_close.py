"""The reminder and the month's close on Prefect's own server, mailing through real SMTP."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from bixue.config import load_settings
from tests.render.test_reminder import _load
from tests.smtp_sink import OFFICE, Sink, smtp_sink

pytestmark = pytest.mark.prefect
LUFENG, SHUANGBAI = "lfs@zs.chuxiong.example", "sbx@zs.chuxiong.example"


def _mails(sink: Sink) -> list[tuple[list[str], email.message.EmailMessage]]:
    return [
        (rcpt, email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[misc]
        for rcpt, raw in sink.accepted
    ]


def _artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,  # the newest: this test's last run
            limit=1,
        )
    return str(found[0].data) if found else ""


def test_a_second_reminder_the_same_day_sends_nothing_and_the_next_day_does(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.remind_units import remind_units

    home = tmp_path / "home"
    settings = load_settings(home)
    _load(settings, [("禄丰市", "a3", "ok")])  # 禄丰市 lacks 附表; 双柏县 has sent nothing
    units = ["禄丰市", "双柏县"]
    with smtp_sink() as sink:
        for name, value in sink.env().items():
            monkeypatch.setenv(name, value)
        first = remind_units(period="2023-05", units=units, today="2023-05-15", home=str(home))
        mails = _mails(sink)
        again = remind_units(period="2023-05", units=units, today="2023-05-15", home=str(home))
        after_again = len(sink.accepted)
        next_day = remind_units(period="2023-05", units=units, today="2023-05-18", home=str(home))
        after_next_day = len(sink.accepted)
        forced = remind_units(
            period="2023-05", units=units, today="2023-05-18", force=True, home=str(home)
        )

    assert first["reminded"] == ["禄丰市", "双柏县"]
    by_to = {str(m["To"]): (rcpt, m) for rcpt, m in mails}
    assert sorted(by_to) == [LUFENG, SHUANGBAI]
    rcpt, lufeng = by_to[LUFENG]
    assert rcpt == [LUFENG, OFFICE]  # the office gets its copy in the same delivery
    assert str(lufeng["Cc"]) == OFFICE
    assert str(lufeng["Subject"]) == "催报：2023年1—5月 附表 尚未收到（截止5月20日）"
    assert "附件3、附表" in str(by_to[SHUANGBAI][1]["Subject"])
    assert (again["reminded"], after_again) == ([], 2)
    assert {r["单位"]: r["催报"] for r in again["rows"]} == {
        "禄丰市": "今日已催报，未重发",
        "双柏县": "今日已催报，未重发",
    }
    assert (next_day["reminded"], after_next_day) == (units, 4)
    assert forced["reminded"] == units and len(sink.accepted) == 6
    assert len(set(sink.message_ids().elements())) == 6  # six distinct mails, none repeated
    shown = _artifact("remind-units-2023-05")
    assert "| 禄丰市 | 附表 |  | 已催报 |" in shown


def test_the_month_s_close_tells_the_office_the_final_status_once(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.monthly_close import monthly_close

    home = tmp_path / "home"
    settings = load_settings(home)
    _load(
        settings,
        [
            ("禄丰市", "a3", "ok"),
            ("禄丰市", "ledger", "late"),
            ("生物医药产业招商组", "a3", "bad"),
            ("生物医药产业招商组", "a5", "ok"),
            ("州招商委办公室统计组", "stats_funds", "ok"),
        ],
    )
    with smtp_sink() as sink:
        for name, value in sink.env().items():
            monkeypatch.setenv(name, value)
        first = monthly_close(period="2023-05", home=str(home))
        again = monthly_close(period="2023-05", home=str(home))
        after_again = len(sink.accepted)
        forced = monthly_close(period="2023-05", force=True, home=str(home))

    assert (first["sent"], again["sent"], after_again, forced["sent"]) == (True, False, 1, True)
    assert len(sink.accepted) == 2
    rcpt, raw = sink.accepted[0]
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert rcpt == [OFFICE]
    assert str(mail["Subject"]) == (
        "【最终报送情况】2023年1—5月（截止后）：未报送18个，未通过且未更正1个，迟报1个"
    )
    body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "报送截止时间（2023年5月20日）已过，最终报送情况：按时受理0个，迟报1个" in body
    assert "截止后仍未报送（18）" in body
    assert (
        "未通过且截止后仍未更正（本期无有效数据）（1）：\n"
        "    1. 生物医药产业招商组（附件3第1版1个问题）" in body
    )
    assert "迟报（截止后报送并受理，或截止后更正通过）（1）：\n    1. 禄丰市（附表迟报）" in body
    assert "国内合作产业到位资金统计表：已收到2023年1—5月数据" in body
    assert "实际利用外资统计表：未收到2023年1—5月数据" in body
    states = {r["单位"]: r["最终状态"] for r in first["rows"]}
    assert (states["禄丰市"], states["生物医药产业招商组"], states["双柏县"]) == (
        "迟报",
        "未通过且未更正",
        "未报送",
    )
    assert "| 禄丰市 | 迟报 | 附表迟报 |" in _artifact("monthly-close-2023-05")
