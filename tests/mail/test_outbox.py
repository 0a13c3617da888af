"""compose / Outbox / SmtpMailer: Chinese notices survive, resends are idempotent, SMTP is real."""

from __future__ import annotations

import email
import secrets
import smtplib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bixue.config import ConfigError, Settings
from bixue.mail.message import parse_message
from bixue.mail.outbox import (
    Outbox,
    OutgoingMail,
    SmtpMailer,
    compose,
    message_id,
    open_mailer,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
OFFICE = "zdcyzszb@163.com"
CST = timezone(timedelta(hours=8))
WORKBOOK = b"PK\x03\x04" + bytes(range(256)) * 4
BODY = (
    "楚雄市投资促进局：\n\n贵单位3月报送的报表有以下问题：\n"
    "1. 项目名称为空。\n\n州重点产业招商专班办公室"
)
MAIL = OutgoingMail(
    key="notice-2024-03-cxs-1",
    to=("unit@cxs.gov.cn",),
    subject="【退回】楚雄市2024年1—3月招商引资报表",
    body=BODY,
    attachments=(("楚雄市2024年1—3月问题清单.xlsx", WORKBOOK), ("说明.pdf", b"%PDF-1.4\n")),
    date=datetime(2024, 3, 21, 9, 30, tzinfo=CST),
)


def _parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _attachments(msg: email.message.Message) -> list[tuple[str | None, object]]:
    """(file name, decoded bytes) of each part the stdlib itself calls an attachment."""
    return [
        (part.get_filename(), part.get_payload(decode=True))
        for part in msg.walk()
        if part.get_content_disposition() == "attachment"
    ]


def test_compose_round_trips_recipients_subject_body_and_chinese_attachments() -> None:
    raw = compose(MAIL, OFFICE, "州重点产业招商专班办公室")
    assert raw.count(b"filename*=utf-8''") == 2  # one RFC 2231 parameter per short name
    assert raw.count(b'name="=?utf-8?b?') == 2  # plus RFC 2047 for Outlook and Foxmail
    for parsed in (email.message_from_bytes(raw), _parse(raw)):  # compat32 and default policy
        assert _attachments(parsed) == list(MAIL.attachments)
    msg = _parse(raw)
    assert msg["To"] == "unit@cxs.gov.cn"
    assert msg["Subject"] == MAIL.subject
    assert msg["From"] == f"州重点产业招商专班办公室 <{OFFICE}>"
    assert msg["Message-ID"] == "<bixue.notice-2024-03-cxs-1@163.com>"
    assert msg["Date"].datetime == MAIL.date
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content() == BODY
    assert msg.get_body(preferencelist=("html",)) is None  # no <br>-mangled HTML twin


def test_compose_is_read_back_by_our_own_parser() -> None:
    incoming = parse_message(compose(MAIL, OFFICE))
    assert incoming.sender == OFFICE
    assert incoming.subject == MAIL.subject
    assert [(a.filename, a.content) for a in incoming.attachments] == list(MAIL.attachments)
    assert not any(a.name_flagged for a in incoming.attachments)


def test_compose_uses_crlf_and_short_ascii_lines() -> None:
    raw = compose(MAIL, OFFICE)
    assert raw.isascii()
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 998


def test_long_chinese_attachment_name_survives_continuations() -> None:
    name = "楚雄彝族自治州" * 20 + "项目清单.xlsx"
    mail = replace(MAIL, attachments=((name, b"x"),))
    raw = compose(mail, OFFICE)
    assert b"filename*0*=utf-8''" in raw and b"filename*1*=" in raw
    assert _attachments(_parse(raw)) == [(name, b"x")]
    assert [a.filename for a in parse_message(raw).attachments] == [name]


def test_compose_is_deterministic_when_the_date_is_given() -> None:
    assert compose(MAIL, OFFICE) == compose(MAIL, OFFICE)
    assert compose(MAIL, OFFICE) != compose(replace(MAIL, body=BODY + "。"), OFFICE)


def test_compose_without_date_stamps_now() -> None:
    before = datetime.now(CST).replace(microsecond=0)
    msg = _parse(compose(replace(MAIL, date=None), OFFICE))
    assert msg["Date"].datetime >= before


@pytest.mark.parametrize(
    "changes",
    [
        {"key": "Notice_1"},
        {"key": ""},
        {"to": ()},
        {"to": ("a@x.cn, b@y.cn",)},
        {"date": datetime(2024, 3, 21)},
        {"attachments": (("  ", b"x"),)},
    ],
    ids=["key-case", "key-empty", "no-recipient", "two-in-one", "naive-date", "blank-name"],
)
def test_outgoing_mail_rejects_bad_fields(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        replace(MAIL, **changes)


def test_outbox_send_twice_leaves_one_identical_file(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox", OFFICE)
    first = outbox.send(MAIL)
    content = Path(first).read_bytes()
    second = outbox.send(MAIL)
    assert first == second == str(tmp_path / "outbox" / "notice-2024-03-cxs-1.eml")
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == ["notice-2024-03-cxs-1.eml"]
    assert Path(second).read_bytes() == content == compose(MAIL, OFFICE)


def test_outbox_same_key_with_new_content_replaces_the_file(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox", OFFICE)
    outbox.send(MAIL)
    path = outbox.send(replace(MAIL, subject="更正"))
    assert len(list((tmp_path / "outbox").iterdir())) == 1
    assert _parse(Path(path).read_bytes())["Subject"] == "更正"


def test_open_mailer_defaults_to_the_outbox_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BIXUE_MAIL_OUT", raising=False)
    monkeypatch.setenv("BIXUE_MAIL_FROM", OFFICE)
    mailer = open_mailer(Settings(home=tmp_path))
    assert isinstance(mailer, Outbox)
    assert mailer.path == tmp_path / "outbox"
    assert mailer.sender == OFFICE


# ---------------------------------------------------------------------------------------------
# SMTP against a real aiosmtpd server on loopback

# A fresh password per run for the throwaway server (smtplib AUTH is ASCII-only).
USER = "bixue@163.com"
PASSWORD = secrets.token_urlsafe(16)


@dataclass
class _Collector:
    """aiosmtpd handler keeping what it received."""

    envelopes: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@dataclass
class _Authenticator:
    """Accepts exactly USER / PASSWORD and records the logins tried."""

    logins: list[tuple[str, str]] = field(default_factory=list)

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)


@dataclass
class _Server:
    port: int
    handler: _Collector
    auth: _Authenticator


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[_Server]:
    """aiosmtpd with AUTH over plain TCP (loopback only; TLS would need a certificate)."""
    handler, auth = _Collector(), _Authenticator()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=auth,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield _Server(controller.port, handler, auth)
    finally:
        controller.stop()


@pytest.fixture
def smtp_env(monkeypatch: pytest.MonkeyPatch, smtp_server: _Server) -> _Server:
    monkeypatch.setenv("BIXUE_MAIL_OUT", "smtp")
    monkeypatch.setenv("BIXUE_MAIL_FROM", OFFICE)
    monkeypatch.setenv("BIXUE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BIXUE_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("BIXUE_SMTP_SSL", "false")
    monkeypatch.setenv("BIXUE_SMTP_STARTTLS", "false")
    monkeypatch.setenv("BIXUE_SMTP_USER", USER)
    monkeypatch.setenv("BIXUE_SMTP_PASSWORD", PASSWORD)
    return smtp_server


def test_smtp_mailer_delivers_the_composed_notice_with_auth(
    tmp_path: Path, smtp_env: _Server
) -> None:
    mailer = open_mailer(Settings(home=tmp_path))
    assert isinstance(mailer, SmtpMailer)
    assert mailer.send(MAIL) == message_id(MAIL.key, OFFICE)
    assert smtp_env.auth.logins == [(USER, PASSWORD)]
    ((mail_from, rcpts, content),) = smtp_env.handler.envelopes
    assert mail_from == OFFICE
    assert rcpts == ["unit@cxs.gov.cn"]
    msg = _parse(content)
    assert msg["Subject"] == MAIL.subject
    assert msg["To"] == "unit@cxs.gov.cn"
    assert _attachments(msg) == list(MAIL.attachments)


def test_smtp_mailer_wrong_password_fails_loudly(
    tmp_path: Path, smtp_env: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIXUE_SMTP_PASSWORD", "wrong")
    with pytest.raises(smtplib.SMTPAuthenticationError):
        SmtpMailer(Settings(home=tmp_path)).send(MAIL)
    assert smtp_env.handler.envelopes == []


def test_smtp_password_is_read_at_send_time(
    tmp_path: Path, smtp_env: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BIXUE_SMTP_PASSWORD")
    mailer = SmtpMailer(Settings(home=tmp_path))  # constructing needs no secret
    with pytest.raises(ConfigError, match="BIXUE_SMTP_PASSWORD"):
        mailer.send(MAIL)
    monkeypatch.setenv("BIXUE_SMTP_PASSWORD", PASSWORD)
    mailer.send(MAIL)
    assert len(smtp_env.handler.envelopes) == 1


def test_smtp_mailer_without_host_fails_at_construction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BIXUE_SMTP_HOST", raising=False)
    with pytest.raises(ConfigError, match="BIXUE_SMTP_HOST"):
        SmtpMailer(Settings(home=tmp_path))
