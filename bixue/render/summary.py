"""The run's summary as the office reads it: counts and a line per submission, in Chinese."""

from __future__ import annotations

from bixue.forms.spec import WORKBOOK_NAMES
from bixue.model import RunReport

STATUS = {"accepted": "已受理", "rejected": "未通过"}
# Errors shown per rejected workbook in the UI; the receipt to the unit lists them all.
SHOWN_ERRORS = 5

STATE = {
    "accepted": "已受理",
    "rejected": "未通过",
    "quarantined": "已隔离",
    "ignored": "已忽略",
    "deferred": "留待以后月份",
}


def summary_markdown(report: RunReport) -> str:
    """Markdown for the Prefect UI: totals, then each submission and each message set aside."""
    c = report.counts()
    lines = [
        f"# {report.period} 月度报表处理结果",
        "",
        f"收到邮件 {c['messages']} 封；本期报表 {c['received']} 份，已受理 {c['accepted']} 份，"
        f"未通过 {c['rejected']} 份，迟报 {c['late']} 份；入库 {c['rows_loaded']} 行；"
        f"隔离邮件 {c['quarantined']} 封，忽略 {c['ignored']} 封。",
        "",
        "| 单位 | 报表 | 期间 | 版本 | 结果 | 问题数 | 迟报 |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sorted(report.submissions, key=lambda s: (s.unit or "", s.workbook or "")):
        name = WORKBOOK_NAMES.get(s.workbook or "", s.attachment.filename).split("：")[0]
        lines.append(
            f"| {s.unit or ''} | {name} | {s.period or ''} | {s.version} | {STATUS[s.status]} "
            f"| {len(s.problems)} | {'是' if s.late else ''} |"
        )
    lines += rejection_lines(report)
    aside = [m for m in report.messages if m.state in ("quarantined", "ignored")]
    if aside:
        lines += ["", "## 未处理的邮件", "", "| 发件人 | 主题 | 状态 | 原因 |", "|---|---|---|---|"]
        for m in aside:
            reasons = "；".join(m.reasons)
            lines.append(
                f"| {m.display_from} | {m.subject} | {STATE[m.state or 'ignored']} | {reasons} |"
            )
    return "\n".join(lines)


def rejection_lines(report: RunReport) -> list[str]:
    """Why each rejected workbook was rejected: its first errors, where and what rule."""
    rejected = [s for s in report.submissions if s.status == "rejected"]
    if not rejected:
        return []
    lines = ["", "## 未通过的原因", ""]
    for s in sorted(rejected, key=lambda s: (s.unit or "", s.workbook or "")):
        name = WORKBOOK_NAMES.get(s.workbook or "", s.attachment.filename).split("：")[0]
        errors = [p for p in s.problems if p.severity == "error"]
        lines.append(f"- **{s.unit or s.sender or '未知单位'} {name}**（共{len(errors)}处错误）：")
        for p in errors[:SHOWN_ERRORS]:
            where = f"{p.where}：" if p.where else ""
            lines.append(f"  - {where}{p.message}")
        if len(errors) > SHOWN_ERRORS:
            lines.append(f"  - 其余{len(errors) - SHOWN_ERRORS}处见发给该单位的回执。")
    return lines


def submission_table(report: RunReport) -> list[dict[str, str]]:
    """The run's submissions as a table artifact: one row each, the forms' own words."""
    rows = []
    for s in sorted(report.submissions, key=lambda s: (s.unit or "", s.workbook or "")):
        name = WORKBOOK_NAMES.get(s.workbook or "", s.attachment.filename).split("：")[0]
        errors = [p for p in s.problems if p.severity == "error"]
        rows.append(
            {
                "单位": s.unit or s.sender or "",
                "报表": name,
                "期间": s.period or "",
                "版本": str(s.version),
                "结果": STATUS[s.status],
                "迟报": "是" if s.late else "",
                "首个问题": f"{errors[0].where} {errors[0].message}".strip() if errors else "",
            }
        )
    return rows
