"""Warehouse connection and the statements kept in `sql/`, one per file."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, TextClause, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext

# How long a statement waits for another program's write lock on the SQLite warehouse before
# the run fails (BIXUE_WAREHOUSE_BUSY_SECONDS overrides it).
BUSY_SECONDS = 30.0

SQL_DIR = Path(os.environ.get("BIXUE_SQL_DIR", Path(__file__).resolve().parents[2] / "sql"))


@cache
def sql(name: str) -> TextClause:
    """The statement in sql/<name>.sql, with its bound :parameters."""
    return text((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))


class WarehouseUnavailableError(Exception):
    """The warehouse is locked by another program or its server went away; the statement's
    transaction was rolled back (nothing half-written is kept), so a rerun redoes it."""


def busy_seconds() -> float:
    """The SQLite busy timeout: BIXUE_WAREHOUSE_BUSY_SECONDS, or 30 s."""
    from bixue.config import ConfigError

    text_value = os.environ.get("BIXUE_WAREHOUSE_BUSY_SECONDS", "").strip()
    if not text_value:
        return BUSY_SECONDS
    try:
        value = float(text_value)
    except ValueError as exc:
        raise ConfigError(f"BIXUE_WAREHOUSE_BUSY_SECONDS：应为秒数，而不是“{text_value}”") from exc
    if value < 0:
        raise ConfigError(f"BIXUE_WAREHOUSE_BUSY_SECONDS：不能为负数，而不是“{text_value}”")
    return value


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("pragma foreign_keys = on")
    cursor.execute("pragma journal_mode = wal")
    # With WAL, NORMAL syncs at checkpoints instead of at every commit (a month commits once
    # per message): a crash of the process loses nothing committed, a power cut at worst the
    # last commits, which the next run re-reads from the landing area and loads again.
    cursor.execute("pragma synchronous = normal")
    cursor.execute(f"pragma busy_timeout = {int(busy_seconds() * 1000)}")
    cursor.close()


def _where(url: str) -> str:
    """The warehouse named for the office, without any password in the URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _explained(context: ExceptionContext) -> BaseException | None:
    """A locked SQLite file or a lost PostgreSQL connection, said in Chinese; others as they are."""
    engine = context.engine
    if engine is None:
        return None
    original = context.original_exception
    where = _where(str(engine.url))
    if engine.dialect.name == "sqlite" and "database is locked" in str(original):
        return WarehouseUnavailableError(
            f"数据仓库被其他程序占用（写锁定），等待{busy_seconds():g}秒后仍未释放：{where}。"
            "本次未完成的写入已撤销，没有数据丢失；请关闭占用数据仓库的程序后重新运行。"
        )
    refused = context.connection is None and type(original).__name__ == "OperationalError"
    if engine.dialect.name == "postgresql" and (context.is_disconnect or refused):
        first = str(original).strip().splitlines()[0] if str(original).strip() else ""
        return WarehouseUnavailableError(
            f"与数据仓库（PostgreSQL）的连接中断或无法连接：{where}（{first}）。"
            "本次未完成的事务已由数据库回滚，没有数据丢失；数据库恢复后重新运行即可。"
        )
    return None


class WarehouseMissingError(Exception):
    """A read-only command found no warehouse; the message says how to create one."""


def connect(url: str, migrate: bool = True) -> Engine:
    """An engine for the warehouse (SQLite file or PostgreSQL), migrated to the newest schema."""

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "handle_error", _explained)
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
