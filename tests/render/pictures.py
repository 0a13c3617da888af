"""What people look at, for tests: headless Chromium renders a page, Pillow reads the picture."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from tests.conftest import need


def chromium() -> str:
    """Debian's headless Chromium; the test skips with the reason where it is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    need(found is not None, "headless Chromium is not installed (.ci/install-services installs it)")
    assert found is not None
    return found


def run_chromium(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Chromium headless, offline, with a throwaway profile under pytest's tmp dir."""
    env = os.environ | {"HOME": str(tmp)}
    command = [
        browser,
        "--headless",
        "--no-sandbox",  # tests run as root in containers
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, timeout=180, env=env, check=True)


def size(png: bytes) -> tuple[int, int]:
    """Width and height of a picture."""
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def ink(png: bytes) -> tuple[float, int]:
    """Share of pixels that are not near-white, and how many distinct colours there are."""
    with Image.open(io.BytesIO(png)) as image:
        data = image.convert("RGB").tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    dark = sum(1 for px in pixels if min(px) < 200)
    return dark / len(pixels), len(set(pixels))
