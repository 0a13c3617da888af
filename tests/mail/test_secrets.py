"""Passwords never leave the environment: with marker passwords in BIXUE_IMAP_PASSWORD and
BIXUE_SMTP_PASSWORD, runs through a real Dovecot (IMAP) and aiosmtpd (SMTP), one failing to log
in to each, then one that succeeds, show neither marker (nor the wrong ones tried) in stdout or
stderr, in the Prefect logs, run parameters, states or artifacts read back from the API, in
the Prefect server's database, in any table of the warehouse, or in any file of the home
(landing, outbox, receipts)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dovecot_server import Dovecot
from test_imap_intake import PERIOD, _submission

import tests.smtp_sink
from bixue.config import load_settings
from bixue.mail.send import NoticesNotSentError
from tests import crash_harness as harness
from tests.smtp_sink import Sink, smtp_sink

pytestmark = pytest.mark.prefect

SMTP_MARKER = f"smtpmarker{secrets.token_hex(8)}"
WRONG_IMAP = f"wrongimapmarker{secrets.token_hex(8)}"
WRONG_SMTP = f"wrongsmtpmarker{secrets.token_hex(8)}"
UNITS = [("禄丰市", "甲"), ("南华县", "乙"), ("姚安县", "丙")]


@pytest.fixture
def mailbox(dovecot: Dovecot, imap_folder: str) -> str:
    """A fresh folder with the month's mail; the login's password (random per session) is
    the IMAP marker."""
    with dovecot.client() as box:
        for unit, label in UNITS:
            box.append(_submission(unit, label), imap_folder, flag_set=[])
    return imap_folder


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    """aiosmtpd whose login password is the SMTP marker."""
    monkeypatch.setattr(tests.smtp_sink, "PASSWORD", SMTP_MARKER)
    with smtp_sink() as running:
        yield running


def _environment(dovecot: Dovecot, folder: str, sink: Sink, imap: str, smtp: str) -> dict[str, str]:
    return {
        **sink.env(),
        "BIXUE_SMTP_PASSWORD": smtp,
        "BIXUE_MAILBOX": "imap",
        "BIXUE_IMAP_HOST": dovecot.host,
        "BIXUE_IMAP_PORT": str(dovecot.port),
        "BIXUE_IMAP_USER": dovecot.user,
        "BIXUE_IMAP_FOLDER": folder,
        "BIXUE_IMAP_SSL": "false",
        "BIXUE_IMAP_PASSWORD": imap,
        "BIXUE_MAIL_SENDER_CHECK": "off",
    }


def _failing_run(
    home: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, expected: type[Exception]
) -> str:
    """The monthly flow in this process, failing; retries at once (the delays are for people)."""
    from flows.monthly_ingest import monthly_ingest
    from tasks.mailbox import fetch_messages
    from tasks.notices import send_notices

    with monkeypatch.context() as m:
        for task in (fetch_messages, send_notices):
            m.setattr(task, "retry_delay_seconds", [0])
        for name, value in env.items():
            m.setenv(name, value)
        with pytest.raises(expected) as failed:
            monthly_ingest(period=PERIOD, home=str(home))
    return f"{failed.value!r} {failed.value}"


def _every(read: Callable[..., list[Any]]) -> Iterator[Any]:
    """All of a listing, page by page (the whole session's runs, not only this test's)."""
    offset = 0
    while page := read(limit=200, offset=offset):
        yield from page
        offset += len(page)


def _api_texts() -> list[str]:
    """Everything the Prefect API holds of the runs: logs, parameters, states, artifacts."""
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()  # the logs this process still queues
    texts: list[str] = []
    with get_client(sync_client=True) as client:
        for log in _every(client.read_logs):
            texts.append(f"{log.name} {log.message}")
        for run in _every(client.read_flow_runs):
            texts.append(repr(run.parameters))
            texts.append(repr(run.job_variables))
            texts.append(f"{run.state.message if run.state else ''} {run.state!r}")
        for task_run in _every(client.read_task_runs):
            texts.append(f"{task_run.state.message if task_run.state else ''}")
            texts.append(repr(task_run.task_inputs))
        for artifact in _every(client.read_artifacts):
            texts.append(f"{artifact.data!r} {artifact.description}")
    return texts


def _warehouse_texts(url: str) -> list[str]:
    """Every row of every table of the warehouse, as text."""
    engine = sa.create_engine(url)
    texts = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            texts += [repr(tuple(row)) for row in conn.execute(sa.text(f'select * from "{table}"'))]
    engine.dispose()
    return texts


def _files_holding(root: Path, markers: tuple[str, ...]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path}: {m}" for m in markers if m.encode() in data]
    return found


def _prefect_database() -> Path | None:
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    url = str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value() or "")
    path = url.partition(":///")[2]
    return Path(path) if path and Path(path).is_file() else None


def test_marker_passwords_appear_in_no_log_parameter_artifact_table_or_file(
    prefect_server: None,
    dovecot: Dovecot,
    mailbox: str,
    sink: Sink,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    imap_marker = dovecot.password
    markers = (imap_marker, SMTP_MARKER, WRONG_IMAP, WRONG_SMTP)
    home = tmp_path / "home"
    seen: list[str] = []
    # 1. IMAP login refused: nothing read; 2. SMTP login refused: recorded, receipts pending.
    refused_imap = _environment(dovecot, mailbox, sink, WRONG_IMAP, SMTP_MARKER)
    seen.append(_failing_run(home, refused_imap, monkeypatch, Exception))
    assert "AUTHENTICATIONFAILED" in seen[-1] or "Authentication failed" in seen[-1]
    seen.append(
        _failing_run(
            home,
            _environment(dovecot, mailbox, sink, imap_marker, WRONG_SMTP),
            monkeypatch,
            NoticesNotSentError,
        )
    )
    assert "535" in seen[-1] and not sink.accepted
    # 3. A real `bixue ingest` with the right passwords sends the pending receipts.
    extra = {**_environment(dovecot, mailbox, sink, imap_marker, SMTP_MARKER)}
    extra["PREFECT_LOGGING_LEVEL"] = "DEBUG"
    run = harness.ingest(home, PERIOD, extra)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(sink.accepted) >= len(UNITS)  # the receipts went out with the right login
    captured = capfd.readouterr()
    seen += [run.stdout, run.stderr, captured.out, captured.err]

    api = _api_texts()
    assert any("535" in text or "AUTHENTICATIONFAILED" in text for text in api)  # errors kept
    with monkeypatch.context() as m:
        m.setenv("BIXUE_HOME", str(home))
        url = load_settings(home).warehouse_url
    warehouse = _warehouse_texts(url)
    assert any(unit in text for text in warehouse for unit, _ in UNITS)
    where: dict[str, Any] = {
        "output": seen,
        "prefect api": api,
        "warehouse": warehouse,
        "home files": _files_holding(home, markers),
        "prefect home": _files_holding(Path(os.environ["PREFECT_HOME"]), markers),
    }
    database = _prefect_database()
    assert database is not None
    where["prefect database"] = _files_holding(database.parent, markers)
    leaks = {
        place: [m for m in markers if any(m in text for text in texts)]
        for place, texts in where.items()
    }
    assert leaks == {place: [] for place in where}
