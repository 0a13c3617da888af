"""mail ledger: one row per IMAP message (mailbox, UIDVALIDITY, UID)

Revision ID: 0200
Revises: 0001
Create Date: 2026-11-22 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0200"
down_revision = "0001"
branch_labels = ("mail",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_ledger",
        sa.Column("mailbox", sa.Text(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.Text(), nullable=False),
        sa.Column("flagged_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("mailbox", "uidvalidity", "uid"),
    )
    op.create_index("ix_mail_ledger_raw_sha256", "mail_ledger", ["raw_sha256"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mail_ledger_raw_sha256", table_name="mail_ledger")
    op.drop_table("mail_ledger")
