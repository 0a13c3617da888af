"""The month's close: its final status to the office once the deadline (the 20th) has passed."""

from __future__ import annotations

from typing import Annotated

from prefect import flow
from pydantic import Field

from bixue.runlock import home_lock
from bixue.runtime import settings_for
from tasks.close import compose_close, publish_close
from tasks.forms import resolve_period
from tasks.notices import send_notices
from tasks.remind import queue_new_notices

# YYYY-MM, or empty (None or "" from the UI) for the month whose deadline just passed.
Period = Annotated[str | None, Field(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")]


@flow(name="monthly-close", persist_result=True)
def monthly_close(period: Period = None, force: bool = False, home: str | None = None) -> dict:
    """月度截止：把一期的最终报送情况（按时受理、迟报、未通过且未更正、未报送，统计数据是否收到）发给办公室，每期一次。

    Args:
        period: 报表月份，写作 YYYY-MM（如 2023-05）；留空为刚过截止日（20日）的那一期
        force: 再发一次：本期的最终报送情况已发过也再发一份（重试不重复）
        home: 数据目录（留空：环境变量 BIXUE_HOME 或 ./var）
    """
    period = resolve_period(home, period)
    with home_lock(settings_for(home)):  # one run per home at a time, however started
        close = compose_close(home, period, force)
        queued = queue_new_notices(home, [close.notice])
        send_notices(home)
    return publish_close(close, queued)
