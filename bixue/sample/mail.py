"""Reproducible e-mail messages that encode Chinese names the way real mail clients do."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, parseaddr

XLSX_MAINTYPE = "application"
XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAME_ENCODINGS = ("rfc2231", "rfc2047-utf8", "rfc2047-gbk")
MESSAGE_ID_DOMAIN = "zs.chuxiong.example"
# The documents a first report of a 在谈/已签约 project needs (附件3 说明): a one-page PDF stands
# in for the scanned 意向书 or 协议 a unit attaches, named after its project as careful units do.
EVIDENCE_KINDS = {"在谈": "投资意向书", "已签约": "投资协议"}
EVIDENCE_SUFFIX = ".pdf"


def evidence_name(project: str, stage: str) -> str:
    """The file name of a new project's document: its name, then what the document is."""
    return f"{project}{EVIDENCE_KINDS[stage]}{EVIDENCE_SUFFIX}"


def evidence_pdf(title: str) -> bytes:
    """A one-page PDF titled after its file: each project's document has bytes of its own."""
    hex_title = "FEFF" + title.encode("utf-16-be").hex().upper()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"4 0 obj<</Title<" + hex_title.encode("ascii") + b">>>endobj\n"
        b"trailer<</Root 1 0 R/Info 4 0 R>>\n%%EOF\n"
    )


def is_evidence(filename: str) -> bool:
    """Whether an attachment of a sample mail is a project's document rather than a form."""
    return filename.endswith(EVIDENCE_SUFFIX)


# Raw headers we fold ourselves must be written verbatim, never re-encoded by the policy.
POLICY = email_policy.default.clone(refold_source="none")
# The mailer each encoding imitates (webmail: RFC 2231; Outlook: UTF-8 words; Foxmail: GBK).
MAILERS = {
    "rfc2231": None,
    "rfc2047-utf8": "Microsoft Outlook 16.0",
    "rfc2047-gbk": "Foxmail 7.2.25.375[cn]",
}
# Bytes of text per encoded word: keeps every folded header line under 78 characters.
_WORD_BYTES = 39


def encoded_words(text: str, charset: str) -> list[str]:
    """RFC 2047 base64 encoded words, split on character boundaries as RFC 2047 requires."""
    codec = "utf-8" if charset.upper() == "UTF-8" else charset.lower()
    chunks: list[str] = []
    chunk = ""
    for ch in text:
        if chunk and len((chunk + ch).encode(codec)) > _WORD_BYTES:
            chunks.append(chunk)
            chunk = ""
        chunk += ch
    if chunk:
        chunks.append(chunk)
    return [f"=?{charset}?B?{base64.b64encode(c.encode(codec)).decode('ascii')}?=" for c in chunks]


def _gbk_label(*texts: str) -> str:
    """GBK as Foxmail labels it; GB18030 only when a character is outside GBK."""
    try:
        for text in texts:
            text.encode("gbk")
    except UnicodeEncodeError:
        return "GB18030"
    return "GBK"


def _quoted_words(words: list[str]) -> str:
    return '"' + "\n ".join(words) + '"'


def _attachment_part(name: str, data: bytes, name_encoding: str, charset: str) -> MIMEPart:
    """One .xlsx part whose file name is encoded as the chosen client would."""
    part = MIMEPart(policy=POLICY)
    if name_encoding == "rfc2231":
        part.set_content(
            data,
            maintype=XLSX_MAINTYPE,
            subtype=XLSX_SUBTYPE,
            disposition="attachment",
            filename=name,
        )
        return part
    words = _quoted_words(encoded_words(name, charset))
    part.set_raw("Content-Type", f"{XLSX_MAINTYPE}/{XLSX_SUBTYPE};\n name={words}")
    part.set_raw("Content-Transfer-Encoding", "base64")
    part.set_raw("Content-Disposition", f"attachment;\n filename={words}")
    part.set_payload(base64.encodebytes(data).decode("ascii"))
    return part


def _digest(
    sender: str,
    to: str,
    subject: str,
    sent_at: datetime,
    attachments: list[tuple[str, bytes]],
    body: str,
    name_encoding: str,
) -> str:
    """A content hash: the source of the deterministic Message-ID and MIME boundary."""
    h = hashlib.sha1()
    for piece in (sender, to, subject, sent_at.isoformat(), body, name_encoding):
        h.update(piece.encode("utf-8") + b"\0")
    for name, data in attachments:
        h.update(name.encode("utf-8") + b"\0" + hashlib.sha1(data).digest())
    return h.hexdigest()


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    sent_at: datetime,
    attachments: list[tuple[str, bytes]],
    body: str,
    name_encoding: str = "rfc2231",
) -> bytes:
    """The bytes of one submission e-mail; identical inputs always give identical bytes.

    `sender` may be a bare address or "显示名 <address>". `name_encoding` picks how Chinese
    file names (and, for GBK, the subject and sender name) are encoded.
    """
    if name_encoding not in NAME_ENCODINGS:
        raise ValueError(f"name_encoding must be one of {NAME_ENCODINGS}, not {name_encoding!r}")
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must be timezone-aware")
    digest = _digest(sender, to, subject, sent_at, attachments, body, name_encoding)
    display, address = parseaddr(sender)
    gbk = name_encoding == "rfc2047-gbk"
    charset = _gbk_label(subject, display, body, *(n for n, _ in attachments)) if gbk else "UTF-8"

    msg = EmailMessage(policy=POLICY)
    if gbk:
        msg.set_raw(
            "From",
            " ".join([*encoded_words(display, charset), f"<{address}>"]) if display else address,
        )
        msg.set_raw("Subject", "\n ".join(encoded_words(subject, charset)))
    else:
        msg["From"] = Address(display_name=display, addr_spec=address) if display else address
        msg["Subject"] = subject
    msg["To"] = to
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = f"<{digest[:32]}@{MESSAGE_ID_DOMAIN}>"
    if MAILERS[name_encoding]:
        msg["X-Mailer"] = MAILERS[name_encoding]
    msg.set_content(body, charset=charset.lower() if gbk else "utf-8", cte="base64")
    msg.make_mixed(boundary=f"----=_Part_{digest[:24]}")
    for name, data in attachments:
        # typeshed wants an EmailMessage; a MIMEPart is what a sub-part should be (no MIME-Version).
        msg.attach(_attachment_part(name, data, name_encoding, charset))  # type: ignore[arg-type]
    return msg.as_bytes()
