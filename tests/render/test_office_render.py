"""The office's month page as a browser shows it: headless Chromium renders it to PNG, and its
DOM text carries the received times, the units, the project names and the problem texts."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from bixue.config import Settings
from bixue.render.office import office_status
from tests.conftest import need
from tests.render.office_month import PROJECT, load_may


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    need(found is not None, "headless Chromium is not installed (.ci/install-services installs it)")
    assert found is not None
    return found


def _run(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Chromium headless, offline, with a throwaway profile under pytest's tmp dir."""
    env = os.environ | {"HOME": str(tmp)}
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",  # tests run as root in containers
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={tmp / 'profile'}",
            *args,
        ],
        capture_output=True,
        timeout=180,
        env=env,
        check=True,
    )


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB or RGBA PNG (stdlib only)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6)
    bpp = 3 if color == 2 else 4
    raw, stride, prev = zlib.decompress(data), width * bpp, bytes(width * bpp)
    rows: list[bytes] = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        prev = bytes(line)
        rows.append(prev)
    return width, height, rows


def _ink(png: bytes) -> tuple[float, int]:
    """Share of pixels that are not near-white, and how many distinct colours there are."""
    width, _, rows = _pixels(png)
    bpp = len(rows[0]) // width
    dark = 0
    colours: set[bytes] = set()
    for row in rows[::2]:
        for x in range(0, width * bpp, bpp * 2):
            px = row[x : x + 3]
            colours.add(px)
            if min(px) < 200:
                dark += 1
    total = len(rows[::2]) * len(range(0, width * bpp, bpp * 2))
    return dark / total, len(colours)


@pytest.fixture
def page(settings: Settings) -> Path:
    office_status(load_may(settings), settings, "2023-05")
    return settings.home / "docs" / "status-2023-05.html"


def test_the_months_page_in_chromium_shows_times_units_projects_and_problems(
    page: Path, tmp_path: Path
) -> None:
    browser = _chromium()
    dom = _run(browser, tmp_path, "--dump-dom", page.as_uri()).stdout.decode("utf-8")
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
    browser = _chromium()
    shot = tmp_path / "status-2023-05.png"
    _run(browser, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri())
    png = shot.read_bytes()
    width, height, _ = _pixels(png)
    assert (width, height) == (1280, 1600)
    ink, colours = _ink(png)
    assert 0.02 < ink < 0.9  # text, table borders and state colours, not an empty page
    assert colours > 20  # anti-aliased glyphs and the coloured state cells
