"""IMAP failing mid-fetch, through a proxy between Bixue and the test Dovecot: a connection cut
or stalled inside a FETCH is reopened (the stall ended by the socket timeout) and the month
ends as if nothing happened, each message recorded once and each receipt sent once; a server
that keeps failing ends the run with a clear Chinese error, nothing recorded, and the rerun
converges."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from dovecot_server import Dovecot
from imap_proxy import Fault, Proxy, imap_proxy
from test_imap_intake import PERIOD, _deliver, _run, _submission

from bixue.config import load_settings
from bixue.mail.imap import ImapSource, MailboxUnavailableError
from tests.smtp_sink import Sink, smtp_sink

MESSAGES = [("禄丰市", "甲"), ("南华县", "乙"), ("姚安县", "丙"), ("武定县", "丁")]
TIMEOUT = 2  # seconds per IMAP command (BIXUE_IMAP_TIMEOUT), so a stall costs little


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    queries = {
        "messages": "select count(*) from message",
        "distinct": "select count(distinct raw_sha256) from message",
        "flagged": "select count(*) from mail_ledger where flagged_at is not null",
        "submissions": "select count(*) from submission",
        "notices_sent": "select count(*) from notice where state = 'sent'",
    }
    with engine.connect() as conn:
        found = {k: int(conn.execute(sa.text(q)).scalar_one()) for k, q in queries.items()}
    engine.dispose()
    return found


def _environment(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy, dovecot: Dovecot, folder: str, sink: Sink
) -> None:
    for name, value in {
        **sink.env(),
        "BIXUE_MAILBOX": "imap",
        "BIXUE_IMAP_HOST": "127.0.0.1",
        "BIXUE_IMAP_PORT": str(proxy.port),
        "BIXUE_IMAP_USER": dovecot.user,
        "BIXUE_IMAP_FOLDER": folder,
        "BIXUE_IMAP_SSL": "false",
        "BIXUE_IMAP_TIMEOUT": str(TIMEOUT),
        "BIXUE_MAIL_SENDER_CHECK": "off",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def sink() -> Iterator[Sink]:
    with smtp_sink() as running:
        yield running


@pytest.mark.prefect
@pytest.mark.parametrize("fault", ["cut", "stall"])
def test_a_connection_failing_mid_fetch_is_reopened_and_the_month_is_recorded_once(
    fault: str,
    prefect_server: None,
    dovecot: Dovecot,
    imap_folder: str,
    tmp_path: Path,
    sink: Sink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.monthly_ingest import monthly_ingest

    _deliver(dovecot, imap_folder, [_submission(unit, label) for unit, label in MESSAGES])
    home = tmp_path / "home"

    # The first connection lists the mailbox; the second, reading its page, fails 3000 bytes
    # into the FETCH answer.
    def plan(n: int) -> Fault:
        return (fault, 3000) if n == 2 else None

    with imap_proxy((dovecot.host, dovecot.port), plan) as proxy:
        _environment(monkeypatch, proxy, dovecot, imap_folder, sink)
        counts = monthly_ingest(period=PERIOD, home=str(home))
        assert proxy.faults == 1 and proxy.connections >= 2
        url = load_settings(home).warehouse_url
        first = _counts(url)
        mail = sink.message_ids()
        rerun = monthly_ingest(period=PERIOD, home=str(home))
    assert counts["messages"] == len(MESSAGES) and rerun["messages"] == 0
    assert first == {
        "messages": 4, "distinct": 4, "flagged": 4, "submissions": 4,
        "notices_sent": first["notices_sent"],
    }  # fmt: skip
    assert first["notices_sent"] >= len(MESSAGES)  # a receipt each, and the office's status
    assert len(mail) == first["notices_sent"] and set(mail.values()) == {1}
    assert _counts(url) == first  # the rerun found nothing new and sent nothing
    assert sink.message_ids() == mail


def test_a_mailbox_that_keeps_failing_mid_fetch_fails_clearly_and_the_rerun_converges(
    dovecot: Dovecot, imap_folder: str, tmp_path: Path
) -> None:
    _deliver(dovecot, imap_folder, [_submission(unit, label) for unit, label in MESSAGES])
    settings = load_settings(tmp_path / "home")
    settings.home.mkdir(parents=True)
    broken = True

    def plan(n: int) -> Fault:
        return ("cut", 3000) if broken else None

    with imap_proxy((dovecot.host, dovecot.port), plan) as proxy:
        imap = dovecot.settings(imap_folder)
        via = dataclasses.replace(imap, port=proxy.port)
        source = ImapSource(via, timeout=TIMEOUT, retries=2, backoff=0.1)
        with source, pytest.raises(MailboxUnavailableError) as failed:
            _run(settings, source)
        text = str(failed.value)
        assert text.startswith(
            f"邮箱服务器 127.0.0.1:{proxy.port} 连接中断（每次等待2秒，已重试2次）"
        )
        assert "邮件仍保留在邮箱中" in text and dovecot.password not in text
        assert proxy.faults == 3
        assert _counts(settings.warehouse_url)["messages"] == 0  # nothing half-recorded
        broken = False
        with ImapSource(via, timeout=TIMEOUT) as source:
            landed = _run(settings, source)
    assert len(landed) == len(MESSAGES)
    counts = _counts(settings.warehouse_url)
    assert (counts["messages"], counts["distinct"], counts["flagged"]) == (4, 4, 4)
