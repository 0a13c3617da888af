"""One run at a time per home, whoever starts it (bixue ingest, a deployment, the demo).

Two runs of one home at once would each send the receipts the other sends. A run holds the
home's lock from before it reads the mailbox until its last mailbox flag. The lock follows
the warehouse: a lock file in the home (``fcntl.flock``, let go by the kernel when the
process dies) for SQLite, a PostgreSQL session advisory lock (let go when the connection
drops) for PostgreSQL, where several hosts may share one warehouse. A second run waits
``run.lock_wait_seconds`` and then ends with ``RunLockBusyError``, which says who holds the home.

    with home_lock(settings):
        ...
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bixue.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import Connection

LOCK_FILE = "run.lock"
_POLL_SECONDS = 0.2
_PG_CLASSID = 0x62787275  # "bxru": Bixue's namespace among advisory locks


class RunLockBusyError(Exception):
    """Another run holds the home; the message (Chinese) says which one and since when."""


class RunLockLostError(RunLockBusyError):
    """The run's lock went with its database session (a restart) and another run took it."""


@dataclass(frozen=True)
class Holder:
    """Who holds a home: process, host and start time (UTC)."""

    pid: int
    host: str
    started: str

    @classmethod
    def me(cls) -> Holder:
        started = datetime.now(UTC).replace(microsecond=0).isoformat()
        return cls(os.getpid(), socket.gethostname(), started)

    def describe(self) -> str:
        return f"主机 {self.host} 上的进程 {self.pid}（{self.started} 开始）"


def _busy(home: str, holder: Holder | None, waited: float) -> RunLockBusyError:
    who = holder.describe() if holder else "另一个运行（持有者信息暂不可读）"
    return RunLockBusyError(
        f"数据目录 {home} 正由{who}处理，已等待 {waited:g} 秒仍未结束，本次运行未做任何处理。"
        "请待其完成后重新运行；如确认该进程已不存在，可直接重新运行（锁随进程结束自动释放）。"
    )


class RunLock(Protocol):
    """A home's run lock: `acquire` waits up to `wait` seconds or raises RunLockBusyError."""

    def acquire(self, wait: float) -> None: ...

    def release(self) -> None: ...

    def ensure_held(self) -> None: ...


# The locks this process holds now: an external effect checks them first (ensure_held).
_HELD: list[RunLock] = []


class FileRunLock:
    """``<home>/run.lock`` held with flock; the holder writes who it is into the file."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.path = self.home / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, wait: float) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    os.close(fd)
                    raise _busy(str(self.home), holder, wait) from None
                time.sleep(_POLL_SECONDS)
        me = Holder.me()
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me.__dict__).encode(), 0)
        self._fd = fd

    def holder(self) -> Holder | None:
        """What the holder wrote; None while it is still writing (or the file is foreign)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Holder(int(data["pid"]), str(data["host"]), str(data["started"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def ensure_held(self) -> None:
        """A flock lives as long as its descriptor: nothing can take it from a live process."""

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PostgresRunLock:
    """A session advisory lock keyed by the warehouse's database and schema."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.url = url
        self.engine = create_engine(url, poolclass=NullPool)
        self._conn: Connection | None = None
        self._key: dict[str, int] = {}

    def acquire(self, wait: float) -> None:
        from bixue.warehouse.db import sql

        conn = self.engine.connect()
        try:
            where = str(conn.execute(sql("lock_pg_where")).scalar_one())
            key = {"classid": _PG_CLASSID, "objid": _objid(where)}
            me = Holder.me()
            name = f"bixue {me.pid}@{me.host} {me.started}"[:63]
            conn.execute(sql("lock_pg_name"), {"name": name})
            conn.commit()
            deadline = time.monotonic() + wait
            while not conn.execute(sql("lock_pg_try"), key).scalar_one():
                conn.commit()
                if time.monotonic() >= deadline:
                    holder = self._holder(conn, key)
                    raise _busy(where, holder, wait)
                time.sleep(_POLL_SECONDS)
            conn.commit()
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._key = key

    @staticmethod
    def _holder(conn: Connection, key: dict[str, int]) -> Holder | None:
        from bixue.warehouse.db import sql

        row = conn.execute(sql("lock_pg_holder"), key).first()
        if row is None:
            return None
        name, pid, backend_start = row
        parts = str(name or "").split(" ")
        if len(parts) == 3 and parts[0] == "bixue" and "@" in parts[1]:
            run_pid, host = parts[1].split("@", 1)
            return Holder(int(run_pid), host, parts[2])
        return Holder(int(pid), "数据库会话", str(backend_start))

    def ensure_held(self) -> None:
        """Still ours, or taken again: a server restart ends the session and its lock with it,
        and another run may then have taken the home; sending on would repeat its mail."""
        from sqlalchemy.exc import DBAPIError

        from bixue.warehouse.db import sql

        if self._conn is None:
            return
        conn: Connection | None = self._conn
        try:
            if self._conn.execute(sql("lock_pg_held"), self._key).scalar_one():
                self._conn.commit()
                return
        except DBAPIError:
            with contextlib.suppress(DBAPIError):
                self._conn.close()
            self._conn = conn = None
        if conn is None:  # the server is back (or this raises its own error)
            conn = self.engine.connect()
            me = Holder.me()
            conn.execute(
                sql("lock_pg_name"), {"name": f"bixue {me.pid}@{me.host} {me.started}"[:63]}
            )
        if conn.execute(sql("lock_pg_try"), self._key).scalar_one():
            conn.commit()
            self._conn = conn
            return
        self._conn = None
        holder = self._holder(conn, self._key)
        conn.close()
        who = holder.describe() if holder else "另一个运行"
        raise RunLockLostError(
            f"与数据仓库的连接中断后，本次运行的数据目录锁已失效，现由{who}持有。"
            "为避免重复发送，本次运行停止发送；未发出的通知仍保留，由持有者或下一次运行发出。"
        )

    def release(self) -> None:
        from sqlalchemy.exc import OperationalError

        from bixue.warehouse.db import sql

        if self._conn is not None:
            try:
                self._conn.execute(sql("lock_pg_release"), self._key)
                self._conn.commit()
            except OperationalError:
                # The server went away (restarted, or is down): the session lock went with it.
                # Raising here would hide the run's own outcome (or fail a run that finished).
                pass
            finally:
                self._conn.close()
                self._conn = None
        self.engine.dispose()


def _objid(where: str) -> int:
    return int.from_bytes(hashlib.sha256(where.encode()).digest()[:4], "big") & 0x7FFFFFFF


def run_lock(settings: Settings) -> RunLock:
    """The lock that fits the home's warehouse: PostgreSQL advisory, else a file in the home."""
    url = settings.warehouse_url
    if url.startswith("postgresql"):
        return PostgresRunLock(url)
    return FileRunLock(settings.home)


@contextlib.contextmanager
def home_lock(settings: Settings, wait: float | None = None) -> Iterator[None]:
    """Hold the home for the block; wait up to `wait` (default: settings) or RunLockBusyError."""
    lock = run_lock(settings)
    lock.acquire(settings.lock_wait_seconds if wait is None else wait)
    _HELD.append(lock)
    try:
        yield
    finally:
        _HELD.remove(lock)
        lock.release()


def ensure_held() -> None:
    """Before an external effect: every lock this process holds is still its own."""
    for lock in list(_HELD):
        lock.ensure_held()
