"""Rules across submissions: what a report says against the same unit's earlier reports."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from difflib import SequenceMatcher

from sqlalchemy import Engine

from bixue.forms.derive import PREFECTURE_PLACES, project_key
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


@dataclass(frozen=True)
class Document:
    """A file (意向书, 协议, ...) a unit sent with a mail, and the report month of that mail."""

    unit: str
    period: str  # the month of the mail's forms; a mail without forms: the month it arrived
    filename: str
    message_sha256: str


@dataclass(frozen=True)
class Evidence:
    """The documents a submission's new projects may be matched against."""

    year: tuple[Document, ...] = ()  # the unit's documents of the year up to the report month
    month: tuple[Document, ...] = ()  # of those, the ones sent for the same report month

    @classmethod
    def of(cls, documents: Iterable[Document], unit: str | None, period: str) -> Evidence:
        mine = [d for d in documents if d.unit == unit and period[:4] <= d.period <= period]
        return cls(tuple(mine), tuple(d for d in mine if d.period == period))


# Words a file name adds to the project's name: what kind of document it is, its state.
_DOC_WORDS = re.compile(
    r"投资建议书|建议书|意向书|意向协议|框架协议|合作协议|投资协议|正式协议|协议书|协议|合同"
    r"|签约|扫描件|复印件|盖章版|定稿|终稿|最终版|项目|附件\d*"
)
_PUNCT = re.compile(r"[\s()（）《》〈〉【】\[\]{}_\-—–·.,，、:：;；\"'“”‘’!！?？#+]+")


# The unit's own place is in many project names but seldom in the file names of their documents.
_PLACES = re.compile("(?:" + "|".join(PREFECTURE_PLACES) + ")(?:彝族自治州|州|市|县)?")


def _core(text: str) -> str:
    """A name as matched: no punctuation, no document words, no prefecture place names."""
    return _PLACES.sub("", _DOC_WORDS.sub("", _PUNCT.sub("", norm(text).lower())))


_PLACE = re.compile("|".join(PREFECTURE_PLACES))
# A figure with what it counts (年产30万吨, 2GW): the same words with another figure are another
# project, however much of the name they share.
_FIGURE = re.compile(r"(\d+(?:\.\d+)?)(\D)")


def _contradicts(file: str, project: str) -> bool:
    """A file naming another place or another figure of the same kind is another project's."""
    places = set(_PLACE.findall(project))
    if places and set(_PLACE.findall(file)) - places:
        return True
    figures = set(_FIGURE.findall(project))
    kinds = {kind for _, kind in figures}
    return any(f not in figures and f[1] in kinds for f in _FIGURE.findall(file))


def names_project(filename: str, project: str) -> bool:
    """Whether a document's file name names the project (normalised; most of the name will do)."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    name, file = _core(project), _core(stem)
    if not name or not file or _contradicts(norm(stem), norm(project)):
        return False
    if name in file:
        return True
    match = SequenceMatcher(None, name, file, autojunk=False).find_longest_match()
    return match.size >= max(4, math.ceil(0.6 * len(name)))


def documents_of(
    messages: Iterable[LandedMessage], submissions: Iterable[Submission]
) -> list[Document]:
    """The evidence documents of this batch's mail, each with its mail's report month."""
    periods: dict[str, str] = {}
    for sub in submissions:
        if sub.period:
            periods[sub.message_sha256] = min(
                periods.get(sub.message_sha256, sub.period), sub.period
            )
    found = []
    for msg in messages:
        period = periods.get(msg.raw_sha256) or (
            msg.received_at.isoformat()[:7] if msg.received_at else None
        )
        if not (msg.unit and period):
            continue
        found += [
            Document(msg.unit, period, a.filename, msg.raw_sha256)
            for a in msg.attachments
            if a.kind in EVIDENCE_KINDS
        ]
    return found


def prior_documents(engine: Engine, year: int, period: str) -> list[Document]:
    """The evidence documents of the year's recorded mail up to the report month."""
    with engine.connect() as conn:
        rows = conn.execute(
            sql("history_evidence_documents"),
            {"first_period": f"{year:04d}-01", "period": period, "next_year": f"{year + 1:04d}"},
        ).mappings()
        return [
            Document(r["unit"], r["period"] or str(r["received_at"])[:7], r["filename"], r["sha"])
            for r in rows
            if r["kind"] in EVIDENCE_KINDS and (r["period"] or r["received_at"])
        ]


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
    evidence: Evidence,
    severities: Mapping[str, str],
) -> list[Problem]:
    """First reports need their documents; stages never go back; projects do not vanish.

    A new 在谈/已签约 project needs a document of its own: one whose file name names it, sent
    this year with any version or mail. Without one, documents of the same month that name no
    project of the report are listed for the office to confirm; with none, it is missing.
    """
    earlier = [p for p in prior if p.unit == sub.unit and sub.period and p.period < sub.period]
    seen = {p.project for p in earlier}
    last_period = max((p.period for p in earlier), default=None)
    last = {p.project: p.stage for p in earlier if p.period == last_period}
    problems: list[Problem] = []
    present = set()
    frame = sheet.frame
    keys = frame["project_key"] if "project_key" in frame else [None] * len(frame)
    names = [str(n) for n in frame["project_name"] if isinstance(n, str) and n.strip()]
    unnamed = sorted(
        {d.filename for d in evidence.month if not any(names_project(d.filename, n) for n in names)}
    )
    for key, raw_name, stage, excel_row in zip(
        keys, frame["project_name"], frame["stage"], frame["excel_row"], strict=True
    ):
        # the key derive() stored; a frame built without it is keyed here the same way
        name = key or project_key(raw_name) or ""
        present.add(name)
        if name and name not in seen and stage in EVIDENCE:
            title = str(raw_name)
            if any(names_project(d.filename, title) for d in evidence.year):
                pass  # its own document came with this or an earlier mail of the year
            elif unnamed:
                files = "、".join(f"“{f}”" for f in unnamed)
                problems.append(
                    _problem(
                        "a3.evidence_unconfirmed",
                        sheet,
                        excel_row,
                        "stage",
                        f"{EVIDENCE[stage]}本月收到的文件{files}的文件名中没有该项目名称，"
                        "已列出待人工核实。",
                        "今后请按项目命名文件（如“××项目投资协议.pdf”）；如已发送，无需重新报送。",
                        severities,
                        stage,
                    )
                )
            else:
                problems.append(
                    _problem(
                        "a3.evidence_missing",
                        sheet,
                        excel_row,
                        "stage",
                        EVIDENCE[stage],
                        "请将相关文件作为附件随报表一并发送（PDF、Word、PPT或图片均可），"
                        "文件名请包含项目名称。",
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
    documents: Iterable[Document] = (),
    *,
    tz: tzinfo | None = None,
    signings: Iterable[PriorSigning] = (),
) -> list[Submission]:
    """Attach every cross-submission problem; `statistics` is keyed by report month.

    `documents` are those of earlier recorded mail (prior_documents); this batch's own are
    added here. With `tz` (the office's time zone), trips and activities are also checked
    against the day their mail was received; `signings` are the county signings of earlier
    months.
    """
    earlier_signings = list(signings)
    messages = list(messages)
    known = {(d.message_sha256, d.filename) for d in documents}
    batch = [
        d
        for d in documents_of(messages, submissions)
        if (d.message_sha256, d.filename) not in known
    ]
    everything = [*documents, *batch]
    by_unit: dict[str, list[PriorReport]] = defaultdict(list)
    for report in prior:
        by_unit[report.unit].append(report)
    for sub in submissions:
        earlier = by_unit.get(sub.unit or "", [])
        for sheet in sub.sheets:
            if sheet.form == "a3" and sub.period:
                evidence = Evidence.of(everything, sub.unit, sub.period)
                sub.problems.extend(check_projects(sub, sheet, earlier, evidence, severities))
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


def documents_for(engine: Engine, submissions: Iterable[Submission]) -> list[Document]:
    """The evidence documents of earlier recorded mail that a run's 附件3 reports may cite."""
    latest: dict[int, str] = {}
    for period in {s.period for s in submissions if s.period}:
        year = int(period[:4])
        latest[year] = max(latest.get(year, period), period)
    return [d for year, last in latest.items() for d in prior_documents(engine, year, last)]
