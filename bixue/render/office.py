"""The office's monthly status mail: who is in, who must fix what, who is missing, what was held."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.forms.spec import WORKBOOK_NAMES
from bixue.render.notice import Notice, period_text

ORDER = ("missing", "rejected", "late", "accepted")
HEADINGS = {"missing": "未报送", "rejected": "未通过", "late": "迟报", "accepted": "已受理"}
ORDINALS = "一二三四五六"


def _form(key: str | None) -> str:
    return WORKBOOK_NAMES.get(key or "", "报表").split("：")[0]


def _errors(submission: dict[str, Any]) -> int:
    return sum(p["severity"] == "error" for p in submission["problems"])


def _line(unit: dict[str, Any], required: list[str]) -> str:
    newest = {s["form"]: s for s in unit["submissions"]}
    if unit["state"] == "missing":
        lacking = [_form(w) for w in required if w not in newest]
        return f"{unit['unit']}（缺{('、'.join(lacking))}）"
    if unit["state"] == "rejected":
        bad = [
            f"{_form(f)}第{s['version']}版{_errors(s)}个问题"
            for f, s in newest.items()
            if s["state"] == "rejected"
        ]
        return f"{unit['unit']}（{'；'.join(bad)}）"
    if unit["state"] == "late":
        return (
            f"{unit['unit']}（{'、'.join(_form(f) for f, s in newest.items() if s['late'])}迟报）"
        )
    return unit["unit"]


def compose_office_status(
    settings: Settings,
    period: str,
    status: list[dict[str, Any]],
    required: dict[str, list[str]],
    held: list[dict[str, Any]],
) -> Notice:
    """One mail to the office; its key changes only when the situation does."""
    by_state: dict[str, list[str]] = {s: [] for s in ORDER}
    for unit in status:
        by_state[unit["state"]].append(_line(unit, required[unit["unit"]]))
    counts = "，".join(f"{HEADINGS[s]}{len(by_state[s])}个" for s in ORDER)
    body = [f"{settings.office_name}：", "", f"{period_text(period)}报表报送情况：{counts}。", ""]
    if settings.sender_check_warning:  # said in every status while it is off
        body += [settings.sender_check_warning, ""]
    sections = [(HEADINGS[s], by_state[s]) for s in ORDER if by_state[s]]
    if held:
        sections.append(
            (
                "已隔离的邮件（发件人未登记或无法确认，系统未自动回复，请人工核实）",
                [
                    f"{m['display_from'] or m['sender'] or '（无发件人）'}：{m['subject']}；"
                    f"{'；'.join(m['reasons'])}"
                    for m in held
                ],
            )
        )
    for i, (heading, lines) in enumerate(sections):
        body.append(f"{ORDINALS[i]}、{heading}（{len(lines)}）：")
        body += [f"    {n}. {line}" for n, line in enumerate(lines, start=1)]
        body.append("")
    body.append("（本邮件由比学赶超报送系统自动发送；明细可运行 bixue status 查看）")
    digest = hashlib.sha256(
        json.dumps([status, held], ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return Notice(
        key=f"status-{period}-{digest}",
        unit=settings.office_name,
        period=period,
        to=(settings.office_address,),
        subject=f"【报送情况】{period_text(period)}：未报送{len(by_state['missing'])}个，"
        f"未通过{len(by_state['rejected'])}个",
        body="\n".join(body),
        kind="status",
    )


def office_status(engine: Engine, settings: Settings, period: str) -> Notice:
    """The status mail for a month, from the warehouse as it stands after the run's load."""
    from bixue.mail.inbox import inbox
    from bixue.warehouse.status import month_status, required_workbooks

    status = month_status(engine, settings, period)
    required = {u.name: required_workbooks(settings, u.name) for u in settings.units}
    held = [m for m in inbox(engine, settings, period) if m["state"] == "quarantined"]
    return compose_office_status(settings, period, status, required, held)
