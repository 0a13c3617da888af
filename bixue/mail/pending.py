"""Mail that has arrived but no run has handled yet (待处理), from the mailbox listing alone.

No message is read: a Maildir is listed with os.scandir, an IMAP folder with one UID SEARCH.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.mail.source import _arrival
from bixue.warehouse.db import sql

COLON = ":"  # the Maildir info separator on POSIX (mailbox.Maildir.colon)


def _maildir_listing(path: Path) -> list[tuple[str, bool]]:
    """(key, already marked seen) of every message file in new/ and cur/; tmp/ is never mail."""
    found = []
    for sub in ("new", "cur"):
        folder = path / sub
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                key, _, info = entry.name.partition(COLON)
                seen = sub == "cur" and "S" in info.partition(",")[2]
                found.append((key, seen))
    return found


def _arrived(settings: Settings, key: str) -> str | None:
    """The delivery time a Maildir unique name starts with, in the office's time zone."""
    seconds = _arrival(key)[0]
    if not seconds:
        return None
    return datetime.fromtimestamp(seconds, UTC).astimezone(settings.tz).isoformat()


def _handled(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(sql("status_handled_keys"))}


def _imap_waiting(engine: Engine, settings: Settings, handled: set[str]) -> list[dict[str, Any]]:
    """UIDs the folder still lists as unprocessed that neither the ledger nor a record holds."""
    from bixue.mail.imap import ImapKey, open_imap

    source = open_imap(settings.imap)
    try:
        keys = source.keys()
        if not keys:
            return []
        first = ImapKey.parse(keys[0])
        with engine.connect() as conn:
            rows = conn.execute(
                sql("mail_select_ledger"),
                {"mailbox": first.mailbox, "uidvalidity": first.uidvalidity},
            )
            in_ledger = {int(row[0]) for row in rows}
    finally:
        source.close()
    return [
        {"key": key, "arrived_at": None}
        for key in keys
        if key not in handled and ImapKey.parse(key).uid not in in_ledger
    ]


def waiting_mail(engine: Engine, settings: Settings) -> dict[str, Any]:
    """{"messages": [{key, arrived_at}], "error": None or why the mailbox could not be listed}."""
    handled = _handled(engine)
    try:
        if settings.mailbox_kind == "imap":
            messages = _imap_waiting(engine, settings, handled)
        else:
            messages = [
                {"key": key, "arrived_at": _arrived(settings, key)}
                for key, seen in _maildir_listing(settings.mailbox_path)
                if not seen and key not in handled
            ]
    # OSError, imaplib.IMAP4.error and imap_tools' errors share no base: status still answers
    except Exception as exc:
        return {"messages": [], "error": f"邮箱暂时无法读取：{exc}"}
    messages.sort(key=lambda m: (m["arrived_at"] or "", m["key"]))
    return {"messages": messages, "error": None}
