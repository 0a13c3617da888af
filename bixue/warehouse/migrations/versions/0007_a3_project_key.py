"""fact_a3: project_key, the project name as compared, so measures count projects in SQL

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fact_a3", sa.Column("project_key", sa.Text(), nullable=True))
    # Rows loaded before this revision get the key the loader now derives (bixue.forms.derive).
    facts = sa.table(
        "fact_a3",
        sa.column("submission_id"),
        sa.column("sheet"),
        sa.column("excel_row"),
        sa.column("project_name"),
        sa.column("project_key"),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(facts.c.submission_id, facts.c.sheet, facts.c.excel_row, facts.c.project_name)
    ).all()
    if not rows:
        return  # a new warehouse: nothing to key, and the deriving code (pandas) not loaded
    from bixue.forms.derive import project_key

    keyed = [
        {"s": r.submission_id, "h": r.sheet, "r": r.excel_row, "key": project_key(r.project_name)}
        for r in rows
    ]
    if keyed:
        conn.execute(
            facts.update()
            .where(
                facts.c.submission_id == sa.bindparam("s"),
                facts.c.sheet == sa.bindparam("h"),
                facts.c.excel_row == sa.bindparam("r"),
            )
            .values(project_key=sa.bindparam("key")),
            keyed,
        )


def downgrade() -> None:
    with op.batch_alter_table("fact_a3") as batch:
        batch.drop_column("project_key")
