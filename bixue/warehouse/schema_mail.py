"""Warehouse tables of the mailbox ledger (issue: mailbox ingestion); on the shared metadata.

One row per message position in an IMAP folder: mailbox + UIDVALIDITY + UID. It is written
after the raw message is landed and the message is recorded, and before the message is
flagged or moved, so a crash anywhere between leaves a rerun enough to finish without
reading or recording anything twice.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from bixue.warehouse.schema import metadata

mail_ledger = Table(
    "mail_ledger",
    metadata,
    Column("mailbox", Text, nullable=False),  # imap://user@host:port/FOLDER
    Column("uidvalidity", BigInteger, nullable=False),
    Column("uid", BigInteger, nullable=False),
    Column("message_id", Text),
    Column("raw_sha256", String(64), nullable=False),  # the message as the warehouse holds it
    Column("size", Integer, nullable=False),
    Column("attachments", Text, nullable=False),  # JSON: [{sha256, filename, origin, kind}]
    Column("state", String(16), nullable=False),  # the message's recorded state
    Column("recorded_at", Text, nullable=False),
    Column("flagged_at", Text),  # set once the server holds the processed flag (or the move)
    PrimaryKeyConstraint("mailbox", "uidvalidity", "uid"),
)
Index("ix_mail_ledger_raw_sha256", mail_ledger.c.raw_sha256)

__all__ = ["mail_ledger", "metadata"]
