"""The monthly run: mailbox to landing, forms to checks, warehouse, then receipts.

This flow is the only composition of the month's steps: `bixue ingest`, the demo, the tests
and the benchmark all run it, and the `intake` deployment runs it every 10 minutes (with
`notify_office=False`) so each unit's receipt follows its mail within minutes. Such a run with
no new mail and no receipt still owed ends after reading the mailbox: it imports neither Great
Expectations nor pandas.

An empty period is the report month units are filling now (`bixue.periods.open_period`): up to
the deadline day (the 20th) the current month, after it the next; each run for a month also
handles any earlier month's mail (judged late), and defers mail for a later month.

Its batches go to the task runner flows/runner.py chooses from the configuration (settings.yaml
`run:`, the environment), taken here on import for deployments; `bixue ingest` and the
benchmark give it the home's own with `with_options`.
"""

from __future__ import annotations

from typing import Annotated

from prefect import flow
from prefect.utilities.annotations import quote
from pydantic import Field

from bixue.model import LandedMessage, merge_batches
from bixue.runlock import home_lock
from bixue.runtime import settings_for
from flows.runner import configured_task_runner, each_finished
from tasks.forms import render_data_docs, resolve_period
from tasks.ingest import ingest_batch
from tasks.landing import land_messages, plan_batches, select_units
from tasks.mailbox import check_intake, fetch_messages, list_mail, mark_messages_processed
from tasks.notices import add_office_status, queue_notices, send_notices, write_receipts
from tasks.report import publish_summary
from tasks.warehouse import select_new_messages, select_owed, select_unanswered

# The report month as YYYY-MM: the forms titled 2023年1—N月 for N = MM ("" from the UI: empty).
Period = Annotated[str, Field(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")]

DESCRIPTION = (
    "接收各单位报表邮件：读取邮箱中的新邮件，检查报表，入库，并向每个报送单位发送回执。"
    "自动接收每10分钟运行一次；办公室可在界面上按月份、单位重新运行。"
)


@flow(
    name="monthly-ingest",
    description=DESCRIPTION,
    persist_result=True,
    task_runner=configured_task_runner(),
)
def monthly_ingest(
    period: Period | None = Field(  # noqa: B008 (Prefect reads the description there)
        default=None,
        description="报表月份，写作 2023-05（年-月）。留空：各单位正在报送的月份——"
        "每月截止日（20日）及之前为本月，之后为下月；之前月份迟到的报表同时处理（记为迟报）。",
    ),
    home: str | None = Field(
        default=None, description="Bixue 工作目录；留空则用环境变量 BIXUE_HOME。"
    ),
    replay: bool = Field(
        default=False, description="演示用：重放往年样例邮件，按邮件收到时间判断是否迟报。"
    ),
    notify_office: bool = Field(
        default=True,
        description="处理后向办公室发送本月报送情况邮件。每10分钟的自动接收不发送"
        "（关闭此项），本月最终情况由月末汇总发送。",
    ),
    units: list[str] | None = Field(  # noqa: B008 (Prefect reads the description there)
        default=None,
        description="只处理这些单位的邮件（填写登记表中的单位名称）；留空则处理全部。"
        "其他单位的邮件保持未处理，由下一次运行处理。",
    ),
    force: bool = Field(
        default=False,
        description="即使没有新邮件，也重新生成本月的数据文档（Data Docs）和办公室状态页面。"
        "不会重复发送任何回执或邮件。",
    ),
) -> dict[str, int]:
    """Ingest one month's submissions; a rerun converges to the same state, sends nothing twice.

    `replay`: a past year run again (the demo), its receipts written as the mail came in.
    `units`: only their mail is read in; `force`: the month's pages rendered even without mail.
    """
    period = resolve_period(home, period)
    check_intake(home)
    with home_lock(settings_for(home)):  # one run per home at a time, however started
        # The raw mail (the month's largest object) is read and landed a page at a time.
        # The month's lists go quoted: Prefect would otherwise walk every object in them
        # looking for futures, at every task call (seconds for a province month).
        landed: list[LandedMessage] = []
        for page in list_mail(home):
            raws = select_new_messages(home, period, quote(fetch_messages(home, page)))
            landed += land_messages(home, quote(raws))
        landed = select_units(home, quote(landed), units)
        if not (landed or force or notify_office or select_owed(home)):
            # An intake with nothing new and nothing owed ends here, cheaply.
            return publish_summary(period, [], [], 0)
        # Batches of a wave at once on the runner (one batch: here), each result as it finishes.
        waves = plan_batches(home, quote(landed))
        messages, submissions, rows = merge_batches(
            list(each_finished(ingest_batch, home, period, waves))
        )
        render_data_docs(home, period, quote(submissions), force)
        # Receipts are composed from the warehouse, so a killed run's are not lost.
        answer, answered = select_unanswered(home)
        receipts = write_receipts(home, period, quote(answer), quote(answered), as_received=replay)
        due = add_office_status(home, period, quote(receipts), notify_office, force)
        queue_notices(home, quote(due), quote(answer))
        send_notices(home)
        mark_messages_processed(home, quote(messages))
    return publish_summary(period, quote(messages), quote(submissions), rows)
