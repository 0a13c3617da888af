"""A real SMTP server (aiosmtpd on loopback) that counts what it accepted and can fail on cue."""

from __future__ import annotations

import asyncio
import email
import secrets
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

OFFICE = "zdcyzszb@163.com"
USER = "bixue@163.com"
PASSWORD = secrets.token_urlsafe(16)  # a fresh one per run for the throwaway server


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Sink:
    """aiosmtpd handler: keeps every accepted mail; answers 451/550 when told to."""

    port: int = 0
    accepted: list[tuple[list[str], bytes]] = field(default_factory=list)
    # 451 to every DATA from the n-th one on (1-based; 0: never), until `fail_from` is reset.
    fail_from: int = 0
    refuse: set[str] = field(default_factory=set)  # recipients answered 550 at RCPT
    # Cleared: every DATA waits (the sender blocked mid-send) until the test sets it again.
    gate: threading.Event = field(default_factory=threading.Event)
    _data_seen: int = 0

    def __post_init__(self) -> None:
        self.gate.set()

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self._data_seen += 1
        while not self.gate.is_set():
            await asyncio.sleep(0.05)
        if self.fail_from and self._data_seen >= self.fail_from:
            return "451 4.3.0 try again later"
        self.accepted.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"

    def data_seen(self) -> int:
        """How many DATA commands arrived (held at the gate or answered)."""
        return self._data_seen

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID was accepted."""
        return Counter(
            str(email.message_from_bytes(raw).get("Message-ID", "")) for _, raw in self.accepted
        )

    def env(self) -> dict[str, str]:
        """The BIXUE_* variables that send a home's notices here (its throwaway login)."""
        return {
            "BIXUE_MAIL_OUT": "smtp",
            "BIXUE_MAIL_FROM": OFFICE,
            "BIXUE_SMTP_HOST": "127.0.0.1",
            "BIXUE_SMTP_PORT": str(self.port),
            "BIXUE_SMTP_SSL": "false",
            "BIXUE_SMTP_STARTTLS": "false",
            "BIXUE_SMTP_USER": USER,
            "BIXUE_SMTP_PASSWORD": PASSWORD,
        }


@contextmanager
def smtp_sink(port: int | None = None) -> Iterator[Sink]:
    """A running sink on loopback (on `port` when given), stopped afterwards."""
    sink = Sink(port=port or free_port())
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=sink.port,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
