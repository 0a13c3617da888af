"""The throwaway Dovecot's address, for tests (a plain module: conftest is not importable)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from imap_tools import MailBoxUnencrypted

from bixue.config import ImapSettings


@dataclass(frozen=True)
class Dovecot:
    """Where the throwaway server listens and how to log in."""

    host: str
    port: int
    user: str
    password: str
    root: Path

    def settings(self, folder: str, processed_folder: str = "") -> ImapSettings:
        """ImapSettings for one test folder on this server."""
        return ImapSettings(
            host=self.host,
            port=self.port,
            user=self.user,
            folder=folder,
            ssl=False,
            processed_folder=processed_folder,
        )

    def client(self) -> MailBoxUnencrypted:
        """A logged-in imap-tools client, for tests to deliver and inspect mail."""
        return MailBoxUnencrypted(self.host, self.port, timeout=10).login(self.user, self.password)

    def kick(self) -> None:
        """Disconnect every session of the user from the server side (doveadm kick)."""
        doveadm = shutil.which("doveadm") or "/usr/bin/doveadm"
        subprocess.run(
            [doveadm, "-c", str(self.root / "dovecot.conf"), "kick", self.user],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=10,
        )
