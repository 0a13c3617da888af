"""problem: item, the row's 项目名称 or 活动名称 a problem is about

Revision ID: 0011
Revises: 0010

Receipts name the row's project or activity beside its row number; keeping it lets every later
view of a problem (status, a unit's history) name it too. Rows recorded before keep NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("problem", sa.Column("item", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("problem") as batch:
        batch.drop_column("item")
