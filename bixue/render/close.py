"""The month's close: its final status to the office once the deadline has passed.

The same mail, workbook and page as the status after each run (bixue.render.office), worded as
final (最终, 截止后): who was accepted on time, late, refused and never fixed, missing, and
whether the statistics came in. Sent once per month (ledger key close-<period>); a forced run
adds its run id, so it sends once more and a retry of that same run sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.periods import parse_period
from bixue.render.notice import Notice
from bixue.render.office import compose_office_status
from bixue.render.status_lines import page_name, period_text, statistics_line, unit_summary

FINAL_STATE = {
    "accepted": "按时受理",
    "late": "迟报",
    "rejected": "未通过且未更正",
    "missing": "未报送",
}


@dataclass(frozen=True)
class Close:
    """The month's final status: the mail to the office and a row per unit and statistic."""

    period: str
    notice: Notice
    units: tuple[dict[str, str], ...]
    statistics: tuple[str, ...]


def close_key(period: str, tag: str | None = None) -> str:
    """close-2023-05: once per month; a forced run adds its id."""
    return f"close-{period}-{tag}" if tag else f"close-{period}"


def close_rows(view: dict[str, Any]) -> list[dict[str, str]]:
    """Each unit's final state and what stands out about it (the artifact's table)."""
    return [
        {"单位": u["unit"], "最终状态": FINAL_STATE[u["state"]], "说明": unit_summary(u) or "—"}
        for u in view["units"]
    ]


def ensure_closed(settings: Settings, period: str, now: datetime) -> None:
    """A month's status is final only once its deadline has passed: ValueError (Chinese) before."""
    from bixue.forms.submissions import deadline

    parse_period(period)
    due = deadline(settings, period)
    if now <= due:
        raise ValueError(
            f"{period_text(period)}报表的报送截止时间（{due.year}年{due.month}月{due.day}日）"
            "尚未到，最终报送情况在截止后才能发送；截止前的情况请用 bixue status 查看。"
        )


def month_close(
    engine: Engine, settings: Settings, period: str, now: datetime, tag: str | None = None
) -> Close:
    """The final status of a month as the warehouse holds it now; its page goes to <home>/docs/."""
    from bixue.render.office_page import status_page
    from bixue.warehouse.status import office_view

    ensure_closed(settings, period, now)
    view = office_view(engine, settings, period, in_run=True)
    path = settings.home / "docs" / f"final-{page_name(period)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(status_page(settings, view), encoding="utf-8")
    notice = compose_office_status(settings, view, path, final=True, key=close_key(period, tag))
    stats = tuple(statistics_line(settings, s, period) for s in view["statistics"])
    return Close(period, notice, tuple(close_rows(view)), stats)


def close_markdown(close: Close, sent: bool) -> str:
    """The office's summary of the close, for the Prefect UI."""
    counts = {state: 0 for state in FINAL_STATE.values()}
    for row in close.units:
        counts[row["最终状态"]] += 1
    out = [
        f"# {period_text(close.period)}最终报送情况（截止后）",
        "",
        "，".join(f"{k}{v}个" for k, v in counts.items()) + "。",
        "",
        f"邮件“{close.notice.subject}”："
        + ("已发送至办公室。" if sent else "本月已发送过，本次未重发（需要重发请选择 force）。"),
        "",
        "| 单位 | 最终状态 | 说明 |",
        "| --- | --- | --- |",
    ]
    out += [f"| {r['单位']} | {r['最终状态']} | {r['说明']} |" for r in close.units]
    out += ["", "统计数据：", *[f"- {line}" for line in close.statistics]]
    return "\n".join(out)


__all__ = ["Close", "close_markdown", "close_rows", "month_close"]
