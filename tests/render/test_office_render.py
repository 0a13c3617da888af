"""The office's month page as a browser shows it: headless Chromium renders it to PNG, and its
DOM text carries the received times, the units, the project names and the problem texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bixue.config import Settings
from bixue.render.office import office_status
from tests.render.office_month import PROJECT, load_may
from tests.render.pictures import chromium, ink, run_chromium, size


@pytest.fixture
def page(settings: Settings) -> Path:
    office_status(load_may(settings), settings, "2023-05")
    return settings.home / "docs" / "status-2023-05.html"


def test_the_months_page_in_chromium_shows_times_units_projects_and_problems(
    page: Path, tmp_path: Path
) -> None:
    browser = chromium()
    dom = run_chromium(browser, tmp_path, "--dump-dom", page.as_uri()).stdout.decode("utf-8")
    for text in (
        "2023年1—5月报表报送情况",
        "收到时间 2023-05-18 10:02",  # 禄丰市's first version
        "收到时间 2023-05-22 09:30",  # its late correction
        "附件3第2版（更正未通过）",
        "附件3第2版更正未通过，第1版仍有效",
        PROJECT,
        "「项目进展」只能填写在谈、已签约、已开工、已竣工、已投产。",
        "南华县，2023-05-18 10:02收到",
        "附件数量51个，超过上限50个。",
        "国内合作产业到位资金统计表：已收到2023年1—5月数据",
        "市场化招商平台（州国有资本投资集团有限公司）",
    ):
        assert text in dom, text


def test_the_months_page_renders_to_a_png_that_is_not_blank(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    shot = tmp_path / "status-2023-05.png"
    run_chromium(
        browser, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri()
    )
    png = shot.read_bytes()
    assert size(png) == (1280, 1600)
    inked, colours = ink(png)
    assert 0.02 < inked < 0.9  # text, table borders and state colours, not an empty page
    assert colours > 20  # anti-aliased glyphs and the coloured state cells
