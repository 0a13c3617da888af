"""The office's monthly status mail: who is in, who must fix what, who is missing, what was held.

The mail carries everything the clerk acts on (each problem's text), a workbook of the month and
the month's HTML page (also written to <home>/docs/), so the office never needs a terminal.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.render.notice import Notice, period_text
from bixue.rules.problem import Problem
from bixue.warehouse.status import STATE_ZH, form_name

ORDER = ("missing", "rejected", "late", "accepted")
HEADINGS = {"missing": "未报送", "rejected": "未通过", "late": "迟报", "accepted": "已受理"}
ORDINALS = "一二三四五六七八九十"
HELD = "已隔离的邮件（发件人未登记或无法确认，系统未自动回复，请人工核实）"
REFUSED = "被拒收的邮件（登记单位发来，邮件本身未能受理，其中的报表均未读取）"
WAITING = "已收到、尚未处理的邮件（待处理）"


def page_name(period: str) -> str:
    """The month's page in <home>/docs/, next to the Data Docs."""
    return f"status-{period}.html"


def when(settings: Settings, stamp: str | None) -> str:
    """An ISO time as the office reads it: 2023-05-18 10:02 (office time zone)."""
    if not stamp:
        return "时间不明"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(settings.tz)
    return moment.strftime("%Y-%m-%d %H:%M")


def problem_text(p: dict[str, Any]) -> str:
    """One stored problem as the sentence the unit's receipt gives it."""
    return Problem(
        rule=p["rule"],
        message=p["message"],
        severity=p["severity"],
        sheet=p.get("sheet"),
        row=p.get("row"),
        column=p.get("column"),
        header=p.get("header"),
        value=p.get("value"),
        fix=p.get("fix"),
    ).sentence()


def _errors(submission: dict[str, Any]) -> int:
    return sum(p["severity"] == "error" for p in submission["problems"])


def _newest(unit: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["form"]: s for s in unit["submissions"]}  # oldest first: the last one wins


def refused_corrections(unit: dict[str, Any]) -> list[str]:
    """「附件3第2版更正未通过，第1版仍有效」 for each workbook whose correction was refused."""
    out = []
    for form, standing in unit.get("forms", {}).items():
        if standing["refused_versions"]:
            versions = "、".join(f"第{v}版" for v in standing["refused_versions"])
            out.append(
                f"{form_name(form)}{versions}更正未通过，第{standing['counting_version']}版仍有效"
            )
    return out


def unit_summary(unit: dict[str, Any]) -> str:
    """What stands out about a unit in a few words (without its name)."""
    parts: list[str] = []
    standings = unit.get("forms", {})
    if unit["state"] == "missing":
        lacking = [form_name(w) for w in unit.get("required", []) if w not in standings]
        parts.append(f"缺{'、'.join(lacking)}")
    for form, s in _newest(unit).items():
        standing = standings.get(form or "")
        if standing is None:  # a file no form was recognised in
            parts.append(f"{s['filename']}未能识别（{_errors(s)}个问题）")
        elif standing["counting_version"] is None:
            parts.append(f"{form_name(form)}第{s['version']}版{_errors(s)}个问题")
    parts += refused_corrections(unit)
    late = [form_name(f) for f, st in standings.items() if st["state"] == "late"]
    if late:
        parts.append(f"{'、'.join(late)}迟报")
    if unit.get("refused_mail"):
        parts.append(f"{len(unit['refused_mail'])}封邮件被拒收")
    return "；".join(parts)


def open_problems(unit: dict[str, Any]) -> list[tuple[dict[str, Any], list[str]]]:
    """The versions the clerk must know about (not fixed since) with each problem's sentence."""
    standings = unit.get("forms", {})
    newest = _newest(unit)
    out = []
    for s in unit["submissions"]:
        standing = standings.get(s["form"] or "")
        unresolved = standing is None or standing["counting_version"] is None
        still_open = (
            s.get("refused_correction")
            or s.get("counts")
            or (unresolved and newest.get(s["form"]) is s)
        )
        if still_open and s["problems"]:
            texts = [
                ("提示：" if p["severity"] == "warning" else "") + problem_text(p)
                for p in s["problems"]
            ]
            out.append((s, texts))
    return out


def version_label(s: dict[str, Any]) -> str:
    """附件3第2版（更正未通过）: a version as the office reads it."""
    if s.get("refused_correction"):
        note = "更正未通过"
    elif s.get("counts"):
        note = "有效" + ("，迟报" if s["late"] else "")
    elif s["state"] == "accepted":
        note = "已被新版本替代"
    else:
        note = "未通过"
    return f"{form_name(s['form'])}第{s['version']}版（{note}）"


def statistics_line(settings: Settings, stat: dict[str, Any], period: str) -> str:
    """「国内合作产业到位资金统计表：已收到（州统计组，2023-05-18 10:02）」 and the like."""
    who = "、".join(stat["providers"]) or "（未登记提供单位）"
    if stat["received"]:
        state = "迟报" if stat["state"] == "late" else "已收到"
        return (
            f"{stat['name']}：{state}{period_text(period)}数据"
            f"（{stat['sender']}，{when(settings, stat['received_at'])}）"
        )
    text = f"{stat['name']}：未收到{period_text(period)}数据（应由{who}报送）"
    if stat["submissions"]:
        text = (
            f"{stat['name']}：{period_text(period)}数据未通过审核"
            f"（{stat['sender']}，第{stat['submissions'][-1]['version']}版）"
        )
    if stat["held_period"]:
        text += f"；目前采用的是{period_text(stat['held_period'])}数据"
    return text


def refused_line(settings: Settings, m: dict[str, Any]) -> str:
    return (
        f"{m['unit']}，{when(settings, m['received_at'])}收到，主题“{m['subject']}”："
        f"{'；'.join(m['reasons'])}"
    )


def held_line(settings: Settings, m: dict[str, Any]) -> str:
    who = m["display_from"] or m["sender"] or "（无发件人）"
    received = when(settings, m["received_at"])
    return f"{who}，{received}收到，主题“{m['subject']}”：{'；'.join(m['reasons'])}"


def waiting_lines(settings: Settings, waiting: dict[str, Any]) -> list[str]:
    if waiting.get("error"):
        return [waiting["error"]]
    return [
        f"{when(settings, m['arrived_at'])}到达（邮箱编号 {m['key']}）" for m in waiting["messages"]
    ]


def counts_text(view: dict[str, Any]) -> str:
    by_state = {s: 0 for s in ORDER}
    for unit in view["units"]:
        by_state[unit["state"]] += 1
    return "，".join(f"{HEADINGS[s]}{by_state[s]}个" for s in ORDER)


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


__all__ = ["STATE_ZH", "compose_office_status", "office_status"]
