"""deferral: source_key, the mailbox position of mail kept for a later month

Revision ID: 0010
Revises: 0009

`bixue status` lists mail that arrived but has not been processed (待处理) from the mailbox
listing alone, without reading any message; mail deferred to a later month is known by its
position here. Rows recorded before keep NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deferral", sa.Column("source_key", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deferral") as batch:
        batch.drop_column("source_key")
