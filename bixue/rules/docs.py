"""GX Data Docs of a run's validations under <home>/docs, readable on a PC with no internet.

GX's pages load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from public CDNs and
its logo from S3. None of those files ships in a Python package here, so each page is rewritten
after GX writes it: remote tags and URLs go, and a small stylesheet and script of our own
(static/vendor/, copied from docs_assets/) give the layout, the icons, the tabs and the index
tables that the pages need. The validation results are kept under <home>/gx/validations, so the
index lists every run, not only the last one.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bixue.forms.spec import FORMS
from bixue.model import Submission

# The suites (and pandas) are imported where used: a run with nothing to render loads neither.
if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.data_context import AbstractDataContext

    from bixue.rules.validate import SuiteRun

log = logging.getLogger(__name__)

SITE = "office"
ASSETS = Path(__file__).with_name("docs_assets")
VENDOR = ("bixue-docs.css", "bixue-docs.js")

_REMOTE_TAG = re.compile(
    r"<(?:link|script)\b[^>]*?\b(?:href|src)\s*=\s*[\"']?https?://[^>]*>(?:\s*</script>)?",
    re.IGNORECASE,
)
_REMOTE_IMG_SRC = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*\")https?://[^\"]*(\")", re.IGNORECASE)
_REMOTE_HREF = re.compile(r"\s+href\s*=\s*\"https?://[^\"]*\"", re.IGNORECASE)
_REMOTE_CSS_URL = re.compile(r"url\(\s*['\"]?https?://[^)]*\)", re.IGNORECASE)
_REMOTE_ATTRIBUTE = re.compile(r"\b(?:href|src)\s*=\s*[\"']?https?://", re.IGNORECASE)
# GX links static/ one level too shallow from validation pages (the favicon): fix every depth.
_LOCAL_STATIC = re.compile(r"\b(href|src)=\"(?:\./|\.\./)*static/")
_MARK = "static/vendor/bixue-docs.css"


def _context(home: Path) -> AbstractDataContext:
    """An in-memory context whose results store and docs site are folders under home."""
    from bixue.rules.gx import defer_unused

    defer_unused()  # before GX is imported
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
    )

    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    config = DataContextConfig(store_backend_defaults=defaults)
    stores: dict[str, Any] = dict(config.stores or {})
    stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(home / "gx" / "validations"),
        },
    }
    config.stores = stores
    config.data_docs_sites = {
        SITE: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(home / "docs"),
            },
        }
    }
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}  # type: ignore[assignment]
    return context


def store_results(home: Path, runs: list[SuiteRun], run_name: str) -> None:
    """Keep a run's suite results under <home>/gx/validations, where the site is built from."""
    from bixue.rules.gx import defer_unused

    defer_unused()  # before GX is imported
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from bixue.rules.validate import quiet_gx

    quiet_gx()
    store = _context(Path(home)).validation_results_store
    run_id = gx.RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
    for run in runs:
        run.result.meta["run_id"] = run_id
        run.result.meta["validation_time"] = run_id.run_time
        suite_id = ExpectationSuiteIdentifier(name=run.result.suite_name)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=suite_id, run_id=run_id, batch_identifier=run.batch_id
        )
        store.store_validation_results(
            suite_validation_result=run.result,
            suite_validation_result_identifier=key,
            expectation_suite_identifier=suite_id,
        )


def render_site(home: Path, years: Iterable[int]) -> Path:
    """The office's site from every stored result, with the suites of these years; index.html."""
    from bixue.rules.validate import load_suite, quiet_gx, suite_path

    quiet_gx()
    home = Path(home)
    context = _context(home)
    for year in sorted(set(years)):
        for form in FORMS:
            path = suite_path(form, year)
            if path.exists():
                context.suites.add_or_update(load_suite(path))
    context.build_data_docs(site_names=[SITE])
    site = home / "docs"
    make_offline(site)
    return site / "index.html"


def render_run(
    home: Path, period: str, submissions: Iterable[Submission], refresh: bool = False
) -> str | None:
    """The Data Docs of the years a run's submissions report (and, to `refresh` them, the
    period's own year); the index page, None when there is nothing to render.

    The pages are for the office to browse; failing to render them must not hold up loading
    the warehouse or the units' receipts, so an error is logged, not raised.
    """
    years = {int(sub.period[:4]) for sub in submissions if sub.period and sub.sheets}
    if refresh:
        years.add(int(period[:4]))
    if not years:
        return None
    try:
        return str(render_site(home, years))
    except Exception:
        log.exception("Data Docs for %s not rendered", period)
        return None


def build_data_docs(
    home: Path, frames: Mapping[str, pd.DataFrame], year: int, run_name: str
) -> Path:
    """Validate each form's frame, store the results, render the site; its index.html."""
    from bixue.rules.validate import run_suites

    store_results(home, run_suites(frames, year), run_name)
    return render_site(home, [year])


def _relative_root(site: Path, page: Path) -> str:
    """The way from a page back up to the site's root, e.g. ../../../../ from a validation."""
    depth = len(page.relative_to(site).parts) - 1
    return "../" * depth if depth else "./"


def offline_html(html: str, root: str) -> str:
    """A GX page with no remote reference left, using our vendored stylesheet and script."""
    html = _REMOTE_TAG.sub("", html)
    html = _REMOTE_IMG_SRC.sub(rf"\g<1>{root}static/images/logo-long.png\g<2>", html)
    html = _REMOTE_HREF.sub("", html)
    html = _REMOTE_CSS_URL.sub("none", html)
    html = _LOCAL_STATIC.sub(rf'\g<1>="{root}static/', html)
    if _MARK not in html:
        tags = (
            f'<link rel="stylesheet" href="{root}static/vendor/{VENDOR[0]}">\n'
            f'<script src="{root}static/vendor/{VENDOR[1]}"></script>\n'
        )
        html = html.replace("</head>", f"{tags}</head>", 1)
    return html


def make_offline(site: Path) -> list[Path]:
    """Vendor our assets into the site and rewrite every page; the pages still remote."""
    vendor = site / "static" / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    for name in VENDOR:
        shutil.copyfile(ASSETS / name, vendor / name)
    still_remote = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        fixed = offline_html(text, _relative_root(site, page))
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
        if _REMOTE_ATTRIBUTE.search(fixed):
            still_remote.append(page)
            log.warning("%s still refers to a remote file", page)
    return still_remote
