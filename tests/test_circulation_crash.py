"""A real `bixue circulate` killed (SIGKILL) mid-send, then run again: every result mail is
delivered exactly once, counted at a real SMTP server (aiosmtpd), and the send ledger ends as
after an uninterrupted circulation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.config import load_settings
from bixue.render.distribution import load_distribution
from tests.scoring.scoring_sample import sample_measures, write_measures
from tests.smtp_sink import Sink, smtp_sink

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2023Q1"


def _bixue(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BIXUE_")}
    return subprocess.run(
        [sys.executable, "-m", "bixue.cli", *args],
        cwd=ROOT,
        env={**clean, **env, "BIXUE_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _circulate(
    home: Path, measures: Path, sink: Sink, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = sink.env() | ({"BIXUE_CRASH_AT": crash_at} if crash_at else {})
    return _bixue(home, env, "circulate", "--period", PERIOD, "--measures", str(measures))


def _ledger(home: Path) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(load_settings(home).warehouse_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select recipient, state, message_id from score_send order by recipient")
        )
        found = [tuple(r) for r in rows]
    engine.dispose()
    return found  # type: ignore[return-value]


@pytest.fixture
def sink() -> Iterator[Sink]:
    with smtp_sink() as running:
        yield running


def _prepared(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A home with its warehouse and the quarter's measures as the office would give them."""
    home = tmp_path / name / "home"
    settings = load_settings(home)
    assert _bixue(home, {}, "db", "upgrade").returncode == 0
    measures = write_measures(tmp_path / name / "q1.csv", sample_measures(None, settings, PERIOD))
    return home, measures


def test_a_circulation_killed_mid_send_then_rerun_delivers_every_result_mail_exactly_once(
    tmp_path: Path, sink: Sink
) -> None:
    clean_home, clean_measures = _prepared(tmp_path, "clean")
    with smtp_sink() as clean_sink:
        clean = _circulate(clean_home, clean_measures, clean_sink)
        assert clean.returncode == 0, clean.stderr[-3000:]
        expected = clean_sink.message_ids()
    settings = load_settings(clean_home)
    d = load_distribution(settings)
    everyone = {*d.leaders, *d.office, *(a for addrs in d.units.values() for a in addrs)}
    assert len(expected) == len(everyone) and set(expected.values()) == {1}

    home, measures = _prepared(tmp_path, "killed")
    for crash_at in ("mid-circulate:3", "mid-circulate:4"):  # the second kill is of a rerun
        killed = _circulate(home, measures, sink, crash_at)
        assert killed.returncode == -signal.SIGKILL, (crash_at, killed.stderr[-3000:])
    assert sum(sink.message_ids().values()) == 7
    rerun = _circulate(home, measures, sink)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"本次发出 {len(everyone) - 7} 封，此前已发出 7 封" in rerun.stdout
    assert sink.message_ids() == expected  # every result mail, each exactly once
    assert {a for rcpts, _ in sink.accepted for a in rcpts} == everyone
    assert _ledger(home) == _ledger(clean_home)
    again = _circulate(home, measures, sink)
    assert again.returncode == 0 and "本次发出 0 封" in again.stdout
    assert sink.message_ids() == expected
