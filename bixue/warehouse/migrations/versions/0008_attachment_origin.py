"""attachment: origin, the container an attachment was unpacked from

Revision ID: 0008
Revises: 0007

The inbox and the office's status mail read it here instead of parsing every landed message
again. Rows recorded before keep NULL (unknown): the inbox then reads their message.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("attachment", sa.Column("origin", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("origin")
