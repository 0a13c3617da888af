"""A unit's receipt as a browser shows it: the HTML part rendered by headless Chromium carries the
received time, the date to resubmit by and the projects' names, and is not a blank page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from bixue.config import Settings
from bixue.forms.parse import ParsedSheet
from bixue.model import LandedAttachment
from bixue.render.notice import compose_receipts
from bixue.rules.check import name_rows
from bixue.rules.problem import Problem
from tests.factories import landed_message, submission
from tests.render.pictures import chromium, ink, run_chromium, size

SH = ZoneInfo("Asia/Shanghai")
PROJECTS = ("元谋彝族文化旅游街区项目", "元谋县光伏农业综合开发项目")
RECEIVED = datetime(2023, 5, 12, 16, 8, tzinfo=SH)


@pytest.fixture
def receipt_html(settings: Settings) -> str:
    frame = pd.DataFrame({"excel_row": [7, 8], "project_name": list(PROJECTS)}, dtype=object)
    sheet = ParsedSheet("a3", "Sheet1", frame, {"project_name": 1, "stage": 6})
    problems = [
        Problem(
            rule="a3.stage.in_set",
            message="「项目进展」不在规定选项内。",
            sheet="Sheet1",
            row=row,
            column="G",
            header="项目进展",
            value="洽谈中",
            fix="请从“在谈、已签约、已开工、已竣工、已投产”中选择。",
        )
        for row in (7, 8)
    ]
    [sub] = name_rows(
        [
            submission(
                id="s1",
                message_sha256="m1",
                unit="元谋县",
                sender="yms@zs.chuxiong.example",
                attachment=LandedAttachment("a1", "附件3（元谋县）.xlsx", False, "xlsx", 1, ""),
                received_at=RECEIVED,
                sheets=[sheet],
                problems=problems,
                version=1,
            )
        ]
    )
    msg = landed_message(
        raw_sha256="m1", state="rejected", received_at=RECEIVED, message_id="<1@yms.example>"
    )
    [notice] = compose_receipts(settings, "2023-05", [msg], [sub], now=RECEIVED)
    assert notice.html is not None
    return notice.html


def test_the_receipt_rendered_by_chromium_shows_time_deadline_and_projects(
    receipt_html: str, tmp_path: Path
) -> None:
    browser = chromium()
    page = tmp_path / "receipt.html"
    page.write_text(receipt_html, encoding="utf-8")
    dom = run_chromium(browser, tmp_path, "--dump-dom", page.as_uri()).stdout.decode()
    assert "收到时间：2023年5月12日 16:08" in dom
    assert "请于2023年5月20日前重新报送。" in dom
    for n, project in zip((7, 8), PROJECTS, strict=True):
        assert f"第{n}行（{project}）G列" in dom
    shot = tmp_path / "receipt.png"
    run_chromium(browser, tmp_path, f"--screenshot={shot}", "--window-size=900,1200", page.as_uri())
    png = shot.read_bytes()
    assert size(png) == (900, 1200)
    inked, colours = ink(png)
    assert colours > 20  # text anti-aliased in many shades, not one flat colour
    assert inked > 1 / 200  # some text on at least half a percent of the page
