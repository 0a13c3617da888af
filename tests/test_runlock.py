"""One run per home: a lock file for SQLite, an advisory lock for PostgreSQL, held by real
separate processes; the second waits a bounded time and then says who holds the home."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bixue.config import ConfigError, load_settings
from bixue.runlock import FileRunLock, PostgresRunLock, RunLockBusyError, home_lock, run_lock

ROOT = Path(__file__).resolve().parents[1]
HOLDER = """
import sys, time
from bixue.config import load_settings
from bixue.runlock import home_lock

with home_lock(load_settings(sys.argv[1]), wait=30):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def lock_env(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Path]:
    """A home whose warehouse is SQLite (file lock) or PostgreSQL (advisory lock)."""
    if request.param == "postgresql":
        monkeypatch.setenv("BIXUE_WAREHOUSE_URL", request.getfixturevalue("pg_url"))
    yield tmp_path / "home"


def _hold(home: Path, seconds: float) -> subprocess.Popen[str]:
    """A separate process holding the home's lock for `seconds`; returns once it holds it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held", proc.stderr.read() if proc.stderr else ""
    return proc


def test_the_lock_follows_the_warehouse(lock_env: Path) -> None:
    settings = load_settings(lock_env)
    lock = run_lock(settings)
    expected = PostgresRunLock if settings.warehouse_url.startswith("postgresql") else FileRunLock
    assert isinstance(lock, expected)


def test_a_second_run_waits_its_time_then_names_the_holder(lock_env: Path) -> None:
    holder = _hold(lock_env, 60)
    try:
        started = time.monotonic()
        with pytest.raises(RunLockBusyError) as caught, home_lock(load_settings(lock_env), 1.0):
            pytest.fail("the lock was taken twice")
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert 1.0 <= waited < 10
    text = str(caught.value)
    assert f"进程 {holder.pid}" in text and socket.gethostname() in text
    assert "已等待 1 秒仍未结束，本次运行未做任何处理" in text


def test_a_waiting_run_proceeds_once_the_holder_ends(lock_env: Path) -> None:
    holder = _hold(lock_env, 1.5)
    started = time.monotonic()
    try:
        with home_lock(load_settings(lock_env), wait=30):
            waited = time.monotonic() - started
    finally:
        holder.wait()
    assert 1.0 <= waited < 25  # it got in only once the holder's 1.5 s were over


def test_a_holder_killed_outright_lets_the_home_go(lock_env: Path) -> None:
    holder = _hold(lock_env, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with home_lock(load_settings(lock_env), wait=10):
        pass  # the kernel (flock) or the server (dropped session) released it


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", 300.0), ("2.5", 2.5), ("0", 0.0)],
)
def test_the_wait_comes_from_settings_with_an_env_override(
    value: str, expected: float, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BIXUE_LOCK_WAIT_SECONDS", value)
    assert load_settings(tmp_path).lock_wait_seconds == expected


@pytest.mark.parametrize("value", ["abc", "-1"])
def test_a_bad_wait_is_a_clear_config_error(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BIXUE_LOCK_WAIT_SECONDS", value)
    with pytest.raises(ConfigError, match="BIXUE_LOCK_WAIT_SECONDS"):
        _ = load_settings(tmp_path).lock_wait_seconds


def _end_lock_session(url: str) -> None:
    """What a server restart does to the run: its advisory lock's session ends."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "select pg_terminate_backend(pid) from pg_locks "
                "where locktype = 'advisory' and classid = :c and granted"
            ),
            {"c": 0x62787275},
        )
    engine.dispose()


def test_a_lock_lost_with_its_session_is_taken_again_when_free(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bixue.runlock import ensure_held

    monkeypatch.setenv("BIXUE_WAREHOUSE_URL", pg_url)
    settings = load_settings(tmp_path / "home")
    with home_lock(settings, wait=0):
        _end_lock_session(pg_url)
        ensure_held()  # free: taken again, the run goes on
        with pytest.raises(RunLockBusyError), home_lock(settings, wait=0.3):
            pass


def test_a_lock_lost_and_taken_by_another_run_stops_the_sending(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bixue.runlock import RunLockLostError, ensure_held

    monkeypatch.setenv("BIXUE_WAREHOUSE_URL", pg_url)
    home = tmp_path / "home"
    with home_lock(load_settings(home), wait=0):
        _end_lock_session(pg_url)
        other = _hold(home, 30)
        try:
            with pytest.raises(RunLockLostError) as lost:
                ensure_held()
        finally:
            other.terminate()
            other.wait()
    assert "锁已失效" in str(lost.value) and f"进程 {other.pid}" in str(lost.value)
