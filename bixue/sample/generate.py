"""A deterministic sample year of submissions, mailed into a Maildir, with known faults.

The office's pipeline is exercised end to end on it: every unit mails its workbooks every month,
and a few messages are late, resubmitted or carry exactly one known error. `SampleYear` says
which, down to the Excel cell, so tests can check that the pipeline finds exactly those.
"""

from __future__ import annotations

import copy
import hashlib
import mailbox
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from bixue.config import Settings, Unit
from bixue.forms.spec import FORMS, WORKBOOK_NAMES, WORKBOOKS
from bixue.forms.templates import render_workbook, sheet_layout
from bixue.sample.mail import NAME_ENCODINGS, build_message, evidence_name, evidence_pdf
from bixue.sample.model import Record, SampleWorld, rng_for, unit_workbooks

__all__ = ["SampleYear", "build_message", "generate_year"]

# Units whose clerks write a registered alias, not the official name, on the 填报单位 line.
ALIAS_WRITERS = ("楚雄高新区", "市场化招商平台（州国有资本投资集团有限公司）")
OFFICE_HOURS = (8, 9, 10, 11, 14, 15, 16, 17)
LATE_COUNT = 3
# Share of unit-months whose 附件3 mail forgets the new projects' documents (a warning each).
EVIDENCE_FORGOTTEN = 0.15


@dataclass
class SampleYear:
    """What was mailed, and the deliberate irregularities a correct pipeline must report."""

    messages: list[Path]
    faulty: list[dict] = field(default_factory=list)
    late: list[dict] = field(default_factory=list)
    resubmitted: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class FaultKind:
    """One kind of single-cell error a clerk makes, and whether they send a fix later."""

    rule: str
    category: str
    workbook: str
    form: str
    column: str
    value: object
    resubmit: bool


FAULT_KINDS = (
    FaultKind("required", "group", "a3", "a3", "project_name", None, resubmit=True),
    FaultKind("number", "county", "a3", "a3", "investment_yi", "约五亿", resubmit=False),
    FaultKind("investment_min", "group", "a3", "a3", "investment_yi", 3, resubmit=False),
    FaultKind("stage_in_set", "county", "a3", "a3", "stage", "洽谈中", resubmit=True),
    FaultKind(
        "site_in_set", "county", "ledger", "ledger_signings", "site", "昆明市", resubmit=False
    ),
)


@dataclass(frozen=True)
class PlannedFault:
    kind: FaultKind
    index: int  # 0-based data record in the sheet


@dataclass
class Plan:
    """The year's irregularities, fixed for all twelve months whatever `months` is generated."""

    faults: dict[tuple[str, int, str], PlannedFault] = field(default_factory=dict)
    # (unit, month, workbook): the first version leaves out the last record, the resend adds it.
    omissions: set[tuple[str, int, str]] = field(default_factory=set)
    late: set[tuple[str, int]] = field(default_factory=set)

    @property
    def resubmissions(self) -> set[tuple[str, int, str]]:
        fixed = {key for key, fault in self.faults.items() if fault.kind.resubmit}
        return fixed | self.omissions

    def busy(self) -> set[tuple[str, int]]:
        return {(u, m) for u, m, _ in [*self.faults, *self.omissions]} | self.late


@dataclass
class Outgoing:
    """One e-mail before encoding, with the workbooks it carries."""

    sent_at: datetime
    sender: str
    subject: str
    body: str
    encoding: str
    attachments: list[tuple[str, bytes]]
    carries: list[tuple[str, int, str]]  # (unit, month, workbook)
    resubmission: bool = False


def make_plan(world: SampleWorld, seed: int) -> Plan:
    """Choose who errs, who resends and who is late; every choice hits a distinct unit-month."""
    rng = rng_for(seed, "plan")
    units = list(world.settings.units)
    plan = Plan()
    used: set[tuple[str, int]] = set()
    for kind, month in zip(FAULT_KINDS, rng.sample(range(2, 13), len(FAULT_KINDS)), strict=True):
        candidates = [
            u.name
            for u in units
            if u.category == kind.category
            and kind.workbook in unit_workbooks(u)
            and (u.name, month) not in used
        ]
        rng.shuffle(candidates)
        for unit in candidates:
            records = world.rows(unit, kind.workbook, month)[kind.form]
            if records:
                plan.faults[unit, month, kind.workbook] = PlannedFault(
                    kind, rng.randrange(len(records))
                )
                used.add((unit, month))
                break
    pairs = [(u.name, m) for u in units if u.category == "county" for m in range(2, 13)]
    rng.shuffle(pairs)
    for unit, month in pairs:
        if (unit, month) not in used and len(world.signings(unit, month)) >= 2:
            plan.omissions.add((unit, month, "ledger"))
            used.add((unit, month))
            break
    for category in ("county", "group", None)[:LATE_COUNT]:
        pairs = [
            (u.name, m)
            for u in units
            for m in range(1, 13)
            if (u.name, m) not in used and category in (None, u.category)
        ]
        if pairs:
            pick = rng.choice(pairs)
            plan.late.add(pick)
            used.add(pick)
    return plan


def _submitter_line(unit: Unit) -> str:
    return unit.aliases[0] if unit.name in ALIAS_WRITERS and unit.aliases else unit.name


def _display_name(name: str, aliases: tuple[str, ...] = ()) -> str:
    """The mail account's display name: long official names are shortened to an alias."""
    return aliases[0] if len(name) > 12 and aliases else name


def _short_name(workbook: str) -> str:
    """附件3：5亿元以上…月报表 -> 5亿元以上…月报表 (for subjects)."""
    return WORKBOOK_NAMES[workbook].split("：", 1)[-1]


def _cn_date(when: datetime) -> str:
    return f"{when.year}年{when.month}月{when.day}日"


def _at(rng: random.Random, year: int, month: int, day: int, tz: tzinfo) -> datetime:
    return datetime(
        year, month, day, rng.choice(OFFICE_HOURS), rng.randrange(60), rng.randrange(60), tzinfo=tz
    )


class YearWriter:
    """Turns the world and the plan into outgoing messages, month by month."""

    def __init__(self, settings: Settings, world: SampleWorld, plan: Plan, seed: int) -> None:
        self.settings, self.world, self.plan, self.seed = settings, world, plan, seed
        self.year = world.year
        self.faulty: list[dict] = []
        self.late: list[dict] = []
        self.resubmitted: list[dict] = []

    def records(
        self, unit: str, month: int, workbook: str, *, first_version: bool
    ) -> dict[str, list[Record]]:
        """A workbook's sheets; the first version carries the planned fault or omission."""
        rows = self.world.rows(unit, workbook, month)
        key = (unit, month, workbook)
        if not first_version:
            return rows
        if key in self.plan.faults:
            fault = self.plan.faults[key]
            rows = copy.deepcopy(rows)
            rows[fault.kind.form][fault.index][fault.kind.column] = fault.kind.value
        if key in self.plan.omissions:
            rows = {form: list(records) for form, records in rows.items()}
            rows["ledger_signings"] = rows["ledger_signings"][:-1]
        return rows

    def attachment(
        self,
        unit: Unit,
        month: int,
        workbook: str,
        sent_at: datetime,
        *,
        first_version: bool = True,
    ) -> tuple[str, bytes]:
        rows = self.records(unit.name, month, workbook, first_version=first_version)
        stamp = sent_at.replace(tzinfo=None) - timedelta(minutes=25)
        data = render_workbook(
            workbook,
            year=self.year,
            month=month,
            unit=_submitter_line(unit),
            rows=rows,
            stamp=stamp,
        )
        return f"{WORKBOOK_NAMES[workbook]}（{unit.name}{self.year}年{month}月）.xlsx", data

    def sends_evidence(self, unit: Unit, month: int) -> bool:
        """Whether the 附件3 mail carries its new projects' documents: most units remember."""
        if not self.world.new_projects(unit.name, month):
            return False
        return rng_for(self.seed, "evidence", unit.name, month).random() >= EVIDENCE_FORGOTTEN

    def unit_month(self, index: int, unit: Unit, month: int) -> list[Outgoing]:
        """A unit's mail for a month: one bundled message or one per workbook, plus resends."""
        books = unit_workbooks(unit)
        rng = rng_for(self.seed, "send", unit.name, month)
        late = (unit.name, month) in self.plan.late
        resends = [b for b in books if (unit.name, month, b) in self.plan.resubmissions]
        day = rng.randint(21, 25) if late else self.world.report_day(unit.name, month)
        last_day = 25 if late else self.settings.deadline_day
        bundled = index % 2 == 0
        groups = [list(books)] if bundled else [[b] for b in books]
        encoding = NAME_ENCODINGS[index % len(NAME_ENCODINGS)]
        sender = f"{_display_name(unit.name, unit.aliases)} <{unit.senders[0]}>"
        out: list[Outgoing] = []
        for group in groups:
            sent_at = _at(rng, self.year, month, min(day, last_day), self.settings.tz)
            day += rng.choice((0, 0, 1))
            subject = (
                f"{unit.name}{self.year}年{month}月招商引资报表"
                if bundled
                else f"{unit.name}{self.year}年1—{month}月{_short_name(group[0])}"
            )
            what = "招商引资报表" if bundled else _short_name(group[0])
            body = (
                f"州重点产业招商专班办公室：\n    现报送我单位{self.year}年1—{month}月{what}，"
                f"请查收。\n"
            )
            if late:
                body += "    因工作安排，报表延迟报送，敬请谅解。\n"
            body += f"\n{unit.name}\n{_cn_date(sent_at)}\n"
            attachments = [self.attachment(unit, month, b, sent_at) for b in group]
            if "a3" in group and self.sends_evidence(unit, month):
                for name, stage in self.world.new_projects(unit.name, month):
                    document = evidence_name(name, stage)
                    attachments.append((document, evidence_pdf(document)))
            out.append(
                Outgoing(
                    sent_at,
                    sender,
                    subject,
                    body,
                    encoding,
                    attachments,
                    [(unit.name, month, b) for b in group],
                )
            )
        for book in resends:
            first = next(o for o in out if (unit.name, month, book) in o.carries)
            sent_at = _at(
                rng, self.year, month, first.sent_at.day + rng.randint(1, 2), self.settings.tz
            )
            name = _short_name(book)
            body = (
                f"州重点产业招商专班办公室：\n    前报{self.year}年1—{month}月{name}有误，"
                f"现更正后重新报送，请以本次为准。\n\n{unit.name}\n{_cn_date(sent_at)}\n"
            )
            out.append(
                Outgoing(
                    sent_at,
                    sender,
                    f"（更正）{unit.name}{self.year}年1—{month}月{name}",
                    body,
                    encoding,
                    [self.attachment(unit, month, book, sent_at, first_version=False)],
                    [(unit.name, month, book)],
                    resubmission=True,
                )
            )
        return out

    def provider_month(self, month: int) -> list[Outgoing]:
        """The statistics office's figures: both tables together in odd months, apart in even."""
        providers = self.settings.registry.providers
        if not providers:
            return []
        provider = providers[0]
        rng = rng_for(self.seed, "send", provider.name, month)
        books = [b for b in provider.forms if b in WORKBOOKS]
        groups = [books] if month % 2 else [[b] for b in books]
        out: list[Outgoing] = []
        for group in groups:
            sent_at = _at(rng, self.year, month, rng.randint(10, 15), self.settings.tz)
            period = f"{self.year}年1—{month}月"
            attachments = []
            for book in group:
                data = render_workbook(
                    book,
                    year=self.year,
                    month=month,
                    unit=provider.name,
                    rows=self.world.rows(provider.name, book, month),
                    stamp=sent_at.replace(tzinfo=None) - timedelta(hours=1),
                )
                attachments.append((f"{WORKBOOK_NAMES[book]}（{period}）.xlsx", data))
            what = "国内合作及实际利用外资统计数据" if len(group) > 1 else _short_name(group[0])
            body = (
                f"州重点产业招商专班办公室：\n    现报送{period}{what}，请查收。\n\n"
                f"{provider.name}\n{_cn_date(sent_at)}\n"
            )
            out.append(
                Outgoing(
                    sent_at,
                    f"{provider.name} <{provider.senders[0]}>",
                    f"{period}{what}",
                    body,
                    "rfc2047-utf8",
                    attachments,
                    [(provider.name, month, b) for b in group],
                )
            )
        return out

    def record(self, message: Outgoing, path: Path) -> None:
        """Note the irregularities a written message carries."""
        for unit, month, book in message.carries:
            key = (unit, month, book)
            if message.resubmission:
                self.resubmitted.append(
                    {"unit": unit, "month": month, "workbook": book, "message_file": path.name}
                )
                continue
            if (unit, month) in self.plan.late:
                self.late.append(
                    {"unit": unit, "month": month, "workbook": book, "sent_at": message.sent_at}
                )
            if key in self.plan.faults:
                fault = self.plan.faults[key]
                spec = FORMS[fault.kind.form]
                self.faulty.append(
                    {
                        "unit": unit,
                        "month": month,
                        "workbook": book,
                        "sheet": spec.sheet,
                        "form": spec.key,
                        "row": sheet_layout(spec).data_row(fault.index),
                        "column": fault.kind.column,
                        "rule": fault.kind.rule,
                        "message_file": path.name,
                        "value": fault.kind.value,
                    }
                )


def _deliver(md: mailbox.Maildir, root: Path, message: Outgoing, to: str) -> Path:
    """Add to the Maildir, then give the file a reproducible name and the send time as mtime."""
    data = build_message(
        sender=message.sender,
        to=to,
        subject=message.subject,
        sent_at=message.sent_at,
        attachments=message.attachments,
        body=message.body,
        name_encoding=message.encoding,
    )
    key = md.add(data)
    digest = hashlib.sha1(data).hexdigest()[:16]
    target = root / "new" / f"{int(message.sent_at.timestamp())}.{digest}.eml"
    os.replace(root / "new" / key, target)
    stamp = message.sent_at.timestamp()
    os.utime(target, (stamp, stamp))
    return target


def generate_year(
    maildir: Path,
    settings: Settings,
    *,
    year: int = 2023,
    seed: int = 2023,
    months: Iterable[int] = range(1, 13),
) -> SampleYear:
    """Mail a year of submissions into `maildir`; the same seed gives byte-identical mail.

    The plan of faults, late and resubmitted mail covers the whole year, so generating some
    months gives exactly those months of the full year. `message_file` entries are file names
    inside `maildir/new`.
    """
    root = Path(maildir)
    root.parent.mkdir(parents=True, exist_ok=True)
    md = mailbox.Maildir(root, create=True)
    world = SampleWorld(settings, year, seed)
    plan = make_plan(world, seed)
    writer = YearWriter(settings, world, plan, seed)
    outgoing: list[Outgoing] = []
    for month in sorted({m for m in months if 1 <= m <= 12}):
        for index, unit in enumerate(settings.units):
            outgoing.extend(writer.unit_month(index, unit, month))
        outgoing.extend(writer.provider_month(month))
    outgoing.sort(key=lambda o: (o.sent_at, o.sender, o.subject))
    paths: list[Path] = []
    for message in outgoing:
        path = _deliver(md, root, message, settings.office_address)
        writer.record(message, path)
        paths.append(path)
    return SampleYear(paths, writer.faulty, writer.late, writer.resubmitted)
