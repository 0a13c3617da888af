"""Mailbox to landing area: every raw message and attachment kept by hash before anything else.

For IMAP the order that makes a crash harmless is: land the raw bytes, record the message in
the warehouse, commit the ledger row (mailbox + UIDVALIDITY + UID), then flag or move it.
A rerun flags what the ledger already holds and resynchronises by content hash what it does
not (a recreated folder, a crash before the ledger row): nothing is read in or recorded twice.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from sqlalchemy import Engine

from bixue.config import ConfigError, Provider, Settings, Unit
from bixue.crashpoint import crash_point
from bixue.mail.imap import ImapKey, ImapSource, UidValidityChangedError
from bixue.mail.landing import flush_to_disk, store_attachment, store_raw_message
from bixue.mail.message import (
    LIMITS,
    DnsLookup,
    Limits,
    authentication_problem,
    dkim_problem,
    parse_message,
)
from bixue.mail.source import MailSource
from bixue.model import LandedAttachment, LandedMessage, RawMessage
from bixue.warehouse.db import sql

_MB = 1024 * 1024


@dataclass(frozen=True)
class IntakePolicy:
    """What intake enforces on each message: size limits, and whose authentication counts."""

    limits: Limits = LIMITS
    authserv_id: str = ""  # our receiving server's authserv-id; empty: no check
    dkim: bool = False  # also accept a verified DKIM signature of the sender's domain
    dns: DnsLookup | None = None  # DKIM key lookups (tests answer them); None: real DNS

    @classmethod
    def from_env(cls) -> IntakePolicy:
        """BIXUE_MAIL_AUTHSERV_ID and BIXUE_MAIL_MAX_* (megabytes, counts) override defaults."""
        names = {
            "max_message_bytes": ("BIXUE_MAIL_MAX_MESSAGE_MB", _MB),
            "max_attachments": ("BIXUE_MAIL_MAX_ATTACHMENTS", 1),
            "max_attachment_bytes": ("BIXUE_MAIL_MAX_ATTACHMENT_MB", _MB),
            "max_unpacked_bytes": ("BIXUE_MAIL_MAX_UNPACKED_MB", _MB),
        }
        values: dict[str, int] = {}
        for field_name, (variable, unit) in names.items():
            text = os.environ.get(variable, "").strip()
            if not text:
                continue
            try:
                values[field_name] = int(float(text) * unit)
            except ValueError as exc:
                raise ConfigError(f"{variable}：应为数字，而不是“{text}”") from exc
        limits = Limits(**values) if values else LIMITS
        return cls(limits=limits, authserv_id=os.environ.get("BIXUE_MAIL_AUTHSERV_ID", "").strip())


def policy_for(settings: Settings) -> IntakePolicy:
    """The home's policy: limits from the environment, the sender check from the settings."""
    return replace(IntakePolicy.from_env(), authserv_id=settings.authserv_id, dkim=settings.dkim)


# Messages read into memory at once: a run holds one page of raw mail, whatever the month.
PAGE_MESSAGES = 100


def mail_pages(source: MailSource, size: int | None = None) -> list[list[str]]:
    """The mailbox's message keys in pages of `size` (PAGE_MESSAGES), in arrival order."""
    keys = source.keys()
    step = size or PAGE_MESSAGES
    return [keys[i : i + step] for i in range(0, len(keys), step)]


def fetch_messages(source: MailSource, only: Collection[str] | None = None) -> list[RawMessage]:
    """Every message in the mailbox (or those of `only` still there), unmodified, in arrival
    order."""
    return [RawMessage(key, source.fetch(key)) for key in still_listed(source, only)]


def still_listed(source: MailSource, only: Collection[str] | None) -> list[str]:
    """The mailbox's keys now, in arrival order, those of `only` when given (a page listed
    earlier, perhaps by another session: what is still there of it)."""
    keys = source.keys()
    if only is None:
        return keys
    wanted = set(only)
    return [key for key in keys if key in wanted]


def received_time(raw: bytes) -> datetime | None:
    """When our own server received the message: the date of the topmost Received header."""
    headers = email.message_from_bytes(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
    for value in headers.get_all("Received") or []:
        _, _, stamp = str(value).rpartition(";")
        try:
            moment = parsedate_to_datetime(stamp.strip())
        except (TypeError, ValueError, IndexError):
            continue
        if moment.tzinfo is not None:
            return moment
    return None


def land_message(
    landing: Path, raw: RawMessage, policy: IntakePolicy | None = None, *, sync: bool = True
) -> LandedMessage:
    """Store the raw message and each attachment under their hashes, and read the headers.

    Limits exceeded make the message rejected, and a failed authentication check makes it
    quarantined, right here; the bytes are kept either way.
    """
    policy = policy or IntakePolicy.from_env()
    parsed = parse_message(raw.raw, policy.limits)
    raw_path = store_raw_message(landing / "messages", raw.raw, sync=sync)
    attachments = [
        LandedAttachment(
            sha256=a.sha256,
            filename=a.filename,
            name_flagged=a.name_flagged,
            kind=a.kind,
            size=len(a.content),
            stored_path=str(store_attachment(landing / "attachments", a, sync=sync)),
            origin=a.origin or "",
        )
        for a in parsed.attachments
    ]
    landed = LandedMessage(
        source_key=raw.source_key,
        raw_sha256=parsed.raw_sha256,
        raw_path=str(raw_path),
        message_id=parsed.message_id,
        sender=parsed.sender,
        sender_problem=parsed.sender_problem,
        display_from=parsed.display_from,
        subject=parsed.subject,
        sent_at=parsed.sent_at,
        received_at=received_time(raw.raw) or parsed.sent_at,
        auto_reply=parsed.auto_reply,
        attachments=attachments,
    )
    if parsed.problems:
        landed.state, landed.reasons = "rejected", list(parsed.problems)
    if (policy.authserv_id or policy.dkim) and parsed.sender and not parsed.auto_reply:
        problem = _sender_unproven(raw.raw, policy, parsed.sender)
        if problem:
            landed.state, landed.reasons = "quarantined", [problem]
    return landed


def _sender_unproven(raw: bytes, policy: IntakePolicy, sender: str) -> str | None:
    """Why neither our server's Authentication-Results nor a DKIM signature vouch for sender."""
    reasons = []
    if policy.authserv_id:
        found = authentication_problem(raw, policy.authserv_id, sender)
        if found is None:
            return None
        reasons.append(found)
    if policy.dkim:
        found = dkim_problem(raw, sender, policy.dns)
        if found is None:
            return None
        reasons.append(found)
    return "".join(reasons)


def land_messages(
    landing: Path, raws: list[RawMessage], policy: IntakePolicy | None = None
) -> list[LandedMessage]:
    """Every message landed, and on disk before it is returned (one flush for them all)."""
    policy = policy or IntakePolicy.from_env()
    landed = []
    for raw in raws:
        landed.append(land_message(landing, raw, policy, sync=False))
        crash_point("mid-landing")
    if landed:
        flush_to_disk()
    return landed


# ---------------------------------------------------------------------------------------------
# The IMAP ledger: nothing lost, nothing twice

FINAL_STATES = ("accepted", "rejected", "quarantined", "ignored")
BeforeFlag = Callable[[LandedMessage], None]


def of_units(
    settings: Settings, messages: list[LandedMessage], units: list[str] | None
) -> list[LandedMessage]:
    """The messages sent from these registered units' addresses (all when none are named);
    the others are left out of the run, unflagged, so the next run reads them. An unknown
    name is refused before anything is recorded."""
    if not units:
        return messages
    everyone: list[Unit | Provider] = [*settings.registry.units, *settings.registry.providers]
    unknown = [name for name in units if name not in {who.name for who in everyone}]
    if unknown:
        raise ConfigError(f"未登记的单位：{'、'.join(unknown)}（请填写登记表中的单位名称）")
    senders = {s for who in everyone if who.name in units for s in who.senders}
    return [m for m in messages if m.sender in senders]


def in_batches(messages: list[LandedMessage], max_bytes: int) -> list[list[LandedMessage]]:
    """Messages in arrival order, cut into batches of at most max_bytes of attachments each.

    A message is never split, so one larger than max_bytes is a batch of its own; a month
    with no messages is one empty batch, so a run still records and reports it.
    """
    batches: list[list[LandedMessage]] = [[]]
    size = 0
    for msg in messages:
        weight = sum(a.size for a in msg.attachments)
        if batches[-1] and size + weight > max_bytes:
            batches.append([])
            size = 0
        batches[-1].append(msg)
        size += weight
    return batches


def plan_waves(
    messages: list[LandedMessage], max_bytes: int, group: Callable[[LandedMessage], tuple[int, str]]
) -> list[list[list[LandedMessage]]]:
    """The month's batches in waves: the batches of a wave may be read, checked and loaded in any
    order or at once, a wave only after the one before it has been loaded.

    A month that fits one batch is that batch as it arrived (read in the run's own process).
    Otherwise `group` gives each message its (rank, sender): one sender's messages stay in one
    batch in arrival order (a unit's correction is checked and versioned after its first
    report, whatever order the batches finish in), and each rank is a wave of its own: rank 0,
    the statistics providers whose figures units' forms are checked against, is loaded first.
    """
    weights = [sum(a.size for a in m.attachments) for m in messages]
    if sum(weights) <= max_bytes:
        return [[list(messages)]]
    senders: dict[tuple[int, str], list[int]] = {}
    for i, msg in enumerate(messages):
        senders.setdefault(group(msg), []).append(i)
    waves: list[list[list[LandedMessage]]] = []
    for rank in sorted({rank for rank, _ in senders}):
        batches: list[list[LandedMessage]] = [[]]
        size = 0
        for (r, _), indexes in senders.items():  # senders in order of their first message
            if r != rank:
                continue
            weight = sum(weights[i] for i in indexes)
            if batches[-1] and size + weight > max_bytes:
                batches.append([])
                size = 0
            batches[-1].extend(messages[i] for i in indexes)
            size += weight
        waves.append(batches)
    return waves


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _recorded(engine: Engine) -> dict[str, str]:
    """raw_sha256 -> state of every message the warehouse holds."""
    with engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(sql("mail_select_recorded"))}


def _ledger(engine: Engine, mailbox: str, uidvalidity: int) -> dict[int, str]:
    """UID -> raw_sha256 of the ledger rows of one folder incarnation."""
    with engine.connect() as conn:
        rows = conn.execute(
            sql("mail_select_ledger"), {"mailbox": mailbox, "uidvalidity": uidvalidity}
        )
        return {int(row[0]): row[1] for row in rows}


def _ledger_row(
    key: ImapKey, raw: bytes, state: str, recorded_as: str | None = None
) -> dict[str, object]:
    """The ledger row of a message: Message-ID and each attachment's hash, name and origin.

    `recorded_as` is the hash under which the warehouse holds this mail when the bytes at
    this position differ from it (see ``_recorded_twin``).
    """
    parsed = parse_message(raw)
    attachments = [
        {"sha256": a.sha256, "filename": a.filename, "origin": a.origin, "kind": a.kind}
        for a in parsed.attachments
    ]
    return {
        "mailbox": key.mailbox,
        "uidvalidity": key.uidvalidity,
        "uid": key.uid,
        "message_id": parsed.message_id,
        "raw_sha256": recorded_as or parsed.raw_sha256,
        "size": len(raw),
        "attachments": json.dumps(attachments, ensure_ascii=False),
        "state": state,
        "recorded_at": _now(),
    }


def _commit_ledger(engine: Engine, row: dict[str, object]) -> None:
    with engine.begin() as conn:
        conn.execute(sql("mail_insert_ledger"), row)


def _flag(engine: Engine, source: ImapSource, key: ImapKey) -> None:
    """Flag (or move) on the server, then note it in the ledger."""
    source.mark_processed(str(key))
    with engine.begin() as conn:
        conn.execute(
            sql("mail_mark_flagged"),
            {
                "mailbox": key.mailbox,
                "uidvalidity": key.uidvalidity,
                "uid": key.uid,
                "flagged_at": _now(),
            },
        )


def fetch_new(
    source: MailSource, engine: Engine, keys: Collection[str] | None = None
) -> list[RawMessage]:
    """The messages a run must read (of `keys`, a page of `mail_pages`, when given; those gone
    since are left to the next run); IMAP mail already recorded is flagged here instead.

    A message in the ledger and the warehouse was stored before a crash stopped its flag:
    flag it now. One whose bytes the warehouse already holds under another UID (the folder
    was recreated with a new UIDVALIDITY, or the crash came before the ledger row) gets its
    ledger row and flag now. Neither is read in again.
    """
    if not isinstance(source, ImapSource):
        raws = _fetch_new_local(source, engine, keys)
        crash_point("after-fetch")
        return raws
    for _attempt in range(3):
        try:
            raws = _fetch_new_imap(source, engine, keys)
            crash_point("after-fetch")
            return raws
        except UidValidityChangedError:
            continue  # the folder was recreated mid-run: list it again, resync by hash
    raise UidValidityChangedError(f"{source.mailbox}: UIDVALIDITY keeps changing")


def _fetch_new_local(
    source: MailSource, engine: Engine, keys: Collection[str] | None
) -> list[RawMessage]:
    """Every message; one the warehouse already holds is flagged now (a crash stopped it)."""
    recorded = _recorded(engine)
    out = []
    for raw in fetch_messages(source, only=keys):
        if hashlib.sha256(raw.raw).hexdigest() in recorded:
            source.mark_processed(raw.source_key)
            crash_point("mid-mark")
        else:
            out.append(raw)
    return out


def _fetch_new_imap(
    source: ImapSource, engine: Engine, page: Collection[str] | None
) -> list[RawMessage]:
    recorded = _recorded(engine)
    keys = still_listed(source, page)
    ledger = _ledger(engine, source.mailbox, source.uidvalidity)
    out: list[RawMessage] = []
    for key in keys:
        parsed = ImapKey.parse(key)
        known = ledger.get(parsed.uid)
        if known is not None and known in recorded:
            _flag(engine, source, parsed)
            continue
        raw = source.fetch(key)
        digest = hashlib.sha256(raw).hexdigest()
        twin = digest if digest in recorded else _recorded_twin(engine, raw)
        if twin is not None:
            _commit_ledger(engine, _ledger_row(parsed, raw, recorded.get(twin, "ignored"), twin))
            _flag(engine, source, parsed)
            continue
        out.append(RawMessage(key, raw))
    return out


def _recorded_twin(engine: Engine, raw: bytes) -> str | None:
    """A recorded message with the same Message-ID and the same attachments, byte for byte.

    A restored or migrated folder may hold the same mail with headers the server rewrote
    (a changed line ending, an added Status: line): its raw hash is new, but it is not new mail.
    """
    parsed = parse_message(raw)
    if not parsed.message_id:
        return None
    wanted = {a.sha256 for a in parsed.attachments}
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        rows = conn.execute(sql("mail_select_twins"), {"message_id": parsed.message_id})
        for message_sha256, attachment_sha256 in rows:
            found.setdefault(message_sha256, set())
            if attachment_sha256:
                found[message_sha256].add(attachment_sha256)
    return next((digest for digest, hashes in found.items() if hashes == wanted), None)


def mark_processed(
    source: MailSource,
    engine: Engine,
    messages: list[LandedMessage],
    before_flag: BeforeFlag | None = None,
) -> int:
    """Flag the messages this run recorded; for IMAP the ledger row is committed first.

    Messages deferred to a later month stay unflagged so that month's run reads them.
    `before_flag` runs between the ledger commit and the flag (tests inject a crash there).
    """
    done = [m for m in messages if m.state in FINAL_STATES]
    for msg in done:
        if isinstance(source, ImapSource):
            key = ImapKey.parse(msg.source_key)
            raw = Path(msg.raw_path).read_bytes()
            _commit_ledger(engine, _ledger_row(key, raw, msg.state or "ignored"))
            if before_flag is not None:
                before_flag(msg)
            _flag(engine, source, key)
        else:
            if before_flag is not None:
                before_flag(msg)
            source.mark_processed(msg.source_key)
        crash_point("mid-mark")
    return len(done)
