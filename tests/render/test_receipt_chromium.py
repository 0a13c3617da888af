"""A unit's receipt as a browser shows it: the HTML part rendered by headless Chromium carries the
received time, the date to resubmit by and the projects' names, and is not a blank page."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
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
from tests.conftest import need
from tests.factories import landed_message, submission

SH = ZoneInfo("Asia/Shanghai")
PROJECTS = ("元谋彝族文化旅游街区项目", "元谋县光伏农业综合开发项目")
RECEIVED = datetime(2023, 5, 12, 16, 8, tzinfo=SH)


def _chromium() -> str | None:
    return next((p for name in ("chromium", "chromium-browser") if (p := shutil.which(name))), None)


def _run(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    profile = tmp_path / "profile"
    command = [
        browser,
        "--headless",
        "--no-sandbox",  # tests run as root in a container
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(command, env=env, capture_output=True, timeout=120, check=True)


def _pixels(png: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per pixel and the unfiltered pixel rows of an 8-bit PNG."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pos, chunks, idat = 8, {}, b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        chunks.setdefault(kind, data)
        if kind == b"IDAT":
            idat += data
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and interlace == 0 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    out = bytearray()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        out += line
        previous = line
    return width, height, bpp, bytes(out)


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
    browser = _chromium()
    need(browser is not None, "chromium not installed: apt-get install chromium fonts-noto-cjk")
    assert browser is not None
    page = tmp_path / "receipt.html"
    page.write_text(receipt_html, encoding="utf-8")
    dom = _run(browser, tmp_path, "--dump-dom", page.as_uri()).stdout.decode()
    assert "收到时间：2023年5月12日 16:08" in dom
    assert "请于2023年5月20日前重新报送。" in dom
    for n, project in zip((7, 8), PROJECTS, strict=True):
        assert f"第{n}行（{project}）G列" in dom
    shot = tmp_path / "receipt.png"
    _run(browser, tmp_path, f"--screenshot={shot}", "--window-size=900,1200", page.as_uri())
    width, height, bpp, pixels = _pixels(shot.read_bytes())
    assert (width, height) == (900, 1200)
    colours = {pixels[i : i + 3] for i in range(0, len(pixels), bpp)}
    inked = sum(
        1 for i in range(0, len(pixels), bpp) if sum(pixels[i : i + 3]) < 3 * 160
    )  # dark text pixels
    assert len(colours) > 20  # text anti-aliased in many shades, not one flat colour
    assert inked > width * height // 200  # some text on at least half a percent of the page
