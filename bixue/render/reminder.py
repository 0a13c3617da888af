"""The 催报 mail: to each unit still without an accepted version of a workbook it must send.

Who lacks what comes from the month's status (bixue.warehouse.status): a required workbook
with no standing is 尚未收到; one whose every version failed the checks is 未通过 (refused and
never fixed), with the newest version's problems so the unit knows why it must send again. A
workbook accepted late, or accepted after a refusal, counts as received. The statistics
provider is reminded the same way of the statistics workbooks of the month not yet received.

Each reminder's ledger key holds the unit, the period and the day (Asia/Shanghai), so a second
run the same day queues nothing; a forced run adds its own run id, so it sends once more and a
retry of that same run still sends nothing twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.forms.spec import WORKBOOK_NAMES
from bixue.periods import parse_period, period_key
from bixue.render.notice import SIGNATURE, Notice, html_body, moment_text
from bixue.render.status_lines import period_text, problem_text, when
from bixue.warehouse.status import form_name, month_status, statistics_inputs

KIND = "reminder"
# What the artifact's table says about each unit.
SENT = "已催报"
ALREADY = "今日已催报，未重发"
COMPLETE = "报表齐全，无需催报"


@dataclass(frozen=True)
class Lacking:
    """One workbook a unit still owes: never received, or received and refused every time."""

    workbook: str
    refused: bool = False
    version: int | None = None  # the newest refused version
    received_at: str | None = None
    problems: tuple[str, ...] = ()  # that version's errors, as its receipt words them

    @property
    def short(self) -> str:
        return form_name(self.workbook)


@dataclass(frozen=True)
class Due:
    """A unit (or the statistics provider) to remind, at its registered addresses."""

    unit: str
    to: tuple[str, ...]
    lacking: tuple[Lacking, ...]


@dataclass(frozen=True)
class Reminders:
    """A reminder run's plan: every unit considered, who is due, and the mails composed."""

    period: str
    day: str  # YYYY-MM-DD, Asia/Shanghai
    considered: tuple[str, ...]
    due: tuple[Due, ...]
    notices: tuple[Notice, ...]


def collecting_period(settings: Settings, now: datetime) -> str:
    """The report month being collected: the one whose deadline is this month's 20th (local)."""
    local = now.astimezone(settings.tz)
    return period_key(local.year, local.month)


def local_day(settings: Settings, now: datetime) -> str:
    """Today in the office's time zone, YYYY-MM-DD: a reminder goes at most once per day."""
    return now.astimezone(settings.tz).date().isoformat()


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"催报日期应写作 2023-05-15（年-月-日），而不是“{text}”") from exc


def _errors(submission: dict[str, Any]) -> tuple[str, ...]:
    problems = submission.get("problems", [])  # the statistics' status lists no problems
    return tuple(problem_text(p) for p in problems if p["severity"] == "error")


def _refused(workbook: str, versions: list[dict[str, Any]]) -> Lacking:
    newest = versions[-1]
    return Lacking(
        workbook=workbook,
        refused=True,
        version=int(newest["version"]),
        received_at=newest["received_at"],
        problems=_errors(newest),
    )


def unit_lacking(unit: dict[str, Any]) -> tuple[Lacking, ...]:
    """What one unit of `month_status` still owes, in the order of its required workbooks."""
    out = []
    for workbook in unit["required"]:
        standing = unit["forms"].get(workbook)
        if standing is None:
            out.append(Lacking(workbook))
        elif standing["counting_version"] is None:
            versions = [s for s in unit["submissions"] if s["form"] == workbook]
            out.append(_refused(workbook, versions))
    return tuple(out)


def provider_lacking(provider: str, statistics: list[dict[str, Any]]) -> tuple[Lacking, ...]:
    """The statistics workbooks of the month a provider owes (none accepted yet)."""
    out = []
    for stat in statistics:
        if provider not in stat["providers"] or stat["received"]:
            continue
        if stat["submissions"]:
            out.append(_refused(stat["form"], stat["submissions"]))
        else:
            out.append(Lacking(stat["form"]))
    return tuple(out)


def due_reminders(
    settings: Settings,
    units: list[dict[str, Any]],
    statistics: list[dict[str, Any]],
    only: list[str] | None = None,
) -> tuple[list[str], list[Due]]:
    """(everyone considered, those owing something) for a month's status; `only` narrows it."""
    considered: list[str] = []
    due: list[Due] = []
    for unit in units:
        if only and unit["unit"] not in only:
            continue
        considered.append(unit["unit"])
        lacking = unit_lacking(unit)
        if lacking:
            due.append(Due(unit["unit"], settings.unit(unit["unit"]).senders, lacking))
    for provider in settings.registry.providers:
        if only and provider.name not in only:
            continue
        considered.append(provider.name)
        lacking = provider_lacking(provider.name, statistics)
        if lacking:
            due.append(Due(provider.name, provider.senders, lacking))
    return considered, due


def check_units(settings: Settings, only: list[str] | None) -> list[str] | None:
    """The units asked for, each registered (a unit or statistics provider), or ValueError."""
    if not only:
        return None
    known = {u.name for u in settings.units} | {p.name for p in settings.registry.providers}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise ValueError(f"未登记的单位：{'、'.join(unknown)}（可用 bixue units 查看已登记的单位）")
    return list(only)


def _deadline(settings: Settings, period: str) -> date:
    year, month = parse_period(period)
    return date(year, month, settings.deadline_day)


def _when_due(settings: Settings, period: str, day: str) -> tuple[str, bool]:
    """「截止5月20日」, and whether that day has passed on the reminder's day."""
    due = _deadline(settings, period)
    passed = parse_day(day) > due
    return (
        f"已过截止日{due.month}月{due.day}日" if passed else f"截止{due.month}月{due.day}日"
    ), passed


def reminder_subject(settings: Settings, due: Due, period: str, day: str) -> str:
    """「催报：2023年1—5月 附件3、附件5 尚未收到（截止5月20日）」."""
    missing = "、".join(x.short for x in due.lacking if not x.refused)
    refused = "、".join(x.short for x in due.lacking if x.refused)
    parts = ([f"{missing} 尚未收到"] if missing else []) + (
        [f"{refused} 未通过审核需重报"] if refused else []
    )
    deadline_text, _ = _when_due(settings, period, day)
    return f"催报：{period_text(period)} {'，'.join(parts)}（{deadline_text}）"


def _title(workbook: str) -> str:
    prefix, _, title = WORKBOOK_NAMES[workbook].partition("：")
    return f"《{title}》" if prefix == "统计" else f"{prefix}《{title}》"


def _received(settings: Settings, stamp: str | None) -> str:
    """2023年5月12日 10:00, as the unit's receipt said it."""
    try:
        return moment_text(settings, datetime.fromisoformat(stamp) if stamp else None)
    except ValueError:
        return when(settings, stamp)


def reminder_body(settings: Settings, due: Due, period: str, day: str, now: datetime) -> str:
    """The reminder's text: what is missing, what was refused and why, the deadline, what to do."""
    deadline = _deadline(settings, period)
    _, passed = _when_due(settings, period, day)
    local = now.astimezone(settings.tz)
    as_of = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    missing = [x for x in due.lacking if not x.refused]
    refused = [x for x in due.lacking if x.refused]
    what = "以下报表" if not refused else "以下报表（或报送后未通过审核）"
    body = [
        f"{due.unit}：",
        "",
        f"截至{as_of}，{settings.office_name}尚未收到你单位{period_text(period)}应报送的{what}：",
        "",
    ]
    sections: list[list[str]] = []
    if missing:
        lines = [f"尚未收到（{len(missing)}份）："]
        lines += [f"    {n}. {_title(x.workbook)}" for n, x in enumerate(missing, start=1)]
        sections.append(lines)
    if refused:
        lines = [f"已报送但未通过审核、数据未予采用（{len(refused)}份），须修改后重新报送："]
        for n, x in enumerate(refused, start=1):
            found = f"共{len(x.problems)}处问题：" if x.problems else "问题已在回执中逐项列出。"
            lines.append(
                f"    {n}. {_title(x.workbook)}第{x.version}版"
                f"（{_received(settings, x.received_at)}收到），{found}"
            )
            lines += [f"    - {p}" for p in x.problems]
        sections.append(lines)
    ordinals = "一二"
    for i, lines in enumerate(sections):
        body += [f"{ordinals[i]}、{lines[0]}", *lines[1:], ""]
    due_text = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    if passed:
        body.append(
            f"报送截止时间（每月{settings.deadline_day}日，本期为{due_text}）已过，请尽快报送，"
            "截止后收到的报表登记为迟报。"
        )
    else:
        body.append(
            f"报送截止时间为{due_text}（每月{settings.deadline_day}日），请在截止前报送，"
            "截止后收到的报表将登记为迟报。"
        )
    body.append(
        f"报送方式：用你单位的登记邮箱（{'、'.join(due.to)}）把报表的Excel文件直接作为附件"
        f"发送至{settings.office_address}，不要压缩；每次报送整份报表。"
    )
    if refused:
        body.append(
            "未通过的报表请按上列问题（回执中附有标注了问题单元格的报表）逐项修改后重新报送，"
            "新报表将替代此前的版本。"
        )
    body += [
        "",
        "以上以系统截至本邮件发出时已收到并审核的邮件为准；如你单位已在此之后报送，请忽略本邮件。"
        f"如有疑问，请回复本邮件或与{settings.office_name}联系。",
        "",
        settings.office_name,
        SIGNATURE,
    ]
    return "\n".join(body)


def reminder_key(unit: str, period: str, day: str, tag: str | None = None) -> str:
    """remind-2023-05-<unit>-20230515: once per unit, period and day; a forced run adds its id."""
    unit_part = hashlib.sha256(unit.encode()).hexdigest()[:10]
    key = f"remind-{period}-{unit_part}-{day.replace('-', '')}"
    return f"{key}-{tag}" if tag else key


def compose_reminder(
    settings: Settings, due: Due, period: str, day: str, now: datetime, tag: str | None = None
) -> Notice:
    """The reminder as a notice to the unit's addresses, the office in copy."""
    subject = reminder_subject(settings, due, period, day)
    body = reminder_body(settings, due, period, day, now)
    return Notice(
        key=reminder_key(due.unit, period, day, tag),
        unit=due.unit,
        period=period,
        to=due.to,
        cc=(settings.office_address,),
        subject=subject,
        body=body,
        kind=KIND,
        html=html_body(subject, body),
    )


def month_reminders(
    engine: Engine,
    settings: Settings,
    period: str,
    *,
    day: str,
    now: datetime,
    only: list[str] | None = None,
    tag: str | None = None,
) -> Reminders:
    """Who owes what for the month in the warehouse now, and each reminder composed."""
    parse_period(period)
    parse_day(day)
    only = check_units(settings, only)
    units = month_status(engine, settings, period)
    considered, due = due_reminders(
        settings, units, statistics_inputs(engine, settings, period), only
    )
    notices = tuple(compose_reminder(settings, d, period, day, now, tag) for d in due)
    return Reminders(period, day, tuple(considered), tuple(due), notices)


def reminder_rows(reminders: Reminders, queued: list[str]) -> list[dict[str, str]]:
    """The artifact's table: every unit considered, what it owes, whether it was reminded now."""
    by_unit = {d.unit: (d, n) for d, n in zip(reminders.due, reminders.notices, strict=True)}
    rows = []
    for unit in reminders.considered:
        if unit not in by_unit:
            rows.append({"单位": unit, "尚未收到": "", "未通过": "", "催报": COMPLETE})
            continue
        due, notice = by_unit[unit]
        rows.append(
            {
                "单位": unit,
                "尚未收到": "、".join(x.short for x in due.lacking if not x.refused),
                "未通过": "、".join(x.short for x in due.lacking if x.refused),
                "催报": SENT if notice.key in queued else ALREADY,
            }
        )
    return rows


def reminder_markdown(settings: Settings, reminders: Reminders, queued: list[str]) -> str:
    """The office's summary of a reminder run, for the Prefect UI."""
    rows = reminder_rows(reminders, queued)
    sent = [r for r in rows if r["催报"] == SENT]
    already = [r for r in rows if r["催报"] == ALREADY]
    deadline = _deadline(settings, reminders.period)
    out = [
        f"# {period_text(reminders.period)}催报（{reminders.day}）",
        "",
        f"报送截止：{deadline.month}月{deadline.day}日。本次检查{len(rows)}个单位："
        f"发出催报{len(sent)}份，今日已催报未重发{len(already)}个，"
        f"报表齐全{len(rows) - len(sent) - len(already)}个。"
        f"每份催报均抄送{settings.office_address}。",
        "",
        "| 单位 | 尚未收到 | 未通过 | 催报 |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| {r['单位']} | {r['尚未收到']} | {r['未通过']} | {r['催报']} |" for r in rows]
    return "\n".join(out)
