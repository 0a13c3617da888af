"""Test mail built byte by byte the way each client encodes Chinese attachment names.

Outlook, Foxmail, 163/QQ webmail, Apple Mail and WPS, plus the odd cases of issue 5: names
only in Content-Type, inline parts, GBK-only characters under a gb2312 label, raw GBK with a
0x5C trail byte, a character split across encoded-words, RFC 2231 continuations, an
undecodable name, a forwarded message, Outlook's winmail.dat and a zip of forms.
"""

from __future__ import annotations

import base64
import io
import struct
import urllib.parse
import zipfile
from dataclasses import dataclass

import openpyxl

CRLF = b"\r\n"
XLSX_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(label: str) -> bytes:
    """A real, tiny workbook whose bytes differ by label."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "项目名称"
    ws["A2"] = label
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def b_word(text: str, charset: str = "utf-8", codec: str | None = None) -> bytes:
    """One RFC 2047 B encoded-word."""
    return (
        b"=?" + charset.encode() + b"?B?" + base64.b64encode(text.encode(codec or charset)) + b"?="
    )


def b_words_split(data: bytes, cut: int, charset: str = "utf-8") -> bytes:
    """Two encoded-words cutting the octets at `cut` (inside a multibyte character)."""
    first = base64.b64encode(data[:cut])
    second = base64.b64encode(data[cut:])
    label = charset.encode()
    return b"=?" + label + b"?B?" + first + b"?=\r\n =?" + label + b"?B?" + second + b"?="


def pct(data: bytes) -> bytes:
    return urllib.parse.quote_from_bytes(data, safe="").encode()


def part(headers: bytes, content: bytes) -> bytes:
    """A base64 leaf part with the given header lines (each ending in CRLF)."""
    encoded = base64.encodebytes(content).replace(b"\n", CRLF)
    return headers + b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded


def mail(
    *parts: bytes,
    sender: bytes = b"=?utf-8?B?" + base64.b64encode("禄丰市投促局".encode()) + b"?= "
    b"<lfs@zs.chuxiong.example>",
    subject: str = "报送2023年1—5月报表",
    mailer: bytes = b"",
    message_id: bytes = b"<corpus@zs.chuxiong.example>",
    boundary: bytes = b"BOUND",
    date: bytes = b"Thu, 18 May 2023 10:00:00 +0800",
    extra: bytes = b"",
) -> bytes:
    """A multipart/mixed message: headers, a text body, then the parts."""
    head = (
        b"Received: from mx.zs.chuxiong.example by imap.zs.chuxiong.example; " + date + CRLF
        + extra
        + b"From: " + sender + CRLF
        + b"To: zdcyzszb@zs.chuxiong.example\r\n"
        + b"Subject: " + b_word(subject) + CRLF
        + b"Date: " + date + CRLF
        + b"Message-ID: " + message_id + CRLF
        + mailer
        + b"MIME-Version: 1.0\r\n"
        + b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
    )  # fmt: skip
    sep = b"--" + boundary + CRLF
    body = sep + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "请审核。".encode() + CRLF
    for item in parts:
        body += sep + item + CRLF
    return head + body + b"--" + boundary + b"--\r\n"


def _mapi_long_name(name: str) -> bytes:
    """attAttachment's MAPI properties holding only PR_ATTACH_LONG_FILENAME (PT_UNICODE)."""
    text = (name + "\0").encode("utf-16-le")
    padded = text + b"\0" * (-len(text) % 4)
    return struct.pack("<IHHII", 1, 0x001F, 0x3707, 1, len(text)) + padded


def tnef(
    files: list[tuple[bytes, bytes]], codepage: int = 936, long_names: list[str] | None = None
) -> bytes:
    """A minimal winmail.dat: OEM codepage, then per file a rendering, 8-bit title and data.

    With `long_names`, each file also gets the MAPI long file name newer Outlooks write
    beside a title cut to 8.3.
    """

    def attr(level: int, ident: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return struct.pack("<BII", level, ident, len(data)) + data + struct.pack("<H", checksum)

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attr(1, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += attr(1, 0x00069007, struct.pack("<II", codepage, 0))  # attOemCodepage
    for index, (name, data) in enumerate(files):
        out += attr(2, 0x00069002, b"\x01\x00" + b"\xff" * 12)  # attAttachRenddata
        out += attr(2, 0x00018010, name + b"\x00")  # attAttachTitle
        out += attr(2, 0x0006800F, data)  # attAttachData
        if long_names:
            out += attr(2, 0x00069005, _mapi_long_name(long_names[index]))  # attAttachment
    return out


class _GbkZipInfo(zipfile.ZipInfo):
    """A member whose name is stored as GBK bytes without the UTF-8 flag (Windows' zip tool)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - overrides the stdlib
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_of(files: list[tuple[str, bytes]], *, gbk_names: bool) -> bytes:
    """A zip as Windows' built-in compressor writes it (GBK names, no UTF-8 flag) or as UTF-8."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            cls = _GbkZipInfo if gbk_names else zipfile.ZipInfo
            info = cls(name, date_time=(2023, 5, 18, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


@dataclass(frozen=True)
class Case:
    """One corpus message and the attachments (name, bytes) it must yield."""

    id: str
    raw: bytes
    expected: list[tuple[str, bytes]]
    flagged: bool = False


def _simple(case_id: str, headers: bytes, name: str, content: bytes, **kw: bytes) -> Case:
    return Case(case_id, mail(part(headers, content), message_id=f"<{case_id}@c>".encode(), **kw),
                [(name, content)])  # fmt: skip


def corpus() -> list[Case]:
    """Every client's way of naming a Chinese attachment, and the odd cases."""
    cases: list[Case] = []
    name = "附件3：5亿元以上重点产业招商引资项目推进情况月报表（禄丰市）.xlsx"

    data = xlsx("outlook")
    cases.append(_simple(
        "outlook-rfc2047-utf8-quoted",
        b"Content-Type: " + XLSX_TYPE + b';\r\n\tname="' + b_word(name) + b'"\r\n'
        b'Content-Disposition: attachment;\r\n\tfilename="' + b_word(name) + b'"\r\n',
        name, data, mailer=b"X-Mailer: Microsoft Outlook 16.0\r\n",
    ))  # fmt: skip

    gbk_only = "堃喆镕项目表.xlsx"  # 堃 喆 镕 are in GBK but not in GB2312
    data = xlsx("foxmail")
    cases.append(_simple(
        "foxmail-gb2312-label-gbk-only-chars",
        b"Content-Type: application/octet-stream;\r\n\tname=\"" + b_word(gbk_only, "gb2312", "gbk")
        + b'"\r\nContent-Disposition: attachment;\r\n\tfilename="'
        + b_word(gbk_only, "gb2312", "gbk") + b'"\r\n',
        gbk_only, data, mailer=b"X-Mailer: Foxmail 7.2.25.375[cn]\r\n",
    ))  # fmt: skip

    data = xlsx("163")
    cases.append(_simple(
        "163-rfc2231",
        b"Content-Type: " + XLSX_TYPE + b"\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''" + pct(name.encode()) + b"\r\n",
        name, data,
    ))  # fmt: skip

    encoded = name.encode()
    data = xlsx("qq")
    cases.append(_simple(
        "qq-rfc2047-char-split-across-words",
        b"Content-Type: " + XLSX_TYPE + b';\r\n\tname="' + b_words_split(encoded, 4) + b'"\r\n'
        b'Content-Disposition: attachment; filename="' + b_words_split(encoded, 7) + b'"\r\n',
        name, data,
    ))  # fmt: skip

    third = len(encoded) // 3
    chunks = [encoded[:third], encoded[third : 2 * third], encoded[2 * third :]]
    data = xlsx("apple")
    cases.append(_simple(
        "apple-rfc2231-continuations",
        b"Content-Type: " + XLSX_TYPE + b";\r\n\tname=\"=?utf-8?Q?"
        + b"".join(b"=%02X" % c for c in encoded) + b'?="\r\n'
        b"Content-Disposition: attachment;\r\n"
        b"\tfilename*0*=utf-8''" + pct(chunks[0]) + b";\r\n"
        b"\tfilename*1*=" + pct(chunks[1]) + b";\r\n"
        b"\tfilename*2*=" + pct(chunks[2]) + b"\r\n",
        name, data, mailer=b"X-Mailer: Apple Mail (2.3731.700.6)\r\n",
    ))  # fmt: skip

    wps = "禄丰市誠信项目表.xlsx"  # 誠 is 0xD5 0x5C in GBK: the trail byte is a backslash
    data = xlsx("wps")
    cases.append(_simple(
        "wps-raw-gbk-bytes-with-backslash-trail",
        b"Content-Type: application/octet-stream; name=\"" + wps.encode("gbk") + b'"\r\n'
        b'Content-Disposition: attachment; filename="' + wps.encode("gbk") + b'"\r\n',
        wps, data, mailer=b"X-Mailer: WPS Mail\r\n",
    ))  # fmt: skip

    only_type = "附件5：自行组织活动情况月报表.xls"
    data = xlsx("type-only")
    cases.append(_simple(
        "name-only-in-content-type",
        b'Content-Type: application/vnd.ms-excel; name="' + b_word(only_type, "GBK") + b'"\r\n',
        only_type, data,
    ))  # fmt: skip

    data = xlsx("inline")
    cases.append(_simple(
        "inline-disposition",
        b"Content-Type: " + XLSX_TYPE + b"\r\n"
        b'Content-Disposition: inline; filename="' + b_word(name) + b'"\r\n',
        name, data,
    ))  # fmt: skip

    data = xlsx("undecodable")
    raw = mail(
        part(b'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; '
             b'filename="=?utf-8?B?//7/?="\r\n', data),
        message_id=b"<undecodable@c>",
    )  # fmt: skip
    cases.append(Case("undecodable-name-generated-and-flagged", raw, [("", data)], flagged=True))

    data = xlsx("forwarded")
    inner = mail(
        part(b'Content-Disposition: attachment; filename="' + b_word(name) + b'"\r\n', data),
        boundary=b"INNER",
        message_id=b"<inner@c>",
    )
    forward = b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + inner
    cases.append(Case("forwarded-rfc822-once", mail(forward, message_id=b"<fwd@c>"),
                      [(name, data)]))  # fmt: skip

    data = xlsx("tnef")
    evidence = "投资意向书.pdf"
    winmail = tnef([(name.encode("gbk"), data), (evidence.encode("gbk"), PDF)])
    raw = mail(
        part(b'Content-Type: application/ms-tnef; name="winmail.dat"\r\n'
             b'Content-Disposition: attachment; filename="winmail.dat"\r\n', winmail),
        message_id=b"<tnef@c>",
        mailer=b"X-Mailer: Microsoft Outlook 14.0\r\n",
    )  # fmt: skip
    cases.append(
        Case("outlook-winmail-dat", raw, [("winmail.dat", winmail), (name, data), (evidence, PDF)])
    )

    a3, a5 = xlsx("zip-a3"), xlsx("zip-a5")
    packed = zip_of([("报表/附件3（禄丰市）.xlsx", a3), ("报表/附件5（禄丰市）.xlsx", a5)],
                    gbk_names=True)  # fmt: skip
    zip_name = "禄丰市5月报表.zip"
    raw = mail(
        part(b"Content-Type: application/zip\r\nContent-Disposition: attachment; filename=\""
             + b_word(zip_name) + b'"\r\n', packed),
        message_id=b"<zip@c>",
    )  # fmt: skip
    cases.append(
        Case(
            "zip-of-forms-gbk-member-names",
            raw,
            [(zip_name, packed), ("附件3（禄丰市）.xlsx", a3), ("附件5（禄丰市）.xlsx", a5)],
        )
    )
    return cases
