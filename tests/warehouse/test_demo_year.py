"""The demo year in the warehouse: the same content on SQLite and PostgreSQL, reruns and crashes
converge to the same state, and every measure agrees across the two databases."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.cluster import table_checksums
from bixue.config import Settings, load_settings
from bixue.forms.submissions import read_submissions
from bixue.mail import intake
from bixue.mail.source import open_source
from bixue.rules.check import validate_submissions
from bixue.sample.generate import generate_year
from bixue.warehouse import load
from bixue.warehouse.db import connect
from bixue.warehouse.measures import measure_inputs

PERIODS = [f"2023-{m:02d}" for m in range(1, 13)]
# Columns that record when something happened, not what: left out of content checksums.
VOLATILE = {"processed_at", "loaded_at", "sent_at", "noticed_at", "queued_at"}


def checksums(engine: sa.Engine) -> dict[str, tuple[int, str]]:
    """Per table: row count and a hash of its sorted rows, values normalised across databases."""
    return table_checksums(engine, VOLATILE)


def load_year(settings: Settings, engines: list[sa.Engine]) -> None:
    """Each month read and checked once, then loaded into every warehouse given."""
    source = open_source(settings)
    for period in PERIODS:
        skip = load.skippable_messages(engines[0], period)
        raws = [
            r
            for r in intake.fetch_messages(source)
            if hashlib.sha256(r.raw).hexdigest() not in skip
        ]
        messages = intake.land_messages(settings.landing_path, raws)
        submissions = validate_submissions(read_submissions(settings, messages))
        for engine in engines:
            load.load_run(engine, period, messages, submissions, datetime.now(UTC))


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, list[sa.Engine]]]:
    """The sample year loaded into a fresh SQLite and a fresh PostgreSQL schema."""
    from tests.conftest import PG_URL, _pg_available, need

    need(_pg_available(), f"PostgreSQL not reachable at {PG_URL}")
    settings = load_settings(tmp_path_factory.mktemp("year"))
    generate_year(settings.mailbox_path, settings)
    schema = f"bx_year_{os.getpid()}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
        conn.execute(sa.text(f'create schema "{schema}"'))
    engines = [
        connect(settings.warehouse_url),
        connect(f"{PG_URL}?options=-csearch_path%3D{schema}"),
    ]
    load_year(settings, engines)
    yield settings, engines
    for engine in engines:
        engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f'drop schema "{schema}" cascade'))


def test_sqlite_and_postgresql_hold_the_same_content(year: tuple) -> None:
    _, (lite, pg) = year
    assert checksums(lite) == checksums(pg)
    assert checksums(lite)["fact_a3"][0] > 1000


def test_loading_the_year_again_changes_no_row(year: tuple) -> None:
    settings, engines = year
    before = [checksums(e) for e in engines]
    load_year(settings, engines)
    assert [checksums(e) for e in engines] == before


@pytest.mark.parametrize("period", ["2023Q1", "2023Q2", "2023Q3", "2023"])
def test_every_measure_is_the_same_on_both_databases(year: tuple, period: str) -> None:
    settings, (lite, pg) = year
    on_sqlite = measure_inputs(lite, settings, period)
    assert on_sqlite == measure_inputs(pg, settings, period)
    assert len(on_sqlite) == 20
    assert any(v["out_pref_growth_pct"] for v in on_sqlite.values() if "out_pref_growth_pct" in v)


CRASHING_RUN = """
import os, signal, sys
from bixue.cli import main
from bixue.warehouse import load

calls = {"n": 0}
insert = load._insert_submission


def insert_then_die(conn, sub, stamp):
    # A real crash: the process is killed in the middle of a message's transaction.
    calls["n"] += 1
    if calls["n"] == int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)
    return insert(conn, sub, stamp)


load._insert_submission = insert_then_die
sys.exit(main(["ingest", "--period", "2023-01"]))
"""


@pytest.mark.prefect
@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_a_load_killed_midway_then_rerun_ends_as_an_uninterrupted_one(
    db: str, prefect_server: None, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from tests.crash_harness import ROOT, environment
    from tests.flows.running import run_month

    urls = {}
    for name in ("crashed", "clean"):
        if db == "sqlite":
            urls[name] = f"sqlite:///{tmp_path / name / 'warehouse.sqlite'}"
        else:
            urls[name] = str(request.getfixturevalue("pg_url")) if name == "crashed" else ""
    if db == "postgresql":
        urls["clean"] = _second_schema(request)
    homes = {}
    for name in ("crashed", "clean"):
        settings = load_settings(tmp_path / name)
        generate_year(settings.mailbox_path, settings, months=[1])
        homes[name] = settings
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent(CRASHING_RUN), encoding="utf-8")
    env = environment(homes["crashed"].home, {"BIXUE_WAREHOUSE_URL": urls["crashed"]})
    done = subprocess.run(
        [sys.executable, str(script), "12"], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert done.returncode == -9, done.stderr[-2000:]
    crashed = connect(urls["crashed"])
    partial = checksums(crashed)["submission"][0]
    assert 0 < partial < 40  # it died part-way, after some messages were committed
    run_month(homes["crashed"], "2023-01", warehouse_url=urls["crashed"])
    run_month(homes["clean"], "2023-01", warehouse_url=urls["clean"])
    assert _portable(checksums(crashed)) == _portable(checksums(connect(urls["clean"])))


def _portable(sums: dict[str, tuple[int, str]]) -> dict[str, Any]:
    """Counts only for tables whose rows hold home-specific paths; full hashes for the rest."""
    with_paths = {"message", "attachment"}
    return {t: (v[0] if t in with_paths else v) for t, v in sums.items()}


def _second_schema(request: pytest.FixtureRequest) -> str:
    from tests.conftest import PG_URL

    schema = f"bx_clean_{os.getpid()}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
        conn.execute(sa.text(f'create schema "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))

    request.addfinalizer(drop)
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.mark.prefect
def test_two_loads_at_once_on_postgresql_give_one_consistent_state(
    prefect_server: None, tmp_path: Path, pg_url: str
) -> None:
    from tests.crash_harness import finish, start

    settings = load_settings(tmp_path / "home")
    generate_year(settings.mailbox_path, settings, months=[1])
    connect(pg_url).dispose()  # migrate once before the race
    runs = [start(settings.home, "2023-01", {"BIXUE_WAREHOUSE_URL": pg_url}) for _ in range(2)]
    results = [finish(r, timeout=300) for r in runs]
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-2000:] for r in results]
    engine = connect(pg_url)
    with engine.connect() as conn:
        dupes = conn.execute(
            sa.text(
                "select count(*) from (select unit, workbook, period, version from submission "
                "group by unit, workbook, period, version having count(*) > 1) as d"
            )
        ).scalar()
        messages = conn.execute(sa.text("select count(*) from message")).scalar()
        submissions = conn.execute(sa.text("select count(*) from submission")).scalar()
    assert dupes == 0
    mail = len(list((settings.mailbox_path / "new").iterdir())) + len(
        list((settings.mailbox_path / "cur").iterdir())
    )
    assert messages == mail
    assert submissions == 44


def test_the_demo_years_scores_recompute_from_their_audit_trail(year: tuple) -> None:
    from bixue.scoring.service import score_year, warehouse_measures
    from tests.scoring.test_scoring_audit import assert_year_recomputes_from_audit

    settings, (lite, _) = year
    score_year(lite, settings, 2023, warehouse_measures, allow_incomplete=True)
    assert_year_recomputes_from_audit(lite)


def test_score_measures_on_the_demo_years_measures_gives_exactly_the_export(
    year: tuple, tmp_path: Path
) -> None:
    from bixue.cli import main
    from bixue.scoring.service import score_year, warehouse_measures
    from bixue.warehouse.measures import measures
    from tests.scoring.scoring_sample import write_measures
    from tests.scoring.test_scoring_cli import _quarter_rows

    settings, (lite, _) = year
    # scoring again with the same inputs is a no-op
    score_year(lite, settings, 2023, warehouse_measures, allow_incomplete=True)
    home = str(settings.home)
    for period in ("2023Q1", "2023Q2", "2023Q3", "2023"):
        source = write_measures(tmp_path / f"m-{period}.csv", measures(lite, settings, period))
        if period == "2023":
            source.write_text(
                source.read_text(encoding="utf-8") + _quarter_rows(settings.home, tmp_path),
                encoding="utf-8",
            )
        exported, what_if = tmp_path / f"export-{period}.csv", tmp_path / f"what-if-{period}.csv"
        assert (
            main(
                ["export", "scores", "--period", period, "--output", str(exported), "--home", home]
            )
            == 0
        )
        assert (
            main(
                [
                    "score-measures",
                    "--year",
                    "2023",
                    "--period",
                    period,
                    "--input",
                    str(source),
                    "--output",
                    str(what_if),
                    "--home",
                    home,
                ]
            )
            == 0
        )
        # The what-if has the measures but not the figures behind them (依据), so only the
        # explanations and targets that quote no figure can be the same.
        assert what_if.read_bytes()[:3] == exported.read_bytes()[:3] == b"\xef\xbb\xbf"
        ours, theirs = _csv(exported), _csv(what_if)
        assert [list(r) for r in ours] == [list(r) for r in theirs]
        for mine, other in zip(ours, theirs, strict=True):
            figured = ("依据", "说明", "目标值", "version", "note")
            assert {k: v for k, v in mine.items() if k not in figured} == {
                k: v for k, v in other.items() if k not in figured
            }
            if not mine["依据"]:
                assert (mine["说明"], mine["目标值"]) == (other["说明"], other["目标值"])
            elif "无法计算" not in mine["说明"]:
                assert mine["说明"] == other["说明"]
    assert any(r["依据"] for r in ours)


def _csv(path: Path) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


def test_the_demo_years_counts_read_the_same_in_quarters_and_year(year: tuple) -> None:
    """Events counted once each add up over the quarters; cumulative counts never go down."""
    from bixue.forms.parse import norm

    settings, (lite, _) = year
    quarters = [measure_inputs(lite, settings, f"2023Q{q}") for q in (1, 2, 3, 4)]
    annual = measure_inputs(lite, settings, "2023")
    for unit in settings.units:
        once = ("signed", "top_leader_trips") if unit.category == "county" else ("activities",)
        for key in once:
            # D16: an event first reported after its quarter closed counts in the year only
            assert sum(q[unit.name][key] for q in quarters) <= annual[unit.name][key], (unit, key)
        if unit.category == "group":
            for key in ("talks_5yi", "new_signed_5yi", "new_signed_10yi"):
                seen = [q[unit.name][key] for q in quarters]
                assert seen == sorted(seen) and seen[-1] == annual[unit.name][key], (unit, key)
    # a county's signings of the year are its distinct names as compared, from the raw rows
    with lite.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select c.unit, f.project_name, f.signed_on from fact_ledger_signings as f"
                " inner join current_submission as c on c.id = f.submission_id"
                " where c.period like '2023-%'"
            )
        ).all()
    first: dict[tuple[str, str], str] = {}
    for unit, name, signed_on in rows:
        key = (unit, norm(name))
        first[key] = min(first.get(key, signed_on), signed_on)
    distinct = {u.name: 0 for u in settings.units if u.category == "county"}
    for (unit, _), signed_on in first.items():
        distinct[unit] += signed_on.startswith("2023-")
    assert {u: int(annual[u]["signed"]) for u in distinct} == distinct
    assert len(rows) > len(first)  # the sample repeats names: those count once


@pytest.mark.parametrize("period", ["2023Q1", "2023Q2", "2023Q3", "2023"])
def test_the_inputs_gate_finds_on_both_databases_the_gaps_the_status_shows(
    year: tuple, period: str
) -> None:
    from bixue.scoring.gate import STATISTICS, check_inputs, report_month
    from bixue.scoring.model import parse_period
    from bixue.warehouse.status import month_status

    settings, (lite, pg) = year
    p = parse_period(period)
    gaps = check_inputs(lite, settings, p)
    assert gaps == check_inputs(pg, settings, p)
    status = {u["unit"]: u["state"] for u in month_status(lite, settings, report_month(p))}
    assert {g.who for g in gaps if g.workbook not in STATISTICS} == {
        unit for unit, state in status.items() if state in ("missing", "rejected")
    }


def test_the_demo_scores_the_year_as_drafts_and_prints_their_gaps(
    year: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    from bixue.scoring import audit
    from bixue.scoring.commands import demo_year
    from bixue.scoring.gate import check_inputs
    from bixue.scoring.model import parse_period

    settings, (lite, _) = year
    demo_year(lite, settings, 2023)
    out = capsys.readouterr().out
    for period in ("2023Q1", "2023Q2", "2023Q3", "2023"):
        run, _ = audit.load(lite, period)
        assert run.is_draft and f"{period} 评分草稿（第{run.version}次评分，未通报）" in out
        for gap in check_inputs(lite, settings, parse_period(period)):
            assert gap in (run.gaps or ()) and f"  - {gap.text()}" in out
    assert "2023年比学赶超全年得分" in out
