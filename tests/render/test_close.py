"""The month's close: final only after the deadline, worded as final, keyed once per month."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bixue.config import Settings
from bixue.render.close import close_key, close_markdown, ensure_closed, month_close
from tests.render.test_reminder import _load

AFTER = datetime(2023, 5, 21, 0, 0, tzinfo=UTC)  # 08:00 on the 21st in Asia/Shanghai


@pytest.mark.parametrize(
    ("now", "final"),
    [
        (datetime(2023, 5, 20, 15, 59, tzinfo=UTC), False),  # 23:59 on the 20th, local
        (datetime(2023, 5, 20, 16, 0, 0, tzinfo=UTC), True),  # 00:00 on the 21st, local
        (AFTER, True),
        (datetime(2023, 4, 30, tzinfo=UTC), False),
    ],
)
def test_a_month_is_final_only_once_its_deadline_has_passed(
    settings: Settings, now: datetime, final: bool
) -> None:
    if final:
        ensure_closed(settings, "2023-05", now)
    else:
        with pytest.raises(ValueError, match="截止时间（2023年5月20日）尚未到"):
            ensure_closed(settings, "2023-05", now)


def test_the_close_lists_late_refused_missing_and_the_statistics_as_final(
    settings: Settings,
) -> None:
    engine = _load(
        settings,
        [
            ("禄丰市", "a3", "ok"),
            ("禄丰市", "ledger", "late"),
            ("生物医药产业招商组", "a3", "bad"),
            ("生物医药产业招商组", "a5", "ok"),
        ],
    )
    close = month_close(engine, settings, "2023-05", AFTER)
    notice = close.notice
    assert (notice.key, notice.to, notice.kind) == (
        "close-2023-05",
        (settings.office_address,),
        "status",
    )
    assert notice.subject.startswith("【最终报送情况】2023年1—5月（截止后）")
    assert "最终报送情况：按时受理0个，迟报1个，未通过且未更正1个，未报送18个。" in notice.body
    assert "截止后仍未报送（18）" in notice.body
    assert "国内合作产业到位资金统计表：未收到2023年1—5月数据" in notice.body
    assert [name for name, _ in notice.attachments] == [
        "报送情况-2023-05.xlsx",
        "报送情况-2023-05.html",
    ]
    assert (settings.home / "docs" / "final-status-2023-05.html").exists()
    assert close_key("2023-05", "ab12cd34") == "close-2023-05-ab12cd34"
    shown = close_markdown(close, sent=False)
    assert "按时受理0个，迟报1个，未通过且未更正1个，未报送18个。" in shown
    assert "本次未重发" in shown
