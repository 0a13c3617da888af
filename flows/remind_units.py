"""The reminder run (催报): each unit still owing a workbook for the month gets one mail a day."""

from __future__ import annotations

from typing import Annotated

from prefect import flow
from pydantic import Field

from bixue.runlock import home_lock
from bixue.runtime import settings_for
from tasks.notices import send_notices
from tasks.remind import (
    compose_reminders,
    publish_reminders,
    queue_new_notices,
    resolve_collecting_period,
    resolve_day,
)

# YYYY-MM, or empty (None or "" from the UI) for the month being collected.
Period = Annotated[str | None, Field(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")]
Day = Annotated[str | None, Field(pattern=r"^(\d{4}-\d{2}-\d{2})?$")]


@flow(name="remind-units", persist_result=True)
def remind_units(
    period: Period = None,
    units: list[str] | None = None,
    force: bool = False,
    today: Day = None,
    home: str | None = None,
) -> dict:
    """催报：向尚未报送、或报送未通过且未更正的单位发送催报邮件（抄送办公室），同一单位同一期每天最多一封。

    Args:
        period: 报表月份，写作 YYYY-MM（如 2023-05，即2023年1—5月的报表）；
            留空为正在收集的一期（本月20日截止，北京时间）
        units: 只催报这些单位（单位名称，如 禄丰市）；留空为全部登记单位和统计数据报送单位
        force: 再发一次：今天已催报过的单位也再发一份（每次强制运行只发一份，重试不重复）；
            不选时同一单位同一期同一天只发一次
        today: 催报日期，写作 YYYY-MM-DD；留空为今天（北京时间）。同一单位同一期每个日期只催报一次
        home: 数据目录（留空：环境变量 BIXUE_HOME 或 ./var）
    """
    period = resolve_collecting_period(home, period)
    day = resolve_day(home, today)
    with home_lock(settings_for(home)):  # one run per home at a time, however started
        reminders = compose_reminders(home, period, units, day, force)
        queued = queue_new_notices(home, list(reminders.notices))
        send_notices(home)
    return publish_reminders(home, reminders, queued)
