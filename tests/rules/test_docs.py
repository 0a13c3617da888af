"""GX Data Docs under <home>/docs: the run's failing cells, in Chinese, with no internet needed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from bixue.forms.parse import frame_columns, parse_workbook
from bixue.forms.spec import FORMS
from bixue.forms.templates import render_workbook
from bixue.model import LandedAttachment, Submission
from bixue.rules.check import period_bounds
from bixue.rules.docs import VENDOR, build_data_docs, offline_html
from bixue.rules.validate import suite_path

REMOTE = re.compile(
    r"(?:href|src)\s*=\s*[\"']?\s*(?:https?:)?//|url\(\s*['\"]?(?:https?:)?//", re.I
)
CDN_HOSTS = (
    "cdn.jsdelivr.net",
    "unpkg.com",
    "cdnjs.cloudflare.com",
    "bootstrapcdn.com",
    "code.jquery.com",
    "amazonaws.com",
)
LOCAL_REF = re.compile(r"(?:href|src)=\"(?!#|javascript:)([^\"]+)\"")


def _a3(site: str) -> pd.DataFrame:
    base = {c: None for c in frame_columns(FORMS["a3"])}
    rows = [
        base
        | {
            "project_name": name,
            "partner": "上海某公司",
            "site": where,
            "investment_yi": 12.0,
            "stage": "在谈",
            "excel_row": row,
            "submission_id": "S1",
            "unit": "禄丰市",
        }
        for row, name, where in ((7, "钛项目", "禄丰市"), (8, "硅项目", site))
    ]
    return pd.DataFrame.from_records(rows).assign(**period_bounds("2023-05"))


def _description(rule: str) -> str:
    suite = json.loads(suite_path("a3", 2023).read_text(encoding="utf-8"))
    [item] = [e for e in suite["expectations"] if e["meta"]["rule"] == rule]
    return str(item["description"])


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two monthly runs into one home: May with a bad site, June clean."""
    home = tmp_path_factory.mktemp("home")
    build_data_docs(home, {"a3": _a3("昆明市")}, 2023, "2023-05")
    build_data_docs(home, {"a3": _a3("禄丰市")}, 2023, "2023-06")
    return home


def _pages(home: Path) -> list[Path]:
    return sorted((home / "docs").rglob("*.html"))


def test_the_site_has_an_index_and_one_validation_page_per_run(home: Path) -> None:
    index = home / "docs" / "index.html"
    assert index.exists()
    pages = sorted((home / "docs" / "validations").rglob("*.html"))
    assert [p.relative_to(home / "docs" / "validations").parts[:2] for p in pages] == [
        ("a3-2023", "2023-05"),
        ("a3-2023", "2023-06"),
    ]
    text = index.read_text(encoding="utf-8")
    assert all(str(p.relative_to(home / "docs")) in text for p in pages)  # every run is listed


def test_the_validation_page_shows_the_failing_value_its_unit_and_the_chinese_rule(
    home: Path,
) -> None:
    [may] = (home / "docs" / "validations" / "a3-2023" / "2023-05").rglob("*.html")
    text = may.read_text(encoding="utf-8")
    assert _description("a3.site.in_set") in text
    cells = re.findall(r'<div class="show-scrollbars">(.*?)</div>', text)
    # value, count, then the index columns: unit, submission and the Excel row
    failing = ["昆明市", "1", "禄丰市", "S1", "8"]
    assert any(cells[i : i + 5] == failing for i in range(len(cells)))


def test_no_page_refers_to_anything_on_the_internet(home: Path) -> None:
    pages = _pages(home)
    assert len(pages) >= 4
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not REMOTE.findall(text), page
        assert not [host for host in CDN_HOSTS if host in text], page


def test_every_local_file_a_page_loads_exists(home: Path) -> None:
    for name in VENDOR:
        assert (home / "docs" / "static" / "vendor" / name).stat().st_size > 1000
    for page in _pages(home):
        text = page.read_text(encoding="utf-8")
        assert "static/vendor/bixue-docs.js" in text
        for ref in LOCAL_REF.findall(text):
            target = (page.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.exists(), f"{page}: {ref}"


def test_rewriting_keeps_submitted_text_and_adds_our_assets_once() -> None:
    page = (
        "<html><head>"
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/b.css"/>\n'
        '<script src="https://code.jquery.com/jquery.min.js" crossorigin="anonymous"></script>'
        "<style>.a { background: url('https://x.amazonaws.com/l.png') 0 0; }</style>"
        '</head><body><a href="https://greatexpectations.io">GX</a>'
        '<img src="https://x.amazonaws.com/logo-long.png?d=1" alt="logo"/>'
        "<td>https://填报人写的网址.example</td></body></html>"
    )
    once = offline_html(page, "../")
    assert offline_html(once, "../") == once
    assert once.count("static/vendor/bixue-docs.css") == 1
    assert "<a>GX</a>" in once and 'src="../static/images/logo-long.png"' in once
    assert "<td>https://填报人写的网址.example</td>" in once
    assert not REMOTE.findall(once)


def test_the_flow_tasks_keep_the_validation_and_render_it_under_the_home(tmp_path: Path) -> None:
    from bixue.rules.check import validate_submissions
    from tasks.forms import render_data_docs

    rows = {"a3": [{"project_name": "钛项目", "partner": "上海某公司", "site": "昆明市"}]}
    content = render_workbook("a3", year=2023, month=5, unit="禄丰市", rows=rows)
    stored = LandedAttachment("a1", "附件3.xlsx", False, "xlsx", len(content), "")
    sub = Submission(
        id="s1",
        message_sha256="m1",
        attachment=stored,
        unit="禄丰市",
        sender="lfs@zs.chuxiong.example",
        workbook="a3",
        period="2023-05",
        received_at=None,
        late=False,
        sheets=parse_workbook(content).sheets,
    )
    home = str(tmp_path / "home")
    [checked] = validate_submissions([sub], tmp_path / "home", "2023-05")
    assert "a3.site.in_set" in {p.rule for p in checked.problems}
    index = render_data_docs.fn(home, "2023-05", [checked])
    assert index == str((tmp_path / "home" / "docs" / "index.html").resolve())
    [page] = (tmp_path / "home" / "docs" / "validations").rglob("2023-05/*/*.html")
    assert "禄丰市" in page.read_text(encoding="utf-8")
