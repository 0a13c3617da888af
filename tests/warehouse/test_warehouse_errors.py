"""A warehouse that cannot be written or reached is said in Chinese, within its bound, and
never with the password of its URL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.config import ConfigError
from bixue.warehouse.db import WarehouseUnavailableError, busy_seconds, connect
from tests.smtp_sink import free_port

HOLD = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("begin immediate")
print("locked", flush=True)
sys.stdin.readline()
"""


def test_a_locked_sqlite_warehouse_fails_after_the_busy_timeout_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "warehouse.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("create table t (x integer)")
    monkeypatch.setenv("BIXUE_WAREHOUSE_BUSY_SECONDS", "0.5")
    engine = connect(f"sqlite:///{path}", migrate=False)
    with engine.connect():  # the first connection turns the file to WAL, as in every home
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        started = time.monotonic()
        with pytest.raises(WarehouseUnavailableError) as failed, engine.begin() as conn:
            conn.execute(sa.text("insert into t values (1)"))
        waited = time.monotonic() - started
    finally:
        holder.communicate(b"\n", timeout=30)
    assert 0.4 < waited < 5
    assert str(failed.value).startswith("数据仓库被其他程序占用（写锁定），等待0.5秒后仍未释放")
    with engine.begin() as conn:  # once let go, the same engine writes
        conn.execute(sa.text("insert into t values (1)"))
    engine.dispose()


def test_an_unreachable_postgresql_is_said_in_chinese_without_the_password() -> None:
    url = f"postgresql+psycopg://bixue:s3cret-pw@127.0.0.1:{free_port()}/warehouse"
    with pytest.raises(WarehouseUnavailableError) as failed:
        connect(url)
    text = str(failed.value)
    assert text.startswith("与数据仓库（PostgreSQL）的连接中断或无法连接")
    assert "s3cret-pw" not in text and "bixue:***@127.0.0.1" in text


@pytest.mark.parametrize(("value", "seconds"), [("", 30.0), ("2", 2.0), ("0.25", 0.25)])
def test_the_busy_timeout_comes_from_the_environment(
    value: str, seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIXUE_WAREHOUSE_BUSY_SECONDS", value)
    assert busy_seconds() == seconds


@pytest.mark.parametrize("value", ["abc", "-1"])
def test_a_bad_busy_timeout_is_a_clear_config_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIXUE_WAREHOUSE_BUSY_SECONDS", value)
    with pytest.raises(ConfigError, match="BIXUE_WAREHOUSE_BUSY_SECONDS"):
        busy_seconds()
