"""MaildirSource over a real Maildir, open_source, and the content-addressed landing zone."""

from __future__ import annotations

import hashlib
import mailbox
from pathlib import Path

import pytest

from bixue.config import ConfigError, Settings
from bixue.mail.landing import store_attachment, store_blob, store_raw_message
from bixue.mail.message import parse_message
from bixue.mail.source import MaildirSource, open_source

RAW = [
    b"From: a@cxs.gov.cn\nSubject: one\n\nfirst\n",
    b"From: b@lf.gov.cn\r\nSubject: two\r\n\r\nsecond with CRLF\r\n",
    b"From: c@yx.gov.cn\nSubject: three\n\nthird, no final newline",
]


def _deliver(path: Path, messages: list[bytes]) -> list[str]:
    """Deliver with the stdlib, as a local MDA would; return the keys in delivery order."""
    box = mailbox.Maildir(path, create=True)
    return [box.add(raw) for raw in messages]


def test_keys_are_in_arrival_order_and_fetch_is_byte_identical(tmp_path: Path) -> None:
    keys = _deliver(tmp_path / "mb", RAW)
    source = MaildirSource(tmp_path / "mb")
    assert source.keys() == keys
    assert [source.fetch(k) for k in keys] == RAW


def test_files_written_by_an_mta_are_read_exactly_and_ordered_by_time(tmp_path: Path) -> None:
    source = MaildirSource(tmp_path / "mb")
    later = b"Received: by mx\r\nFrom: x@y.cn\r\n\r\nbody\r\n.\r\n\x00\xff"
    earlier = b"From: z@y.cn\n\nearly\n"
    (tmp_path / "mb" / "new" / "1000.M5P1.mx").write_bytes(later)
    (tmp_path / "mb" / "new" / "999.M9P1.mx").write_bytes(earlier)
    (tmp_path / "mb" / "tmp" / "1001.M1P1.mx").write_bytes(b"still being delivered")
    assert source.keys() == ["999.M9P1.mx", "1000.M5P1.mx"]
    assert source.fetch("1000.M5P1.mx") == later


def test_mark_processed_moves_to_cur_with_seen_flag_and_key_still_fetches(tmp_path: Path) -> None:
    keys = _deliver(tmp_path / "mb", RAW)
    source = MaildirSource(tmp_path / "mb")
    source.mark_processed(keys[1])
    assert not (tmp_path / "mb" / "new" / keys[1]).exists()
    moved = list((tmp_path / "mb" / "cur").iterdir())
    assert [p.name for p in moved] == [f"{keys[1]}:2,S"]
    assert source.keys() == keys
    assert source.fetch(keys[1]) == RAW[1]
    assert mailbox.Maildir(tmp_path / "mb").get_message(keys[1]).get_flags() == "S"


def test_mark_processed_is_idempotent(tmp_path: Path) -> None:
    (key,) = _deliver(tmp_path / "mb", RAW[:1])
    source = MaildirSource(tmp_path / "mb")
    source.mark_processed(key)
    source.mark_processed(key)
    assert [p.name for p in (tmp_path / "mb" / "cur").iterdir()] == [f"{key}:2,S"]
    assert source.fetch(key) == RAW[0]


def test_mark_processed_keeps_existing_flags(tmp_path: Path) -> None:
    source = MaildirSource(tmp_path / "mb")
    (tmp_path / "mb" / "cur" / "1.M1P1.mx:2,F").write_bytes(RAW[0])
    source.mark_processed("1.M1P1.mx")
    assert [p.name for p in (tmp_path / "mb" / "cur").iterdir()] == ["1.M1P1.mx:2,FS"]


@pytest.mark.parametrize("key", ["missing", "../etc", "", "new/x"])
def test_unknown_key_raises_key_error(tmp_path: Path, key: str) -> None:
    _deliver(tmp_path / "mb", RAW[:1])
    source = MaildirSource(tmp_path / "mb")
    with pytest.raises(KeyError):
        source.mark_processed(key)


def test_open_source_gives_the_maildir_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BIXUE_MAILBOX", raising=False)
    monkeypatch.delenv("BIXUE_MAILBOX_PATH", raising=False)
    source = open_source(Settings(home=tmp_path))
    assert isinstance(source, MaildirSource)
    assert source.path == tmp_path / "mailbox"
    assert (tmp_path / "mailbox" / "new").is_dir()


def test_open_source_imap_is_configured_and_connects_lazily(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bixue.mail.imap import ImapSource

    monkeypatch.setenv("BIXUE_MAILBOX", "imap")
    monkeypatch.setenv("BIXUE_IMAP_HOST", "imap.example.invalid")
    monkeypatch.setenv("BIXUE_IMAP_USER", "office")
    monkeypatch.setenv("BIXUE_IMAP_FOLDER", "报送")
    source = open_source(Settings(home=tmp_path))
    assert isinstance(source, ImapSource)
    assert source.mailbox == "imap://office@imap.example.invalid:993/报送"
    assert source.timeout == 30
    monkeypatch.setenv("BIXUE_IMAP_TIMEOUT", "2.5")
    assert open_source(Settings(home=tmp_path)).timeout == 2.5  # type: ignore[attr-defined]
    monkeypatch.setenv("BIXUE_IMAP_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="BIXUE_IMAP_TIMEOUT"):
        open_source(Settings(home=tmp_path))


# ---------------------------------------------------------------------------------------------
# Landing


def test_store_blob_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    digest = hashlib.sha256(RAW[0]).hexdigest()
    first = store_blob(tmp_path, RAW[0], ".eml")
    second = store_blob(tmp_path, RAW[0], ".eml")
    assert first == second == tmp_path / digest[:2] / f"{digest[2:]}.eml"
    assert first.read_bytes() == RAW[0]
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temp files left


def test_store_blob_repairs_a_truncated_copy(tmp_path: Path) -> None:
    path = store_blob(tmp_path, RAW[1])
    path.write_bytes(RAW[1][:5])
    assert store_blob(tmp_path, RAW[1]).read_bytes() == RAW[1]


@pytest.mark.parametrize("suffix", ["../x", ".XLSX", "/abs", ".报表", "eml"])
def test_store_blob_rejects_suffixes_that_could_come_from_a_name(
    tmp_path: Path, suffix: str
) -> None:
    with pytest.raises(ValueError):
        store_blob(tmp_path, b"x", suffix)


def test_attachment_lands_under_its_hash_with_a_kind_suffix_not_its_name(tmp_path: Path) -> None:
    raw = (
        b"From: a@cxs.gov.cn\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="../../evil.xlsx"\r\n\r\n'
        b"%PDF-1.4 fake\r\n--B--\r\n"
    )
    (att,) = parse_message(raw).attachments
    assert att.filename == "evil.xlsx"
    path = store_attachment(tmp_path, att)
    assert path == tmp_path / att.sha256[:2] / f"{att.sha256[2:]}.pdf"
    assert path.read_bytes() == att.content
    assert store_raw_message(tmp_path, raw).suffix == ".eml"
