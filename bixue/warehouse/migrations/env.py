"""Alembic environment: the warehouse schema, on the connection handed over by bixue."""

from __future__ import annotations

from alembic import context

from bixue.warehouse.schema import all_tables

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bixue.warehouse.migrate (it passes the connection)")

context.configure(
    connection=connection,
    target_metadata=all_tables(),
    render_as_batch=connection.dialect.name == "sqlite",  # ALTER on SQLite needs batch mode
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
