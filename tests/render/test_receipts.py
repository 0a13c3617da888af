"""Receipts a clerk can act on: which project, when the mail came, by when to resend, which
version still counts, why a mail was refused; threaded to the unit's mail, signed by one office."""

from __future__ import annotations

import email
import io
import shutil
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest

from bixue.config import CONFIG_DIR, Settings
from bixue.forms.parse import ParsedSheet
from bixue.mail.outbox import Outbox
from bixue.mail.send import outgoing
from bixue.model import LandedAttachment, LandedMessage, Submission
from bixue.render.annotate import SUMMARY_SHEET, annotate_workbook
from bixue.render.notice import compose_receipts
from bixue.rules.check import name_rows
from bixue.rules.problem import Problem
from tests.factories import landed_message, submission

SH = ZoneInfo("Asia/Shanghai")
PROJECT = "元谋彝族文化旅游街区项目"
BEFORE = datetime(2023, 5, 12, 9, 0, tzinfo=SH)  # before the 20th: still time to resend
AFTER = datetime(2023, 5, 23, 9, 0, tzinfo=SH)
STAGE = Problem(
    rule="a3.stage.in_set",
    message="「项目进展」不在规定选项内。",
    sheet="Sheet1",
    row=15,
    column="G",
    header="项目进展",
    value="洽谈中",
    fix="请从“在谈、已签约、已开工、已竣工、已投产”中选择。",
)


def _sheet() -> ParsedSheet:
    frame = pd.DataFrame(
        {"excel_row": [14, 15], "project_name": ["钛白粉深加工项目", PROJECT]}, dtype=object
    )
    return ParsedSheet("a3", "Sheet1", frame, {"project_name": 1, "stage": 6})


def _msg(n: int, received: datetime, **fields: object) -> LandedMessage:
    values: dict[str, object] = {
        "source_key": str(n),
        "raw_sha256": f"m{n}",
        "state": "accepted",
        "message_id": f"<unit-{n}@yms.example>",
        "received_at": received,
        "unit": "元谋县",
        "sender": "yms@zs.chuxiong.example",
    }
    return landed_message(**(values | fields))


def _sub(n: int, version: int, problems: list[Problem], received: datetime) -> Submission:
    return submission(
        id=f"s{n}",
        message_sha256=f"m{n}",
        attachment=LandedAttachment(f"a{n}", "附件3（元谋县）.xlsx", False, "xlsx", 1, ""),
        unit="元谋县",
        sender="yms@zs.chuxiong.example",
        received_at=received,
        sheets=[_sheet()],
        problems=problems,
        version=version,
    )


def _receipt(
    settings: Settings,
    subs: list[Submission],
    messages: list[LandedMessage],
    now: datetime,
    counted: dict[tuple[str, str, str], int] | None = None,
) -> str:
    [notice] = compose_receipts(settings, "2023-05", messages, subs, counted=counted, now=now)
    return f"{notice.subject}\n{notice.body}"


def test_each_problem_names_its_rows_project_in_the_mail_and_the_summary_sheet(
    settings: Settings,
) -> None:
    [sub] = name_rows([_sub(1, 1, [STAGE], BEFORE)])
    text = _receipt(settings, [sub], [_msg(1, BEFORE)], BEFORE)
    assert f"工作表「Sheet1」第15行（{PROJECT}）G列「项目进展」：填报值“洽谈中”" in text
    from bixue.forms.templates import render_workbook

    content = render_workbook("a3", year=2023, month=5, unit="元谋县", rows={"a3": []})
    book = openpyxl.load_workbook(io.BytesIO(annotate_workbook(content, "xlsx", sub.problems)))
    rows = list(book[SUMMARY_SHEET].iter_rows(values_only=True))
    assert any(r[:5] == ("1", "Sheet1", 15, PROJECT, "G") for r in rows)


@pytest.mark.parametrize(
    ("now", "told"),
    [
        (BEFORE, "请于2023年5月20日前重新报送。"),
        (AFTER, "报送截止时间（2023年5月20日）已过，已逾期，请尽快报送。"),
    ],
)
def test_a_rejection_gives_the_received_time_and_the_date_to_resubmit_by(
    settings: Settings, now: datetime, told: str
) -> None:
    received = datetime(2023, 5, 11, 22, 47, tzinfo=SH)
    text = _receipt(settings, [_sub(1, 1, [STAGE], received)], [_msg(1, received)], now)
    assert "已于2023年5月11日 22:47收到你单位报送的2023年1—5月招商引资报表" in text
    assert "收到时间：2023年5月11日 22:47" in text
    assert told in text


def test_a_replayed_year_judges_a_rejection_as_of_its_mail_not_today(settings: Settings) -> None:
    received = datetime(2023, 5, 11, 22, 47, tzinfo=SH)
    msgs, subs = [_msg(1, received)], [_sub(1, 1, [STAGE], received)]
    today = datetime(2026, 12, 1, tzinfo=UTC)
    [replayed] = compose_receipts(settings, "2023-05", msgs, subs, now=today, as_received=True)
    [live] = compose_receipts(settings, "2023-05", msgs, subs, now=today)
    assert "请于2023年5月20日前重新报送。" in replayed.body and "已逾期" not in replayed.body
    assert "报送截止时间（2023年5月20日）已过" in live.body


def test_a_faulty_late_correction_says_it_was_refused_and_the_first_version_still_counts(
    settings: Settings,
) -> None:
    text = _receipt(
        settings,
        [_sub(2, 2, [STAGE], AFTER)],
        [_msg(2, AFTER)],
        AFTER,
        counted={("元谋县", "a3", "2023-05"): 1},
    )
    assert text.splitlines()[0].endswith("：更正未通过，第1版仍有效")
    assert "本次更正未予采用" in text
    assert "第1版仍有效，本期仍按第1版计入" in text
    assert "新报表将替代本次报送" not in text


def test_without_an_accepted_earlier_version_a_rejection_is_plain(settings: Settings) -> None:
    text = _receipt(settings, [_sub(1, 1, [STAGE], BEFORE)], [_msg(1, BEFORE)], BEFORE, {})
    assert text.splitlines()[0].endswith("：未通过，请修改后重新报送")
    assert "仍有效" not in text


@pytest.mark.parametrize(
    ("reason", "advice"),
    [
        ("邮件大小60MB超过上限50MB，附件未读取。", "每封邮件不超过50MB，附件不超过50个"),
        ("附件数量61个，超过上限50个。", "文件较多时可分几封邮件发送"),
        ("压缩包“报表.zip”内“附件3.xlsx”设置了密码，无法解压。", "请不要压缩或加密"),
        ("压缩包“winmail.dat”已损坏，无法解析。", "请不要压缩或加密"),
        ("附件“winmail.dat”已损坏，无法解析。", "另存为.xlsx后重新发送"),
    ],
)
def test_a_mail_refused_at_intake_gets_a_receipt_saying_why_and_what_to_send(
    settings: Settings, reason: str, advice: str
) -> None:
    refused = _msg(3, BEFORE, state="rejected", reasons=[reason], subject="元谋县5月报表")
    [notice] = compose_receipts(settings, "2023-05", [refused], [], now=BEFORE)
    assert notice.to == ("yms@zs.chuxiong.example",)
    assert notice.subject == "【报送回执】元谋县2023年1—5月报表：有邮件未能受理，请按要求重新发送"
    assert "邮件“元谋县5月报表”（收到时间：2023年5月12日 09:00）" in notice.body
    assert f"1. {reason}" in notice.body
    assert advice in notice.body
    assert "请于2023年5月20日前重新报送。" in notice.body
    assert notice.in_reply_to == "<unit-3@yms.example>"


def test_mail_from_no_registered_unit_refused_at_intake_gets_no_receipt(
    settings: Settings,
) -> None:
    stranger = _msg(
        4, BEFORE, state="rejected", reasons=["附件数量61个，超过上限50个。"], unit=None
    )
    assert compose_receipts(settings, "2023-05", [stranger], [], now=BEFORE) == []


def test_the_receipt_threads_to_the_units_mail(settings: Settings, tmp_path: Path) -> None:
    first, second = _msg(1, BEFORE), _msg(2, AFTER, message_id="unit-2@yms.example")
    subs = [_sub(1, 1, [STAGE], BEFORE), _sub(2, 2, [], AFTER)]
    [notice] = compose_receipts(settings, "2023-05", [second, first], subs, now=AFTER)
    assert notice.in_reply_to == "<unit-2@yms.example>"
    assert notice.references == ("<unit-1@yms.example>", "<unit-2@yms.example>")
    Outbox(tmp_path, "zdcyzszb@163.com", settings.office_name).send(outgoing(notice))
    mail = email.message_from_bytes(
        (tmp_path / f"{notice.key}.eml").read_bytes(), policy=policy.default
    )
    assert mail["In-Reply-To"] == "<unit-2@yms.example>"
    assert mail["References"] == "<unit-1@yms.example> <unit-2@yms.example>"
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and plain.get_content() == notice.body
    assert html is not None and "收到时间：2023年5月12日 09:00" in html.get_content()
    assert '<li value="1">工作表「Sheet1」第15行G列' in html.get_content()


def _office_renamed(tmp_path: Path, name: str) -> Settings:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    path = config / "settings.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: 州重点产业招商专班办公室", f"name: {name}"),
        encoding="utf-8",
    )
    return Settings(home=tmp_path / "home", config_dir=config)


def test_every_receipt_signs_with_the_one_configured_office_name(tmp_path: Path) -> None:
    settings = _office_renamed(tmp_path, "楚雄州投资促进局办公室")
    refused = _msg(3, BEFORE, state="rejected", reasons=["附件数量61个，超过上限50个。"])
    subs = [_sub(1, 1, [STAGE], BEFORE)]
    [notice] = compose_receipts(settings, "2023-05", [_msg(1, BEFORE), refused], subs, now=BEFORE)
    assert notice.body.startswith("元谋县：\n\n楚雄州投资促进局办公室已于")
    assert "请回复本邮件或与楚雄州投资促进局办公室联系。" in notice.body
    assert notice.body.splitlines()[-2] == "楚雄州投资促进局办公室"
    assert "招商委" not in notice.body and "专班" not in notice.body


def test_a_blank_submitter_line_is_told_as_blank(settings: Settings, tmp_path: Path) -> None:
    from bixue.forms.submissions import read_submission
    from bixue.forms.templates import render_workbook

    path = tmp_path / "a3.xlsx"
    path.write_bytes(
        render_workbook("a3", year=2023, month=5, unit=None, rows={"a3": [_row(PROJECT)]})
    )
    att = LandedAttachment("f" * 64, "附件3.xlsx", False, "xlsx", 1, str(path))
    msg = _msg(1, BEFORE, attachments=[att])
    sub = read_submission(settings, msg, att, "元谋县", "unit")
    [problem] = [p for p in sub.problems if p.rule == "submitter_unknown"]
    assert problem.message == "「填报单位」为空，已按发件邮箱登记的单位“元谋县”处理。"


def _row(name: str) -> dict[str, object]:
    return {
        "project_name": name,
        "partner": "上海某公司",
        "site": "元谋县",
        "investment_yi": 12,
        "stage": "在谈",
    }


def test_one_activity_in_two_cities_is_told_to_list_both_cities_in_one_row(
    settings: Settings, tmp_path: Path
) -> None:
    from bixue.forms.submissions import read_submission
    from bixue.forms.templates import render_workbook
    from bixue.rules.check import validate_submissions

    trip = {
        "activity": "赴长三角光伏产业招商推介",
        "dates": "5月8日至5月10日",
        "leader": "王某某（州人民政府副州长）",
        "lead_unit": "绿色硅光伏产业招商组",
        "companies": "甲公司、乙公司",
    }
    rows = [trip | {"place": "上海市"}, trip | {"place": "苏州市"}]
    path = tmp_path / "a5.xlsx"
    path.write_bytes(
        render_workbook("a5", year=2023, month=5, unit="绿色硅光伏产业招商组", rows={"a5": rows})
    )
    att = LandedAttachment("e" * 64, "附件5.xlsx", False, "xlsx", 1, str(path))
    msg = _msg(1, BEFORE, attachments=[att], sender="gf@zs.chuxiong.example")
    sub = read_submission(settings, msg, att, "绿色硅光伏产业招商组", "unit")
    [checked] = name_rows(validate_submissions([sub]))
    duplicates = [p for p in checked.problems if p.rule == "a5.duplicate"]
    assert len(duplicates) == 2  # both rows, each named
    for dup in duplicates:
        assert dup.item == "赴长三角光伏产业招商推介"
        assert "在「活动地点」中列出全部城市" in (dup.fix or "")
        assert "不要按城市分行填报" in (dup.fix or "")


def test_long_texts_in_the_summary_sheet_wrap_and_their_rows_grow(settings: Settings) -> None:
    from bixue.forms.templates import render_workbook

    long = replace_message(STAGE, "「项目进展」不在规定选项内。" * 8)
    content = render_workbook("a3", year=2023, month=5, unit="元谋县", rows={"a3": []})
    data = annotate_workbook(content, "xlsx", [long, STAGE])
    ws = openpyxl.load_workbook(io.BytesIO(data or b""))[SUMMARY_SHEET]
    heading = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:I1", "A2:I2"} <= heading  # title and legend span the table
    assert ws["A2"].alignment.wrap_text
    cells = [row for row in ws.iter_rows() if row[0].value in ("1", "2")]
    assert all(c.alignment.wrap_text for row in cells for c in row)
    tall, short = (ws.row_dimensions[row[0].row].height for row in cells)
    assert tall is not None and short is not None and tall >= 3 * short


def replace_message(problem: Problem, message: str) -> Problem:
    from dataclasses import replace

    return replace(problem, message=message)


def test_receipt_times_read_in_the_office_time_zone(settings: Settings) -> None:
    utc = datetime(2023, 5, 20, 16, 30, tzinfo=UTC)  # 00:30 on the 21st in Chuxiong
    text = _receipt(settings, [_sub(1, 1, [], utc)], [_msg(1, utc)], AFTER)
    assert "收到时间：2023年5月21日 00:30" in text


@pytest.mark.prefect
def test_a_run_sends_a_receipt_for_a_registered_units_mail_refused_at_intake(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mailbox
    from email.message import EmailMessage

    from bixue.config import load_settings
    from tests.flows.running import run_month

    monkeypatch.setenv("BIXUE_MAIL_MAX_ATTACHMENTS", "2")
    settings = load_settings(tmp_path / "home")
    settings.mailbox_path.parent.mkdir(parents=True)
    box = mailbox.Maildir(settings.mailbox_path, create=True)
    for n, sender in enumerate(("lfs@zs.chuxiong.example", "someone@elsewhere.example")):
        mail = EmailMessage()
        mail["Received"] = "from mx by zs; Fri, 12 May 2023 10:05:00 +0800"
        mail["From"], mail["To"] = sender, settings.office_address
        mail["Subject"], mail["Message-ID"] = "禄丰市5月报表", f"<big-{n}@lfs.example>"
        mail["Date"] = "Fri, 12 May 2023 10:04:00 +0800"
        mail.set_content("请查收。")
        for i in range(3):
            mail.add_attachment(b"%PDF-1.4 x", "application", "pdf", filename=f"协议{i}.pdf")
        box.add(mail.as_bytes())
    run_month(settings, "2023-05")
    [path] = settings.outbox_path.glob("receipt-*.eml")  # the stranger gets none
    receipt = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert receipt["To"] == "lfs@zs.chuxiong.example"
    assert receipt["In-Reply-To"] == "<big-0@lfs.example>"
    body = receipt.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "邮件“禄丰市5月报表”（收到时间：2023年5月12日 10:05）" in text
    assert "附件数量3个，超过上限2个。" in text
    assert "附件不超过2个" in text
