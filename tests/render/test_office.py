"""The office's status mail: every unit where it stands, each problem's text, the month's workbook
and page, so the office never needs a terminal."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from bixue.config import Settings
from bixue.render.office import compose_office_status, office_status
from bixue.warehouse.status import office_view
from tests.render.office_month import FORMULA_LIKE, PROJECT, load_may


def test_the_status_mail_groups_units_by_state_and_carries_each_problems_text(
    settings: Settings,
) -> None:
    notice = office_status(load_may(settings), settings, "2023-05")
    assert notice.to == (settings.office_address,)
    assert notice.kind == "status"
    assert notice.subject == "【报送情况】2023年1—5月：未报送19个，未通过0个"
    body = notice.body
    assert "bixue status" not in body  # nothing to run in a terminal
    assert "禄丰市（附件3第2版更正未通过，第1版仍有效）" in body
    assert "附件3第2版（更正未通过），收到时间2023-05-22 09:30：" in body
    assert (
        "- 工作表「Sheet1」第15行G列「项目进展」：填报值“洽谈中”，「项目进展」只能填写在谈、"
        "已签约、已开工、已竣工、已投产。处理办法：请从下拉列表中选择。"
    ) in body
    assert f"填报值“{PROJECT}”，同一项目在表中出现了两次。" in body
    assert "南华县（缺附件3、附表；1封邮件被拒收）" in body
    assert (
        "国内合作产业到位资金统计表：已收到2023年1—5月数据"
        "（州招商委办公室统计组，2023-05-18 10:02）" in body
    )
    assert "实际利用外资统计表：未收到2023年1—5月数据（应由州招商委办公室统计组报送）" in body
    assert "被拒收的邮件" in body and "南华县，2023-05-18 10:02收到" in body
    assert "已隔离的邮件" in body and "x@evil.example未登记" in body


def test_the_status_mail_attaches_the_months_workbook_with_texts_kept_as_text(
    settings: Settings,
) -> None:
    notice = office_status(load_may(settings), settings, "2023-05")
    files = dict(notice.attachments)
    book = openpyxl.load_workbook(io.BytesIO(files["报送情况-2023-05.xlsx"]))
    assert book.sheetnames == ["报送情况", "问题明细", "统计数据", "邮件"]
    overview = [
        r for r in book["报送情况"].iter_rows(min_row=2, values_only=True) if r[0] == "禄丰市"
    ]
    assert [(r[2], r[3], r[4]) for r in overview] == [
        ("附件3", 1, "有效"),
        ("附件3", 2, "更正未通过（原版本仍有效）"),
        ("附表", 1, "有效"),
    ]
    problems = book["问题明细"]
    values = {problems.cell(row=r, column=10).value: r for r in range(2, problems.max_row + 1)}
    assert {"洽谈中", PROJECT} <= set(values)
    for text in FORMULA_LIKE:
        cell = problems.cell(row=values[text], column=10)
        assert (cell.value, cell.data_type) == (text, "s")  # never a formula
        assert cell.quotePrefix
    stats = list(book["统计数据"].iter_rows(min_row=2, values_only=True))
    assert [r[:2] for r in stats] == [
        ("国内合作产业到位资金统计表", "已收到"),
        ("实际利用外资统计表", "未报送"),
    ]
    mail = [r[:2] for r in book["邮件"].iter_rows(min_row=2, values_only=True)]
    assert ("被拒收", "南华县") in mail
    assert ("已隔离（待人工核实）", '"lfs@zs.chuxiong.example" <x@evil.example>') in mail


def test_no_submitted_text_becomes_a_formula_in_the_files_xml(settings: Settings) -> None:
    notice = office_status(load_may(settings), settings, "2023-05")
    packed = zipfile.ZipFile(io.BytesIO(dict(notice.attachments)["报送情况-2023-05.xlsx"]))
    sheets = [packed.read(n).decode() for n in packed.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in xml for xml in sheets)
    assert any("+8613800000000</t>" in xml for xml in sheets)


def test_the_months_page_is_written_beside_the_data_docs_and_named_in_the_mail(
    settings: Settings,
) -> None:
    notice = office_status(load_may(settings), settings, "2023-05")
    page = settings.home / "docs" / "status-2023-05.html"
    html = page.read_text(encoding="utf-8")
    assert str(page) in notice.body
    assert dict(notice.attachments)["报送情况-2023-05.html"].decode("utf-8") == html
    assert "<script" not in html and "http://" not in html.replace("http://x.example", "")
    assert "<style>" in html and "2023年1—5月报表报送情况" in html
    assert "&lt;x@evil.example&gt;" in html  # sender text escaped, never markup
    for unit in ("禄丰市", "南华县", "市场化招商平台（州国有资本投资集团有限公司）"):
        assert unit in html


def test_the_same_situation_gives_the_same_key_and_a_change_a_new_one(settings: Settings) -> None:
    engine = load_may(settings)
    one = compose_office_status(settings, office_view(engine, settings, "2023-05", in_run=True))
    two = compose_office_status(settings, office_view(engine, settings, "2023-05", in_run=True))
    view = office_view(engine, settings, "2023-05", in_run=True)
    view["units"][0]["state"] = "accepted"
    changed = compose_office_status(settings, view)
    assert one.key == two.key
    assert one.key != changed.key


def test_mail_waiting_in_the_mailbox_is_named_in_the_status_mail(settings: Settings) -> None:
    import mailbox

    engine = load_may(settings)
    key = mailbox.Maildir(settings.mailbox_path, create=True).add(b"Subject: x\r\n\r\ny")
    notice = office_status(engine, settings, "2023-05")
    assert "已收到、尚未处理的邮件（待处理）（1）：" in notice.body
    assert f"（邮箱编号 {key}）" in notice.body
    book = openpyxl.load_workbook(io.BytesIO(dict(notice.attachments)["报送情况-2023-05.xlsx"]))
    assert ("待处理", key) in [r[:2] for r in book["邮件"].iter_rows(min_row=2, values_only=True)]
