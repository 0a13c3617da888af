"""current_submission: each unit's newest accepted version of each workbook and period

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# A rejected resubmission loads nothing, so the earlier accepted version stays the one counted.
CURRENT_SUBMISSION = """
create view current_submission as
with ranked as (
    select
        id,
        unit,
        workbook,
        period,
        version,
        late,
        received_at,
        row_number() over (
            partition by unit, workbook, period
            order by version desc
        ) as newest_first
    from submission
    where status = 'accepted'
)

select id, unit, workbook, period, version, late, received_at
from ranked
where newest_first = 1
"""


def upgrade() -> None:
    op.execute(CURRENT_SUBMISSION)


def downgrade() -> None:
    op.execute("drop view current_submission")
