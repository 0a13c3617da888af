"""PostgreSQL stopped in the middle of a message's transaction, on a private server the test
starts itself (initdb and pg_ctl on a free port; the machine's own PostgreSQL is never touched):

- started again within the load task's retry delay, the run retries and ends as an
  uninterrupted one;
- left down, the run fails with a clear Chinese error; once it is up again a rerun converges:
  the same warehouse, each message recorded once, every receipt delivered exactly once.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bixue.config import load_settings
from bixue.sample.generate import generate_year
from bixue.warehouse import load
from bixue.warehouse.db import WarehouseUnavailableError
from tests import crash_harness as harness
from tests.conftest import need
from tests.smtp_sink import Sink, free_port, smtp_sink

pytestmark = pytest.mark.prefect
PERIOD = "2023-01"


def _binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


@dataclass
class PrivatePostgres:
    """A throwaway cluster: its own data folder, socket folder and loopback port."""

    bin: Path
    data: Path
    port: int

    def _as_owner(self, *command: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=120, check=True
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1"
        self._as_owner(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data.parent / "log"),
            "-w", "-o", options, "start",
        )  # fmt: skip

    def stop(self) -> None:
        """As a crash or an operator's kill would: backends end, open transactions are lost."""
        self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create(self, database: str) -> str:
        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'create database "{database}"'))
        admin.dispose()
        return self.url(database)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    binaries = _binaries()
    need(binaries is not None, "PostgreSQL server binaries not in /usr/lib/postgresql/*/bin")
    assert binaries is not None
    owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="bixue-pg-"))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    server = PrivatePostgres(binaries, root / "data", free_port())
    server._as_owner(
        str(binaries / "initdb"), "-D", str(server.data), "-U", "postgres", "--auth=trust",
        "-E", "UTF8", "--no-locale", "--no-sync",
    )  # fmt: skip
    server.start()
    try:
        yield server
    finally:
        subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if owner else []), str(binaries / "pg_ctl"),
             "-D", str(server.data), "-m", "immediate", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("pg-template") / "home"
    settings = load_settings(home)
    generate_year(settings.mailbox_path, settings, months=[1])
    return settings.mailbox_path


def _ingest(home: Path, url: str, sink: Sink, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The monthly flow in this process (so the test can cut the server mid-transaction)."""
    from flows.monthly_ingest import monthly_ingest

    with monkeypatch.context() as m:
        for name, value in {**sink.env(), "BIXUE_WAREHOUSE_URL": url}.items():
            m.setenv(name, value)
        return monthly_ingest(period=PERIOD, home=str(home))


def _cut_inside_the_transaction(
    monkeypatch: pytest.MonkeyPatch, nth: int, cut: Callable[[], None]
) -> list[int]:
    """Stop the server as the n-th message's facts are about to be written (its message and
    attachment rows already sent, not committed)."""
    original = load._insert_facts
    calls = [0]

    def insert(conn: sa.Connection, rows: Any) -> None:
        calls[0] += 1
        if calls[0] == nth:
            cut()
        original(conn, rows)

    monkeypatch.setattr(load, "_insert_facts", insert)
    return calls


@pytest.fixture(scope="module")
def uninterrupted(
    prefect_server: None,
    postgres: PrivatePostgres,
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("pg-clean") / "home"
    harness.copy_mailbox(template, home)
    url = postgres.create("clean")
    with smtp_sink() as sink, pytest.MonkeyPatch.context() as m:
        _ingest(home, url, sink, m)
        mail = sink.message_ids()
    assert mail and set(mail.values()) == {1}
    return {"state": harness.state(home, {"BIXUE_WAREHOUSE_URL": url}), "mail": mail}


def test_postgres_restarted_within_the_retry_delay_the_run_retries_and_converges(
    uninterrupted: dict[str, Any],
    postgres: PrivatePostgres,
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    harness.copy_mailbox(template, home)
    url = postgres.create("retried")

    def stop_then_start_soon() -> None:
        postgres.stop()
        threading.Timer(2.0, postgres.start).start()  # back before the load task's retry

    calls = _cut_inside_the_transaction(monkeypatch, 5, stop_then_start_soon)
    with smtp_sink() as sink:
        _ingest(home, url, sink, monkeypatch)
        assert calls[0] > 5
        assert sink.message_ids() == uninterrupted["mail"]
    assert harness.state(home, {"BIXUE_WAREHOUSE_URL": url}) == uninterrupted["state"]


def test_postgres_down_mid_transaction_fails_the_run_clearly_and_a_rerun_converges(
    uninterrupted: dict[str, Any],
    postgres: PrivatePostgres,
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    harness.copy_mailbox(template, home)
    url = postgres.create("outage")
    _cut_inside_the_transaction(monkeypatch, 5, postgres.stop)
    from tasks.ingest import ingest_batch

    monkeypatch.setattr(ingest_batch, "retry_delay_seconds", [0])  # each retry finds it down
    with smtp_sink() as sink:
        try:
            with pytest.raises(WarehouseUnavailableError) as failed:
                _ingest(home, url, sink, monkeypatch)
        finally:
            postgres.start()
        text = str(failed.value)
        assert text.startswith("与数据仓库（PostgreSQL）的连接中断或无法连接")
        assert f"127.0.0.1:{postgres.port}/outage" in text and "没有数据丢失" in text
        monkeypatch.undo()  # the server stays up from here on
        _ingest(home, url, sink, monkeypatch)
        assert sink.message_ids() == uninterrupted["mail"]  # every receipt, exactly once
    assert harness.state(home, {"BIXUE_WAREHOUSE_URL": url}) == uninterrupted["state"]
