"""The notice ledger: every notice a row from pending to sent, committed as each one goes.

A run records its messages first (one transaction each), then composes the receipts of every
message whose receipts were never queued (``message.noticed_at`` NULL) from the warehouse,
so a run killed after loading, or mid-load, leaves its receipts to the next run instead of
losing them. Queuing commits the composed mails as pending and marks their messages noticed
in one transaction; sending marks each notice sent as soon as the server accepts it or its
outbox file is on disk. A crash therefore leaves each notice sent once or still pending.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from bixue.crashpoint import crash_point
from bixue.model import LandedAttachment, LandedMessage, Submission
from bixue.rules.problem import Problem
from bixue.warehouse.db import sql


@dataclass(frozen=True)
class QueuedNotice:
    """A notice ready to go: its key, the composed mail and the envelope recipients.

    The contract with render.notice: any field a Notice gains is part of the composed ``raw``
    (headers or body); the ledger only needs the key, who it is for and the bytes.
    """

    key: str
    unit: str | None
    period: str | None
    kind: str
    to: tuple[str, ...]
    subject: str
    message_id: str
    raw: bytes


@dataclass(frozen=True)
class PendingNotice:
    """A queued notice not yet sent; its mail is read only when it goes (`composed`)."""

    key: str
    to: tuple[str, ...]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def known_keys(engine: Engine) -> set[str]:
    """Keys of every notice in the ledger, pending or sent: none is queued twice."""
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(sql("select_notice_keys"))}


def queue(engine: Engine, notices: Iterable[QueuedNotice], noticed: Iterable[str]) -> int:
    """Commit the notices as pending and their messages as noticed, all in one transaction."""
    stamp = _now()
    rows = [
        {
            "key": n.key,
            "unit": n.unit,
            "period": n.period,
            "kind": n.kind,
            "recipients": ",".join(n.to),
            "subject": n.subject,
            "message_id": n.message_id,
            "raw": n.raw,
            "queued_at": stamp,
        }
        for n in notices
    ]
    marks = [{"raw_sha256": digest, "noticed_at": stamp} for digest in noticed]
    with engine.begin() as conn:
        if rows:
            conn.execute(sql("notice_queue"), rows)
        if marks:
            conn.execute(sql("message_mark_noticed"), marks)
    return len(rows)


def pending(engine: Engine) -> list[PendingNotice]:
    """Every notice queued and not yet sent, oldest first (this run's and earlier runs')."""
    with engine.connect() as conn:
        rows = conn.execute(sql("notice_select_pending")).all()
    return [PendingNotice(key, tuple(to.split(","))) for key, to in rows]


def owed(engine: Engine) -> bool:
    """Whether any receipt is still owed: a recorded message never answered, or a notice
    queued and not yet sent (a run stopped part-way). An idle intake ends early without."""
    with engine.connect() as conn:
        unanswered = conn.execute(sql("notice_unnoticed_messages")).first()
        return (
            unanswered is not None or conn.execute(sql("notice_select_pending")).first() is not None
        )


def composed(engine: Engine, key: str) -> bytes | None:
    """The mail of one pending notice (one at a time: a month's mails never all in memory)."""
    with engine.connect() as conn:
        raw = conn.execute(sql("notice_select_raw"), {"key": key}).scalar_one_or_none()
    return None if raw is None else bytes(raw)


def mark_sent(engine: Engine, key: str, ref: str) -> None:
    """The server accepted it, or its file is on disk: committed before the next one goes."""
    with engine.begin() as conn:
        conn.execute(sql("notice_mark_sent"), {"key": key, "ref": ref, "sent_at": _now()})


def mark_failed(engine: Engine, key: str, error: str) -> None:
    """A failed try: still pending, with the reason for the office."""
    with engine.begin() as conn:
        conn.execute(sql("notice_mark_failed"), {"key": key, "error": error[:2000]})


def sheets_json(sub: Submission) -> str:
    """The forms, sheets and row counts of a submission, as its receipt names them."""
    return json.dumps(
        [{"form": s.form, "sheet": s.sheet, "rows": s.rows} for s in sub.sheets],
        ensure_ascii=False,
    )


def unnoticed(engine: Engine) -> tuple[list[LandedMessage], list[Submission]]:
    """Recorded messages whose receipts were never queued, with their submissions.

    Rebuilt from the warehouse as the run that recorded them held them (rows let go, counts
    kept), so their receipts come out as an uninterrupted run would have written them.
    """
    crash_point("after-load")

    with engine.connect() as conn:
        message_rows = conn.execute(sql("notice_unnoticed_messages")).mappings().all()
        attachment_rows = conn.execute(sql("notice_attachments_of_unnoticed")).mappings().all()
        submission_rows = conn.execute(sql("notice_unnoticed_submissions")).mappings().all()
        problem_rows = conn.execute(sql("notice_unnoticed_problems")).mappings().all()
    attachments: dict[str, list[LandedAttachment]] = defaultdict(list)
    for a in attachment_rows:
        attachments[a["message_sha256"]].append(_attachment(a))
    messages = [
        LandedMessage(
            source_key=m["source_key"] or "",
            raw_sha256=m["raw_sha256"],
            raw_path=m["raw_path"],
            message_id=m["message_id"],
            sender=m["sender"],
            sender_problem=None,
            display_from=m["display_from"] or "",
            subject=m["subject"] or "",
            sent_at=_moment(m["sent_at"]),
            received_at=_moment(m["received_at"]),
            auto_reply=False,
            attachments=attachments.get(m["raw_sha256"], []),
            unit=m["unit"],
            state=m["state"],
            reasons=json.loads(m["reasons"] or "[]"),
        )
        for m in message_rows
    ]
    problems: dict[str, list[Problem]] = defaultdict(list)
    for p in problem_rows:
        problems[p["submission_id"]].append(
            Problem(
                rule=p["rule"],
                message=p["message"],
                severity=p["severity"],
                sheet=p["sheet"],
                row=p["row"],
                column=p["col"],
                header=p["header"],
                value=p["value"],
                fix=p["fix"],
                item=p["item"],
            )
        )
    submissions = []
    if submission_rows:  # pandas: only for mail to answer, never in read-only cli or idle runs
        from bixue.forms.parse import ParsedSheet
    for s in submission_rows:
        sheets = [
            ParsedSheet(form=d["form"], sheet=d["sheet"], frame=_empty(), columns={})
            for d in json.loads(s["sheets"] or "[]")
        ]
        for sheet, d in zip(sheets, json.loads(s["sheets"] or "[]"), strict=True):
            sheet.released_rows = int(d["rows"])
        submissions.append(
            Submission(
                id=s["id"],
                message_sha256=s["message_sha256"],
                attachment=_attachment(s),
                unit=s["unit"],
                sender=s["sender"],
                workbook=s["workbook"],
                period=s["period"],
                received_at=_moment(s["received_at"]),
                late=bool(s["late"]),
                sheets=sheets,
                problems=problems.get(s["id"], []),
                version=int(s["version"]),
            )
        )
    return messages, submissions


def _attachment(row: Any) -> LandedAttachment:
    return LandedAttachment(
        sha256=row["sha256"],
        filename=row["filename"],
        name_flagged=bool(row["name_flagged"]),
        kind=row["kind"],
        size=int(row["size"]),
        stored_path=row["stored_path"],
        origin=row["origin"] or "",
    )


def _empty() -> Any:
    import pandas as pd

    return pd.DataFrame()
