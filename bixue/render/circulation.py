"""Circulating a period's results (通报): render from the recorded scoring, preview or lock and
send, each recipient exactly once through the send ledger (score_send).

The ledger row of a recipient is written pending before the server is asked and sent as soon
as it accepted (each its own commit); a failure (refused recipient, dropped connection, any
SMTP error) is recorded failed and retried by the next run; a recipient already sent is never
sent again for the same version. The office is told of every failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.crashpoint import crash_point
from bixue.mail.outbox import Outbox, OutgoingMail, SmtpMailer, compose, open_mailer
from bixue.render.commentary import Commentary, commentary
from bixue.render.distribution import load_distribution
from bixue.render.results_book import BookInfo, attachment_name, build_workbook
from bixue.render.results_mail import ResultsMail, build_mails, mail_key, with_inline_chart
from bixue.runlock import ensure_held
from bixue.scoring import audit
from bixue.scoring.model import PeriodScores, ScoringError, parse_period
from bixue.scoring.rules import load_rules
from bixue.scoring.versions import basis_note, gaps_note, version_label
from bixue.warehouse.db import sql


@dataclass(frozen=True)
class Bundle:
    """Everything one circulation sends: the version, its workbook, commentary and mails."""

    period: str
    number: int | None  # 第N版; None for a preview of a draft
    replaces: int | None
    run: audit.Run
    scores: PeriodScores
    comment: Commentary
    workbook_name: str
    workbook: bytes
    mails: tuple[ResultsMail, ...]
    date: datetime


@dataclass
class SendReport:
    """What a send did: newly sent, already sent before, and failed (recipient -> error)."""

    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def report_months(period: str) -> tuple[list[str], list[str]]:
    """The report months of the year so far, and those of the period itself ("2023-04")."""
    p = parse_period(period)
    end = 12 if p.quarter is None else 3 * p.quarter
    start = 1 if p.quarter is None else end - 2
    so_far = [f"{p.year}-{m:02d}" for m in range(1, end + 1)]
    return so_far, so_far[start - 1 :]


def _months(engine: Engine, settings: Settings, months: list[str]) -> dict[str, list[Any]]:
    from bixue.warehouse.status import month_status

    return {m: month_status(engine, settings, m) for m in months}


def _previous(engine: Engine, period: str) -> PeriodScores | None:
    """The previous quarter's scoring the year would use (newest circulated, else draft); for
    the year, the third quarter's."""
    p = parse_period(period)
    if p.quarter == 1:
        return None
    prev = f"{p.year}Q{3 if p.quarter is None else p.quarter - 1}"
    with engine.connect() as conn:
        run = audit.basis_run(conn, prev)
    return None if run is None else audit.load(engine, prev, run.version)[1]


def bundle(
    engine: Engine,
    settings: Settings,
    period: str,
    *,
    number: int | None,
    now: datetime | None = None,
) -> Bundle:
    """Render a recorded scoring: circulated 第`number`版, or the newest draft when None."""
    if number is None:
        run, scores = audit.load(engine, period)
    else:
        run, scores = audit.load(engine, period, circulated=number)
    try:
        rules = load_rules(settings.config_dir, parse_period(period).year)
    except Exception:  # labels fall back to keys; the numbers come from the audit alone
        rules = None
    when = now or datetime.now(UTC)
    if number is not None and run.circulated_at:
        when = datetime.fromisoformat(run.circulated_at)  # re-rendering gives the same bytes
    local = when.astimezone(settings.tz)
    replaces = number - 1 if number and number > 1 else None
    notes = tuple(n for n in (gaps_note(run), basis_note(run)) if n)
    so_far, own = report_months(period)
    months = _months(engine, settings, so_far)
    comment = commentary(scores, rules, _previous(engine, period), {m: months[m] for m in own})
    info = BookInfo(
        period=period,
        label=version_label(run),
        rules_version=run.rules_version,
        generated_at=local.strftime("%Y-%m-%d %H:%M"),
        notes=notes,
        replaces=replaces,
        gate_ran=run.gaps is not None,
    )
    name = attachment_name(period)
    workbook = build_workbook(scores, rules, info, comment, months)
    distribution = load_distribution(settings)
    mails = build_mails(
        scores,
        rules,
        comment,
        number=number,
        replaces=replaces,
        notes=notes,
        general_to=[*distribution.leaders, *distribution.office],
        units_to=distribution.units,
        workbook=(name, workbook),
        sign=settings.office_name,
    )
    return Bundle(
        period, number, replaces, run, scores, comment, name, workbook, tuple(mails), local
    )


def raw_message(settings: Settings, b: Bundle, mail: ResultsMail) -> tuple[str, bytes]:
    """The key and exact bytes of one mail (the same bundle composes the same bytes)."""
    key = mail_key(b.period, b.number, mail.recipient)
    outgoing = OutgoingMail(
        key=key,
        to=(mail.recipient,),
        subject=mail.subject,
        body=mail.text,
        attachments=mail.attachments,
        date=b.date,
        html=mail.html,
    )
    raw = compose(outgoing, settings.office_address, settings.office_name)
    return key, with_inline_chart(raw, mail.chart)


def write_preview(settings: Settings, b: Bundle) -> Path:
    """<home>/preview/<period>/: the workbook and every mail as .eml; nothing is sent."""
    folder = settings.home / "preview" / b.period
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / b.workbook_name).write_bytes(b.workbook)
    for mail in b.mails:
        key, raw = raw_message(settings, b, mail)
        (folder / f"{key}.eml").write_bytes(raw)
    return folder


def _deliver(mailer: Outbox | SmtpMailer, key: str, recipient: str, raw: bytes) -> str:
    """One composed message to one address, through the configured mailer; its Message-ID."""
    mailer.send_raw(key, (recipient,), raw)
    return mailer.message_id(key)


def ledger(engine: Engine, period: str, number: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        found = conn.execute(sql("score_send_select"), {"period": period, "number": number})
        return [dict(r) for r in found.mappings()]


def _record(engine: Engine, row: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(sql("score_send_upsert"), row)


def send(
    engine: Engine, settings: Settings, b: Bundle, mailer: Outbox | SmtpMailer | None = None
) -> SendReport:
    """Send every mail of a circulated version not yet sent; each row committed as it goes."""
    assert b.number is not None, "a preview is never sent"
    mailer = mailer or open_mailer(settings)
    report = SendReport()
    earlier = ledger(engine, b.period, b.number)
    done = {r["recipient"] for r in earlier if r["state"] == "sent"}
    attempts = {(r["recipient"], r["content_sha256"]): int(r["attempts"]) for r in earlier}
    for mail in b.mails:
        if mail.recipient in done:
            report.skipped.append(mail.recipient)
            continue
        key, raw = raw_message(settings, b, mail)
        digest = hashlib.sha256(raw).hexdigest()
        row = {
            "period": b.period,
            "number": b.number,
            "recipient": mail.recipient,
            "content_sha256": digest,
            "unit": mail.unit,
            "state": "pending",
            "attempts": attempts.get((mail.recipient, digest), 0) + 1,
            "message_id": None,
            "error": None,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        ensure_held()  # a lock lost with its database session: another run may be sending
        _record(engine, row)
        try:
            ref = _deliver(mailer, key, mail.recipient, raw)
        except (smtplib.SMTPException, OSError) as exc:
            error = _error_zh(exc)
            _record(engine, {**row, "state": "failed", "error": error})
            report.failed[mail.recipient] = error
            continue
        _record(engine, {**row, "state": "sent", "message_id": ref})
        done.add(mail.recipient)
        report.sent.append(mail.recipient)
        crash_point("mid-circulate")
    if report.failed:
        _tell_office(settings, b, report, mailer)
    return report


def _error_zh(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = "；".join(f"{a}：{c} {m!r}" for a, (c, m) in exc.recipients.items())
        return f"邮件服务器拒收：{codes}"
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
        return f"与邮件服务器的连接中断：{exc}"
    return f"发送失败：{type(exc).__name__} {exc}"


def _tell_office(
    settings: Settings, b: Bundle, report: SendReport, mailer: Outbox | SmtpMailer
) -> None:
    """The office learns of every failure; its mail is best effort (the ledger keeps the truth)."""
    lines = [
        f"{b.period} 第{b.number}版通报有 {len(report.failed)} 个收件地址发送失败，"
        "重新运行 bixue circulate 将只补发这些地址：",
        *(f"  - {a}：{e}" for a, e in report.failed.items()),
    ]
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]
    key = f"results-{b.period.lower()}-v{b.number}-failed-{digest}"
    office = settings.office_address
    raw = compose(
        OutgoingMail(
            key=key,
            to=(office,),
            subject=f"通报发送失败：{b.period} 第{b.number}版",
            body="\n".join(lines) + "\n",
        ),
        office,
        settings.office_name,
    )
    with contextlib.suppress(smtplib.SMTPException, OSError):
        _deliver(mailer, key, office, raw)


@dataclass(frozen=True)
class Outcome:
    """What `circulate` did, for the command and the flow to print."""

    bundle: Bundle
    preview: Path | None = None
    report: SendReport | None = None


def circulate(
    engine: Engine,
    settings: Settings,
    period: str,
    *,
    preview: bool = False,
    force: bool = False,
    now: datetime | None = None,
) -> Outcome:
    """Preview the newest draft, or lock it as 第N版 (circulate_version) and send it."""
    from bixue.scoring.service import circulate_version

    if preview:
        b = bundle(engine, settings, period, number=None, now=now)
        return Outcome(b, preview=write_preview(settings, b))
    number = circulate_version(engine, settings, period, force=force)
    b = bundle(engine, settings, period, number=number, now=now)
    return Outcome(b, report=send(engine, settings, b))


__all__ = ["Bundle", "Outcome", "ScoringError", "SendReport", "bundle", "circulate", "send"]
