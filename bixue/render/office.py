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


def compose_office_status(
    settings: Settings, view: dict[str, Any], page_path: Path | None = None
) -> Notice:
    """One mail to the office with every problem's text; its key changes only with the situation."""
    from bixue.render.office_book import status_workbook
    from bixue.render.office_page import status_page

    period = view["period"]
    body = [
        f"{settings.office_name}：",
        "",
        f"{period_text(period)}报表报送情况：{counts_text(view)}。",
    ]
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
            sections.append((HEADINGS[state], entries))
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
    return Notice(
        key=f"status-{period}-{_digest(view)}",
        unit=settings.office_name,
        period=period,
        to=(settings.office_address,),
        subject=f"【报送情况】{period_text(period)}：未报送{by_state['missing']}个，"
        f"未通过{by_state['rejected']}个",
        body="\n".join(body),
        attachments=(
            (book, status_workbook(settings, view)),
            (html, status_page(settings, view).encode("utf-8")),
        ),
        kind="status",
    )


def office_status(engine: Engine, settings: Settings, period: str) -> Notice:
    """The status mail for a month after the run's load; its page is written to <home>/docs/."""
    from bixue.render.office_page import status_page
    from bixue.warehouse.status import office_view

    view = office_view(engine, settings, period, in_run=True)
    path = settings.home / "docs" / page_name(period)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(status_page(settings, view), encoding="utf-8")
    return compose_office_status(settings, view, path)


__all__ = ["compose_office_status", "office_status"]
