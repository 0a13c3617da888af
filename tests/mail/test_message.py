"""parse_message on hand-made raw mail as Outlook, Foxmail, 163/QQ, Apple Mail and WPS send it."""

from __future__ import annotations

import base64
import hashlib
import io
import quopri
import struct
import unicodedata
import urllib.parse
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import openpyxl
import pytest

from bixue.mail.message import Attachment, parse_message, sniff_kind

CRLF = b"\r\n"
FORM = "楚雄州2024年1—3月招商引资项目表.xlsx"


def _xlsx() -> bytes:
    """A real, tiny workbook."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XLSX = _xlsx()


def _b64word(text: str, charset: str = "utf-8", codec: str | None = None) -> bytes:
    """One RFC 2047 B encoded-word."""
    payload = base64.b64encode(text.encode(codec or charset)).decode()
    return f"=?{charset}?B?{payload}?=".encode()


def _part(headers: bytes, content: bytes = XLSX) -> bytes:
    """A base64 leaf part with the given header lines (each ending in CRLF)."""
    return headers + b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(content)


def _mail(*parts: bytes, head: bytes = b"", boundary: bytes = b"BOUND") -> bytes:
    """A multipart/mixed message with a text body followed by the given parts."""
    top = (
        b"From: =?utf-8?B?"
        + base64.b64encode("楚雄市投促局".encode())
        + b"?= <unit@cxs.gov.cn>\r\n"
        b"To: zdcyzszb@163.com\r\n"
        b"Subject: =?utf-8?B?" + base64.b64encode("报送1—3月报表".encode()) + b"?=\r\n"
        b"Date: Wed, 20 Mar 2024 17:05:09 +0800\r\n"
        b"Message-ID: <abc@cxs.gov.cn>\r\n" + head + b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
    )
    sep = b"--" + boundary + CRLF
    body = sep + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "请查收。".encode() + CRLF
    for part in parts:
        body += sep + part + CRLF
    return top + body + b"--" + boundary + b"--\r\n"


def _pct(text: str, codec: str = "utf-8") -> str:
    return urllib.parse.quote(text.encode(codec), safe="")


_SPLIT = FORM.encode()
_CUT = 4  # inside the second character ("雄" is bytes 3..5)

NAME_CASES = [
    pytest.param(
        b"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;\r\n"
        b'\tname="' + _b64word(FORM) + b'"\r\n'
        b'Content-Disposition: attachment;\r\n\tfilename="' + _b64word(FORM) + b'"\r\n',
        FORM,
        id="outlook-rfc2047-utf8-b",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream;\r\n"
        b'\tname="' + _b64word("朱镕基喆报表.xlsx", "GB2312", "gb18030") + b'"\r\n'
        b'Content-Disposition: attachment;\r\n\tfilename="'
        + _b64word("朱镕基喆报表.xlsx", "GB2312", "gb18030")
        + b'"\r\n',
        "朱镕基喆报表.xlsx",
        id="foxmail-gb2312-label-gbk-only-chars",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*0*=UTF-8''" + _pct("楚雄州2024").encode() + b";\r\n"
        b" filename*1*=" + _pct("年1—3月报表").encode() + b";\r\n"
        b' filename*2=".xlsx"\r\n',
        "楚雄州2024年1—3月报表.xlsx",
        id="163-rfc2231-continuations",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*0*=UTF-8''" + _pct(FORM[:5]).encode() + b";\r\n"
        b" filename*1*=" + _pct(FORM[5:]).encode() + b"\r\n",
        FORM,
        id="rfc2231-all-sections-encoded",
    ),
    pytest.param(
        b"Content-Type: application/vnd.ms-excel\r\n"
        b'Content-Disposition: attachment; filename="' + FORM.encode("gbk") + b'"\r\n',
        FORM,
        id="raw-gbk-bytes",
    ),
    pytest.param(
        b"Content-Type: application/vnd.ms-excel\r\n"
        b'Content-Disposition: attachment; filename="' + "统计表俓".encode("gbk") + b'"\r\n',
        "统计表俓",
        id="raw-gbk-trail-byte-0x5c-before-closing-quote",
    ),
    pytest.param(
        b'Content-Type: application/vnd.ms-excel; name="' + FORM.encode("gbk") + b'"\r\n',
        FORM,
        id="raw-gbk-bytes-in-content-type-name",
    ),
    pytest.param(
        b'Content-Type: application/octet-stream; name="' + _b64word(FORM) + b'"\r\n'
        b'Content-Disposition: attachment; filename="=?x-unknown?B?/+/+?="\r\n',
        FORM,
        id="undecodable-filename-falls-back-to-content-type-name",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="' + FORM.encode() + b'"\r\n',
        FORM,
        id="raw-utf8-bytes-qq-webmail",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream;\r\n\tname=" + _pct(FORM).encode() + b"\r\n"
        b"Content-Disposition: attachment;\r\n\tfilename*=utf-8''"
        + _pct(unicodedata.normalize("NFD", "Café-" + FORM)).encode()
        + b"\r\n",
        "Café-" + FORM,
        id="apple-mail-rfc2231-utf8-nfd",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream;\r\n"
        b'\tname="' + _b64word(FORM, "GBK", "gb18030") + b'"\r\n',
        FORM,
        id="name-only-in-content-type",
    ),
    pytest.param(
        b"Content-Type: application/vnd.ms-excel\r\n"
        b'Content-Disposition: inline; filename="' + _b64word(FORM) + b'"\r\n',
        FORM,
        id="inline-disposition-with-filename",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="=?utf-8?B?'
        + base64.b64encode(_SPLIT[:_CUT])
        + b"?=\r\n =?utf-8?B?"
        + base64.b64encode(_SPLIT[_CUT:])
        + b'?="\r\n',
        FORM,
        id="multibyte-char-split-across-encoded-words",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="'
        + _b64word(FORM[:4], "gbk")
        + b" "
        + _b64word(FORM[4:9], "gbk")
        + b" "
        + _b64word(FORM[9:], "gbk")
        + b'"\r\n',
        FORM,
        id="several-encoded-words-gbk",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="=?GB2312?Q?'
        + "".join(f"={b:02X}" for b in "喆报表".encode("gbk")).encode()
        + b'.xlsx?="\r\n',
        "喆报表.xlsx",
        id="q-encoded-gb2312-label",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*=gb2312''"
        + _pct("朱镕基.xlsx", "gbk").encode()
        + b"\r\n",
        "朱镕基.xlsx",
        id="rfc2231-gb2312-label-gbk-only-char",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="fallback.xlsx";\r\n'
        b" filename*=\"UTF-8''" + _pct(FORM).encode() + b'"\r\n',
        FORM,
        id="wps-quoted-rfc2231-preferred-over-plain",
    ),
    pytest.param(
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="C:\\fakepath\\' + FORM.encode() + b'"\r\n',
        FORM,
        id="client-sent-a-path",
    ),
]


@pytest.mark.parametrize(("headers", "expected"), NAME_CASES)
def test_attachment_name_is_decoded_from_each_client_encoding(
    headers: bytes, expected: str
) -> None:
    msg = parse_message(_mail(_part(headers)))
    assert [a.filename for a in msg.attachments] == [expected]
    att = msg.attachments[0]
    assert not att.name_flagged
    assert att.content == XLSX
    assert att.kind == "xlsx"


def test_undecodable_name_is_replaced_by_a_generated_flagged_name() -> None:
    headers = (
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="\xff\xfe\x80report.xls"\r\n'
    )
    att = parse_message(_mail(_part(headers))).attachments[0]
    assert att.name_flagged
    assert att.filename == f"未命名附件-{att.sha256[:8]}.xlsx"


@pytest.mark.parametrize(
    ("disposition", "name", "flagged"),
    [
        # Latin-1 bytes labelled UTF-8: the GB18030 fallback reads Chinese that is not a name.
        (b"attachment; filename*=utf-8''Dij%F6rt.xlsx", "Dij鰎t.xlsx", 1),
        (b'attachment; filename="Dij\xf6rt.xlsx"', "Dij鰎t.xlsx", 1),
        # Raw GBK from an old Chinese client: the same fallback, and plainly Chinese.
        (b'attachment; filename="' + "附件3报表.xlsx".encode("gbk") + b'"', "附件3报表.xlsx", 0),
    ],
    ids=["mislabelled-latin1", "raw-latin1", "raw-gbk"],
)
def test_a_charset_fallback_that_is_a_guess_keeps_the_name_but_flags_it(
    disposition: bytes, name: str, flagged: int
) -> None:
    headers = b"Content-Type: application/octet-stream\r\nContent-Disposition: " + disposition
    att = parse_message(_mail(_part(headers + b"\r\n"))).attachments[0]
    assert (att.filename, att.name_flagged) == (name, bool(flagged))


def test_nameless_binary_part_is_an_attachment_with_a_generated_name() -> None:
    att = parse_message(_mail(_part(b"Content-Type: application/octet-stream\r\n"))).attachments[0]
    assert att.name_flagged
    assert att.filename.startswith("未命名附件-") and att.filename.endswith(".xlsx")
    assert att.content_type == "application/octet-stream"


def test_attachment_records_declared_type_and_content_hash() -> None:
    headers = b'Content-Type: application/vnd.ms-excel; name="a.xls"\r\n'
    att = parse_message(_mail(_part(headers))).attachments[0]
    assert att.content_type == "application/vnd.ms-excel"
    assert att.sha256 == hashlib.sha256(XLSX).hexdigest()
    assert att.kind == "xlsx"  # the name says xls; the bytes win


def test_text_and_html_bodies_are_not_attachments() -> None:
    alternative = (
        b'Content-Type: multipart/alternative; boundary="ALT"\r\n\r\n'
        b"--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"
        b"--ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>hi</p>\r\n--ALT--\r\n"
    )
    msg = parse_message(_mail(alternative))
    assert msg.attachments == ()


def test_inline_image_in_html_signature_is_kept_as_an_image_attachment() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    part = _part(b"Content-Type: image/png\r\nContent-ID: <sig>\r\n", png)
    (att,) = parse_message(_mail(part)).attachments
    assert att.kind == "image"
    assert att.filename.endswith(".png") and att.name_flagged


def test_forwarded_message_contributes_its_attachment_once() -> None:
    inner = _mail(
        _part(b'Content-Disposition: attachment; filename="' + _b64word(FORM) + b'"\r\n'),
        boundary=b"INNER",
    )
    forward = b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + inner
    msg = parse_message(_mail(forward))
    assert [a.filename for a in msg.attachments] == [FORM]


@pytest.mark.parametrize("cte", ["base64", "quoted-printable"])
def test_forwarded_message_sent_transfer_encoded_still_yields_its_attachment(cte: str) -> None:
    inner = _mail(
        _part(b'Content-Disposition: attachment; filename="' + _b64word(FORM) + b'"\r\n'),
        boundary=b"INNER",
    )
    encoded = base64.encodebytes(inner) if cte == "base64" else quopri.encodestring(inner)
    forward = (
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: "
        + cte.encode()
        + b"\r\n\r\n"
        + encoded
    )
    msg = parse_message(_mail(forward))
    assert [(a.filename, a.content) for a in msg.attachments] == [(FORM, XLSX)]


def test_forwarded_message_and_own_attachment_both_counted() -> None:
    inner = _mail(
        _part(b'Content-Disposition: attachment; filename="inner.xlsx"\r\n'), boundary=b"INNER"
    )
    forward = b"Content-Type: message/rfc822\r\n\r\n" + inner
    own = _part(b'Content-Disposition: attachment; filename="own.xlsx"\r\n')
    msg = parse_message(_mail(forward, own))
    assert sorted(a.filename for a in msg.attachments) == ["inner.xlsx", "own.xlsx"]


# ---------------------------------------------------------------------------------------------
# Headers


def _with_from(from_lines: bytes) -> bytes:
    return from_lines + b"To: zdcyzszb@163.com\r\nSubject: x\r\n\r\nbody\r\n"


@pytest.mark.parametrize(
    ("from_lines", "sender", "problem"),
    [
        (b'From: "a@registered.cn" <b@evil.cn>\r\n', "b@evil.cn", None),
        (b"From: Unit <Unit@CXS.Gov.CN>\r\n", "unit@cxs.gov.cn", None),
        (b"From: a@x.cn, b@y.cn\r\n", None, "发件人包含多个地址"),
        (b"From: Team: a@x.cn, b@y.cn;\r\n", None, "发件人包含多个地址"),
        (b"From: undisclosed-recipients\r\n", None, "发件人地址无法解析"),
        (b"From: <b@evil.cn> a@registered.cn\r\n", None, "发件人地址无法解析"),
        (b"From: \r\n", None, "发件人地址无法解析"),
        (b"", None, "邮件没有发件人（From）"),
        (b"From: a@x.cn\r\nFrom: b@y.cn\r\n", None, "邮件有多个发件人（From）字段"),
        (
            b"From: " + _b64word("朱镕基", "gb2312", "gb18030") + b" <zrj@cxs.gov.cn>\r\n",
            "zrj@cxs.gov.cn",
            None,
        ),
        (b"From: " + "楚雄市".encode("gbk") + b" <unit@cxs.gov.cn>\r\n", "unit@cxs.gov.cn", None),
        (
            b"From: =?utf-8?B?" + base64.b64encode(b"<boss@registered.cn>") + b"?= <b@evil.cn>\r\n",
            "b@evil.cn",
            None,
        ),
        (b"From: Chuxiong S. <cxs@zs.chuxiong.example>\r\n", "cxs@zs.chuxiong.example", None),
        (b"From: J. R. Li <jrl@cxs.gov.cn>\r\n", "jrl@cxs.gov.cn", None),
        (b"From: Chuxiong S. cxs@zs.chuxiong.example\r\n", None, "发件人地址无法解析"),
        (b"From: a@registered.cn <b@evil.cn>\r\n", None, "发件人地址无法解析"),
        (b"From: Chuxiong S. <cxs@x.cn> <b@evil.cn>\r\n", None, "发件人地址无法解析"),
    ],
    ids=[
        "display-name-looks-like-registered-address",
        "address-lower-cased",
        "two-addresses",
        "group-with-two-addresses",
        "no-address",
        "junk-after-address",
        "empty",
        "missing",
        "two-from-headers",
        "gb2312-display-name-with-gbk-only-char",
        "raw-gbk-display-name",
        "encoded-word-cannot-inject-an-address",
        "outlook-unquoted-dot-in-display-name",
        "initials-with-dots",
        "dotted-name-without-brackets-leaves-the-address-in-doubt",
        "unquoted-address-as-display-name-is-ambiguous",
        "dotted-name-with-two-bracketed-addresses",
    ],
)
def test_sender_is_the_single_from_address_or_none_with_a_reason(
    from_lines: bytes, sender: str | None, problem: str | None
) -> None:
    msg = parse_message(_with_from(from_lines))
    assert msg.sender == sender
    assert msg.sender_problem == problem


def test_display_from_and_subject_are_decoded() -> None:
    msg = parse_message(_mail(head=b""))
    assert msg.display_from == "楚雄市投促局 <unit@cxs.gov.cn>"
    assert msg.subject == "报送1—3月报表"
    assert msg.message_id == "<abc@cxs.gov.cn>"
    assert msg.sent_at == datetime(2024, 3, 20, 17, 5, 9, tzinfo=timezone(timedelta(hours=8)))


def test_gbk_subject_split_across_words_and_lines_decodes() -> None:
    data = "关于报送朱镕基项目的函".encode("gbk")
    raw = (
        b"From: a@x.cn\r\nSubject: =?GB2312?B?" + base64.b64encode(data[:5]) + b"?=\r\n"
        b"\t=?GB2312?B?" + base64.b64encode(data[5:]) + b"?=\r\n\r\nbody\r\n"
    )
    assert parse_message(raw).subject == "关于报送朱镕基项目的函"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (b"Date: Wed, 20 Mar 2024 17:05:09 +0800\r\n", datetime(2024, 3, 20, 9, 5, 9, tzinfo=UTC)),
        (b"Date: Wed, 20 Mar 2024 09:05:09 -0000\r\n", datetime(2024, 3, 20, 9, 5, 9, tzinfo=UTC)),
        (b"Date: yesterday afternoon\r\n", None),
        (b"", None),
    ],
    ids=["with-zone", "zone-unknown-read-as-utc", "garbage", "missing"],
)
def test_sent_at_is_timezone_aware_or_none(date: bytes, expected: datetime | None) -> None:
    msg = parse_message(b"From: a@x.cn\r\n" + date + b"\r\nbody\r\n")
    assert msg.sent_at == expected
    assert msg.sent_at is None or msg.sent_at.tzinfo is not None


@pytest.mark.parametrize(
    ("headers", "auto"),
    [
        (b"Auto-Submitted: auto-replied\r\nSubject: x\r\n", True),
        (b"Auto-Submitted: no\r\nSubject: x\r\n", False),
        (b"X-Autoreply: yes\r\nSubject: x\r\n", True),
        (b"Precedence: bulk\r\nSubject: x\r\n", True),
        (b"Precedence: auto_reply\r\nSubject: x\r\n", True),
        (b"Subject: " + _b64word("自动回复：报送1—3月报表") + b"\r\n", True),
        (b"Subject: " + _b64word("自动答复: 报送", "gbk") + b"\r\n", True),
        (b"Subject: Auto-Reply: report\r\n", True),
        (b"Subject: Out of Office: report\r\n", True),
        (b"Subject: Re: 1-3 report\r\n", False),
        (b"Return-Path: <>\r\nSubject: Undelivered Mail\r\n", True),
        (b"Subject: " + _b64word("关于自动回复功能的说明") + b"\r\n", False),
    ],
    ids=[
        "auto-submitted",
        "auto-submitted-no",
        "x-autoreply",
        "precedence-bulk",
        "precedence-auto-reply",
        "subject-zidong-huifu",
        "subject-outlook-zidong-dafu",
        "subject-auto-reply",
        "subject-out-of-office",
        "ordinary-reply",
        "bounce-null-return-path",
        "phrase-not-at-start",
    ],
)
def test_auto_reply_detection(headers: bytes, auto: bool) -> None:
    msg = parse_message(b"From: a@x.cn\r\n" + headers + b"\r\nbody\r\n")
    assert msg.auto_reply is auto


def test_raw_hash_is_of_the_exact_bytes() -> None:
    raw = _mail(_part(b'Content-Disposition: attachment; filename="a.xlsx"\r\n'))
    assert parse_message(raw).raw_sha256 == hashlib.sha256(raw).hexdigest()


def test_garbage_input_does_not_raise() -> None:
    msg = parse_message(b"\x00\xff\xfe not a mail at all \r\n\r\n\x89")
    assert msg.sender is None and msg.sender_problem
    assert msg.attachments == ()


# ---------------------------------------------------------------------------------------------
# Kind sniffing


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _with_member(package: bytes, name: str, data: bytes) -> bytes:
    """The package with one more member (e.g. a VBA project)."""
    src = zipfile.ZipFile(io.BytesIO(package))
    members = {n: src.read(n) for n in src.namelist()}
    members[name] = data
    return _zip(members)


def _dir_entry(name: str, kind: int, start: int, size: int, right: int = 0xFFFFFFFF) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0"
    child = 1 if kind == 5 else 0xFFFFFFFF
    return struct.pack(
        "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, 0xFFFFFFFF, right, child,
        b"\0" * 16, 0, 0, 0, start, size,
    )  # fmt: skip


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal version-3 compound file (512-byte sectors) holding up to three streams."""
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    fat = [0xFFFFFFFD, end]  # sector 0: the FAT, sector 1: the directory
    entries = [_dir_entry("Root Entry", 5, end, 0)]
    body = b""
    for index, (name, content) in enumerate(streams.items()):
        padded = content.ljust(4096, b"\0")
        count = -(-len(padded) // 512)
        start = len(fat)  # sectors 0 and 1 are taken, so the next free one is len(fat)
        fat += [start + i + 1 for i in range(count - 1)] + [end]
        body += padded.ljust(count * 512, b"\0")
        right = index + 2 if index + 1 < len(streams) else 0xFFFFFFFF
        entries.append(_dir_entry(name, 2, start, len(padded), right))
    fat += [free] * (128 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, 1, 1, 0, 4096, end, 0, end, 0, 0, *([free] * 108),
    )  # fmt: skip
    directory = b"".join(entries).ljust(512, b"\0")
    return header + struct.pack("<128I", *fat) + directory + body


BOF = struct.pack("<HH", 0x0809, 16) + b"\0" * 16
FILEPASS = struct.pack("<HH", 0x002F, 6) + b"\0" * 6
INTERFACE = struct.pack("<HH", 0x00E1, 2) + b"\0" * 2


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        pytest.param(XLSX, "xlsx", id="openpyxl-xlsx"),
        pytest.param(_with_member(XLSX, "xl/vbaProject.bin", b"vba"), "xlsm", id="xlsm-vba"),
        pytest.param(XLSX[:-30], "xlsx", id="truncated-xlsx"),
        pytest.param(_zip({"word/document.xml": b"<w/>"}), "docx", id="docx"),
        pytest.param(_zip({"ppt/presentation.xml": b"<p/>"}), "pptx", id="pptx"),
        pytest.param(_zip({"xl/workbook.bin": b"", "xl/x": b""}), "xlsb", id="xlsb"),
        pytest.param(_zip({"报表.xlsx": XLSX}), "zip", id="zip-of-forms"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf", id="pdf"),
        pytest.param(
            b'<html xmlns:o="urn:schemas-microsoft-com:office:office"><body><table>',
            "html",
            id="html-saved-as-xls",
        ),
        pytest.param(b'\xef\xbb\xbf<?xml version="1.0"?>\n<html><table>', "html", id="xml-html"),
        pytest.param(b"  <!DOCTYPE html><html>", "html", id="doctype"),
        pytest.param(_cfb({"Workbook": BOF + INTERFACE}), "xls", id="ole2-workbook"),
        pytest.param(_cfb({"Book": BOF + INTERFACE}), "xls", id="ole2-biff5-book"),
        pytest.param(_cfb({"Workbook": BOF + FILEPASS}), "encrypted", id="ole2-xls-filepass"),
        pytest.param(
            _cfb({"EncryptionInfo": b"\4\0\4\0", "EncryptedPackage": b"x"}),
            "encrypted",
            id="ole2-encrypted-xlsx",
        ),
        pytest.param(_cfb({"WordDocument": b"x", "1Table": b"y"}), "doc", id="ole2-doc"),
        pytest.param(_cfb({"PowerPoint Document": b"x"}), "ppt", id="ole2-ppt"),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 40, "xls", id="ole2-header-only"
        ),
        pytest.param(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image", id="png"),
        pytest.param(b"\xff\xd8\xff\xe0\0\x10JFIF", "image", id="jpeg"),
        pytest.param(b"GIF89a\1\0", "image", id="gif"),
        pytest.param(b"\x00\x01 random bytes", "unknown", id="unknown"),
        pytest.param(b"", "unknown", id="empty"),
    ],
)
def test_kind_is_sniffed_from_bytes(data: bytes, kind: str) -> None:
    assert sniff_kind(data) == kind
    att = Attachment("报表.xlsx", data, "0" * 64, "application/octet-stream", False)
    assert att.kind == kind
