"""Mail that has arrived and no run has handled (待处理), from the mailbox listing alone."""

from __future__ import annotations

import pytest
from dovecot_server import Dovecot
from test_imap_intake import _deliver, _imap_environment, _run, _submission

from bixue.config import Settings, load_settings
from bixue.mail.imap import ImapSource
from bixue.mail.pending import waiting_mail
from bixue.warehouse.db import connect


def test_imap_mail_the_ledger_does_not_hold_is_waiting_and_handled_mail_is_not(
    dovecot: Dovecot, imap_folder: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _imap_environment(monkeypatch, dovecot, imap_folder)
    settings = load_settings(settings.home)  # the IMAP variables now in force
    _deliver(dovecot, imap_folder, [_submission("禄丰市", "先到")])
    with ImapSource(dovecot.settings(imap_folder)) as source:
        _run(settings, source)
    _deliver(dovecot, imap_folder, [_submission("南华县", "后到")])
    engine = connect(settings.warehouse_url)
    found = waiting_mail(engine, settings)
    assert found["error"] is None
    [waiting] = found["messages"]
    assert waiting["key"].endswith(";UID=2")


def test_an_unreachable_mailbox_is_said_in_chinese_and_status_still_answers(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIXUE_MAILBOX", "imap")
    monkeypatch.setenv("BIXUE_IMAP_HOST", "127.0.0.1")
    monkeypatch.setenv("BIXUE_IMAP_PORT", "1")  # nothing listens there
    monkeypatch.setenv("BIXUE_IMAP_USER", "office")
    monkeypatch.setenv("BIXUE_IMAP_SSL", "false")
    settings = load_settings(settings.home)
    found = waiting_mail(connect(settings.warehouse_url), settings)
    assert found["messages"] == []
    assert found["error"].startswith("邮箱暂时无法读取：")
