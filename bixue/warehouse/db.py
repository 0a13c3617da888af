"""Warehouse connection and the statements kept in `sql/`, one per file."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, TextClause, create_engine, event, inspect, text

SQL_DIR = Path(os.environ.get("BIXUE_SQL_DIR", Path(__file__).resolve().parents[2] / "sql"))


@cache
def sql(name: str) -> TextClause:
    """The statement in sql/<name>.sql, with its bound :parameters."""
    return text((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("pragma foreign_keys = on")
    cursor.execute("pragma journal_mode = wal")
    # With WAL, NORMAL syncs at checkpoints instead of at every commit (a month commits once
    # per message): a crash of the process loses nothing committed, a power cut at worst the
    # last commits, which the next run re-reads from the landing area and loads again.
    cursor.execute("pragma synchronous = normal")
    cursor.execute("pragma busy_timeout = 30000")
    cursor.close()


class WarehouseMissingError(Exception):
    """A read-only command found no warehouse; the message says how to create one."""


def connect(url: str, migrate: bool = True) -> Engine:
    """An engine for the warehouse (SQLite file or PostgreSQL), migrated to the newest schema."""

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        from bixue.warehouse.migrate import upgrade

        upgrade(engine)
    return engine


def connect_readonly(url: str) -> Engine:
    """An engine for commands that only read: no migration check (it costs ~2 s to import)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise WarehouseMissingError(
            f"数据仓库不存在：{url}。请先运行 bixue ingest 或 bixue db upgrade。"
        )
    engine = connect(url, migrate=False)
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            raise WarehouseMissingError(f"数据仓库尚未初始化：{url}。请先运行 bixue db upgrade。")
    return engine
