"""The intake against a real Dovecot: every message ends in one recorded state, exactly once.

The run below is the monthly flow's mail path without Prefect (fetch, skip recorded, land,
read, load, flag), calling the same functions as its tasks, so crashes can be injected
between its steps with the `before_flag` hook and the connection dropped inside a fetch.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from corpus_mail import PDF, b_word, mail, part, tnef, zip_of
from dovecot_server import Dovecot
from imap_tools import BaseMailBox

from bixue.cli import main
from bixue.config import Settings
from bixue.forms.spec import WORKBOOK_NAMES
from bixue.forms.submissions import read_submissions
from bixue.forms.templates import render_workbook
from bixue.mail import intake
from bixue.mail.imap import PROCESSED_KEYWORD, ImapKey, ImapSource
from bixue.mail.source import open_source
from bixue.model import LandedMessage
from bixue.sample.mail import build_message
from bixue.warehouse import load
from bixue.warehouse.db import connect

SH = ZoneInfo("Asia/Shanghai")
PERIOD = "2023-05"
OFFICE = "zdcyzszb@zs.chuxiong.example"
UNITS = {"禄丰市": "lfs@zs.chuxiong.example", "南华县": "nhx@zs.chuxiong.example",
         "姚安县": "yax@zs.chuxiong.example", "武定县": "wdx@zs.chuxiong.example"}  # fmt: skip


def _form(unit: str, label: str) -> bytes:
    """A real 附件3 workbook of a unit for 2023年1—5月."""
    row = {
        "project_name": f"{label}新材料产业园项目",
        "partner": "四川某钒钛集团有限公司",
        "site": unit,
        "investment_yi": 12,
        "content": "钒钛深加工",
        "stage": "已签约",
        "progress": "已完成土地预审",
    }
    return render_workbook("a3", year=2023, month=5, unit=unit, rows={"a3": [row]})


def _submission(unit: str, label: str, encoding: str = "rfc2231", day: int = 18) -> bytes:
    """A unit's mail with its form, named as the chosen client encodes it."""
    return build_message(
        sender=f"{unit}投资促进局 <{UNITS[unit]}>",
        to=OFFICE,
        subject=f"{unit}2023年1—5月报表（{label}）",
        sent_at=datetime(2023, 5, day, 10, 0, tzinfo=SH),
        attachments=[(f"{WORKBOOK_NAMES['a3']}（{unit}）.xlsx", _form(unit, label))],
        body="请审核。",
        name_encoding=encoding,
    )


def _deliver(dovecot: Dovecot, folder: str, messages: list[bytes]) -> None:
    with dovecot.client() as box:
        for raw in messages:
            box.append(raw, folder, flag_set=[])


def _run(
    settings: Settings,
    source: ImapSource,
    before_flag: intake.BeforeFlag | None = None,
) -> list[LandedMessage]:
    """One run of the mail path for PERIOD, as the flow's tasks do it."""
    engine = connect(settings.warehouse_url)
    try:
        raws = intake.fetch_new(source, engine)
        skip = load.skippable_messages(engine, PERIOD)
        new = [r for r in raws if hashlib.sha256(r.raw).hexdigest() not in skip]
        landed = intake.land_messages(settings.landing_path, new)
        submissions = read_submissions(settings, landed)
        load.load_run(engine, PERIOD, landed, submissions, datetime.now(UTC))
        intake.mark_processed(source, engine, landed, before_flag)
        return landed
    finally:
        engine.dispose()


def _count(settings: Settings, query: str) -> int:
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(query)).scalar_one()
    engine.dispose()
    return int(value)


def _unflagged(dovecot: Dovecot, folder: str) -> int:
    with ImapSource(dovecot.settings(folder)) as source:
        return len(source.keys())


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the SQLite warehouse in the home and on the real PostgreSQL."""
    if request.param == "postgresql":
        monkeypatch.setenv("BIXUE_WAREHOUSE_URL", str(request.getfixturevalue("pg_url")))
    else:
        monkeypatch.delenv("BIXUE_WAREHOUSE_URL", raising=False)
    return str(request.param)


@pytest.fixture
def source(dovecot: Dovecot, imap_folder: str) -> Iterator[ImapSource]:
    with ImapSource(dovecot.settings(imap_folder)) as opened:
        yield opened


# ---------------------------------------------------------------------------------------------


def test_a_month_through_dovecot_every_message_in_one_recorded_state(
    dovecot: Dovecot,
    imap_folder: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    warehouse_kind: str,
) -> None:
    zipped = zip_of(
        [("附件3（武定县）.xlsx", _form("武定县", "压缩包")), ("说明.pdf", PDF)], gbk_names=True
    )
    winmail = tnef([(f"{WORKBOOK_NAMES['a3']}（姚安县）.xlsx".encode("gbk"), _form("姚安县", "T"))])
    xlsm_like = b"PK\x03\x04" + b"\0" * 26 + b"xl/vbaProject.bin" + b"\0" * 64
    messages = {
        "outlook": _submission("禄丰市", "甲", "rfc2047-utf8"),
        "foxmail": _submission("南华县", "乙", "rfc2047-gbk"),
        "zip": mail(
            part(b'Content-Type: application/zip; name="' + b_word("武定县报表.zip") + b'"\r\n',
                 zipped),
            sender=b"<wdx@zs.chuxiong.example>", message_id=b"<zip@wd>",
        ),
        "tnef": mail(
            part(b'Content-Type: application/ms-tnef; name="winmail.dat"\r\n', winmail),
            sender=b"yax@zs.chuxiong.example", message_id=b"<tnef@ya>",
        ),
        "unknown-sender": mail(
            part(b'Content-Disposition: attachment; filename="a.xlsx"\r\n', _form("禄丰市", "丙")),
            sender=b"someone@evil.example", message_id=b"<x@evil>",
        ),
        "auto-reply": mail(sender=b"lfs@zs.chuxiong.example", subject="自动回复：已收到",
                           message_id=b"<auto@lf>"),
        "no-attachment": mail(sender=b"nhx@zs.chuxiong.example", message_id=b"<empty@nh>"),
        "xlsm": mail(
            part(b'Content-Disposition: attachment; filename="' + b_word("报表.xlsm") + b'"\r\n',
                 xlsm_like),
            sender=b"lfs@zs.chuxiong.example", message_id=b"<xlsm@lf>",
        ),
    }  # fmt: skip
    _deliver(dovecot, imap_folder, list(messages.values()))
    settings.home.mkdir(parents=True, exist_ok=True)
    _imap_environment(monkeypatch, dovecot, imap_folder)
    configured = open_source(settings)
    assert isinstance(configured, ImapSource)
    with configured:
        landed = _run(settings, configured)

    states = {m.message_id: (m.state, m.unit) for m in landed}
    by_name = dict(zip(messages, [states[m.message_id] for m in landed], strict=True))
    assert by_name["unknown-sender"] == ("quarantined", None)
    assert by_name["auto-reply"][0] == "ignored"
    assert by_name["no-attachment"][0] == "ignored"
    assert by_name["xlsm"][0] == "rejected"
    for name, unit in [("outlook", "禄丰市"), ("foxmail", "南华县"), ("zip", "武定县"),
                       ("tnef", "姚安县")]:  # fmt: skip
        assert by_name[name][1] == unit and by_name[name][0] in ("accepted", "rejected"), name
    assert _count(settings, "select count(*) from message") == len(messages)
    assert _count(settings, "select count(*) from mail_ledger where flagged_at is not null") == 8
    assert _count(settings, "select count(*) from submission") == 5  # 2 + zip + tnef + xlsm
    assert _unflagged(dovecot, imap_folder) == 0

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["inbox", "--home", str(settings.home), "--period", PERIOD, "--format", "json"])
    assert code == 0
    listed = json.loads(out.getvalue())
    assert len(listed) == len(messages)
    assert all({"sender", "subject", "unit", "state", "reasons", "attachments"} <= set(r)
               for r in listed)  # fmt: skip
    zip_row = next(r for r in listed if r["unit"] == "武定县")
    inner = {a["filename"]: a for a in zip_row["attachments"]}
    assert inner["附件3（武定县）.xlsx"]["origin"] == "武定县报表.zip"
    assert inner["附件3（武定县）.xlsx"]["role"] == "form"
    assert inner["说明.pdf"]["role"] == "evidence"
    assert inner["说明.pdf"]["linked_submissions"] == [
        inner["附件3（武定县）.xlsx"]["submission_id"]
    ]
    assert all(len(a["sha256"]) == 64 for a in zip_row["attachments"])
    quarantined = next(r for r in listed if r["state"] == "quarantined")
    assert quarantined["reasons"] and "未登记" in quarantined["reasons"][0]

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["inbox", "--home", str(settings.home), "--period", PERIOD]) == 0
    table = out.getvalue()
    assert "状态" in table and "隔离" in table and "武定县" in table
    # the table fits a terminal; which zip an attachment came from is in --format json (above)
    assert max(len(line) for line in table.splitlines()) <= 120


def _imap_environment(monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, folder: str) -> None:
    """BIXUE_MAILBOX=imap and the BIXUE_IMAP_* variables, as the office sets them."""
    monkeypatch.setenv("BIXUE_MAILBOX", "imap")
    monkeypatch.setenv("BIXUE_IMAP_HOST", dovecot.host)
    monkeypatch.setenv("BIXUE_IMAP_PORT", str(dovecot.port))
    monkeypatch.setenv("BIXUE_IMAP_USER", dovecot.user)
    monkeypatch.setenv("BIXUE_IMAP_FOLDER", folder)
    monkeypatch.setenv("BIXUE_IMAP_SSL", "false")


def test_the_flows_mailbox_tasks_read_and_flag_over_imap(
    dovecot: Dovecot, imap_folder: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks.mailbox import fetch_messages, mark_messages_processed

    _imap_environment(monkeypatch, dovecot, imap_folder)
    _deliver(dovecot, imap_folder, [_submission("禄丰市", "任务"), _submission("南华县", "任务")])
    home = str(settings.home)
    raws = fetch_messages.fn(home)
    assert len(raws) == 2
    landed = intake.land_messages(settings.landing_path, raws)
    engine = connect(settings.warehouse_url)
    load.load_run(engine, PERIOD, landed, read_submissions(settings, landed), datetime.now(UTC))
    engine.dispose()
    assert mark_messages_processed.fn(home, landed) == 2
    assert _unflagged(dovecot, imap_folder) == 0
    assert fetch_messages.fn(home) == []


def test_crash_between_storing_and_flagging_then_rerun_no_duplicate_no_loss(
    dovecot: Dovecot,
    imap_folder: str,
    source: ImapSource,
    settings: Settings,
    warehouse_kind: str,
) -> None:
    first = [_submission(u, f"第{i}份") for i, u in enumerate(["禄丰市", "南华县", "姚安县"])]
    _deliver(dovecot, imap_folder, first)
    seen: list[str] = []

    def crash_on_second(msg: LandedMessage) -> None:
        seen.append(msg.source_key)
        if len(seen) == 2:
            raise RuntimeError("injected crash after the ledger commit, before the flag")

    with pytest.raises(RuntimeError, match="injected crash"):
        _run(settings, source, before_flag=crash_on_second)
    assert _count(settings, "select count(*) from message") == 3
    assert _count(settings, "select count(*) from mail_ledger") == 2
    assert _unflagged(dovecot, imap_folder) == 2

    late = _submission("武定县", "补报")
    _deliver(dovecot, imap_folder, [late])  # new mail arrives before the rerun
    rerun = _run(settings, source)
    assert [m.unit for m in rerun] == ["武定县"]  # only the new message is read in
    assert _count(settings, "select count(*) from message") == 4
    assert _count(settings, "select count(*) from submission") == 4
    assert _count(settings, "select count(distinct raw_sha256) from mail_ledger") == 4
    assert _count(settings, "select count(*) from mail_ledger where flagged_at is null") == 0
    assert _unflagged(dovecot, imap_folder) == 0
    assert _run(settings, source) == []


def test_crash_before_the_ledger_commit_resyncs_by_content_hash(
    dovecot: Dovecot, imap_folder: str, source: ImapSource, settings: Settings
) -> None:
    _deliver(dovecot, imap_folder, [_submission("禄丰市", "甲"), _submission("南华县", "乙")])
    engine = connect(settings.warehouse_url)
    raws = intake.fetch_new(source, engine)
    landed = intake.land_messages(settings.landing_path, raws)
    load.load_run(engine, PERIOD, landed, read_submissions(settings, landed), datetime.now(UTC))
    engine.dispose()  # crash: recorded in the warehouse, no ledger row, nothing flagged

    assert _run(settings, source) == []
    assert _count(settings, "select count(*) from message") == 2
    assert _count(settings, "select count(*) from mail_ledger where flagged_at is not null") == 2
    assert _unflagged(dovecot, imap_folder) == 0


def test_connection_dropped_mid_fetch_the_run_completes(
    dovecot: Dovecot, imap_folder: str, settings: Settings
) -> None:
    units = list(UNITS)
    _deliver(dovecot, imap_folder, [_submission(u, "断线") for u in units])
    drops: list[int] = []

    def drop(count: int, box: BaseMailBox) -> None:
        if count == 1:  # our side of the TCP connection goes away
            drops.append(count)
            box.client.sock.shutdown(socket.SHUT_RDWR)
        if count == 3:  # the server ends the session (as on a restart or an idle cut-off)
            drops.append(count)
            dovecot.kick()

    with ImapSource(dovecot.settings(imap_folder), after_fetch=drop) as source:
        landed = _run(settings, source)
        assert drops == [1, 3] and source.reconnects >= 2
    assert sorted(m.unit or "" for m in landed) == sorted(units)
    assert _count(settings, "select count(*) from message") == len(units)
    assert _unflagged(dovecot, imap_folder) == 0


def test_uidvalidity_changed_resynchronises_by_content_without_duplicates(
    dovecot: Dovecot, imap_folder: str, settings: Settings, warehouse_kind: str
) -> None:
    messages = [_submission("禄丰市", "甲"), _submission("南华县", "乙")]
    _deliver(dovecot, imap_folder, messages)
    with ImapSource(dovecot.settings(imap_folder)) as source:
        assert len(_run(settings, source)) == 2
        before = source.uidvalidity
    with dovecot.client() as box:  # the folder is recreated (e.g. restored from a backup)
        box.folder.delete(imap_folder)
        box.folder.create(imap_folder)
    # The restore rewrote one message's headers: new bytes, same Message-ID and attachments.
    restored = b"X-Restored-From: backup-2023-05\n" + messages[1]
    _deliver(dovecot, imap_folder, [messages[0], restored, _submission("姚安县", "丙")])
    with ImapSource(dovecot.settings(imap_folder)) as source:
        assert source.uidvalidity != before
        rerun = _run(settings, source)
    assert [m.unit for m in rerun] == ["姚安县"]
    assert _count(settings, "select count(*) from message") == 3
    assert _count(settings, "select count(*) from submission") == 3
    assert _count(settings, "select count(*) from mail_ledger") == 5  # 2 old + 3 new positions
    assert _unflagged(dovecot, imap_folder) == 0


def test_processed_folder_gets_every_message_even_after_a_crash_between_flag_and_move(
    dovecot: Dovecot, imap_folder: str, settings: Settings
) -> None:
    done = f"{imap_folder}.已处理"
    _deliver(dovecot, imap_folder, [_submission(u, "移") for u in ["禄丰市", "南华县", "姚安县"]])
    crashed: list[str] = []

    def crash_on_second(msg: LandedMessage) -> None:
        crashed.append(msg.source_key)
        if len(crashed) == 2:
            raise RuntimeError("injected crash")

    with ImapSource(dovecot.settings(imap_folder, processed_folder=done)) as source:
        with pytest.raises(RuntimeError):
            _run(settings, source, before_flag=crash_on_second)
        # As if the flag had reached the server and the move had not.
        with dovecot.client() as box:
            box.folder.set(imap_folder)
            box.flag(str(ImapKey.parse(crashed[1]).uid), PROCESSED_KEYWORD, True)
        assert _run(settings, source) == []
    with dovecot.client() as box:
        assert box.folder.status(imap_folder)["MESSAGES"] == 0
        assert box.folder.status(done)["MESSAGES"] == 3
    assert _count(settings, "select count(*) from message") == 3
    assert _count(settings, "select count(*) from mail_ledger where flagged_at is null") == 0


SPOOFS = [
    pytest.param(b'"lfs@zs.chuxiong.example" <b@evil.example>', "未登记", id="display-is-address"),
    pytest.param(b"lfs@zs.chuxiong.example, b@evil.example", "多个地址", id="two-addresses"),
    pytest.param("禄丰市投资促进局".encode(), "无法解析", id="no-address"),
    pytest.param(b"lfs@zs.chuxiong.example\r\nFrom: b@evil.example", "多个发件人", id="two-froms"),
    pytest.param(b"<lfs@zs.chuxiong.example", "无法解析", id="unclosed-angle"),
]


@pytest.mark.parametrize(("sender", "reason"), SPOOFS)
def test_spoofed_from_variants_are_quarantined(
    dovecot: Dovecot,
    imap_folder: str,
    source: ImapSource,
    settings: Settings,
    sender: bytes,
    reason: str,
) -> None:
    raw = mail(
        part(b'Content-Disposition: attachment; filename="a3.xlsx"\r\n', _form("禄丰市", "冒")),
        sender=sender,
    )
    _deliver(dovecot, imap_folder, [raw])
    (msg,) = _run(settings, source)
    assert msg.state == "quarantined"
    assert msg.unit is None
    assert reason in msg.reasons[0]
    assert _count(settings, "select count(*) from submission") == 0
    assert _unflagged(dovecot, imap_folder) == 0


def test_our_servers_authentication_results_decide_and_others_are_ignored(
    dovecot: Dovecot,
    imap_folder: str,
    source: ImapSource,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BIXUE_MAIL_AUTHSERV_ID", "mx.zs.chuxiong.example")
    ar = b"Authentication-Results: "
    ours_fail = ar + b"mx.zs.chuxiong.example; spf=fail smtp.mailfrom=evil.example; dkim=none\r\n"
    forged_pass = ar + b"mx.evil.example; dmarc=pass header.from=zs.chuxiong.example\r\n"
    ours_pass = ar + b"mx.zs.chuxiong.example; dkim=pass header.d=zs.chuxiong.example\r\n"
    form = part(b'Content-Disposition: attachment; filename="a3.xlsx"\r\n', _form("禄丰市", "认"))
    sender = b"lfs@zs.chuxiong.example"
    _deliver(
        dovecot,
        imap_folder,
        [
            mail(form, sender=sender, extra=ours_fail + forged_pass, message_id=b"<fail@a>"),
            mail(form, sender=sender, extra=forged_pass, message_id=b"<none@a>"),
            mail(form, sender=sender, extra=ours_pass + forged_pass, message_id=b"<pass@a>"),
        ],
    )
    landed = {m.message_id: m for m in _run(settings, source)}
    assert landed["<fail@a>"].state == "quarantined"
    assert "spf=fail" in landed["<fail@a>"].reasons[0]
    assert landed["<none@a>"].state == "quarantined"
    assert "缺少" in landed["<none@a>"].reasons[0]
    assert landed["<pass@a>"].state in ("accepted", "rejected")
    assert landed["<pass@a>"].unit == "禄丰市"


def test_inbox_command_imports_neither_prefect_nor_great_expectations(
    tmp_path: Path,
) -> None:
    connect(f"sqlite:///{tmp_path / 'warehouse.sqlite'}").dispose()  # an installation, no mail yet
    code = (
        "import sys; from bixue.cli import main; "
        f"rc = main(['inbox', '--home', {str(tmp_path)!r}, '--period', '2023-05']); "
        "bad = [m for m in sys.modules if m.startswith(('prefect', 'great_expectations'))]; "
        "assert not bad, bad; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "2023-05没有已处理的邮件" in done.stdout
