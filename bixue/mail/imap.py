"""The office mailbox over IMAP, behind the same MailSource protocol as the Maildir.

Keys name a message position the way RFC 5092 IMAP URLs do
(``imap://user@host:port/FOLDER;UIDVALIDITY=v/;UID=u``), so a key stays meaningful in the
ledger and in logs. Messages are read with BODY.PEEK (never marked seen) and only flagged
with a keyword, or moved to the processed folder, after the caller has recorded them.
Every command has a timeout; a dropped connection is reopened and the work resumes by UID.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted
from imap_tools.query import AND, NOT

from bixue.config import ConfigError, ImapSettings, secret

PROCESSED_KEYWORD = "$BixueProcessed"
_DROPPED = (imaplib.IMAP4.abort, OSError, EOFError, socket.timeout)
_KEY = re.compile(r"^(?P<mailbox>.+);UIDVALIDITY=(?P<uidvalidity>\d+)/;UID=(?P<uid>\d+)$")
_LITERAL = re.compile(rb"BODY\[\] \{\d+\}$")


class MailboxUnavailableError(ConnectionError):
    """The IMAP server kept dropping the connection or stopped answering, retries spent."""


class UidValidityChangedError(Exception):
    """The folder was recreated since its keys were listed: its UIDs now name other mail."""


@dataclass(frozen=True)
class ImapKey:
    """One message position: mailbox URL, UIDVALIDITY and UID."""

    mailbox: str
    uidvalidity: int
    uid: int

    def __str__(self) -> str:
        return f"{self.mailbox};UIDVALIDITY={self.uidvalidity}/;UID={self.uid}"

    @classmethod
    def parse(cls, key: str) -> ImapKey:
        """The parts of a key made by ``str``; ValueError for anything else."""
        m = _KEY.match(key)
        if m is None:
            raise ValueError(f"not an IMAP message key: {key!r}")
        return cls(m["mailbox"], int(m["uidvalidity"]), int(m["uid"]))


FetchHook = Callable[[int, BaseMailBox], None]


class ImapSource:
    """A folder of an IMAP mailbox; one connection, reopened when it drops."""

    def __init__(
        self,
        settings: ImapSettings,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 2.0,
        after_fetch: FetchHook | None = None,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.after_fetch = after_fetch  # tests drop the connection here
        self.fetched = 0
        self.reconnects = 0
        self.mailbox = f"imap://{settings.user}@{settings.host}:{settings.port}/{settings.folder}"
        self._box: BaseMailBox | None = None
        self._uidvalidity: int | None = None

    # -- connection ----------------------------------------------------------------------

    def _connect(self) -> BaseMailBox:
        """Log in and select the folder; the password is read now (environment or Secret block)."""
        box: BaseMailBox
        if self.settings.ssl:
            # imaplib's own default context does not verify the certificate: pass a real one.
            context = ssl.create_default_context()
            box = MailBox(
                self.settings.host, self.settings.port, timeout=self.timeout, ssl_context=context
            )
        else:
            box = MailBoxUnencrypted(self.settings.host, self.settings.port, timeout=self.timeout)
        box.login(self.settings.user, secret("BIXUE_IMAP_PASSWORD", self.settings.password_block))
        box.folder.set(self.settings.folder)
        self._box = box
        self._check_uidvalidity(box)
        return box

    def _check_uidvalidity(self, box: BaseMailBox) -> None:
        """Note the folder's UIDVALIDITY; raise when it differs from the one seen before."""
        status = box.folder.status(self.settings.folder, ["UIDVALIDITY"])
        uidvalidity = int(status["UIDVALIDITY"])
        previous, self._uidvalidity = self._uidvalidity, uidvalidity
        if previous is not None and uidvalidity != previous:
            raise UidValidityChangedError(f"{self.mailbox}: UIDVALIDITY is now {uidvalidity}")

    def _client(self) -> BaseMailBox:
        if self._box is None:
            self._box = self._connect()
        return self._box

    def _drop(self) -> None:
        """Forget a broken connection (closing it may fail too)."""
        box, self._box = self._box, None
        if box is not None:
            with contextlib.suppress(Exception):  # already dead: nothing to close
                box.client.shutdown()

    def _retrying(self, action: Callable[[BaseMailBox], object]) -> object:
        """Run an IMAP action, reconnecting after a dropped connection up to `retries` times."""
        for attempt in range(self.retries + 1):
            try:
                return action(self._client())
            except _DROPPED as exc:
                self._drop()
                self.reconnects += 1
                if attempt == self.retries:
                    raise self._unavailable(exc) from exc
                time.sleep(self.backoff * attempt)  # at once first; then give a restart time
        raise AssertionError("unreachable")

    def _unavailable(self, exc: BaseException) -> MailboxUnavailableError:
        """The office's words for a mailbox that cannot be read now (nothing is lost)."""
        what = "无响应" if isinstance(exc, TimeoutError) else "连接中断"
        detail = str(exc).strip() or type(exc).__name__
        return MailboxUnavailableError(
            f"邮箱服务器 {self.settings.host}:{self.settings.port} {what}"
            f"（每次等待{self.timeout:g}秒，已重试{self.retries}次）：{detail}。"
            "邮件仍保留在邮箱中，已处理的均已记录；请稍后重新运行，将从中断处继续。"
        )

    def close(self) -> None:
        """Log out politely; a connection that already dropped is just forgotten."""
        box, self._box = self._box, None
        if box is not None:
            with contextlib.suppress(Exception):  # a dead connection cannot log out
                box.logout()

    def __enter__(self) -> ImapSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- MailSource ----------------------------------------------------------------------

    @property
    def uidvalidity(self) -> int:
        """The folder's current UIDVALIDITY (connects if needed)."""
        self._client()
        assert self._uidvalidity is not None
        return self._uidvalidity

    def keys(self) -> list[str]:
        """Messages not yet processed (flagged, or moved away), oldest UID first."""

        # With a processed folder, flagged mail still here is a move a crash interrupted: list it
        # too, so the caller finishes the move (it reads nothing again that the ledger holds).
        if self.settings.processed_folder:
            criteria = AND(deleted=False)
        else:
            criteria = AND(NOT(keyword=PROCESSED_KEYWORD), deleted=False)

        def search(box: BaseMailBox) -> list[str]:
            # Select again: a session sees mail delivered since its SELECT only after a resync.
            box.folder.set(self.settings.folder)
            self._check_uidvalidity(box)
            return list(box.uids(criteria))

        try:
            uids = self._retrying(search)
        except UidValidityChangedError:
            uids = self._retrying(search)
        assert isinstance(uids, list)
        return [str(ImapKey(self.mailbox, self.uidvalidity, int(u))) for u in sorted(uids, key=int)]

    def _checked(self, key: str) -> ImapKey:
        """The key's parts; UidValidityChangedError when it names an older folder incarnation."""
        parsed = ImapKey.parse(key)
        if parsed.mailbox != self.mailbox:
            raise KeyError(f"{key} is not in {self.mailbox}")
        if parsed.uidvalidity != self.uidvalidity:
            raise UidValidityChangedError(f"{key}: UIDVALIDITY is now {self.uidvalidity}")
        return parsed

    def fetch(self, key: str) -> bytes:
        """The message's exact bytes by UID, with BODY.PEEK so nothing is marked seen."""
        parsed = self._checked(key)

        def peek(box: BaseMailBox) -> bytes:
            typ, data = box.client.uid("FETCH", str(parsed.uid), "(BODY.PEEK[])")
            if typ != "OK":
                raise KeyError(f"{key}: FETCH answered {typ}")
            for item in data:
                if isinstance(item, tuple) and _LITERAL.search(item[0]):
                    return bytes(item[1])
            raise KeyError(f"{key}: no such message")

        raw = self._retrying(peek)
        self._checked(key)  # a reconnect inside may have met a recreated folder
        assert isinstance(raw, bytes)
        self.fetched += 1
        if self.after_fetch is not None and self._box is not None:
            self.after_fetch(self.fetched, self._box)
        return raw

    def mark_processed(self, key: str) -> None:
        """Flag the message processed and, when configured, move it to the processed folder."""
        parsed = self._checked(key)
        target = self.settings.processed_folder

        def flag(box: BaseMailBox) -> None:
            box.flag(str(parsed.uid), PROCESSED_KEYWORD, True)
            if target:
                if not box.folder.exists(target):
                    box.folder.create(target)
                box.move(str(parsed.uid), target)

        self._retrying(flag)


def open_imap(settings: ImapSettings) -> ImapSource:
    """The configured IMAP folder (connects lazily); BIXUE_IMAP_TIMEOUT seconds per command."""
    text = os.environ.get("BIXUE_IMAP_TIMEOUT", "").strip() or "30"
    try:
        timeout = float(text)
    except ValueError as exc:
        raise ConfigError(f"BIXUE_IMAP_TIMEOUT：应为秒数，而不是“{text}”") from exc
    if timeout <= 0:
        raise ConfigError(f"BIXUE_IMAP_TIMEOUT：应大于 0，而不是“{text}”")
    return ImapSource(settings, timeout=timeout)
