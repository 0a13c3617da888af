"""Outgoing notices: composed with yagmail, then written to an outbox folder or sent by SMTP.

``compose`` lets yagmail's ``prepare_message`` build the message (headers, multipart
structure, base64 attachments) and then fixes what yagmail 0.16 gets wrong for us:

- the body: yagmail turns text into an HTML part with ``<br>`` and puts the ``<br>`` into
  the plain-text alternative too; the body becomes one clean ``text/plain; charset=utf-8``
  part, or, when the notice has its own HTML, a ``multipart/alternative`` of both;
- threading: ``In-Reply-To`` and ``References`` when the notice answers a unit's mail;
- attachment headers: yagmail writes ``None/None`` for unknown extensions, no
  Content-Disposition for non-``application`` types, and only RFC 2231 names. Each part gets
  a fixed content type, ``Content-Disposition: attachment; filename*=utf-8''…`` (RFC 2231,
  continued when long) and ``Content-Type: …; name="=?utf-8?b?…?="`` (RFC 2047, for Outlook
  and older Chinese clients), as Thunderbird does;
- determinism: Message-ID comes from the key and the sender's domain, Date from
  ``OutgoingMail.date`` when given, MIME boundaries from the content, and lines end in
  CRLF. The same ``OutgoingMail`` with a date therefore composes to the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import re
import smtplib
import tempfile
import unicodedata
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from pathlib import Path

import yagmail
from yagmail.headers import resolve_addresses
from yagmail.message import prepare_message

from bixue.config import Settings, secret
from bixue.mail.landing import write_atomically

_KEY = re.compile(r"[a-z0-9-]+")
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")
# One filename* line up to this many characters (about 100 Chinese characters): webmail
# clients read a single RFC 2231 parameter more reliably than continuations; longer names
# are split (filename*0*=, filename*1*=, ...) to stay under the 998-octet line limit.
_SINGLE_PARAM_LIMIT = 900
_CRLF = policy.compat32.clone(linesep="\r\n")
_BUILTIN_TYPES = mimetypes.MimeTypes(filenames=())  # no system mime.types: same on every machine
_OFFICE_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".zip": "application/zip",
}


@dataclass(frozen=True)
class OutgoingMail:
    """One notice. ``date`` None means "now" (then a resend is not byte-identical)."""

    key: str
    to: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[tuple[str, bytes], ...] = ()
    date: datetime | None = None
    # Threading to the mail it answers, and an HTML alternative of the plain-text body.
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    html: str | None = None
    # Copy recipients (a Cc: header); the sender hands the mail to `to` and `cc` alike.
    cc: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError(f"mail key must match [a-z0-9-]+: {self.key!r}")
        if not self.to or not all(_ADDRESS.fullmatch(a) for a in self.to):
            raise ValueError(f"recipients must be bare addresses: {self.to!r}")
        if not all(_ADDRESS.fullmatch(a) for a in self.cc):
            raise ValueError(f"copy recipients must be bare addresses: {self.cc!r}")
        if self.date is not None and self.date.tzinfo is None:
            raise ValueError("OutgoingMail.date must be timezone-aware")
        for name, _ in self.attachments:
            if not name.strip():
                raise ValueError("attachment display name is empty")


def message_id(key: str, sender: str) -> str:
    """The Message-ID of a notice: fixed by its key and the sender's domain."""
    return f"<bixue.{key}@{sender.rsplit('@', 1)[-1].lower()}>"


def compose(mail: OutgoingMail, sender: str, sender_name: str | None = None) -> bytes:
    """A complete RFC 5322 message (CRLF) built by yagmail and fixed up as described above."""
    date = format_datetime(mail.date or datetime.now().astimezone())
    with tempfile.TemporaryDirectory(prefix="bixue-compose-") as tmp:
        paths = _stage_attachments(Path(tmp), mail.attachments)
        msg = prepare_message(
            user=sender,
            useralias=sender_name or sender,
            addresses=resolve_addresses(sender, sender, list(mail.to), list(mail.cc) or None, None),
            subject=mail.subject,
            contents=None,
            attachments=[str(p) for p in paths] or None,
            headers={"Date": date},
            encoding="utf-8",
            prettify_html=False,
            message_id=message_id(mail.key, sender),
            group_messages=True,
        )
    parts = msg.get_payload()
    assert isinstance(parts, list)
    plain = MIMEText(mail.body, "plain", "utf-8")
    if mail.html is None:
        parts[0] = plain
    else:
        parts[0] = MIMEMultipart(
            "alternative", _subparts=[plain, MIMEText(mail.html, "html", "utf-8")]
        )
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = " ".join(mail.references)
    for part, (name, _) in zip(parts[1:], mail.attachments, strict=True):
        _fix_attachment_headers(part, name)
    msg.preamble = None  # yagmail's note for image attachments; not needed
    _set_boundaries(msg, mail)
    return msg.as_bytes(policy=_CRLF)


def _stage_attachments(folder: Path, attachments: tuple[tuple[str, bytes], ...]) -> list[Path]:
    """Write each attachment to its own sub-folder (yagmail attaches files by path)."""
    paths: list[Path] = []
    for index, (name, content) in enumerate(attachments):
        sub = folder / str(index)
        sub.mkdir()
        path = sub / _safe_filename(name)
        path.write_bytes(content)
        paths.append(path)
    return paths


def _safe_filename(name: str) -> str:
    """A local file name for staging only; the mail carries the exact display name."""
    cleaned = "".join(
        "_" if ch in '/\\:*?"<>|' or unicodedata.category(ch)[0] == "C" else ch for ch in name
    ).strip(" .")
    stem, dot, ext = cleaned.rpartition(".")
    if not dot:
        stem, ext = cleaned, ""
    while len(stem.encode()) > 180:
        stem = stem[:-1]
    return f"{stem}{dot}{ext}" if stem else f"attachment{dot}{ext}"


def _content_type(name: str) -> str:
    """MIME type from the display name's extension, identical on every machine."""
    ext = os.path.splitext(name)[1].lower()
    if ext in _OFFICE_TYPES:
        return _OFFICE_TYPES[ext]
    guessed, _ = _BUILTIN_TYPES.guess_type(f"x{ext}", strict=True)
    return guessed or "application/octet-stream"


def _char_chunks(text: str, max_bytes: int) -> Iterator[str]:
    """Split text into pieces of at most max_bytes UTF-8, never inside a character."""
    piece = ""
    for ch in text:
        if piece and len((piece + ch).encode()) > max_bytes:
            yield piece
            piece = ""
        piece += ch
    if piece:
        yield piece


def _fix_attachment_headers(part: Message, name: str) -> None:
    """Set a sane type and both RFC 2231 and RFC 2047 forms of the Chinese name."""
    words = "\r\n ".join(Header(chunk, "utf-8").encode() for chunk in _char_chunks(name, 36))
    part.replace_header("Content-Type", f'{_content_type(name)};\r\n name="{words}"')
    whole = urllib.parse.quote(name, safe="")
    if len(whole) <= _SINGLE_PARAM_LIMIT:
        disposition = f"attachment;\r\n filename*=utf-8''{whole}"
    else:
        sections = []
        for index, chunk in enumerate(_char_chunks(name, 60)):
            charset = "utf-8''" if index == 0 else ""  # charset'language' on the first only
            sections.append(f"filename*{index}*={charset}{urllib.parse.quote(chunk, safe='')}")
        disposition = "attachment;\r\n " + ";\r\n ".join(sections)
    if part.get("Content-Disposition") is None:
        part["Content-Disposition"] = disposition
    else:
        part.replace_header("Content-Disposition", disposition)


def _set_boundaries(msg: Message, mail: OutgoingMail) -> None:
    """Boundaries from the content, so composing twice gives the same bytes."""
    seed = hashlib.sha256(repr((mail.key, mail.subject, mail.body, mail.to)).encode())
    for _, content in mail.attachments:
        seed.update(hashlib.sha256(content).digest())
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_bixue_{seed.hexdigest()[:32]}_{index}")


class Outbox:
    """Writes notices as <dir>/<key>.eml for a person or a later step to send."""

    def __init__(self, path: Path, sender: str, sender_name: str | None = None) -> None:
        self.path = Path(path)
        self.sender = sender
        self.sender_name = sender_name

    def compose(self, mail: OutgoingMail) -> bytes:
        return compose(mail, self.sender, self.sender_name)

    def message_id(self, key: str) -> str:
        return message_id(key, self.sender)

    def send(self, mail: OutgoingMail) -> str:
        """Compose and write the notice under its key (see `send_raw`)."""
        return self.send_raw(mail.key, mail.to, self.compose(mail))

    def send_raw(self, key: str, to: tuple[str, ...], raw: bytes) -> str:
        """Write the composed mail as <key>.eml, on disk (fsync, then the folder) on return.

        The same key again replaces the file, so a notice written twice is still one mail.
        """
        if not _KEY.fullmatch(key):
            raise ValueError(f"mail key must match [a-z0-9-]+: {key!r}")
        target = write_atomically(self.path / f"{key}.eml", raw, sync=True)
        _sync_folder(self.path)
        return str(target)

    def flush(self) -> None:
        """Nothing to do: each notice is on disk when `send_raw` returns."""


def _sync_folder(folder: Path) -> None:
    """The folder's entries (the rename) on disk, so the file survives a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _starttls(settings: Settings) -> bool:
    """STARTTLS on plain connections unless BIXUE_SMTP_STARTTLS says otherwise."""
    configured = getattr(settings.smtp, "starttls", None)
    if isinstance(configured, bool):
        return configured
    value = os.environ.get("BIXUE_SMTP_STARTTLS", "")
    if value:
        return value.lower() in ("1", "true", "yes")
    return not settings.smtp.ssl


class SmtpMailer:
    """Sends notices through the office's SMTP server with yagmail's client."""

    def __init__(self, settings: Settings, *, starttls: bool | None = None) -> None:
        self.settings = settings
        self.smtp = settings.smtp  # fails now, not mid-run, when BIXUE_SMTP_HOST is missing
        self.starttls = _starttls(settings) if starttls is None else starttls

    def compose(self, mail: OutgoingMail) -> bytes:
        return compose(mail, self.settings.office_address, self.settings.office_name)

    def message_id(self, key: str) -> str:
        return message_id(key, self.settings.office_address)

    def send(self, mail: OutgoingMail) -> str:
        """Compose and send one notice; return its Message-ID."""
        return self.send_raw(mail.key, mail.to, self.compose(mail))

    def send_raw(self, key: str, to: tuple[str, ...], raw: bytes) -> str:
        """Send a composed mail; its Message-ID once the server accepted it for every recipient.

        The password is read here, never logged. A recipient refused raises
        SMTPRecipientsRefused (the notice stays pending; the others are unaffected).
        """
        sender = self.settings.office_address
        client = yagmail.SMTP(
            user={self.smtp.user: self.smtp.user},  # dict form: yagmail appends @gmail.com else
            password=secret("BIXUE_SMTP_PASSWORD", self.smtp.password_block),
            host=self.smtp.host,
            port=self.smtp.port,
            smtp_ssl=self.smtp.ssl,
            smtp_starttls=self.starttls,
            soft_email_validation=False,
            timeout=60,
        )
        try:
            client.login()
            refused = client.smtp.sendmail(sender, list(to), raw)
        finally:
            # After the server accepted the mail, a connection that cannot close politely must
            # not turn a sent notice into a failed one (its retry would be a second copy).
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.close()
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
        return message_id(key, sender)

    def flush(self) -> None:
        """Nothing to do: the server accepted each notice as it went."""


def open_mailer(settings: Settings) -> Outbox | SmtpMailer:
    """The configured way out: the outbox folder (default) or SMTP."""
    if settings.mail_out_kind == "smtp":
        return SmtpMailer(settings)
    return Outbox(settings.outbox_path, settings.office_address, settings.office_name)
