"""The office's monthly status mail: who is in, who must fix what, who is missing, what was held.

The mail carries everything the clerk acts on (each problem's text), a workbook of the month and
the month's HTML page (also written to <home>/docs/), so the office never needs a terminal.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.render.notice import Notice
from bixue.render.status_lines import (
    HEADINGS,
    HELD,
    ORDER,
    ORDINALS,
    REFUSED,
    WAITING,
    counts_text,
    held_line,
    open_problems,
    page_name,
    period_text,
    refused_line,
    statistics_line,
    unit_summary,
    version_label,
    waiting_lines,
    when,
)


def _digest(view: dict[str, Any]) -> str:
    """The situation, without the mailbox's waiting mail: a resend only when a standing changes."""
    situation = [view["units"], view["statistics"], view["refused"], view["held"]]
    text = json.dumps(situation, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# The month's close (final status, after the deadline): each state as it stands for good.
FINAL_HEADINGS = {
    "missing": "截止后仍未报送",
    "rejected": "未通过且截止后仍未更正（本期无有效数据）",
    "late": "迟报（截止后报送并受理，或截止后更正通过）",
    "accepted": "按时报送并受理",
}


def _final_intro(settings: Settings, view: dict[str, Any]) -> str:
    from bixue.forms.submissions import deadline

    due = deadline(settings, view["period"])
    by_state = {s: sum(u["state"] == s for u in view["units"]) for s in ORDER}
    return (
        f"{period_text(view['period'])}报表报送截止时间（{due.year}年{due.month}月{due.day}日）"
        f"已过，最终报送情况：按时受理{by_state['accepted']}个，迟报{by_state['late']}个，"
        f"未通过且未更正{by_state['rejected']}个，未报送{by_state['missing']}个。"
    )


def compose_office_status(
    settings: Settings,
    view: dict[str, Any],
    page_path: Path | None = None,
    *,
    final: bool = False,
    key: str | None = None,
) -> Notice:
    """One mail to the office with every problem's text; its key changes only with the situation.

    `final`: the month's close after the deadline (最终, 截止后), sent under `key` once a month.
    """
    from bixue.render.office_book import status_workbook
    from bixue.render.office_page import status_page

    period = view["period"]
    intro = (
        _final_intro(settings, view)
        if final
        else f"{period_text(period)}报表报送情况：{counts_text(view)}。"
    )
    headings = FINAL_HEADINGS if final else HEADINGS
    body = [f"{settings.office_name}：", "", intro]
    if settings.sender_check_warning:  # said in every status while it is off
        body += ["", settings.sender_check_warning]
    body += ["", "统计数据："]
    body += [f"    {statistics_line(settings, s, period)}" for s in view["statistics"]]
    body.append("")
    sections: list[tuple[str, list[list[str]]]] = []
    for state in ORDER:
        entries = []
        for unit in view["units"]:
            if unit["state"] != state:
                continue
            summary = unit_summary(unit)
            lines = [unit["unit"] + (f"（{summary}）" if summary else "")]
            for s, texts in open_problems(unit):
                lines.append(f"{version_label(s)}，收到时间{when(settings, s['received_at'])}：")
                lines += [f"- {t}" for t in texts]
            entries.append(lines)
        if entries:
            sections.append((headings[state], entries))
    if view["refused"]:
        sections.append((REFUSED, [[refused_line(settings, m)] for m in view["refused"]]))
    if view["held"]:
        sections.append((HELD, [[held_line(settings, m)] for m in view["held"]]))
    waiting = waiting_lines(settings, view["waiting"])
    if waiting:
        sections.append((WAITING, [[line] for line in waiting]))
    for i, (heading, entries) in enumerate(sections):
        body.append(f"{ORDINALS[i]}、{heading}（{len(entries)}）：")
        for n, lines in enumerate(entries, start=1):
            body.append(f"    {n}. {lines[0]}")
            body += [f"       {line}" for line in lines[1:]]
        body.append("")
    book = f"报送情况-{period}.xlsx"
    html = f"报送情况-{period}.html"
    body.append(f"附件“{book}”列出每个单位每份报表的各个版本、状态和问题，可直接打开核对；")
    body.append(f"附件“{html}”为同一内容的网页版，用浏览器打开即可，无需联网。")
    if page_path is not None:
        body.append(f"网页版另存于：{page_path}")
    body += ["", "（本邮件由比学赶超报送系统自动发送）"]
    by_state = {s: sum(u["state"] == s for u in view["units"]) for s in ORDER}
    subject = (
        f"【最终报送情况】{period_text(period)}（截止后）：未报送{by_state['missing']}个，"
        f"未通过且未更正{by_state['rejected']}个，迟报{by_state['late']}个"
        if final
        else f"【报送情况】{period_text(period)}：未报送{by_state['missing']}个，"
        f"未通过{by_state['rejected']}个"
    )
    return Notice(
        key=key or f"status-{period}-{_digest(view)}",
        unit=settings.office_name,
        period=period,
        to=(settings.office_address,),
        subject=subject,
        body="\n".join(body),
        attachments=(
            (book, status_workbook(settings, view)),
            (html, status_page(settings, view).encode("utf-8")),
        ),
        kind="status",
    )


def with_office_status(
    engine: Engine,
    settings: Settings,
    period: str,
    receipts: list[Notice],
    *,
    office: bool,
    refresh: bool = False,
) -> list[Notice]:
    """The run's receipts and, after them when `office`, the office's status mail for the month.

    Without the mail the month's status page in <home>/docs is still brought up to date when
    the run answered any mail or `refresh` asks for it; a run with nothing new touches nothing.
    """
    if office:
        return [*receipts, office_status(engine, settings, period)]
    if receipts or refresh:
        write_status_page(engine, settings, period)
    return list(receipts)


def write_status_page(engine: Engine, settings: Settings, period: str) -> tuple[Any, Path]:
    """The month's status as the office's page in <home>/docs/; the view and the page."""
    from bixue.render.office_page import status_page
    from bixue.warehouse.status import office_view

    view = office_view(engine, settings, period, in_run=True)
    path = settings.home / "docs" / page_name(period)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(status_page(settings, view), encoding="utf-8")
    return view, path


def office_status(engine: Engine, settings: Settings, period: str) -> Notice:
    """The status mail for a month after the run's load; its page is written to <home>/docs/."""
    view, path = write_status_page(engine, settings, period)
    return compose_office_status(settings, view, path)


__all__ = ["compose_office_status", "office_status"]
