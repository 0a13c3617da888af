"""ImapSource against a real Dovecot: byte-exact peeks, flags, moves, drops and the corpus."""

from __future__ import annotations

import socket

import pytest
from corpus_mail import corpus, mail, part, xlsx
from dovecot_server import Dovecot
from imap_tools import BaseMailBox

from bixue.mail.imap import PROCESSED_KEYWORD, ImapKey, ImapSource, UidValidityChangedError
from bixue.mail.message import parse_message


def _deliver(dovecot: Dovecot, folder: str, messages: list[bytes]) -> None:
    """APPEND, as the MTA's delivery would leave the mail: no flags."""
    with dovecot.client() as box:
        for raw in messages:
            box.append(raw, folder, flag_set=[])


def _flags(dovecot: Dovecot, folder: str) -> dict[int, set[str]]:
    """UID -> flags, read with a separate connection."""
    with dovecot.client() as box:
        box.folder.set(folder)
        typ, data = box.client.uid("FETCH", "1:*", "(FLAGS)")
        assert typ == "OK"
        out: dict[int, set[str]] = {}
        for line in data:
            if not isinstance(line, bytes):
                continue
            text = line.decode()
            uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
            flags = text.split("FLAGS (", 1)[1].split(")", 1)[0].split()
            out[uid] = set(flags)
        return out


def _messages(n: int) -> list[bytes]:
    return [
        mail(
            part(b'Content-Disposition: attachment; filename="f.xlsx"\r\n', xlsx(f"m{i}")),
            message_id=f"<m{i}@c>".encode(),
        )
        for i in range(n)
    ]


def test_corpus_arrives_through_dovecot_with_every_name_and_byte(
    dovecot: Dovecot, imap_folder: str
) -> None:
    cases = corpus()
    _deliver(dovecot, imap_folder, [c.raw for c in cases])
    with ImapSource(dovecot.settings(imap_folder)) as source:
        keys = source.keys()
        assert len(keys) == len(cases)
        for case, key in zip(cases, keys, strict=True):
            raw = source.fetch(key)
            assert raw == case.raw, case.id
            got = parse_message(raw).attachments
            assert [a.content for a in got] == [data for _, data in case.expected], case.id
            if case.flagged:
                assert got[0].name_flagged and got[0].filename.startswith("未命名附件-"), case.id
            else:
                assert [a.filename for a in got] == [n for n, _ in case.expected], case.id
                assert not any(a.name_flagged for a in got), case.id


def test_fetch_peeks_without_marking_seen(dovecot: Dovecot, imap_folder: str) -> None:
    _deliver(dovecot, imap_folder, _messages(2))
    with ImapSource(dovecot.settings(imap_folder)) as source:
        keys = source.keys()
        for key in keys:
            source.fetch(key)
    assert all("\\Seen" not in flags for flags in _flags(dovecot, imap_folder).values())


def test_mark_processed_flags_and_hides_the_message_from_keys(
    dovecot: Dovecot, imap_folder: str
) -> None:
    _deliver(dovecot, imap_folder, _messages(3))
    with ImapSource(dovecot.settings(imap_folder)) as source:
        first, *rest = source.keys()
        source.mark_processed(first)
        source.mark_processed(first)  # idempotent
        assert source.keys() == rest
    flags = _flags(dovecot, imap_folder)
    assert PROCESSED_KEYWORD in flags[ImapKey.parse(first).uid]
    assert "\\Seen" not in flags[ImapKey.parse(first).uid]


def test_mark_processed_moves_to_the_configured_folder(dovecot: Dovecot, imap_folder: str) -> None:
    _deliver(dovecot, imap_folder, _messages(2))
    done = f"{imap_folder}.已处理"
    with ImapSource(dovecot.settings(imap_folder, processed_folder=done)) as source:
        keys = source.keys()
        for key in keys:
            source.mark_processed(key)
        assert source.keys() == []
    with dovecot.client() as box:
        assert box.folder.status(imap_folder)["MESSAGES"] == 0
        assert box.folder.status(done)["MESSAGES"] == 2
    assert all(PROCESSED_KEYWORD in f for f in _flags(dovecot, done).values())


def test_dropped_connection_is_reopened_and_the_fetch_resumes_by_uid(
    dovecot: Dovecot, imap_folder: str
) -> None:
    messages = _messages(5)
    _deliver(dovecot, imap_folder, messages)

    def drop_after_two(count: int, box: BaseMailBox) -> None:
        if count == 2:
            box.client.sock.shutdown(socket.SHUT_RDWR)

    with ImapSource(dovecot.settings(imap_folder), after_fetch=drop_after_two) as source:
        keys = source.keys()
        fetched = [source.fetch(key) for key in keys]
        assert source.reconnects >= 1
    assert fetched == messages


def test_a_recreated_folder_invalidates_old_keys(dovecot: Dovecot, imap_folder: str) -> None:
    _deliver(dovecot, imap_folder, _messages(1))
    with ImapSource(dovecot.settings(imap_folder)) as source:
        (old,) = source.keys()
    with dovecot.client() as box:
        box.folder.delete(imap_folder)
        box.folder.create(imap_folder)
    _deliver(dovecot, imap_folder, _messages(1))
    with ImapSource(dovecot.settings(imap_folder)) as source:
        (new,) = source.keys()
        assert ImapKey.parse(new).uidvalidity != ImapKey.parse(old).uidvalidity
        with pytest.raises(UidValidityChangedError):
            source.fetch(old)


def test_timeouts_apply_to_a_server_that_never_answers() -> None:
    from bixue.config import ImapSettings

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        settings = ImapSettings("127.0.0.1", port, "office", "INBOX", False, "")
        source = ImapSource(settings, timeout=0.5, retries=1)
        with pytest.raises((TimeoutError, OSError)):
            source.keys()
        assert source.reconnects == 2
