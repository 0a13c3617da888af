"""Rules across submissions: what a report says against the same unit's earlier reports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from sqlalchemy import Engine

from bixue.forms.derive import project_key
from bixue.forms.parse import ParsedSheet, norm
from bixue.forms.spec import A3, A4, FORMS, STAGES
from bixue.model import LandedMessage, Submission
from bixue.rules.catalog import HISTORY_RULES
from bixue.rules.problem import Problem, Severity
from bixue.warehouse.db import sql
from bixue.warehouse.measures import exact

EVIDENCE_KINDS = {"pdf", "doc", "docx", "ppt", "pptx", "image"}
RULES = HISTORY_RULES
EVIDENCE = {
    "在谈": "首次填报为“在谈”的项目，需同时提交州外合作方投资建议书或意向书（文本或PPT）。",
    "已签约": "首次填报为“已签约”的项目，需同时提交合作项目正式协议。",
}


@dataclass(frozen=True)
class PriorReport:
    """One project line of an earlier, counted 附件3 report of the same unit."""

    unit: str
    period: str
    project: str  # normalised name
    stage: str


def prior_reports(engine: Engine, year: int, period: str) -> list[PriorReport]:
    """The year's counted 附件3 lines before `period`, from the warehouse."""
    with engine.connect() as conn:
        rows = conn.execute(
            sql("history_project_reports"), {"first_period": f"{year:04d}-01", "period": period}
        ).mappings()
        return [
            PriorReport(r["unit"], r["period"], norm(r["project_name"]), r["stage"]) for r in rows
        ]


@dataclass(frozen=True)
class PriorSigning:
    """One line of an earlier, counted 新签约项目 sheet of the same county."""

    unit: str
    period: str
    sheet: str
    row: int
    project: str  # normalised name (project_key)


def prior_signings(engine: Engine, year: int, period: str) -> list[PriorSigning]:
    """The year's counted new-signing lines before `period`, from the warehouse."""
    with engine.connect() as conn:
        rows = conn.execute(
            sql("history_county_signings"), {"first_period": f"{year:04d}-01", "period": period}
        ).mappings()
        return [
            PriorSigning(
                r["unit"], r["period"], r["sheet"], int(r["excel_row"]), norm(r["project_name"])
            )
            for r in rows
        ]


def signings_for(engine: Engine, submissions: Iterable[Submission]) -> list[PriorSigning]:
    """The earlier signings a run's county ledgers are checked against."""
    latest: dict[int, str] = {}
    for sub in submissions:
        if sub.period and any(s.form == "ledger_signings" for s in sub.sheets):
            year = int(sub.period[:4])
            latest[year] = max(latest.get(year, sub.period), sub.period)
    return [s for year, last in latest.items() for s in prior_signings(engine, year, last)]


def county_funds(engine: Engine, period: str) -> dict[str, Decimal]:
    """Each county's 州外 funds in the period's statistics, if they have arrived."""
    with engine.connect() as conn:
        rows = conn.execute(sql("measure_county_funds"), {"period": period}).mappings()
        funds = {r["county"]: exact(r["out_pref"]) for r in rows}
    return {county: value for county, value in funds.items() if value is not None}


def _problem(
    rule: str,
    sheet: ParsedSheet | None,
    row: int | None,
    key: str | None,
    message: str,
    fix: str,
    severities: Mapping[str, str],
    value: str | None = None,
) -> Problem:
    spec = FORMS[sheet.form] if sheet else A3 if rule.startswith("a3") else A4
    level: Severity = "error" if severities.get(rule, "warning") == "error" else "warning"
    return Problem(
        rule=rule,
        message=message,
        severity=level,
        sheet=sheet.sheet if sheet else None,
        row=row,
        column=sheet.letter(key) if sheet and key else None,
        header=spec.column(key).label if key else None,
        value=value,
        fix=fix,
    )


def _stage_index(stage: str | None) -> int:
    return STAGES.index(stage) if stage in STAGES else -1


def check_projects(
    sub: Submission,
    sheet: ParsedSheet,
    prior: Iterable[PriorReport],
    has_evidence: bool,
    severities: Mapping[str, str],
) -> list[Problem]:
    """First reports need their documents; stages never go back; projects do not vanish."""
    earlier = [p for p in prior if p.unit == sub.unit and sub.period and p.period < sub.period]
    seen = {p.project for p in earlier}
    last_period = max((p.period for p in earlier), default=None)
    last = {p.project: p.stage for p in earlier if p.period == last_period}
    problems: list[Problem] = []
    present = set()
    frame = sheet.frame
    keys = frame["project_key"] if "project_key" in frame else [None] * len(frame)
    for key, raw_name, stage, excel_row in zip(
        keys, frame["project_name"], frame["stage"], frame["excel_row"], strict=True
    ):
        # the key derive() stored; a frame built without it is keyed here the same way
        name = key or project_key(raw_name) or ""
        present.add(name)
        if name and name not in seen and stage in EVIDENCE and not has_evidence:
            problems.append(
                _problem(
                    "a3.evidence_missing",
                    sheet,
                    excel_row,
                    "stage",
                    EVIDENCE[stage],
                    "请将相关文件作为附件随报表一并发送（PDF、Word、PPT或图片均可）。",
                    severities,
                    stage,
                )
            )
        if name in last and _stage_index(stage) < _stage_index(last[name]) and stage in STAGES:
            problems.append(
                _problem(
                    "a3.stage_backwards",
                    sheet,
                    excel_row,
                    "stage",
                    f"项目进展由上期的“{last[name]}”变为“{stage}”，阶段倒退。",
                    "如属实（如协议解除），请在「在谈项目洽谈情况或已签约项目推进情况」中说明原因；否则请更正。",
                    severities,
                    stage,
                )
            )
    for name in sorted(set(last) - present):
        problems.append(
            _problem(
                "a3.project_disappeared",
                sheet,
                None,
                None,
                f"上期报表中的项目“{name}”本期未填报。月报为累计填报，已报项目应持续跟踪填报。",
                "请补报该项目；如项目已终止，请在本期填报并在推进情况中说明。",
                severities,
            )
        )
    return problems


def check_funds(
    subs: Iterable[Submission], statistics: Mapping[str, Decimal], severities: Mapping[str, str]
) -> None:
    """附件4 totals per county must not exceed the county's 州外 funds in the statistics."""
    if not statistics:
        return  # the statistics have not arrived: nothing to reconcile with yet
    for sub in subs:
        for sheet in sub.sheets:
            if sheet.form != "a4":
                continue
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for row in sheet.frame.to_dict("records"):
                if row["site"] and row["funds_yi"] is not None:
                    totals[row["site"]] += Decimal(str(row["funds_yi"]))
            for county, total in sorted(totals.items()):
                stats = statistics.get(county)
                if stats is not None and total > stats:
                    sub.problems.append(
                        _problem(
                            "a4.funds_exceed_statistics",
                            sheet,
                            None,
                            None,
                            f"本表{county}项目的州外到位资金合计{total}亿元，超过国内合作统计中{county}的"
                            f"州外产业到位资金{stats}亿元。",
                            "到位资金需与招商引资统计匹配，请与统计部门核对后更正。",
                            severities,
                        )
                    )


def _month(period: str) -> str:
    """2023-03 -> 2023年3月, as a unit names its report."""
    return f"{period[:4]}年{int(period[5:7])}月"


def check_signings(
    sub: Submission,
    sheet: ParsedSheet,
    prior: Iterable[PriorSigning],
    severities: Mapping[str, str],
) -> list[Problem]:
    """A county's project is newly signed once: a name signed in an earlier month is flagged."""
    first: dict[str, PriorSigning] = {}
    for line in prior:
        if line.unit == sub.unit and sub.period and line.period < sub.period:
            first.setdefault(line.project, line)  # ordered by period: the earliest report
    problems = []
    frame = sheet.frame
    for raw_name, excel_row in zip(frame["project_name"], frame["excel_row"], strict=True):
        earlier = first.get(project_key(raw_name) or "")
        if earlier is None:
            continue
        problems.append(
            _problem(
                "ledger_signings.repeated",
                sheet,
                excel_row,
                "project_name",
                f"项目“{raw_name}”已在{_month(earlier.period)}报表工作表「{earlier.sheet}」"
                f"第{earlier.row}行作为新签约项目填报，本期（{_month(sub.period or '')}）工作表"
                f"「{sheet.sheet}」第{excel_row}行再次填报。同一项目全年只计一次新签约。",
                "如为同一项目，请从本期新签约项目中删除；如为新一期项目，需使用自己的项目名称"
                "（如注明“二期”），并附该期的协议。",
                severities,
                str(raw_name),
            )
        )
    return problems


NOT_STARTED = {"a5": "a5.not_started", "ledger_trips": "ledger_trips.not_started"}


def _as_date(value: object) -> date | None:
    """A parsed start date: the parser gives ISO text; a date or datetime is taken as is."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _local_day(when: datetime, tz: tzinfo) -> date:
    return (when if when.tzinfo else when.replace(tzinfo=tz)).astimezone(tz).date()


def check_not_started(
    sub: Submission, sheet: ParsedSheet, tz: tzinfo, severities: Mapping[str, str]
) -> list[Problem]:
    """A trip or activity that starts after its mail was received has not happened yet."""
    rule = NOT_STARTED.get(sheet.form)
    frame = sheet.frame
    if rule is None or sub.received_at is None or "dates_start" not in frame:
        return []
    received = _local_day(sub.received_at, tz)
    problems = []
    for start, dates, excel_row in zip(
        frame["dates_start"], frame["dates"], frame["excel_row"], strict=True
    ):
        start_day = _as_date(start)
        if start_day is None or start_day <= received:
            continue  # unreadable dates are the date_range rule's to report
        problems.append(
            _problem(
                rule,
                sheet,
                excel_row,
                "dates",
                f"活动起始日期{start_day.month}月{start_day.day}日晚于本报表的收件日期"
                f"{received.month}月{received.day}日，活动尚未开展。",
                "请在活动开展后的月份报送；如起止时间填错，请更正后重新报送。",
                severities,
                dates if isinstance(dates, str) else None,
            )
        )
    return problems


def check_history(
    messages: Iterable[LandedMessage],
    submissions: list[Submission],
    prior: list[PriorReport],
    statistics: Mapping[str, Mapping[str, Decimal]],
    severities: Mapping[str, str],
    *,
    tz: tzinfo | None = None,
    signings: Iterable[PriorSigning] = (),
) -> list[Submission]:
    """Attach every cross-submission problem; `statistics` is keyed by report month.

    With `tz` (the office's time zone), trips and activities are also checked against the day
    their mail was received; `signings` are the county signings of earlier months.
    """
    earlier_signings = list(signings)
    evidence = {
        m.raw_sha256 for m in messages if any(a.kind in EVIDENCE_KINDS for a in m.attachments)
    }
    by_unit: dict[str, list[PriorReport]] = defaultdict(list)
    for report in prior:
        by_unit[report.unit].append(report)
    for sub in submissions:
        earlier = by_unit.get(sub.unit or "", [])
        for sheet in sub.sheets:
            if sheet.form == "a3" and sub.period:
                has_evidence = sub.message_sha256 in evidence
                sub.problems.extend(check_projects(sub, sheet, earlier, has_evidence, severities))
            if sheet.form == "ledger_signings" and sub.period:
                sub.problems.extend(check_signings(sub, sheet, earlier_signings, severities))
            if tz is not None:
                sub.problems.extend(check_not_started(sub, sheet, tz, severities))
        if sub.period:
            check_funds([sub], statistics.get(sub.period, {}), severities)
    return submissions


def history_for(
    engine: Engine, submissions: Iterable[Submission]
) -> tuple[list[PriorReport], dict[str, dict[str, Decimal]]]:
    """The earlier reports and the statistics a run's submissions are checked against."""
    latest: dict[int, str] = {}
    for period in {s.period for s in submissions if s.period}:
        year = int(period[:4])
        latest[year] = max(latest.get(year, period), period)
    prior = [r for year, last in latest.items() for r in prior_reports(engine, year, last)]
    periods = {s.period for s in submissions if s.period}
    return prior, {p: county_funds(engine, p) for p in periods}
