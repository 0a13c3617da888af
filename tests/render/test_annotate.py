"""The unit's own workbook comes back with each problem's cell marked, numbered as the receipt."""

from __future__ import annotations

import email
import io
import os
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from bixue.config import Settings
from bixue.forms.parse import ParsedSheet, parse_workbook
from bixue.forms.templates import render_workbook
from bixue.model import LandedAttachment, LandedMessage, Submission
from bixue.render.annotate import (
    AUTHOR,
    ERROR_RGB,
    REBUILT_NOTE,
    SUMMARY_SHEET,
    WARNING_RGB,
    annotate_workbook,
    attach_annotations,
)
from bixue.render.notice import ATTACHED, ATTACHED_NOTES, compose_receipts
from bixue.rules.check import name_rows, to_problem
from bixue.rules.problem import Problem
from bixue.rules.validate import CellFailure
from tests.conftest import need
from tests.factories import landed_message, submission

SH = ZoneInfo("Asia/Shanghai")
# Made once with LibreOffice (`soffice --headless --convert-to xls`) from the a3 workbook that
# `_workbook()` renders: a real BIFF8 .xls, which no Python package here can write.
XLS_FIXTURE = Path(__file__).parent / "data" / "a3_lufeng.xls"
ROWS = {
    "a3": [
        {
            "project_name": "钛项目",
            "partner": "上海某公司",
            "site": "禄丰市",
            "investment_yi": 12,
            "stage": "在谈",
        },
        {
            "project_name": "=1+1",
            "partner": "北京某公司",
            "site": "昆明市",
            "investment_yi": 3,
            "stage": "洽谈中",
        },
    ]
}
LATE = Problem(rule="late", message="本次报送晚于截止时间。", severity="warning")


def _workbook() -> bytes:
    return render_workbook("a3", year=2023, month=5, unit="禄丰市", rows=ROWS)


def _sheet(content: bytes) -> ParsedSheet:
    [sheet] = parse_workbook(content).sheets
    return sheet


def _problems(sheet: ParsedSheet) -> list[Problem]:
    """Problems located by the real parser, in the order check.validate_submissions sorts them."""
    row = int(sheet.frame["excel_row"].iloc[1])
    failures = [
        ("project_name", "a3.project_name.text", "「项目名称」不能是公式。", "error"),
        ("site", "a3.site.in_set", "「项目（拟）建设地点」应为州内县市或高新区。", "error"),
        ("investment_yi", "a3.investment_yi.min", "「计划（协议）投资额」应不少于5亿元。", "error"),
        ("stage", "a3.stage.in_set", "「项目进展」不在规定选项内。", "warning"),
    ]
    problems = [
        to_problem(sheet, CellFailure("a3", "s1", row, field, rule, msg, "请按模板填写。", sev))
        for field, rule, msg, sev in failures
    ]
    problems.sort(key=lambda p: (p.sheet or "", p.row or 0, p.column or "", p.rule))
    [named] = name_rows([submission(sheets=[sheet], problems=[*problems, LATE])])
    return named.problems


def _reload(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_each_located_problem_is_filled_and_commented_on_its_own_cell() -> None:
    content = _workbook()
    problems = _problems(_sheet(content))
    book = _reload(annotate_workbook(content, "xlsx", problems) or b"")
    located = [p for p in problems if p.row]
    assert [(p.column, p.row) for p in located] == [("B", 8), ("D", 8), ("E", 8), ("G", 8)]
    for p in located:
        cell = book[p.sheet or ""][f"{p.column}{p.row}"]
        assert str(cell.value) == p.value  # the unit's value, untouched
        assert cell.fill.fgColor.rgb == (ERROR_RGB if p.severity == "error" else WARNING_RGB)
        assert cell.comment is not None and cell.comment.author == AUTHOR
        assert p.message in cell.comment.text and f"填报值：{p.value}" in cell.comment.text
    untouched = book["Sheet1"]["D7"]
    assert untouched.comment is None and untouched.fill.fill_type is None


def test_comment_numbers_are_the_receipts_numbers(settings: Settings, tmp_path: Path) -> None:
    content = _workbook()
    problems = _problems(_sheet(content))
    sub = _submission(tmp_path, content, problems)
    [notice] = compose_receipts(settings, "2023-05", [_message()], [sub])
    book = _reload(annotate_workbook(content, "xlsx", problems) or b"")
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 3
    for n, p in enumerate(errors, start=1):
        assert f"    {n}. {p.sentence()}" in notice.body
        comment = book["Sheet1"][f"{p.column}{p.row}"].comment
        assert comment is not None and comment.text.startswith(f"问题{n}：{p.message}")
    warning = book["Sheet1"]["G8"].comment
    assert warning is not None and warning.text.startswith("注意：「项目进展」")


def test_summary_sheet_at_the_end_lists_every_problem_and_opens_first() -> None:
    content = _workbook()
    problems = _problems(_sheet(content))
    book = _reload(annotate_workbook(content, "xlsx", problems) or b"")
    assert book.sheetnames == ["Sheet1", SUMMARY_SHEET]
    assert book.active is not None and book.active.title == SUMMARY_SHEET
    assert [ws.sheet_view.tabSelected for ws in book.worksheets] == [False, True]
    rows = list(book[SUMMARY_SHEET].iter_rows(values_only=True))
    assert str(rows[0][0]).endswith("须修改的问题3处，提示2处")
    header = rows.index(
        ("序号", "工作表", "行", "项目或活动", "列", "栏目", "填报值", "问题", "处理办法")
    )
    listed = rows[header + 1 :]
    assert [r[0] for r in listed] == ["1", "2", "3", "注意", "注意"]
    assert listed[1][1:8] == (
        "Sheet1",
        8,
        "=1+1",
        "D",
        "项目（拟）建设地点",
        "昆明市",
        "「项目（拟）建设地点」应为州内县市或高新区。",
    )
    assert listed[-1][:8] == ("注意", None, None, None, None, None, None, LATE.message)
    link = book[SUMMARY_SHEET].cell(row=header + 2, column=1).hyperlink
    assert link is not None and link.location == "'Sheet1'!B8"


def test_formula_looking_text_stays_text_in_the_cells_and_the_summary() -> None:
    content = _workbook()
    problems = _problems(_sheet(content))
    data = annotate_workbook(content, "xlsx", problems) or b""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 2
        assert all(b"<f>" not in archive.read(n) for n in sheets)
    book = _reload(data)
    assert book["Sheet1"]["B8"].value == "=1+1" and book["Sheet1"]["B8"].data_type == "s"
    summary = [c for row in book[SUMMARY_SHEET].iter_rows() for c in row if c.value == "=1+1"]
    assert summary and all(c.data_type == "s" for c in summary)


def test_an_xls_submission_comes_back_as_xlsx_with_values_and_a_note_on_lost_formatting() -> None:
    content = XLS_FIXTURE.read_bytes()
    assert content.startswith(b"\xd0\xcf\x11\xe0")  # an OLE2 compound file: a real .xls
    sheet = _sheet(content)
    problems = _problems(sheet)
    data = annotate_workbook(content, "xls", problems) or b""
    book = _reload(data)
    assert book.sheetnames == ["Sheet1", SUMMARY_SHEET]
    assert book[SUMMARY_SHEET]["A1"].value == REBUILT_NOTE
    ws = book["Sheet1"]
    assert ws["D8"].value == "昆明市" and ws["D8"].fill.fgColor.rgb == ERROR_RGB
    assert ws["D8"].comment is not None and "问题2：" in ws["D8"].comment.text
    assert ws["B8"].value == "=1+1" and ws["B8"].data_type == "s"
    merged = {str(r) for r in _reload(_workbook())["Sheet1"].merged_cells.ranges}
    assert {str(r) for r in ws.merged_cells.ranges} == merged  # title, unit and notes lines
    reread = parse_workbook(data).sheets[0]
    assert reread.frame["site"].tolist() == sheet.frame["site"].tolist()


def test_a_resubmitted_annotated_workbook_still_reads_and_gets_fresh_marks() -> None:
    content = _workbook()
    problems = _problems(_sheet(content))
    first = annotate_workbook(content, "xlsx", problems) or b""
    parsed = parse_workbook(first)
    assert parsed.workbook == "a3" and not parsed.problems
    assert [s.form for s in parsed.sheets] == ["a3"] and len(parsed.sheets[0].frame) == 2
    only_site = [p for p in problems if p.column == "D"]
    again = _reload(annotate_workbook(first, "xlsx", only_site) or b"")
    assert again.sheetnames == ["Sheet1", SUMMARY_SHEET]
    assert again["Sheet1"]["B8"].comment is None and again["Sheet1"]["B8"].fill.fill_type is None
    site = again["Sheet1"]["D8"].comment
    assert site is not None and site.text.startswith("问题1：") and "问题2" not in site.text


def test_an_unreadable_file_gets_no_annotated_copy() -> None:
    assert annotate_workbook(b"not a workbook", "xlsx", [LATE]) is None
    assert annotate_workbook(b"not a workbook", "xls", [LATE]) is None


def _message() -> LandedMessage:
    return landed_message(source_key="1", raw_sha256="m1", state="rejected")


def _submission(
    tmp_path: Path, content: bytes, problems: list[Problem], *, n: int = 1, version: int = 1
) -> Submission:
    stored = tmp_path / f"stored-{n}"
    stored.write_bytes(content)
    return Submission(
        id=f"s{n}",
        message_sha256="m1",
        attachment=LandedAttachment(
            f"a{n}", "附件3（禄丰市）.xlsx", False, "xlsx", len(content), str(stored)
        ),
        unit="禄丰市",
        sender="lfs@zs.chuxiong.example",
        workbook="a3",
        period="2023-05",
        received_at=datetime(2023, 5, 19, tzinfo=SH),
        late=False,
        sheets=[_sheet(content)],
        problems=problems,
        version=version,
    )


def test_a_rejected_submission_gets_its_annotated_workbook_attached_and_mentioned(
    settings: Settings, tmp_path: Path
) -> None:
    content = _workbook()
    sub = _submission(tmp_path, content, _problems(_sheet(content)))
    [bare] = compose_receipts(settings, "2023-05", [_message()], [sub])
    assert ATTACHED not in bare.body
    [notice] = attach_annotations([bare], [sub])
    [(name, data)] = notice.attachments
    assert name == "审核意见_附件3（禄丰市）.xlsx"
    assert _reload(data)["Sheet1"]["D8"].comment is not None
    assert f"{ATTACHED}\n\n如对审核结果有疑问" in notice.body
    assert notice.key == bare.key


def test_only_the_standing_version_with_problems_is_sent_back(
    settings: Settings, tmp_path: Path
) -> None:
    content = _workbook()
    problems = _problems(_sheet(content))
    rejected = _submission(tmp_path, content, problems, n=1, version=1)
    fixed = _submission(tmp_path, content, [LATE], n=2, version=2)
    clean = _submission(tmp_path, content, [], n=3, version=3)
    [notice] = attach_annotations(
        compose_receipts(settings, "2023-05", [_message()], [rejected, fixed]), [rejected, fixed]
    )
    assert notice.annotate == ("s2",)  # v1 was replaced in the same run: nothing to fix there
    assert [name for name, _ in notice.attachments] == ["审核意见_附件3（禄丰市）.xlsx"]
    assert ATTACHED_NOTES in notice.body and ATTACHED not in notice.body  # accepted, with a note
    [accepted] = compose_receipts(settings, "2023-05", [_message()], [clean])
    assert attach_annotations([accepted], [clean]) == [accepted]
    assert not accepted.attachments and ATTACHED not in accepted.body


def test_send_notices_mails_the_annotated_workbook(settings: Settings, tmp_path: Path) -> None:
    from tasks.notices import queue_notices, send_notices

    content = _workbook()
    sub = _submission(tmp_path, content, _problems(_sheet(content)))
    notices = attach_annotations(compose_receipts(settings, "2023-05", [_message()], [sub]), [sub])
    assert queue_notices.fn(str(settings.home), notices, []) == 1
    assert send_notices.fn(str(settings.home)) == 1
    eml = settings.outbox_path / f"{notices[0].key}.eml"
    message = email.message_from_bytes(eml.read_bytes())
    parts = [p for p in message.walk() if p.get_filename()]
    assert [p.get_filename() for p in parts] == ["审核意见_附件3（禄丰市）.xlsx"]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes) and payload == notices[0].attachments[0][1]


def test_libreoffice_opens_the_annotated_workbook_with_comments_on_the_right_cells(
    tmp_path: Path,
) -> None:
    soffice = shutil.which("soffice")
    need(soffice is not None, "LibreOffice (soffice) not installed: run .ci/install-services")
    content = _workbook()
    problems = _problems(_sheet(content))
    xlsx = tmp_path / "审核意见.xlsx"
    xlsx.write_bytes(annotate_workbook(content, "xlsx", problems) or b"")
    env = {**os.environ, "HOME": str(tmp_path / "lo-home")}
    for target in ("pdf", "xlsx"):
        out = tmp_path / target
        command = [str(soffice), "--headless", "--convert-to", target, "--outdir", str(out)]
        subprocess.run([*command, str(xlsx)], env=env, timeout=120, check=True, capture_output=True)
    pdf = tmp_path / "pdf" / "审核意见.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    # As LibreOffice read it: saved again by LibreOffice, each comment is still on its cell.
    resaved = openpyxl.load_workbook(tmp_path / "xlsx" / "审核意见.xlsx")
    for p in problems:
        if p.row:
            comment = resaved["Sheet1"][f"{p.column}{p.row}"].comment
            assert comment is not None and p.message in comment.text
    pdftotext = shutil.which("pdftotext")
    need(pdftotext is not None, "pdftotext (poppler-utils) not installed: run .ci/install-services")
    text = subprocess.run(
        [str(pdftotext), str(pdf), "-"], capture_output=True, timeout=60, check=True
    ).stdout.decode()
    assert "须修改的问题3处" in text
    assert all(p.message in text for p in problems)
