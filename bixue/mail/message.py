"""Parse one submitted e-mail: who sent it, what it says it is, and what is really attached.

Chinese mail clients encode attachment names in every way the RFCs allow and several they
do not (raw GBK bytes, GB2312 labels on GBK text, multibyte characters split across
encoded-words), so names are decoded here by hand; the stdlib only splits the MIME tree.
Names are for display only: the kind of a file is sniffed from its bytes.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import hashlib
import io
import quopri
import re
import struct
import unicodedata
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors, policy
from email.message import Message
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any

# ---------------------------------------------------------------------------------------------
# Public data


@dataclass(frozen=True)
class Attachment:
    """One attached file: its bytes, and a display name that is never used as a path."""

    filename: str
    content: bytes = field(repr=False)
    sha256: str
    content_type: str
    name_flagged: bool
    origin: str | None = None  # the container (zip, winmail.dat) it was unpacked from

    @cached_property
    def kind(self) -> str:
        """What the bytes are, whatever the name claims (see ``sniff_kind``); sniffed once."""
        return sniff_kind(self.content)


@dataclass(frozen=True)
class IncomingMessage:
    """A received message reduced to what the pipeline needs to judge a submission."""

    raw_sha256: str
    message_id: str | None
    sender: str | None
    sender_problem: str | None
    display_from: str
    subject: str
    sent_at: datetime | None
    attachments: tuple[Attachment, ...]
    auto_reply: bool
    problems: tuple[str, ...] = ()  # limits exceeded or containers refused: Chinese reasons


_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds that keep one mistaken or hostile message from exhausting a run."""

    max_message_bytes: int = 50 * _MIB
    max_attachments: int = 50
    max_attachment_bytes: int = 25 * _MIB
    max_unpacked_bytes: int = 100 * _MIB  # everything unpacked from containers, per message
    max_members: int = 200  # files inside one container
    max_ratio: int = 100  # unpacked size / packed size of one zip member


LIMITS = Limits()


def parse_message(raw: bytes, limits: Limits = LIMITS) -> IncomingMessage:
    """Decode headers and collect attachments of raw RFC 5322 bytes; never raises on bad mail."""
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    from_values = _raw_headers(msg, "From")
    sender, problem = _sender(from_values)
    subject = _header_text(_first(msg, "Subject") or "")[0].strip()
    found: list[Attachment] = []
    problems: list[str] = []
    if len(raw) > limits.max_message_bytes:
        problems.append(
            f"邮件大小{_size(len(raw))}超过上限{_size(limits.max_message_bytes)}，附件未读取。"
        )
    else:
        _walk(msg, found, depth=0)
        found = _expand(found, limits, problems)
    return IncomingMessage(
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        message_id=_message_id(_first(msg, "Message-ID")),
        sender=sender,
        sender_problem=problem,
        display_from=", ".join(_header_text(v)[0].strip() for v in from_values),
        subject=subject,
        sent_at=_sent_at(_first(msg, "Date")),
        attachments=tuple(found),
        auto_reply=_auto_reply(msg, subject, sender),
        problems=tuple(problems),
    )


# ---------------------------------------------------------------------------------------------
# Charsets and header text

_GB_ALIASES = frozenset(
    {
        "x-gbk", "gb_2312-80", "gb2312-80", "gb_2312", "csgb2312", "x-gb2312", "cn-gb",
        "x-euc-cn", "euc-cn", "cp936", "ms936", "windows-936", "gb2312", "gbk", "gb18030",
    }
)  # fmt: skip
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_Q_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")


def _codec(label: str | None) -> str | None:
    """Python codec for a MIME charset label; GB2312/GBK labels read as GB18030 (GBK-only chars)."""
    name = (label or "").strip().strip('"').split("*", 1)[0].lower()
    if not name:
        return None
    if name in _GB_ALIASES:
        return "gb18030"
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return None
    return "gb18030" if found in ("gb2312", "gbk") else found


def _bytes_to_text(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Decode with the declared charset, else UTF-8, else GB18030; flag when all fail.

    A GB18030 fallback (the label failed, or there was none) that yields what Chinese text
    never looks like is a guess and flagged too: mislabelled Latin-1 decodes as GB18030
    without error ("Dijört" -> "Dij鰎t").
    """
    declared = _codec(charset)
    tried: list[str] = []
    for codec in (declared, "utf-8", "gb18030"):
        if codec is None or codec in tried:
            continue
        tried.append(codec)
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        guessed = codec == "gb18030" and declared != "gb18030" and _implausible_chinese(data, text)
        return text, not guessed
    return data.decode(tried[0], errors="replace"), False


_LATIN_AROUND_CJK = re.compile(r"[A-Za-z][^\x00-\x7f][A-Za-z]")


def _implausible_chinese(data: bytes, text: str) -> bool:
    """A character glued inside a Latin word, or one only GB18030's four-byte forms reach."""
    if _LATIN_AROUND_CJK.search(text):
        return True
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return True
    return False


def _to_bytes(value: str) -> bytes:
    """The original header bytes (the bytes parser keeps 8-bit octets as surrogates)."""
    try:
        return value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")


def _unfold(value: str) -> str:
    """Header unfolding per RFC 5322: drop the line breaks, keep the whitespace."""
    return value.replace("\r", "").replace("\n", "")


def _eight_bit_text(value: str) -> tuple[str, bool]:
    """Header text with raw 8-bit octets (RFC 6532 UTF-8 or GBK from old clients) decoded."""
    data = _to_bytes(_unfold(value))
    if data.isascii():
        return data.decode("ascii"), True
    return _bytes_to_text(data, None)


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    """The octets of one RFC 2047 encoded-word, or None when its base64 is broken."""
    if encoding in "bB":
        cleaned = "".join(payload.split())
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return None
    data = payload.replace("_", " ").encode("utf-8", "surrogateescape")
    return _Q_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _decode_words(text: str) -> tuple[str, bool]:
    """RFC 2047 decoding that joins adjacent same-charset words' bytes before decoding.

    Clients split a multibyte character across two encoded-words; decoding word by word
    (as the stdlib does) then loses it.
    """
    pieces: list[str | tuple[str, bytes]] = []
    clean = True
    pos = 0
    for m in _ENCODED_WORD.finditer(text):
        between = text[pos : m.start()]
        if between and not (between.isspace() and pieces and isinstance(pieces[-1], tuple)):
            pieces.append(between)
        octets = _word_bytes(m.group(2), m.group(3))
        if octets is None:
            pieces.append(m.group(0))
            clean = False
        elif (
            pieces
            and isinstance(pieces[-1], tuple)
            and (_codec(pieces[-1][0]) == _codec(m.group(1)))
        ):
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + octets)
        else:
            pieces.append((m.group(1), octets))
        pos = m.end()
    pieces.append(text[pos:])
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            decoded, ok = _bytes_to_text(piece[1], piece[0])
            out.append(decoded)
            clean = clean and ok
    return "".join(out), clean


def _header_text(value: str) -> tuple[str, bool]:
    """Human text of a raw header value, and whether every byte decoded cleanly."""
    text, ok_bytes = _eight_bit_text(value)
    decoded, ok_words = _decode_words(text)
    return decoded, ok_bytes and ok_words and "\ufffd" not in decoded


def _raw_headers(msg: Message, name: str) -> list[str]:
    """All values of a header exactly as received (compat32 raw items keep 8-bit octets)."""
    wanted = name.lower()
    return [str(v) for k, v in msg.raw_items() if k.lower() == wanted]


def _first(msg: Message, name: str) -> str | None:
    """The first raw value of a header, or None."""
    values = _raw_headers(msg, name)
    return values[0] if values else None


# ---------------------------------------------------------------------------------------------
# MIME parameters and attachment names


def _is_gbk_trail(chars: list[str]) -> bool:
    """True when the next raw byte would be the second byte of a GBK pair.

    Raw GBK names contain 0x5C ('\\') as a trail byte; it must not be read as an escape.
    The parser keeps 8-bit octets as surrogates, so count the run of them before it.
    """
    run = 0
    for ch in reversed(chars):
        if not "\udc80" <= ch <= "\udcff":
            break
        run += 1
    return run % 2 == 1


def _parse_header(value: str) -> tuple[str, list[tuple[str, str]]]:
    """Split 'main; a=1; b="x;y"' into ('main', [('a','1'), ('b','x;y')]), tolerating junk."""
    text = _unfold(value)
    main, _, rest = text.partition(";")
    params: list[tuple[str, str]] = []
    i, n = 0, len(rest)
    while i < n:
        eq = rest.find("=", i)
        semi = rest.find(";", i)
        if eq < 0 or (0 <= semi < eq):
            i = n if semi < 0 else semi + 1
            continue
        name = rest[i:eq].strip().lower()
        j = eq + 1
        while j < n and rest[j] in " \t":
            j += 1
        if j < n and rest[j] == '"':
            chars: list[str] = []
            j += 1
            while j < n and rest[j] != '"':
                escape = rest[j] == "\\" and not _is_gbk_trail(chars)
                if escape and j + 1 < n and rest[j + 1] in '"\\':
                    j += 1
                chars.append(rest[j])
                j += 1
            value_text = "".join(chars)
            semi = rest.find(";", j)
        else:
            semi = rest.find(";", j)
            value_text = rest[j : n if semi < 0 else semi].strip()
        if name:
            params.append((name, value_text))
        i = n if semi < 0 else semi + 1
    return main.strip().lower(), params


def _rfc2231_value(sections: list[tuple[int, bool, str]]) -> tuple[str, bool]:
    """Join RFC 2231 sections (name*0*=charset''%xx, name*1*=...) as bytes, then decode."""
    sections.sort(key=lambda s: s[0])
    charset: str | None = None
    chunks: list[bytes] = []
    any_encoded = any(encoded for _, encoded, _ in sections)
    for index, (_, encoded, text) in enumerate(sections):
        if encoded:
            if index == 0 and text.count("'") >= 2:
                charset, _lang, text = text.split("'", 2)
            chunks.append(urllib.parse.unquote_to_bytes(_to_bytes(text)))
        else:
            chunks.append(_to_bytes(text))
    joined = b"".join(chunks)
    if not any_encoded:
        return _header_text(joined.decode("ascii", "surrogateescape"))
    text, ok = _bytes_to_text(joined, charset)
    return text, ok and "\ufffd" not in text


def _name_candidates(params: list[tuple[str, str]], wanted: str) -> list[tuple[str, bool]]:
    """Decoded values of one parameter: the RFC 2231 form first, then the plain one."""
    sections: list[tuple[int, bool, str]] = []
    plain: list[tuple[str, bool]] = []
    for name, value in params:
        encoded = name.endswith("*")
        base, star, number = name.rstrip("*").partition("*")
        if base != wanted:
            continue
        if not star and not encoded:
            plain.append(_header_text(value))
        elif number.isdigit() or not number:
            sections.append((int(number or 0), encoded, value))
    found = [_rfc2231_value(sections)] if sections else []
    return found + plain


def _display_name(text: str) -> str:
    """NFC name without control/format characters or any directory part a client sent."""
    name = unicodedata.normalize("NFC", text)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    return _shortened(re.split(r"[\\/]", name)[-1].strip())


MAX_NAME = 200  # characters of an attachment name kept for display


def _shortened(name: str) -> str:
    """A name past MAX_NAME characters: its start, "…" and its extension (a 1,000-character name
    would be too long for the receipt's annotated file and for the office's own disk)."""
    if len(name) <= MAX_NAME:
        return name
    stem, dot, ext = name.rpartition(".")
    ext = ext if dot and stem and len(ext) <= 8 else ""
    keep = MAX_NAME - len(ext) - 2
    return f"{(stem if ext else name)[:keep]}…{'.' + ext if ext else ''}"


def _first_clean_name(candidates: list[tuple[str, bool]]) -> str | None:
    """The first candidate that decoded cleanly and is a usable display name."""
    for text, ok in candidates:
        name = _display_name(text)
        if ok and name not in ("", ".", ".."):
            return name
    return None


def _attachment(part: Message) -> Attachment | None:
    """The attachment carried by a leaf part, or None for a text body."""
    disposition, dparams = _parse_header(_first(part, "Content-Disposition") or "")
    _, tparams = _parse_header(_first(part, "Content-Type") or "")
    candidates = _name_candidates(dparams, "filename") + _name_candidates(tparams, "name")
    named = any(text.strip() for text, _ in candidates)
    is_body = part.get_content_maintype() in ("text", "multipart", "message")
    if not named and disposition != "attachment" and is_body:
        return None
    payload = part.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    digest = hashlib.sha256(content).hexdigest()
    chosen = _first_clean_name(candidates)
    # No clean name: a guessed charset's reading is kept, flagged, before a generated name.
    shown = chosen or _first_guessed_name(candidates)
    return Attachment(
        filename=shown or f"未命名附件-{digest[:8]}.{_sniff(content)[1]}",
        content=content,
        sha256=digest,
        content_type=part.get_content_type(),
        name_flagged=chosen is None,
    )


def _first_guessed_name(candidates: list[tuple[str, bool]]) -> str | None:
    """A name read with a guessed charset: no undecodable bytes, no encoded-word left."""
    for text, _ in candidates:
        name = _display_name(text)
        if name not in ("", ".", "..") and "\ufffd" not in name and "=?" not in name:
            return name
    return None


_MAX_DEPTH = 40


def _walk(part: Message, found: list[Attachment], depth: int) -> None:
    """Collect leaf attachments; a forwarded message/rfc822 is entered once, not kept whole."""
    payload = part.get_payload()
    if isinstance(payload, list):
        if depth < _MAX_DEPTH:
            for sub in _decoded_embedded(part) or payload:
                if isinstance(sub, Message):
                    _walk(sub, found, depth + 1)
        return
    attachment = _attachment(part)
    if attachment is not None:
        found.append(attachment)


def _decoded_embedded(part: Message) -> list[Message] | None:
    """A forwarded message sent base64/QP-encoded (illegal, but gateways do it), parsed.

    The stdlib parses such a body as if it were plain; the attachments would be lost.
    """
    cte = _unfold(_first(part, "Content-Transfer-Encoding") or "").strip().lower()
    if part.get_content_type() != "message/rfc822" or cte not in ("base64", "quoted-printable"):
        return None
    payload = part.get_payload()
    if not isinstance(payload, list) or not payload or not isinstance(payload[0], Message):
        return None
    encoded = payload[0].as_bytes()
    if cte == "base64":
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", encoded)
        try:
            decoded = base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            return None
    else:
        decoded = quopri.decodestring(encoded)
    return [email.message_from_bytes(decoded.lstrip(b"\r\n"), policy=policy.compat32)]


# ---------------------------------------------------------------------------------------------
# Containers: zip archives of forms and Outlook's winmail.dat, unpacked within limits


def _size(n: int) -> str:
    """A byte count for a Chinese reason: '12.5 MB'."""
    return f"{n / _MIB:.1f} MB" if n >= 100 * 1024 else f"{n / 1024:.1f} KB"


def _expand(found: list[Attachment], limits: Limits, problems: list[str]) -> list[Attachment]:
    """Each attachment, each container followed by its new files (by hash); limits noted."""
    if len(found) > limits.max_attachments:
        problems.append(f"附件数量{len(found)}个，超过上限{limits.max_attachments}个。")
        # The raw message keeps every byte; stored one by one, 10,000 parts cost minutes of fsync.
        found = found[: limits.max_attachments]
    out: list[Attachment] = []
    seen = {att.sha256 for att in found}
    budget = [limits.max_unpacked_bytes]
    for att in found:
        out.append(att)
        if len(att.content) > limits.max_attachment_bytes:
            problems.append(
                f"附件“{att.filename}”大小{_size(len(att.content))}，"
                f"超过单个附件上限{_size(limits.max_attachment_bytes)}，未读取。"
            )
            continue
        kind = att.kind
        if kind == "zip":
            inner = _unpack_zip(att, limits, budget, problems)
        elif kind == "tnef":
            inner = _unpack_tnef(att, limits, budget, problems)
        else:
            continue
        for item in inner:  # a file also attached directly (or twice inside) is kept once
            if item.sha256 not in seen:
                seen.add(item.sha256)
                out.append(item)
    return out


def _inner(container: Attachment, name: str | None, data: bytes) -> Attachment:
    """A file unpacked from a container; a name that did not decode is generated and flagged."""
    digest = hashlib.sha256(data).hexdigest()
    shown = _display_name(name) if name else ""
    usable = shown not in ("", ".", "..") and "\ufffd" not in shown
    return Attachment(
        filename=shown if usable else f"未命名附件-{digest[:8]}.{_sniff(data)[1]}",
        content=data,
        sha256=digest,
        content_type="application/octet-stream",
        name_flagged=not usable,
        origin=container.filename,
    )


def _zip_member_name(info: zipfile.ZipInfo) -> str | None:
    """A member's name: UTF-8 if flagged, else raw bytes as UTF-8 or GBK (Chinese Windows)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


_ZIP_JUNK = ("__macosx/", ".ds_store", "thumbs.db", "desktop.ini")


def _unpack_zip(
    container: Attachment, limits: Limits, budget: list[int], problems: list[str]
) -> list[Attachment]:
    """Files of a zip of forms; bombs, encrypted and oversize members refused with a reason."""
    where = f"压缩包“{container.filename}”"
    try:
        with zipfile.ZipFile(io.BytesIO(container.content)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            infos = [i for i in infos if not i.filename.lower().endswith(_ZIP_JUNK)]
            infos = [i for i in infos if not i.filename.lower().startswith("__macosx/")]
            if len(infos) > limits.max_members:
                problems.append(
                    f"{where}内有{len(infos)}个文件，超过上限{limits.max_members}个，未解压。"
                )
                return []
            return [
                item
                for info in infos
                if (item := _zip_member(zf, info, container, limits, budget, problems)) is not None
            ]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            RuntimeError, NotImplementedError, KeyError, IndexError, zlib.error):  # fmt: skip
        problems.append(f"{where}已损坏或格式不受支持，无法解压。")
        return []


def _zip_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    container: Attachment,
    limits: Limits,
    budget: list[int],
    problems: list[str],
) -> Attachment | None:
    """One member read within the limits, or None with the reason noted."""
    name = _zip_member_name(info)
    label = f"压缩包“{container.filename}”中的“{_display_name(name or '') or info.filename}”"
    if info.flag_bits & 0x1:
        problems.append(f"{label}设置了密码，无法解压。")
        return None
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.max_attachment_bytes or ratio > limits.max_ratio:
        problems.append(
            f"{label}解压后{_size(info.file_size)}（压缩比{ratio:.0f}），超过上限，未解压。"
        )
        return None
    if info.file_size > budget[0]:
        problems.append(
            f"{label}：解压内容合计超过上限{_size(limits.max_unpacked_bytes)}，未解压。"
        )
        return None
    with zf.open(info) as fh:
        data = fh.read(info.file_size + 1)
    if len(data) > info.file_size:  # the directory lied about the size: a crafted archive
        problems.append(f"{label}的实际大小与目录记录不符，未解压。")
        return None
    budget[0] -= len(data)
    return _inner(container, name, data)


def _tnef_name(item: Any, codepage: str | None) -> str | None:
    """A winmail.dat member's name: the MAPI long name, else the 8-bit title in the OEM codepage."""
    try:
        long_name = item.long_filename()
    except (UnicodeDecodeError, AttributeError):
        long_name = None
    if isinstance(long_name, bytes):
        long_name = _bytes_to_text(long_name.rstrip(b"\0"), codepage)[0]
    if isinstance(long_name, str) and long_name.strip("\0").strip():
        return long_name.strip("\0")
    title = getattr(item, "_name", b"")
    if isinstance(title, str):
        return title.strip("\0") or None
    text, ok = _bytes_to_text(bytes(title).rstrip(b"\0"), codepage)
    return text if ok and text else None


def _unpack_tnef(
    container: Attachment, limits: Limits, budget: list[int], problems: list[str]
) -> list[Attachment]:
    """Files inside Outlook's winmail.dat (TNEF), read with tnefparse."""
    from tnefparse import TNEF

    where = f"Outlook附件包“{container.filename}”"
    try:
        tnef = TNEF(container.content, do_checksum=False)
    except Exception:  # tnefparse raises assorted errors on damaged input
        problems.append(f"{where}已损坏，无法解析。")
        return []
    # A truncated file yields empty members: there is nothing of them to keep.
    items = [a for a in tnef.attachments if isinstance(getattr(a, "data", None), bytes) and a.data]
    if len(items) > limits.max_members:
        problems.append(f"{where}内有{len(items)}个文件，超过上限{limits.max_members}个，未解开。")
        return []
    out: list[Attachment] = []
    for item in items:
        data: bytes = item.data
        name = _tnef_name(item, tnef.codepage)
        if len(data) > limits.max_attachment_bytes or len(data) > budget[0]:
            problems.append(f"{where}中的“{name or '未命名文件'}”超过大小上限，未解开。")
            continue
        budget[0] -= len(data)
        out.append(_inner(container, name, data))
    return out


# ---------------------------------------------------------------------------------------------
# Sender, date, auto-replies


def _sender(values: list[str]) -> tuple[str | None, str | None]:
    """The single From address (lower-cased), or None and a Chinese reason."""
    if not values:
        return None, "邮件没有发件人（From）"
    if len(values) > 1:
        return None, "邮件有多个发件人（From）字段"
    text, _ = _eight_bit_text(values[0])
    # Encoded-words only ever carry display text; neutralise them so no charset problem
    # in a display name can reject a sound address, and none can inject structure.
    text = _ENCODED_WORD.sub("X", text)
    try:
        header = policy.default.header_factory("from", text)
        addresses = header.addresses
        defects = header.defects
    except Exception:  # the stdlib address parser has raised assorted errors on hostile input
        return None, "发件人地址无法解析"
    if len(addresses) > 1:
        return None, "发件人包含多个地址"
    if not addresses or not addresses[0].username or not addresses[0].domain:
        return None, "发件人地址无法解析"
    if defects and not _one_bracketed_address(text, defects, addresses[0].addr_spec):
        return None, "发件人地址无法解析"
    return addresses[0].addr_spec.lower(), None


# A display name (no address characters in it) and exactly one <local@domain>.
_NAME_AND_ADDRESS = re.compile(r'\s*(?:"[^"]*"|[^"<>@,;:]*)\s*<([^<>\s@,;]+@[^<>\s@,;]+)>\s*')


def _one_bracketed_address(text: str, defects: Sequence[object], parsed: str) -> bool:
    """A From the stdlib only warns about (Outlook's "Chuxiong S. <cxs@…>") is still sound.

    Only obsolete-syntax warnings are forgiven, and only when the header is one display name
    and one <address> that the parser read the same way: anything that leaves the address
    in doubt stays unparsable.
    """
    if not all(isinstance(d, errors.ObsoleteHeaderDefect) for d in defects):
        return False
    found = _NAME_AND_ADDRESS.fullmatch(text)
    return found is not None and found.group(1).lower() == parsed.lower()


def _message_id(value: str | None) -> str | None:
    """The Message-ID as sent, unfolded; None when absent or blank."""
    text = _unfold(value or "").strip()
    return text or None


def _sent_at(value: str | None) -> datetime | None:
    """Date header as an aware datetime; '-0000' (zone unknown) is read as UTC per RFC 5322."""
    if value is None:
        return None
    try:
        when = parsedate_to_datetime(_header_text(value)[0].strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


_AUTO_SUBJECT = re.compile(
    r"^\s*(自动回复|自动答复|auto[- ]?reply|automatic reply|out of (the )?office)", re.IGNORECASE
)
_BOUNCERS = ("mailer-daemon@", "postmaster@")


def _auto_reply(msg: Message, subject: str, sender: str | None) -> bool:
    """True for machine-sent mail (auto-replies, bounces) that must never get a notice back."""
    submitted = (_first(msg, "Auto-Submitted") or "").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return True
    if _first(msg, "X-Autoreply") is not None or _first(msg, "X-Autorespond") is not None:
        return True
    if (_first(msg, "Precedence") or "").strip().lower() in ("auto_reply", "bulk", "junk"):
        return True
    if _AUTO_SUBJECT.match(subject):
        return True
    # Bounces are auto-generated too: a notice sent back to them would loop.
    if msg.get_content_type() == "multipart/report":
        return True
    if _unfold(_first(msg, "Return-Path") or "").strip() == "<>":
        return True
    return sender is not None and sender.startswith(_BOUNCERS)


# ---------------------------------------------------------------------------------------------
# Authentication-Results of our own receiving server

_AUTH_RESULT = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*([a-z]+)([^;]*)", re.IGNORECASE)
_AUTH_PROP = re.compile(r"\b(header\.d|header\.i|header\.from|smtp\.mailfrom)\s*=\s*(\S+)", re.I)


def _aligned(value: str, domain: str) -> bool:
    """True when an authenticated identity (domain or address) is the sender's domain or below."""
    found = value.strip().strip('"').rpartition("@")[2].rstrip(".").lower()
    return found == domain or found.endswith("." + domain)


def authentication_problem(raw: bytes, authserv_id: str, sender: str | None) -> str | None:
    """Why our server's own Authentication-Results do not vouch for the sender, or None.

    Only the topmost header carrying our authserv-id counts: anything further down was added
    before the mail reached us and could be written by the sender. A pass needs DMARC, or
    DKIM / SPF for the From domain.
    """
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    msg = email.message_from_bytes(head, policy=policy.compat32)
    wanted = authserv_id.strip().lower()
    for value in _raw_headers(msg, "Authentication-Results"):
        text = _eight_bit_text(value)[0]
        ident = text.split(";", 1)[0].strip().split(" ")[0].strip().lower()
        if ident != wanted:
            continue
        domain = (sender or "").rpartition("@")[2]
        verdicts: list[str] = []
        for method, result, props in _AUTH_RESULT.findall(text.split(";", 1)[-1]):
            method, result = method.lower(), result.lower()
            verdicts.append(f"{method}={result}")
            if result != "pass" or not domain:
                continue
            if method == "dmarc":
                return None
            identities = [v for _, v in _AUTH_PROP.findall(props)]
            if any(_aligned(v, domain) for v in identities):
                return None
        shown = "，".join(verdicts) or "无结果"
        return f"收件服务器对发件人的认证未通过（{shown}）。"
    return f"缺少收件服务器（{authserv_id}）的认证结果（Authentication-Results）。"


DnsLookup = Callable[..., bytes | None]  # dkimpy's dnsfunc: name (bytes) -> TXT record


def dkim_problem(raw: bytes, sender: str | None, dns: DnsLookup | None = None) -> str | None:
    """Why no DKIM signature of the sender's own domain verifies, or None when one does.

    Every DKIM-Signature is tried; one counts only when its d= is exactly the From domain
    (a signature by any other domain says nothing about the sender). `dns`
    answers the key lookups in tests; the default asks DNS.
    """
    import dkim  # only when the check is configured

    domain = (sender or "").rpartition("@")[2]
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    count = len(_raw_headers(email.message_from_bytes(head, policy=policy.compat32),
                             "DKIM-Signature"))  # fmt: skip
    if not count:
        return "邮件没有 DKIM 签名，无法确认发件人。"
    seen: list[str] = []
    for index in range(count):
        checker = dkim.DKIM(raw)
        try:
            ok = checker.verify(idx=index, dnsfunc=dns) if dns else checker.verify(idx=index)
        except Exception:  # dkimpy raises assorted errors on malformed signatures
            ok = False
        signer = (checker.domain or b"").decode("ascii", "replace").lower()
        seen.append(f"{signer or '未知'}：{'通过' if ok else '未通过'}")
        if ok and domain and signer == domain.lower():
            return None
    return f"DKIM 签名未能确认发件人域名 {domain or '（无）'}（{'；'.join(seen)}）。"


# ---------------------------------------------------------------------------------------------
# Sniffing the kind of a file from its bytes

TNEF_MAGIC = b"\x78\x9f\x3e\x22"  # 0x223E9F78, little-endian
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"),
           (b"GIF89a", "gif"))  # fmt: skip
_EXTENSION = {"unknown": "bin"}


def sniff_kind(data: bytes) -> str:
    """The kind of a file from its first bytes (and container directory), never its name.

    One of: xlsx, xlsm, xlsb, xls, encrypted, html, pdf, doc, docx, pptx, ppt, ods, zip,
    tnef (Outlook's winmail.dat), image, unknown. "encrypted" is an OLE2 file with an
    EncryptedPackage stream (a password-protected xlsx) or a BIFF8 workbook with a FILEPASS
    record (a protected xls).
    """
    return _sniff(data)[0]


def _sniff(data: bytes) -> tuple[str, str]:
    """(kind, a file extension for generated names)."""
    if data.startswith(TNEF_MAGIC):
        return "tnef", "dat"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        kind = _sniff_zip(data)
    elif data.startswith(_OLE2):
        kind, ext = _sniff_ole2(data)
        return kind, ext
    elif b"%PDF-" in data[:1024]:
        kind = "pdf"
    elif _looks_html(data):
        kind = "html"
    else:
        for magic, ext in _IMAGES:
            if data.startswith(magic):
                return "image", ext
        kind = "unknown"
    return kind, _EXTENSION.get(kind, kind)


def _looks_html(data: bytes) -> bool:
    """HTML (often a report 'saved as .xls' by an old system), by its opening tags."""
    head = data[:4096]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", "ignore").encode("utf-8", "ignore")
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    starts = (b"<html", b"<!doctype html", b"<head", b"<meta", b"<body", b"<table")
    if head.startswith(starts):
        return True
    return head.startswith((b"<?xml", b"<!--")) and b"<html" in head


_ZIP_MARKERS = (
    "xl/workbook.xml", "xl/workbook.bin", "xl/vbaproject.bin", "word/document.xml",
    "ppt/presentation.xml",
)  # fmt: skip


def _sniff_zip(data: bytes) -> str:
    """Tell OOXML/ODF packages from plain zips by their part names and content types."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = {info.filename.lower(): info.filename for info in zf.infolist()}
            types = _member_head(zf, members.get("[content_types].xml"))
            mimetype = _member_head(zf, members.get("mimetype"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            RuntimeError, NotImplementedError, KeyError, IndexError, zlib.error):  # fmt: skip
        # Damaged or truncated package: the local headers still carry the part names.
        lowered = data.lower()
        members = {m: m for m in _ZIP_MARKERS if m.encode() in lowered}
        types = b"macroenabled" if b"macroenabled" in lowered else b""
        mimetype = b""
    names = set(members)
    types = types.lower()
    if any(n.startswith("xl/") for n in names) or b"spreadsheetml" in types:
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "xl/vbaproject.bin" in names or b"sheet.macroenabled" in types:
            return "xlsm"
        if "xl/workbook.xml" in names or b"spreadsheetml.sheet.main" in types:
            return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if mimetype.strip() == b"application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    return "zip"


def _member_head(zf: zipfile.ZipFile, name: str | None) -> bytes:
    """The first 256 KiB of a zip member (enough for content types), b'' when absent."""
    if name is None:
        return b""
    with zf.open(name) as fh:
        return fh.read(256 * 1024)


def _sniff_ole2(data: bytes) -> tuple[str, str]:
    """Classify an OLE2 compound file by its stream names (cheap directory read)."""
    try:
        streams = _Cfb(data).streams()
    except (ValueError, struct.error, IndexError):
        return _sniff_ole2_bytes(data)
    if "encryptedpackage" in streams:
        return "encrypted", "xlsx"
    for name in ("workbook", "book"):
        if name in streams:
            start, size, cfb = streams[name]
            encrypted = size >= cfb.mini_cutoff and _biff_encrypted(cfb.head(start, 2048))
            return ("encrypted" if encrypted else "xls"), "xls"
    if "worddocument" in streams:
        return "doc", "doc"
    if "powerpoint document" in streams:
        return "ppt", "ppt"
    return "unknown", "bin"


def _sniff_ole2_bytes(data: bytes) -> tuple[str, str]:
    """Fallback for a damaged compound file: look for the UTF-16 stream names."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted", "xlsx"
    if "WordDocument".encode("utf-16-le") in data:
        return "doc", "doc"
    if "PowerPoint Document".encode("utf-16-le") in data:
        return "ppt", "ppt"
    return "xls", "xls"


def _biff_encrypted(head: bytes) -> bool:
    """True when a BIFF workbook stream has a FILEPASS record among its first records."""
    pos = 0
    for index in range(8):
        if pos + 4 > len(head):
            return False
        record, length = struct.unpack_from("<HH", head, pos)
        if record == 0x002F:
            return True
        if index == 0 and record not in (0x0809, 0x0409, 0x0209, 0x0009):
            return False
        pos += 4 + length
    return False


_END = 0xFFFFFFFA  # sector numbers at or above this are markers, not sectors


class _Cfb:
    """Just enough of [MS-CFB] to list stream names and read the head of a stream."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512:
            raise ValueError("short compound file")
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            raise ValueError("bad sector size")
        self.data = data
        self.size = 1 << shift
        self.mini_cutoff = struct.unpack_from("<I", data, 0x38)[0]
        n_fat, self.first_dir = struct.unpack_from("<II", data, 0x2C)
        first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
        fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
        per = self.size // 4 - 1
        sector, hops = first_difat, 0
        while sector < _END and hops < n_difat:
            entries = struct.unpack_from(f"<{per + 1}I", self._sector(sector))
            fat_sectors.extend(entries[:per])
            sector, hops = entries[per], hops + 1
        fat = b"".join(self._sector(s) for s in fat_sectors[:n_fat] if s < _END)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", fat[: len(fat) // 4 * 4])

    def _sector(self, number: int) -> bytes:
        """Bytes of one sector; a truncated last sector is padded."""
        offset = (number + 1) * self.size
        if offset >= len(self.data):
            raise ValueError("sector past end of file")
        return self.data[offset : offset + self.size].ljust(self.size, b"\0")

    def _chain(self, start: int) -> Iterator[int]:
        """Sector numbers of a chain, stopping on loops and markers."""
        seen: set[int] = set()
        sector = start
        while sector < _END and sector not in seen and sector < len(self.fat):
            seen.add(sector)
            yield sector
            sector = self.fat[sector]

    def streams(self) -> dict[str, tuple[int, int, _Cfb]]:
        """Lower-cased stream name -> (start sector, size, self)."""
        found: dict[str, tuple[int, int, _Cfb]] = {}
        for sector in self._chain(self.first_dir):
            block = self._sector(sector)
            for offset in range(0, self.size, 128):
                entry = block[offset : offset + 128]
                length = struct.unpack_from("<H", entry, 0x40)[0]
                if entry[0x42] != 2 or not 2 <= length <= 64:
                    continue
                name = entry[: length - 2].decode("utf-16-le", "replace").lower()
                start, size = struct.unpack_from("<IQ", entry, 0x74)
                found[name] = (start, size & 0xFFFFFFFF if self.size == 512 else size, self)
        return found

    def head(self, start: int, limit: int) -> bytes:
        """The first ``limit`` bytes of a stream stored in regular sectors."""
        out = bytearray()
        for sector in self._chain(start):
            out += self._sector(sector)
            if len(out) >= limit:
                break
        return bytes(out[:limit])
