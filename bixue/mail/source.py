"""Where submitted mail is read from: a Maildir folder or an IMAP folder, behind one protocol."""

from __future__ import annotations

import mailbox
import os
import re
from pathlib import Path
from typing import Protocol

from bixue.config import Settings


class MailSource(Protocol):
    """A mailbox the pipeline can list, read byte-exactly and mark as done."""

    def keys(self) -> list[str]:
        """Stable keys of the messages present, in arrival order."""
        ...

    def fetch(self, key: str) -> bytes:
        """The raw bytes of one message, unmodified."""
        ...

    def mark_processed(self, key: str) -> None:
        """Record that a message was handled, so it is not read as new again; idempotent."""
        ...


_ARRIVAL = re.compile(r"^(\d+)(?:\.[^.]*?M(\d+))?")
_SEEN = "S"


def _arrival(key: str) -> tuple[int, int, str]:
    """Sort key from a Maildir unique name ('<seconds>.M<micro>P<pid>Q<n>.<host>')."""
    m = _ARRIVAL.match(key)
    if m is None:
        return (0, 0, key)
    return (int(m.group(1)), int(m.group(2) or 0), key)


class MaildirSource:
    """A Maildir (new/ cur/ tmp/) as delivered by the MTA or by tests via stdlib mailbox.

    Keys are the Maildir unique names, which stay the same when a message moves from new/
    to cur/ and gains flags, so a key stays valid after ``mark_processed``.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._box = mailbox.Maildir(self.path, factory=None, create=True)

    def keys(self) -> list[str]:
        """Messages in new/ and cur/ (never tmp/), oldest delivery first."""
        return sorted(self._box.keys(), key=_arrival)

    def fetch(self, key: str) -> bytes:
        """The file's bytes exactly (get_bytes would rewrite line endings on Windows)."""
        with self._box.get_file(key) as fh:
            return fh.read()

    def mark_processed(self, key: str) -> None:
        """Move the message to cur/ with the Seen flag by renaming the file (content untouched)."""
        current = self._locate(key)
        info = current.name[len(key) :]
        flags = info.split(",", 1)[1] if info.startswith(self._box.colon + "2,") else ""
        if current.parent.name == "cur" and _SEEN in flags:
            return
        wanted = "".join(sorted(set(flags) | {_SEEN}))
        target = self.path / "cur" / f"{key}{self._box.colon}2,{wanted}"
        os.replace(current, target)

    def _locate(self, key: str) -> Path:
        """The current file of a key in new/ or cur/; KeyError when there is none."""
        if not key or "/" in key or os.sep in key:
            raise KeyError(key)
        for sub in ("new", "cur"):
            folder = self.path / sub
            exact = folder / key
            if exact.is_file():
                return exact
            for entry in folder.glob(f"{_glob_escape(key)}{self._box.colon}*"):
                if entry.is_file():
                    return entry
        raise KeyError(f"no message with key {key}")


def _glob_escape(text: str) -> str:
    """A literal for Path.glob (Maildir names may hold '[' on odd systems)."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def open_source(settings: Settings) -> MailSource:
    """The configured mailbox: the Maildir under the home folder, or IMAP."""
    if settings.mailbox_kind == "imap":
        from bixue.mail.imap import open_imap

        return open_imap(settings.imap)
    return MaildirSource(settings.mailbox_path)


def close_source(source: MailSource) -> None:
    """Release a source's connection, if it holds one (IMAP); a Maildir holds none."""
    close = getattr(source, "close", None)
    if callable(close):
        close()
