"""notice ledger: a row per notice from pending to sent; messages remember their receipts

Revision ID: 0009
Revises: 0008

notice: state (pending | sent), message_id, queued_at, the composed mail (raw) while pending,
attempts and last_error; sent_at is NULL while pending. message.noticed_at: the moment its
receipts were queued (NULL: a rerun composes them from the warehouse). submission.sheets: the
forms, sheets and row counts a receipt names. Rows recorded before 0009 were notified by the
run that recorded them: they are marked noticed and sent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.add_column(sa.Column("state", sa.String(8), nullable=False, server_default="sent"))
        batch.add_column(sa.Column("message_id", sa.Text(), nullable=True))
        batch.add_column(sa.Column("queued_at", sa.Text(), nullable=True))
        batch.add_column(sa.Column("raw", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.alter_column("sent_at", existing_type=sa.Text(), nullable=True)
    op.add_column("message", sa.Column("noticed_at", sa.Text(), nullable=True))
    op.add_column("submission", sa.Column("sheets", sa.Text(), nullable=True))
    op.execute(
        "update message set noticed_at = coalesce(processed_at, '') where noticed_at is null"
    )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch copy would break the
    # current_submission view over submission.
    op.drop_column("submission", "sheets")
    op.drop_column("message", "noticed_at")
    op.execute("delete from notice where state <> 'sent'")
    with op.batch_alter_table("notice") as batch:
        batch.alter_column("sent_at", existing_type=sa.Text(), nullable=False)
        for column in ("last_error", "attempts", "raw", "queued_at", "message_id", "state"):
            batch.drop_column(column)
