"""The lines the office reads about a month, shared by its mail, page, workbook and `bixue status`.

Light on purpose (no pandas, no openpyxl): `bixue status` must start fast.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bixue.config import Settings
from bixue.rules.problem import Problem
from bixue.warehouse.status import form_name


def period_text(period: str | None) -> str:
    """2023年1—5月: as bixue.render.notice.period_text, which pulls in pandas via bixue.model."""
    if not period:
        return "期间不明的"
    year, month = period.split("-")
    return f"{year}年1月" if int(month) == 1 else f"{year}年1—{int(month)}月"


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
