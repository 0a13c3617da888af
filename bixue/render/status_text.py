"""`bixue status` as the office reads it in a terminal: a month, or one unit across months."""

from __future__ import annotations

import json
from typing import Any

from bixue.config import Settings
from bixue.render.status_lines import period_text
from bixue.warehouse.status import STATE_ZH, form_name


def _forms_cell(unit: dict[str, Any]) -> str:
    """附件3 第1版有效（第2版更正未通过）；附表 第1版未通过（2个问题）."""
    newest = {s["form"]: s for s in unit["submissions"]}
    lacking = [form_name(w) for w in unit["required"] if w not in unit["forms"]]
    parts = [f"缺{'、'.join(lacking)}"] if lacking else []
    for form, s in newest.items():
        standing = unit["forms"].get(form or "")
        if standing is None:
            parts.append(f"{s['filename']} 未能识别（{len(s['problems'])}个问题）")
            continue
        counting = standing["counting_version"]
        if counting is None:
            parts.append(
                f"{form_name(form)} 第{s['version']}版未通过（{len(s['problems'])}个问题）"
            )
            continue
        text = f"{form_name(form)} 第{counting}版{STATE_ZH[standing['state']]}"
        if standing["refused_versions"]:
            refused = "、".join(f"第{v}版" for v in standing["refused_versions"])
            text += f"（{refused}更正未通过，第{counting}版仍有效）"
        parts.append(text)
    if unit.get("refused_mail"):
        parts.append(f"{len(unit['refused_mail'])}封邮件被拒收")
    return "；".join(parts) or "—"


def month_text(settings: Settings, view: dict[str, Any]) -> str:
    """The month: a table of units, then each open problem, statistics and mail to look at."""
    from bixue.cli import _table
    from bixue.render.status_lines import (
        HELD,
        REFUSED,
        WAITING,
        counts_text,
        held_line,
        open_problems,
        refused_line,
        statistics_line,
        version_label,
        waiting_lines,
    )

    period = view["period"]
    waiting = waiting_lines(settings, view["waiting"])
    if not view["run"]:
        lines = [
            f"{period_text(period)}的报表尚未处理：还没有运行过这个月的报送处理"
            f"（bixue ingest --period {period}），因此不列各单位的报送状态。"
        ]
        if waiting:
            lines.append(f"邮箱中有{len(view['waiting']['messages'])}封邮件待处理。")
        return "\n".join(lines)
    rows = [
        {"单位": u["unit"], "状态": STATE_ZH[u["state"]], "报表": _forms_cell(u)}
        for u in view["units"]
    ]
    out = [f"{period_text(period)}报表报送情况：{counts_text(view)}。", ""]
    out.append(_table(rows, ["单位", "状态", "报表"]))
    problems = []
    for unit in view["units"]:
        for s, texts in open_problems(unit):
            problems.append(f"  {unit['unit']} {version_label(s)}：")
            problems += [f"    - {t}" for t in texts]
    if problems:
        out += ["", "问题明细：", *problems]
    out += ["", "统计数据："]
    out += [f"  {statistics_line(settings, s, period)}" for s in view["statistics"]]
    for heading, lines in (
        (REFUSED, [refused_line(settings, m) for m in view["refused"]]),
        (HELD, [held_line(settings, m) for m in view["held"]]),
        (WAITING, waiting),
    ):
        if lines:
            out += ["", f"{heading}："]
            out += [f"  {n}. {line}" for n, line in enumerate(lines, start=1)]
    return "\n".join(out)


def history_text(settings: Settings, history: dict[str, Any]) -> str:
    """One unit month by month: every version with its problems, its mail and receipts."""
    from bixue.render.status_lines import problem_text, refused_line, version_label, when

    out = [f"{history['unit']}的报送记录："]
    if not history["months"]:
        out.append("  （没有收到过该单位的邮件）")
    for month in history["months"]:
        state = STATE_ZH[month["state"]] if month["required"] else ""
        out += ["", f"{period_text(month['period'])}（{month['period']}）{state}"]
        for s in month["submissions"]:
            out.append(
                f"  {version_label(s)}，收到时间{when(settings, s['received_at'])}，"
                f"文件{s['filename']}"
            )
            out += [f"    - {problem_text(p)}" for p in s["problems"]]
        for m in month["refused_mail"]:
            out.append(f"  邮件被拒收：{refused_line(settings, m)}")
        for n in month["receipts"]:
            kind = "回执" if n["kind"] == "receipt" else "通知"
            out.append(f"  已发{kind}：{when(settings, n['sent_at'])}“{n['subject']}”")
    return "\n".join(out)


def show_status(settings: Settings, period: str | None, unit: str | None, fmt: str) -> str:
    """What `bixue status` prints."""
    from bixue.warehouse.db import connect_readonly
    from bixue.warehouse.status import office_view, unit_history

    engine = connect_readonly(settings.warehouse_url)
    if unit:
        history = unit_history(engine, settings, unit)
        if period:
            history["months"] = [m for m in history["months"] if m["period"] == period]
        if fmt == "json":
            return json.dumps(history, ensure_ascii=False, indent=2, default=str)
        return history_text(settings, history)
    assert period is not None
    view = office_view(engine, settings, period)
    if fmt == "json":
        return json.dumps(view, ensure_ascii=False, indent=2, default=str)
    return month_text(settings, view)
