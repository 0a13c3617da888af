"""unique submission version per unit, workbook and period (concurrent loads)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An index, not a constraint: on SQLite a constraint would rebuild the table under the view.
    op.create_index(
        "uq_submission_version",
        "submission",
        ["unit", "workbook", "period", "version"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_submission_version", table_name="submission")
