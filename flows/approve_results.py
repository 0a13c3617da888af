"""Quarterly and annual results with the office's approval: gate, draft, preview, then wait
for the office in the Prefect UI; on 同意通报 lock 第N版 and circulate it exactly once."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.states import Completed, State
from pydantic import Field

from bixue.runlock import home_lock
from bixue.runtime import settings_for
from tasks.results import (
    check_results_inputs,
    lock_approved_results,
    publish_draft,
    publish_outcome,
    rank_draft,
    record_decision,
    render_results,
    request_approval,
    resolve_results_period,
    send_results,
    write_results_preview,
)


class Approval(RunInput):
    """The office's answer in the resume form (the form's description shows the ranking)."""

    approve: bool = Field(
        default=False,
        title="同意通报",
        description="勾选：锁定此草稿为正式版本并发送通报；不勾选：不发送任何邮件",
    )
    opinion: str = Field(default="", title="意见", description="可选，记录在案并显示在运行结果中")


# 2024Q1–2024Q3, the year 2023, or empty (the period the schedule is for).
PeriodText = Annotated[str, Field(pattern=r"^(\d{4}(Q[1-3])?)?$")]


@flow(name="approve-results", persist_result=True)
def approve_results(
    period: PeriodText = "",
    annual: bool = False,
    force: bool = False,
    allow_incomplete: bool = False,
    home: str | None = None,
) -> dict[str, Any] | State[Any]:
    """评分结果经办公室审核后通报：评分草稿与预览，暂停等待办公室在界面上同意，再锁定并发送。

    Args:
        period: 评分期，如 2024Q1（季度）或 2023（年度）；留空：季度取刚结束的季度，年度取上一年
        annual: 年度通报（评分期留空时取上一年）
        force: 已通报第N版后再次通报（锁定为第N+1版，第N版保留）
        allow_incomplete: 报表或统计数据不全时仍评分，缺口写入通报
        home: 数据目录；留空使用 BIXUE_HOME
    """
    period = resolve_results_period(home, period, annual)
    with home_lock(settings_for(home)):  # not across the wait: the process ends while suspended
        gaps = check_results_inputs(home, period, allow_incomplete)
        request = request_approval(home, period)
        preview = write_results_preview(home, render_results(home, period, None))
        description = publish_draft(request, rank_draft(home, request), gaps, preview)
    answer = suspend_flow_run(wait_for_input=Approval.with_initial_data(description=description))
    decision = record_decision(home, request, answer.approve, answer.opinion)
    if not decision.approved:
        return Completed(
            name="未同意通报",
            message="办公室未同意通报，未发送任何邮件",
            data=publish_outcome(decision, None, None),
        )
    with home_lock(settings_for(home)):
        rendered = render_results(home, period, lock_approved_results(home, decision, force))
        return publish_outcome(decision, rendered, send_results(home, rendered))
