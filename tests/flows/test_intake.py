"""The intake every 10 minutes: the monthly flow on whatever new mail arrived, cheap when none,
restricted to named units on a rerun from the UI, and without the office's status mail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.config import ConfigError, Settings, load_settings
from bixue.render.status_lines import page_name
from bixue.sample.generate import generate_year
from bixue.warehouse.db import connect
from tests.crash_harness import ROOT, environment
from tests.flows.running import run_month

pytestmark = pytest.mark.prefect

IDLE_RUN = """
import json, sys
from flows.monthly_ingest import monthly_ingest

counts = monthly_ingest(period="2023-05", notify_office=False)
heavy = sorted(m for m in ("great_expectations", "pandas") if m in sys.modules)
print(json.dumps({"counts": counts, "heavy": heavy}))
"""


def _units_recorded(settings: Settings) -> list[str]:
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select distinct unit from message order by unit")).all()
    engine.dispose()
    return [r[0] for r in rows]


def _new_mail(settings: Settings) -> int:
    return len(list((settings.mailbox_path / "new").iterdir()))


def test_an_intake_with_no_new_mail_loads_neither_great_expectations_nor_pandas(
    prefect_server: None, tmp_path: Path
) -> None:
    settings = load_settings(tmp_path / "home")
    for folder in ("new", "cur", "tmp"):
        (settings.mailbox_path / folder).mkdir(parents=True)
    # the warehouse an intake finds is there and migrated (a fresh one's migrations read forms)
    connect(settings.warehouse_url).dispose()
    done = subprocess.run(
        [sys.executable, "-c", IDLE_RUN],
        cwd=ROOT,
        env=environment(settings.home, {}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["counts"]["messages"] == 0 and result["counts"]["received"] == 0
    assert not list(settings.outbox_path.glob("*.eml"))  # no status mail, no receipt
    assert not (settings.home / "docs").exists()  # nothing new: no page rewritten


def test_an_intake_for_named_units_leaves_the_other_mail_for_the_next_run(
    prefect_server: None, tmp_path: Path
) -> None:
    settings = load_settings(tmp_path / "home")
    generate_year(settings.mailbox_path, settings, months=[1])
    sent = _new_mail(settings)
    first = run_month(settings, "2023-01", units=["楚雄市"], notify_office=False)
    assert _units_recorded(settings) == ["楚雄市"]
    assert 0 < first["messages"] < sent and _new_mail(settings) == sent - first["messages"]
    receipts = list(settings.outbox_path.glob("receipt-*.eml"))
    assert receipts and not list(settings.outbox_path.glob("status-*.eml"))
    # the status page follows every run that answered mail, though no status mail goes out
    assert (settings.home / "docs" / page_name("2023-01")).exists()
    rest = run_month(settings, "2023-01", notify_office=False)
    assert rest["messages"] == sent - first["messages"] and _new_mail(settings) == 0
    assert len(_units_recorded(settings)) > 15
    again = {p.name for p in settings.outbox_path.glob("*.eml")}
    assert not [n for n in again if n.startswith("status-")]
    assert {p.name for p in receipts} <= again  # the first run's receipts are not sent again


def test_an_intake_for_an_unregistered_unit_is_refused_in_chinese(
    prefect_server: None, tmp_path: Path
) -> None:
    settings = load_settings(tmp_path / "home")
    generate_year(settings.mailbox_path, settings, months=[1])
    sent = _new_mail(settings)
    with pytest.raises(ConfigError, match="未登记的单位：楚雄县"):
        run_month(settings, "2023-01", units=["楚雄县"], notify_office=False)
    assert _new_mail(settings) == sent


def test_force_renders_the_months_pages_without_new_mail_and_sends_nothing(
    prefect_server: None, tmp_path: Path
) -> None:
    settings = load_settings(tmp_path / "home")
    for folder in ("new", "cur", "tmp"):
        (settings.mailbox_path / folder).mkdir(parents=True)
    counts = run_month(settings, "2023-05", notify_office=False, force=True)
    assert counts["messages"] == 0
    assert (settings.home / "docs" / page_name("2023-05")).exists()
    assert (settings.home / "docs" / "index.html").exists()
    assert not list(settings.outbox_path.glob("*.eml"))


def test_an_intake_with_no_new_mail_still_sends_the_receipts_a_stopped_run_owed(
    prefect_server: None, tmp_path: Path
) -> None:
    from tests.crash_harness import ingest

    settings = load_settings(tmp_path / "home")
    generate_year(settings.mailbox_path, settings, months=[1])
    stopped = ingest(settings.home, "2023-01", {}, crash_at="after-load")
    assert stopped.killed and not list(settings.outbox_path.glob("receipt-*.eml"))
    counts = run_month(settings, "2023-01", notify_office=False)
    assert counts["messages"] == 0  # all of it was recorded by the stopped run
    assert len(list(settings.outbox_path.glob("receipt-*.eml"))) > 15
    assert _new_mail(settings) == 0  # flagged once answered
    assert not list(settings.outbox_path.glob("status-*.eml"))
