"""The notice ledger: each notice pending until the server accepted it (or its file is on
disk), then sent; a rerun sends exactly the pending ones. Counted at a real aiosmtpd server."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.config import load_settings
from bixue.mail.outbox import open_mailer
from bixue.mail.send import NoticesNotSentError, queue_notices, raise_if_pending, send_pending
from bixue.render.notice import Notice
from bixue.warehouse.db import connect
from tests.smtp_sink import Sink, free_port, smtp_sink


def _notices(n: int = 10) -> list[Notice]:
    return [
        Notice(
            key=f"receipt-2023-01-unit{i:02d}-test",
            unit=f"单位{i}",
            period="2023-01",
            to=(f"unit{i}@example.cn",),
            subject=f"【报送回执】单位{i}2023年1月报表：已受理",
            body=f"单位{i}：\n\n已受理。",
        )
        for i in range(1, n + 1)
    ]


def _ledger(engine: sa.Engine) -> dict[str, tuple[str, int, bool]]:
    """key -> (state, attempts, composed mail still kept)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select key, state, attempts, raw from notice"))
        return {key: (state, attempts, raw is not None) for key, state, attempts, raw in rows}


def _smtp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: Sink) -> sa.Engine:
    for name, value in sink.env().items():
        monkeypatch.setenv(name, value)
    return connect(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")


def test_outbox_notices_go_once_each_and_a_rerun_writes_nothing(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "home")
    engine = connect(settings.warehouse_url)
    mailer = open_mailer(settings)
    assert queue_notices(engine, mailer, _notices(), []) == 10
    assert {v[0] for v in _ledger(engine).values()} == {"pending"}
    report = send_pending(engine, mailer)
    files = sorted(p.name for p in settings.outbox_path.glob("*.eml"))
    assert len(report.sent) == 10 and files == sorted(f"{n.key}.eml" for n in _notices())
    assert set(_ledger(engine).values()) == {("sent", 1, False)}
    before = {p.name: p.stat().st_mtime_ns for p in settings.outbox_path.iterdir()}
    assert queue_notices(engine, mailer, _notices(), []) == 0  # composed again: already known
    assert send_pending(engine, mailer).sent == []
    assert {p.name: p.stat().st_mtime_ns for p in settings.outbox_path.iterdir()} == before


def test_smtp_failing_on_notice_5_of_10_never_resends_1_to_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_sink() as sink:
        engine = _smtp_home(tmp_path, monkeypatch, sink)
        mailer = open_mailer(load_settings(tmp_path / "home"))
        queue_notices(engine, mailer, _notices(), [])
        sink.fail_from = 5
        report = send_pending(engine, mailer)
        with pytest.raises(NoticesNotSentError, match="6份通知未能发出（已发出4份）"):
            raise_if_pending(report)
        ledger = _ledger(engine)
        assert [ledger[n.key][0] for n in _notices()] == ["sent"] * 4 + ["pending"] * 6
        sink.fail_from = 0  # the server recovers: the retry (or the next run) sends the rest
        assert len(send_pending(engine, mailer).sent) == 6
    ids = sink.message_ids()
    assert len(ids) == 10 and set(ids.values()) == {1}
    assert {v[0] for v in _ledger(engine).values()} == {"sent"}


def test_smtp_down_for_a_whole_run_leaves_every_notice_for_the_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nobody listens there yet
    down = Sink(port=port)
    engine = _smtp_home(tmp_path, monkeypatch, down)
    mailer = open_mailer(load_settings(tmp_path / "home"))
    queue_notices(engine, mailer, _notices(), [])
    report = send_pending(engine, mailer)
    assert report.sent == [] and len(report.failed) == 1 and report.left == 9  # stopped at once
    with pytest.raises(NoticesNotSentError, match="10份通知未能发出"):
        raise_if_pending(report)
    assert {v[0] for v in _ledger(engine).values()} == {"pending"}
    with smtp_sink(port) as sink:
        assert len(send_pending(engine, mailer).sent) == 10
    assert sorted(sink.message_ids().values()) == [1] * 10


def test_a_refused_recipient_keeps_only_its_own_notice_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_sink() as sink:
        engine = _smtp_home(tmp_path, monkeypatch, sink)
        mailer = open_mailer(load_settings(tmp_path / "home"))
        queue_notices(engine, mailer, _notices(3), [])
        sink.refuse = {"unit2@example.cn"}
        report = send_pending(engine, mailer)
    assert len(report.sent) == 2 and list(report.failed) == [_notices(3)[1].key]
    with engine.connect() as conn:
        error = conn.execute(sa.text("select last_error from notice where state = 'pending'"))
        assert "SMTPRecipientsRefused" in error.scalar_one()


def test_queuing_marks_the_answered_messages_in_the_same_transaction(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "home")
    engine = connect(settings.warehouse_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into message (raw_sha256, raw_path, state) values ('a', 'x', 'accepted')"
            )
        )
    queue_notices(engine, open_mailer(settings), _notices(1), ["a"])
    with engine.connect() as conn:
        noticed = conn.execute(sa.text("select noticed_at from message")).scalar_one()
    assert noticed is not None
