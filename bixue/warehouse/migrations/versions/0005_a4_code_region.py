"""fact_a4: the project code's region segment and the site's own code

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fact_a4", sa.Column("code_region", sa.Text(), nullable=True))
    op.add_column("fact_a4", sa.Column("site_code", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fact_a4") as batch:
        batch.drop_column("site_code")
        batch.drop_column("code_region")
