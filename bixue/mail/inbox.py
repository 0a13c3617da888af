"""The office's view of a month's mail: every message with its one recorded state and why.

Prefect-free and GX-free on purpose: `bixue inbox` must start fast on the office's machine.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.mail.message import parse_message
from bixue.textwidth import clip, clip_name
from bixue.warehouse.db import sql

EVIDENCE_KINDS = frozenset({"pdf", "doc", "docx", "ppt", "pptx", "image"})
STATE_ZH = {
    "accepted": "受理",
    "rejected": "未通过",
    "quarantined": "隔离",
    "ignored": "忽略",
}


def _local_month(settings: Settings, stamp: str | None) -> str | None:
    """YYYY-MM of an ISO timestamp in the office's time zone."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(settings.tz)
    return f"{moment.year:04d}-{moment.month:02d}"


def _origins(raw_path: str | None) -> dict[str, str]:
    """attachment sha256 -> the container it came out of, read again from the landed message."""
    if not raw_path or not Path(raw_path).is_file():
        return {}
    parsed = parse_message(Path(raw_path).read_bytes())
    return {a.sha256: a.origin for a in parsed.attachments if a.origin}


def _role(kind: str, submission_id: str | None) -> str:
    """form (became a submission), evidence (kept beside the forms) or other."""
    if submission_id:
        return "form"
    return "evidence" if kind in EVIDENCE_KINDS else "other"


def _linked(kind: str, submission_id: str | None, forms: list[str]) -> list[str]:
    """The submissions an attachment belongs to: itself, or for evidence its message's forms."""
    if submission_id:
        return [submission_id]
    return list(forms) if kind in EVIDENCE_KINDS else []


def inbox(
    engine: Engine, settings: Settings, period: str | None, unit: str | None = None
) -> list[dict[str, Any]]:
    """One dict per message of the period (its forms' period, else the month it arrived).

    period None: every month; unit: only that unit's mail (its history).
    """
    with engine.connect() as conn:
        message_rows = list(conn.execute(sql("mail_inbox_messages")).mappings())
        attachment_rows = list(conn.execute(sql("mail_inbox_attachments")).mappings())
    periods: dict[str, set[str]] = defaultdict(set)
    messages: dict[str, dict[str, Any]] = {}
    for found in message_rows:
        if found["period"]:
            periods[found["raw_sha256"]].add(found["period"])
        messages.setdefault(found["raw_sha256"], dict(found))
    attachments: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for att in attachment_rows:
        attachments[att["message_sha256"]].append(dict(att))
    out: list[dict[str, Any]] = []
    for digest, row in messages.items():
        # the forms' period, else the month received, else (no Received:, no Date:) landed
        arrived = row["received_at"] or row["processed_at"]
        wanted = periods[digest] or {_local_month(settings, arrived) or ""}
        if (period is not None and period not in wanted) or (unit and row["unit"] != unit):
            continue
        stored = attachments[digest]
        # mail recorded before migration 0008 has no origins stored: read them off the mail
        origins = (
            _origins(row["raw_path"])
            if any(a["origin"] is None for a in stored)
            else {a["sha256"]: a["origin"] for a in stored if a["origin"]}
        )
        forms = [a["submission_id"] for a in stored if a["submission_id"]]
        out.append(
            {
                "received_at": row["received_at"],
                "sender": row["sender"],
                "display_from": row["display_from"],
                "subject": row["subject"],
                "message_id": row["message_id"],
                "raw_sha256": digest,
                "unit": row["unit"],
                "state": row["state"],
                "periods": sorted(p for p in wanted if p),
                "reasons": json.loads(row["reasons"] or "[]"),
                "attachments": [
                    {
                        "filename": a["filename"],
                        "sha256": a["sha256"],
                        "kind": a["kind"],
                        "size": a["size"],
                        "name_flagged": bool(a["name_flagged"]),
                        "origin": origins.get(a["sha256"]),
                        "role": _role(a["kind"], a["submission_id"]),
                        "submission_id": a["submission_id"],
                        "status": a["status"],
                        # evidence (意向书, agreements, photos) belongs to the forms it came with
                        "linked_submissions": _linked(a["kind"], a["submission_id"], forms),
                    }
                    for a in attachments[digest]
                ],
            }
        )
    return out


# Widths (terminal columns) of the inbox table's clipped columns: with the fixed ones it stays
# within 110 columns; `--format json` keeps every detail (subject, full names, origins).
UNIT_WIDTH = 20
FILE_WIDTH = 18
FILES_WIDTH = 26
REASONS_WIDTH = 40


def inbox_table_rows(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The listing as the office reads it, in Chinese, narrow enough for a terminal."""
    shown = []
    for row in rows:
        short = {a["filename"]: clip_name(a["filename"], FILE_WIDTH) for a in row["attachments"]}
        reasons = []
        for reason in row["reasons"]:
            for name in sorted(short, key=len, reverse=True):
                reason = reason.replace(name, short[name])
            reasons.append(reason)
        shown.append(
            {
                "收到时间": (row["received_at"] or "")[5:16].replace("T", " "),
                "单位": clip(
                    row["unit"] or row["sender"] or row["display_from"] or "—", UNIT_WIDTH
                ),
                "状态": STATE_ZH.get(row["state"], row["state"]),
                "附件": clip("；".join(short.values()), FILES_WIDTH) or "—",
                "原因": clip("；".join(reasons), REASONS_WIDTH) or "—",
            }
        )
    return shown
