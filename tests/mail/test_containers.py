"""Containers (zip, winmail.dat), limits, authentication results and landing-time states."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from corpus_mail import PDF, b_word, mail, part, tnef, xlsx, zip_of

from bixue.config import ConfigError, Settings
from bixue.forms.submissions import read_submissions
from bixue.mail.intake import IntakePolicy, land_message
from bixue.mail.message import Limits, authentication_problem, parse_message, sniff_kind
from bixue.model import RawMessage

FORM = xlsx("容器")


def _zip_mail(packed: bytes, name: str = "报表.zip") -> bytes:
    return mail(
        part(b'Content-Disposition: attachment; filename="' + b_word(name) + b'"\r\n', packed)
    )


def test_zip_with_utf8_names_is_unpacked_with_origin() -> None:
    packed = zip_of([("附件3.xlsx", FORM), ("意向书.pdf", PDF)], gbk_names=False)
    msg = parse_message(_zip_mail(packed))
    assert [(a.filename, a.origin, a.kind) for a in msg.attachments] == [
        ("报表.zip", None, "zip"),
        ("附件3.xlsx", "报表.zip", "xlsx"),
        ("意向书.pdf", "报表.zip", "pdf"),
    ]
    assert msg.problems == ()


def test_zip_member_identical_to_a_direct_attachment_is_kept_once() -> None:
    packed = zip_of([("附件3.xlsx", FORM)], gbk_names=False)
    raw = mail(
        part(b'Content-Disposition: attachment; filename="a.xlsx"\r\n', FORM),
        part(b'Content-Disposition: attachment; filename="b.zip"\r\n', packed),
    )
    assert [a.filename for a in parse_message(raw).attachments] == ["a.xlsx", "b.zip"]


def test_zip_bomb_is_refused_by_ratio_with_a_chinese_reason() -> None:
    packed = zip_of([("炸弹.xlsx", b"\0" * 5_000_000)], gbk_names=False)
    msg = parse_message(_zip_mail(packed))
    assert [a.filename for a in msg.attachments] == ["报表.zip"]
    assert "压缩比" in msg.problems[0] and "超过上限" in msg.problems[0]


def test_total_unpacked_size_is_bounded() -> None:
    files = [(f"表{i}.xlsx", xlsx(f"t{i}") + bytes(range(256)) * 40) for i in range(4)]
    limits = Limits(max_unpacked_bytes=2 * len(files[0][1]) + 10)
    msg = parse_message(_zip_mail(zip_of(files, gbk_names=False)), limits)
    assert len([a for a in msg.attachments if a.origin]) == 2
    assert all("合计超过上限" in p for p in msg.problems) and len(msg.problems) == 2


def test_too_many_members_and_attachments_are_refused() -> None:
    files = [(f"{i}.pdf", PDF + bytes([i])) for i in range(5)]
    limits = Limits(max_members=3, max_attachments=1)
    packed = zip_of(files, gbk_names=True)
    raw = mail(
        part(b'Content-Disposition: attachment; filename="a.zip"\r\n', packed),
        part(b'Content-Disposition: attachment; filename="b.pdf"\r\n', PDF),
    )
    msg = parse_message(raw, limits)
    assert any("附件数量2个" in p for p in msg.problems)
    assert any("5个文件，超过上限3个" in p for p in msg.problems)
    assert not any(a.origin for a in msg.attachments)


def test_encrypted_zip_member_is_refused() -> None:
    packed = bytearray(zip_of([("附件3.xlsx", FORM)], gbk_names=False))
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag bit
        at = packed.find(header)
        flag_at = at + (6 if header == b"PK\x03\x04" else 8)
        packed[flag_at] |= 0x01
    msg = parse_message(_zip_mail(bytes(packed)))
    assert "设置了密码" in msg.problems[0]


def test_damaged_zip_is_refused_not_raised() -> None:
    packed = zip_of([("附件3.xlsx", FORM)], gbk_names=False)
    damaged = packed[:40] + b"\xff" * 40 + packed[80:]
    msg = parse_message(_zip_mail(damaged))
    assert msg.attachments[0].filename == "报表.zip"


def test_oversized_attachment_and_message_are_noted_and_bytes_kept() -> None:
    raw = mail(part(b'Content-Disposition: attachment; filename="big.pdf"\r\n', PDF * 100))
    msg = parse_message(raw, Limits(max_attachment_bytes=1000))
    assert msg.attachments[0].content == PDF * 100
    assert "超过单个附件上限" in msg.problems[0]
    whole = parse_message(raw, Limits(max_message_bytes=1000))
    assert whole.attachments == () and "邮件大小" in whole.problems[0]


def test_winmail_dat_names_in_utf8_codepage_and_undecodable() -> None:
    winmail = tnef([("意向书.pdf".encode(), PDF), (b"\xff\xfe\xff.xlsx", FORM)], codepage=65001)
    raw = mail(part(b'Content-Type: application/ms-tnef; name="winmail.dat"\r\n', winmail))
    found = parse_message(raw).attachments
    assert sniff_kind(winmail) == "tnef"
    assert [(a.filename, a.origin) for a in found[1:2]] == [("意向书.pdf", "winmail.dat")]
    assert found[2].name_flagged and found[2].content == FORM


def test_winmail_dat_prefers_the_mapi_long_name_over_the_8_3_title() -> None:
    long_name = "附件3：5亿元以上重点产业招商引资项目推进情况月报表（禄丰市）.xlsx"
    winmail = tnef([("附件3~1.XLS".encode("gbk"), FORM)], long_names=[long_name])
    raw = mail(part(b'Content-Type: application/ms-tnef; name="winmail.dat"\r\n', winmail))
    (_, inner) = parse_message(raw).attachments
    assert (inner.filename, inner.content, inner.name_flagged) == (long_name, FORM, False)


@pytest.mark.parametrize("cut", [10, 30, 60])
def test_truncated_winmail_dat_is_kept_whole_and_yields_nothing_empty(cut: int) -> None:
    broken = tnef([(b"a.xlsx", FORM)])[:cut]
    raw = mail(part(b'Content-Type: application/ms-tnef; name="winmail.dat"\r\n', broken))
    (kept,) = parse_message(raw).attachments
    assert (kept.filename, kept.content) == ("winmail.dat", broken)


AR_CASES = [
    (b"mx.cx; dmarc=pass header.from=zs.cx", None),
    (b"mx.cx; dkim=pass header.d=zs.cx", None),
    (b"mx.cx; dkim=pass header.d=sub.zs.cx", None),
    (b"mx.cx; spf=pass smtp.mailfrom=u@zs.cx", None),
    (b"mx.cx; dkim=pass header.d=evil.example; spf=fail smtp.mailfrom=zs.cx", "未通过"),
    (b"mx.cx;\r\n\tspf=softfail smtp.mailfrom=zs.cx", "spf=softfail"),
    (b"mx.cx; none", "未通过"),
    (b"other.example; dmarc=pass header.from=zs.cx", "缺少"),
]


@pytest.mark.parametrize(("header", "expected"), AR_CASES)
def test_authentication_results_only_ours_count(header: bytes, expected: str | None) -> None:
    raw = b"Authentication-Results: " + header + b"\r\nFrom: u@zs.cx\r\n\r\nbody\r\n"
    problem = authentication_problem(raw, "mx.cx", "u@zs.cx")
    assert problem is None if expected is None else expected in (problem or "")


def test_only_the_topmost_header_of_our_server_counts() -> None:
    raw = (
        b"Authentication-Results: mx.cx; spf=fail smtp.mailfrom=zs.cx\r\n"
        b"Authentication-Results: mx.cx; dmarc=pass header.from=zs.cx\r\n"  # written by sender
        b"From: u@zs.cx\r\n\r\nbody\r\n"
    )
    assert "spf=fail" in (authentication_problem(raw, "mx.cx", "u@zs.cx") or "")


def test_policy_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIXUE_MAIL_MAX_ATTACHMENT_MB", "2")
    monkeypatch.setenv("BIXUE_MAIL_AUTHSERV_ID", " mx.cx ")
    policy = IntakePolicy.from_env()
    assert policy.limits.max_attachment_bytes == 2 * 1024 * 1024
    assert policy.authserv_id == "mx.cx"
    monkeypatch.setenv("BIXUE_MAIL_MAX_ATTACHMENTS", "many")
    with pytest.raises(ConfigError, match="BIXUE_MAIL_MAX_ATTACHMENTS"):
        IntakePolicy.from_env()


def test_limits_reject_a_registered_senders_message_at_landing(
    tmp_path: Path, settings: Settings
) -> None:
    bomb = zip_of([("炸弹.xlsx", b"\0" * 5_000_000)], gbk_names=False)
    raw = mail(part(b'Content-Disposition: attachment; filename="a.zip"\r\n', bomb),
               sender=b"lfs@zs.chuxiong.example")  # fmt: skip
    landed = land_message(tmp_path, RawMessage("k", raw), IntakePolicy())
    assert landed.state == "rejected"
    assert read_submissions(settings, [landed]) == []
    assert landed.state == "rejected" and landed.unit == "禄丰市"
    assert "压缩比" in landed.reasons[0]
    stored = list((tmp_path / "attachments").rglob("*.zip"))
    assert [p.read_bytes() for p in stored] == [bomb]


def test_unknown_file_named_like_a_workbook_is_refused_with_a_reason(
    tmp_path: Path, settings: Settings
) -> None:
    raw = mail(
        part(b'Content-Disposition: attachment; filename="' + b_word("附件3.xlsx") + b'"\r\n',
             b"not a workbook at all"),
        part(b'Content-Disposition: attachment; filename="sig.vcf"\r\n', b"BEGIN:VCARD\r\n"),
        sender=b"lfs@zs.chuxiong.example",
    )  # fmt: skip
    landed = land_message(tmp_path, RawMessage("k", raw), IntakePolicy())
    (sub,) = read_submissions(settings, [landed])
    assert sub.status == "rejected"
    assert "无法识别为Excel工作簿" in sub.problems[0].message


def test_kinds_refused_by_content_whatever_the_name() -> None:
    html = b"<html><body><table><tr><td>1</td></tr></table></body></html>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/vbaProject.bin", b"\0")
    assert sniff_kind(html) == "html"
    assert sniff_kind(buf.getvalue()) == "xlsm"
