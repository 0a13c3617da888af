"""The office's monthly status: each unit accepted, rejected, late or missing, with its problems."""

from __future__ import annotations

import json
import mailbox
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.cli import main
from bixue.config import Settings
from bixue.mail import send
from bixue.mail.outbox import open_mailer
from bixue.model import LandedMessage, Submission
from bixue.render.notice import Notice
from bixue.render.office import office_status
from bixue.rules.problem import Problem
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run
from bixue.warehouse.status import (
    counting_version,
    month_status,
    office_view,
    required_workbooks,
    statistics_inputs,
)
from tests.factories import submission
from tests.warehouse.test_load import _message, _submission

NOW = datetime(2023, 5, 18, tzinfo=UTC)
BAD = Problem(
    rule="a3.stage.in_set", message="「项目进展」只能填写…", sheet="Sheet1", row=8, column="G"
)


def test_each_unit_must_send_the_workbooks_of_its_kind(settings: Settings) -> None:
    assert required_workbooks(settings, "禄丰市") == ["a3", "ledger"]
    assert required_workbooks(settings, "绿色钛产业招商组") == ["a3", "a5"]
    assert required_workbooks(settings, "飞地经济招商组") == ["a3", "a4", "a5"]


def _load(
    engine: sa.Engine, n: int, workbook: str, problems: list[Problem], late: bool = False
) -> None:
    msg = _message(n)
    sub = _submission(msg, ["甲"], problems)
    sub.workbook, sub.late = workbook, late
    load_run(engine, "2023-05", [msg], [sub], NOW)


@pytest.mark.parametrize(
    ("loads", "state"),
    [
        ([], "missing"),
        ([("a3", [], False)], "missing"),  # the ledger never came
        ([("a3", [], False), ("ledger", [BAD], False)], "rejected"),
        ([("a3", [], False), ("ledger", [], True)], "late"),
        ([("a3", [], False), ("ledger", [], False)], "accepted"),
        ([("a3", [BAD], False), ("a3", [], False), ("ledger", [], False)], "accepted"),  # fixed
        # a late, faulty correction of an accepted workbook: the accepted version still counts
        ([("a3", [], False), ("a3", [BAD], True), ("ledger", [], False)], "accepted"),
        ([("a3", [], True), ("a3", [BAD], True), ("ledger", [], False)], "late"),
        ([("a3", [], False), ("a3", [BAD], False), ("a3", [BAD], True)], "missing"),
    ],
)
def test_a_units_state_is_the_worst_of_its_newest_workbooks(
    settings: Settings, tmp_path: Path, loads: list, state: str
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    for n, (workbook, problems, late) in enumerate(loads, start=1):
        _load(engine, n, workbook, problems, late)
    [luofeng] = [u for u in month_status(engine, settings, "2023-05") if u["unit"] == "禄丰市"]
    assert luofeng["state"] == state
    assert len(luofeng["submissions"]) == len(loads)


def test_status_json_lists_every_unit_with_its_submissions_and_problems(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = connect(settings.warehouse_url)
    _load(engine, 1, "a3", [BAD])
    assert (
        main(["status", "--period", "2023-05", "--format", "json", "--home", str(settings.home)])
        == 0
    )
    status = json.loads(capsys.readouterr().out)["units"]
    assert len(status) == 20
    [luofeng] = [u for u in status if u["unit"] == "禄丰市"]
    [sub] = luofeng["submissions"]
    assert (sub["form"], sub["version"], sub["state"]) == ("a3", 1, "rejected")
    assert sub["problems"] == [
        {
            "rule": "a3.stage.in_set",
            "severity": "error",
            "sheet": "Sheet1",
            "row": 8,
            "column": "G",
            "message": "「项目进展」只能填写…",
            "header": None,
            "value": None,
            "fix": None,
        }
    ]
    assert {u["state"] for u in status if u["unit"] != "禄丰市"} == {"missing"}


@pytest.mark.parametrize("args", [["--period", "2023-05"], ["--unit", "禄丰市"]])
def test_status_imports_neither_prefect_nor_great_expectations_nor_pandas(
    settings: Settings, args: list[str]
) -> None:
    _load(connect(settings.warehouse_url), 1, "a3", [BAD])
    mailbox.Maildir(settings.mailbox_path, create=True).add(b"Subject: a\r\n\r\nx")
    probe = (
        f"import sys; from bixue.cli import main; main(['status', *{args!r}, "
        f"'--home', {str(settings.home)!r}]); print(sorted(m for m in "
        "('prefect', 'great_expectations', 'pandas', 'openpyxl') if m in sys.modules), "
        "file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "「项目进展」只能填写…" in done.stdout  # the whole month (or history) was shown
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_the_light_period_text_agrees_with_the_receipts() -> None:
    from bixue.render import notice, status_lines

    for period in ("2023-01", "2023-05", "2024-12", None):
        assert status_lines.period_text(period) == notice.period_text(period)


@pytest.fixture(params=["sqlite", "postgresql"])
def both(request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on the SQLite warehouse in the home, and on the real PostgreSQL."""
    if request.param == "postgresql":
        monkeypatch.setenv("BIXUE_WAREHOUSE_URL", str(request.getfixturevalue("pg_url")))
    else:
        monkeypatch.delenv("BIXUE_WAREHOUSE_URL", raising=False)
    from bixue.config import load_settings

    home.mkdir(parents=True, exist_ok=True)
    return load_settings(home)


def _status_text(settings: Settings, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["status", *args, "--home", str(settings.home)]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("loads", "standing"),
    [
        ([("a3", [], False), ("a3", [BAD], True)], ("accepted", 1, [2])),
        ([("a3", [], False), ("a3", [BAD], True), ("a3", [BAD], True)], ("accepted", 1, [2, 3])),
        ([("a3", [BAD], False), ("a3", [], True)], ("late", 2, [])),
        ([("a3", [BAD], False)], ("rejected", None, [])),
    ],
)
def test_the_version_that_counts_is_the_newest_accepted_and_later_failures_are_refused(
    both: Settings, loads: list, standing: tuple
) -> None:
    engine = connect(both.warehouse_url)
    for n, (workbook, problems, late) in enumerate(loads, start=1):
        _load(engine, n, workbook, problems, late)
    found = counting_version(engine, "禄丰市", "a3", "2023-05")
    assert found is not None
    assert (found["state"], found["counting_version"], found["refused_versions"]) == standing
    assert counting_version(engine, "禄丰市", "ledger", "2023-05") is None


def test_status_shows_a_refused_late_correction_and_the_version_still_counting(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = connect(settings.warehouse_url)
    _load(engine, 1, "a3", [])
    _load(engine, 2, "ledger", [])
    _load(engine, 3, "a3", [BAD], late=True)
    out = _status_text(settings, capsys, "--period", "2023-05")
    [line] = [x for x in out.splitlines() if x.startswith("禄丰市")]
    assert "已受理" in line and "未通过  " not in line
    assert "第2版更正未通过，第1版仍有效" in line
    assert "「项目进展」只能填写…" in out  # the refused version's problem, for the clerk


def _provider_submission(
    n: int, workbook: str, period: str, problems: list[Problem]
) -> tuple[Submission, LandedMessage]:
    msg = _message(n)
    return submission(
        id=f"st{n}",
        message_sha256=msg.raw_sha256,
        attachment=msg.attachments[0],
        unit="州招商委办公室统计组",
        sender="tongji@zs.chuxiong.example",
        workbook=workbook,
        period=period,
        received_at=NOW,
        problems=problems,
    ), msg


def _load_statistics(engine: sa.Engine, n: int, workbook: str, period: str, bad: bool) -> None:
    sub, msg = _provider_submission(n, workbook, period, [BAD] if bad else [])
    load_run(engine, period, [msg], [sub], NOW)


def test_the_office_sees_which_statistics_arrived_for_which_month_and_from_whom(
    both: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = connect(both.warehouse_url)
    _load(engine, 1, "a3", [])
    _load_statistics(engine, 2, "stats_funds", "2023-05", bad=False)
    _load_statistics(engine, 3, "stats_fdi", "2023-04", bad=False)
    _load_statistics(engine, 4, "stats_fdi", "2023-05", bad=True)
    stats = {s["form"]: s for s in statistics_inputs(engine, both, "2023-05")}
    funds, fdi = stats["stats_funds"], stats["stats_fdi"]
    assert (funds["received"], funds["sender"], funds["held_period"]) == (
        True,
        "州招商委办公室统计组",
        "2023-05",
    )
    assert (fdi["received"], fdi["state"], fdi["held_period"]) == (False, "rejected", "2023-04")
    assert fdi["providers"] == ["州招商委办公室统计组"]
    out = _status_text(both, capsys, "--period", "2023-05")
    assert "国内合作产业到位资金统计表：已收到2023年1—5月数据（州招商委办公室统计组" in out
    assert "实际利用外资统计表：2023年1—5月数据未通过审核" in out
    assert "目前采用的是2023年1—4月数据" in out


def test_mail_in_the_mailbox_that_no_run_has_handled_is_waiting(
    both: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = connect(both.warehouse_url)
    _load(engine, 1, "a3", [])
    box = mailbox.Maildir(both.mailbox_path, create=True)
    handled = box.add(b"Subject: a\r\n\r\nx")
    waiting = box.add(b"Subject: b\r\n\r\ny")
    later = box.add(b"Subject: c\r\n\r\nz")
    with engine.begin() as conn:
        conn.execute(sa.text("update message set source_key = :k"), {"k": handled})
        conn.execute(
            sa.text(
                "insert into deferral (raw_sha256, period, source_key) values ('d', '2023-06', :k)"
            ),
            {"k": later},
        )
    view = office_view(engine, both, "2023-05")
    assert [m["key"] for m in view["waiting"]["messages"]] == [waiting]
    out = _status_text(both, capsys, "--period", "2023-05")
    assert "已收到、尚未处理的邮件（待处理）" in out
    assert waiting in out and handled not in out and later not in out


def test_mail_refused_at_intake_from_a_registered_unit_is_listed_for_the_office(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from email.message import EmailMessage

    from bixue.forms.submissions import read_submissions
    from bixue.mail.intake import IntakePolicy, land_message
    from bixue.mail.message import Limits
    from bixue.model import RawMessage

    mail = EmailMessage()
    mail["From"] = "禄丰市 <lfs@zs.chuxiong.example>"
    mail["To"] = "office@zs.chuxiong.example"
    mail["Subject"] = "5月报表"
    mail["Date"] = "Thu, 18 May 2023 10:00:00 +0800"
    mail.set_content("报表见附件")
    for name in ("附件3.xlsx", "附表.xlsx", "意向书.pdf"):
        mail.add_attachment(
            b"0" * 10, maintype="application", subtype="octet-stream", filename=name
        )
    policy = IntakePolicy(limits=Limits(max_attachments=2))
    landed = land_message(tmp_path / "landing", RawMessage("k1", mail.as_bytes()), policy)
    assert landed.state == "rejected"
    read_submissions(settings, [landed])
    engine = connect(settings.warehouse_url)
    load_run(engine, "2023-05", [landed], [], NOW)
    notice = _send_status_mail(engine, settings)
    assert "被拒收的邮件" in notice.body and "附件数量3个，超过上限2个" in notice.body
    view = office_view(engine, settings, "2023-05")
    [refused] = view["refused"]
    assert refused["unit"] == "禄丰市" and "超过上限2个" in refused["reasons"][0]
    [luofeng] = [u for u in view["units"] if u["unit"] == "禄丰市"]
    assert luofeng["refused_mail"] == [refused]
    out = _status_text(settings, capsys, "--period", "2023-05")
    assert "被拒收的邮件" in out and "附件数量3个，超过上限2个" in out
    assert "1封邮件被拒收" in next(x for x in out.splitlines() if x.startswith("禄丰市"))


def _send_status_mail(engine: sa.Engine, settings: Settings) -> Notice:
    """What the run does last: the office's status mail, sent (to the outbox) and recorded."""
    notice = office_status(engine, settings, "2023-05")
    mailer = open_mailer(settings)
    send.queue_notices(engine, mailer, [notice], [])
    send.raise_if_pending(send.send_pending(engine, mailer))
    return notice


def test_a_month_that_has_not_been_run_says_so_instead_of_listing_units_as_missing(
    both: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = connect(both.warehouse_url)
    out = _status_text(both, capsys, "--period", "2023-05")
    assert "2023年1—5月的报表尚未处理" in out
    _send_status_mail(engine, both)  # a run of May that found no mail at all
    _load(engine, 1, "a3", [])
    out = _status_text(both, capsys, "--period", "2023-06")
    assert "2023年1—6月的报表尚未处理" in out
    assert "未报送" not in out
    assert (
        json.loads(_status_text(both, capsys, "--period", "2023-06", "--format", "json"))["run"]
        is False
    )
    assert "未报送" in _status_text(both, capsys, "--period", "2023-05")  # a month run


def _sent_notices(engine: sa.Engine, rows: list[dict[str, object]]) -> None:
    """Notices as the ledger holds them once sent (what the status history reads)."""
    from bixue.warehouse.schema import notice

    with engine.begin() as conn:
        conn.execute(
            sa.insert(notice),
            [{**r, "state": "sent", "queued_at": r["sent_at"], "attempts": 1} for r in rows],
        )


def test_status_for_one_unit_lists_every_month_version_problem_and_receipt(
    both: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = connect(both.warehouse_url)
    _load(engine, 1, "a3", [BAD])
    _load(engine, 2, "a3", [])
    april = _message(3)
    sub = _submission(april, ["甲"], [BAD])
    sub.period = "2023-04"
    load_run(engine, "2023-04", [april], [sub], NOW)
    _sent_notices(
        engine,
        [
            {
                "key": "receipt-2023-05-x",
                "unit": "禄丰市",
                "period": "2023-05",
                "kind": "receipt",
                "recipients": "lfs@zs.chuxiong.example",
                "subject": "【报送回执】禄丰市2023年1—5月报表：已受理",
                "ref": None,
                "sent_at": "2023-05-21T01:00:00+00:00",
            },
            {  # about no month in particular (mail refused at intake): the month it was sent
                "key": "receipt-refused-y",
                "unit": "禄丰市",
                "period": None,
                "kind": "receipt",
                "recipients": "lfs@zs.chuxiong.example",
                "subject": "【报送回执】禄丰市的邮件未能受理",
                "ref": None,
                "sent_at": "2023-04-30T20:00:00+00:00",
            },
        ],
    )
    out = _status_text(both, capsys, "--unit", "禄丰市")
    assert out.index("2023年1—4月") < out.index("2023年1—5月")
    assert "附件3第1版（未通过）" in out and "附件3第2版（有效）" in out
    assert out.count("「项目进展」只能填写…") == 2
    assert "已发回执：2023-05-21 09:00“【报送回执】禄丰市2023年1—5月报表：已受理”" in out
    history = json.loads(_status_text(both, capsys, "--unit", "禄丰市", "--format", "json"))
    assert [m["period"] for m in history["months"]] == ["2023-04", "2023-05"]
    assert [len(m["submissions"]) for m in history["months"]] == [1, 2]
    assert [len(m["receipts"]) for m in history["months"]] == [0, 2]
    assert main(["status", "--unit", "某某县", "--home", str(both.home)]) == 2
    assert "未登记的单位：某某县" in capsys.readouterr().err


def test_inbox_for_one_unit_lists_its_mail_across_months(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = connect(settings.warehouse_url)
    for n, period in ((1, "2023-04"), (2, "2023-05")):
        msg = _message(n)
        msg.unit = "禄丰市"
        sub = _submission(msg, ["甲"])
        sub.period = period
        load_run(engine, period, [msg], [sub], NOW)
    other = _message(3)
    other.unit = "南华县"
    load_run(engine, "2023-05", [other], [], NOW)
    assert (
        main(["inbox", "--unit", "禄丰市", "--format", "json", "--home", str(settings.home)]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [r["periods"] for r in rows] == [["2023-04"], ["2023-05"]]
    assert {r["unit"] for r in rows} == {"禄丰市"}
