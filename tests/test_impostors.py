"""Impostors: a real mailbox is read only with the sender check set up (or turned off on
purpose, and then every status says so); a Reply-To elsewhere never gets the receipt."""

from __future__ import annotations

import email
import email.policy
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from bixue.cli import main
from bixue.config import ConfigError, load_settings
from bixue.mail.intake import land_messages, policy_for
from bixue.model import RawMessage
from bixue.render.office import compose_office_status
from bixue.warehouse.db import connect
from bixue.warehouse.status import office_view

WARNING = "发件人认证检查已关闭"
FORGED = (
    b"Authentication-Results: mx.zs.chuxiong.example; "
    b"dmarc=pass header.from=zs.chuxiong.example\r\n"
    b"From: lfs@zs.chuxiong.example\r\nTo: zdcyzszb@163.com\r\nSubject: x\r\n"
    b"Message-ID: <forged@evil.example>\r\n\r\nbody\r\n"
)


@pytest.mark.parametrize(
    ("env", "refused", "warned", "authserv"),
    [
        ({}, False, False, ""),  # the embedded demo: a local Maildir
        ({"BIXUE_MAILBOX": "imap"}, True, False, ""),
        ({"BIXUE_MAILBOX": "imap", "BIXUE_MAIL_AUTHSERV_ID": "mx.cx"}, False, False, "mx.cx"),
        ({"BIXUE_MAILBOX": "imap", "BIXUE_MAIL_SENDER_CHECK": "off"}, False, True, ""),
        (
            {
                "BIXUE_MAILBOX": "imap",
                "BIXUE_MAIL_AUTHSERV_ID": "mx.cx",
                "BIXUE_MAIL_SENDER_CHECK": "off",
            },
            False,
            True,
            "",
        ),
    ],
    ids=["maildir", "imap-unchecked", "imap-checked", "imap-turned-off", "off-wins-over-id"],
)
def test_a_real_mailbox_needs_the_sender_check_or_an_explicit_off(
    env: dict[str, str],
    refused: bool,
    warned: bool,
    authserv: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name in ("BIXUE_MAILBOX", "BIXUE_MAIL_AUTHSERV_ID", "BIXUE_MAIL_SENDER_CHECK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(tmp_path)
    if refused:
        with pytest.raises(ConfigError, match=r"未配置发件人认证.*本次运行未读取任何邮件"):
            settings.require_sender_check()
    else:
        settings.require_sender_check()
    assert (settings.sender_check_warning is not None) == warned
    assert policy_for(settings).authserv_id == authserv


def test_a_forged_pass_from_another_server_is_quarantined_once_the_check_is_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BIXUE_MAIL_AUTHSERV_ID", "mx.ours.example")
    policy = policy_for(load_settings(tmp_path))
    [landed] = land_messages(tmp_path / "landing", [RawMessage("k", FORGED)], policy)
    assert landed.state == "quarantined" and "mx.ours.example" in landed.reasons[0]


@pytest.mark.prefect
def test_the_monthly_run_refuses_an_unchecked_imap_mailbox_before_reading_it(
    prefect_server: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.flows.running import run_month

    monkeypatch.setenv("BIXUE_MAILBOX", "imap")
    monkeypatch.setenv("BIXUE_IMAP_HOST", "127.0.0.1")
    monkeypatch.setenv("BIXUE_IMAP_PORT", "1")  # nothing there: it must not even try
    monkeypatch.delenv("BIXUE_MAIL_AUTHSERV_ID", raising=False)
    settings = load_settings(tmp_path / "home")
    with pytest.raises(ConfigError, match="未配置发件人认证"):
        run_month(settings, "2023-01")


def test_every_status_says_the_check_is_off_while_it_is(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BIXUE_MAILBOX", "imap")
    monkeypatch.setenv("BIXUE_MAIL_SENDER_CHECK", "off")
    settings = load_settings(tmp_path / "home")
    mail = compose_office_status(
        settings, office_view(connect(settings.warehouse_url), settings, "2023-01")
    )
    assert WARNING in mail.body
    connect(settings.warehouse_url).dispose()
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["status", "--home", str(settings.home), "--period", "2023-01"])
    assert code == 0 and WARNING in err.getvalue()
    monkeypatch.setenv("BIXUE_MAIL_SENDER_CHECK", "required")
    monkeypatch.setenv("BIXUE_MAIL_AUTHSERV_ID", "mx.cx")
    again = load_settings(tmp_path / "home")
    assert (
        WARNING
        not in compose_office_status(
            again, office_view(connect(again.warehouse_url), again, "2023-01")
        ).body
    )


@pytest.mark.prefect
def test_a_reply_to_elsewhere_never_gets_the_receipt(prefect_server: None, tmp_path: Path) -> None:
    from bixue.sample.generate import generate_year
    from tests.flows.running import run_month

    settings = load_settings(tmp_path / "home")
    generate_year(settings.mailbox_path, settings, months=[1])
    forged = 0
    for path in sorted((settings.mailbox_path / "new").iterdir()):
        path.write_bytes(b"Reply-To: thief@evil.example\r\n" + path.read_bytes())
        forged += 1
    run_month(settings, "2023-01")
    receipts = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in settings.outbox_path.glob("receipt-*.eml")
    ]
    everyone = [*settings.registry.units, *settings.registry.providers]
    registered = {s for who in everyone for s in who.senders}
    assert forged and receipts
    assert all("evil.example" not in str(r["To"]) for r in receipts)
    assert {str(r["To"].addresses[0].addr_spec) for r in receipts} <= registered
