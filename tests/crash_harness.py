"""Crash harness: real `bixue ingest` processes, killed (SIGKILL) at named step boundaries.

`ingest` starts `python -m bixue.cli ingest` in its own session against the test session's
Prefect server, with ``BIXUE_CRASH_AT`` naming the point where it kills itself (see
bixue/crashpoint.py), and kills whatever is left of its process group afterwards. `state`
is everything a run leaves behind that must not depend on crashes: warehouse content
(timestamps and home-specific paths left out), the notice ledger, each message's state and
the mailbox flags.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bixue.config import load_settings
from bixue.warehouse.db import connect

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    """One finished (or killed) `bixue ingest`."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


def prefect_api_url() -> str:
    """The API of the session's Prefect test server (children use it, none starts its own)."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the prefect_server fixture must be active"
    return str(url)


def environment(home: Path, extra: dict[str, str], crash_at: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIXUE_")}
    env.update(extra)
    env["BIXUE_HOME"] = str(home)
    env["PREFECT_API_URL"] = prefect_api_url()
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    if crash_at:
        env["BIXUE_CRASH_AT"] = crash_at
    return env


def start(
    home: Path, period: str, extra: dict[str, str], crash_at: str | None = None
) -> subprocess.Popen[str]:
    """A `bixue ingest` of one period on one home, in its own session."""
    return subprocess.Popen(
        [sys.executable, "-m", "bixue.cli", "ingest", "--period", period, "--format", "json"],
        cwd=ROOT,
        env=environment(home, extra, crash_at),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 600) -> Run:
    """Wait for the run, then kill anything it left behind (its whole process group)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return Run(proc.returncode, out, err)


def ingest(home: Path, period: str, extra: dict[str, str], crash_at: str | None = None) -> Run:
    return finish(start(home, period, extra, crash_at))


def copy_mailbox(template: Path, home: Path) -> None:
    """The same mail (same Maildir names) in a fresh home."""
    shutil.copytree(template, load_settings(home).mailbox_path)


def state(home: Path, extra: dict[str, str]) -> dict[str, Any]:
    """What a run leaves, comparable between homes."""
    from tests.warehouse.test_demo_year import _portable, checksums

    old = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        settings = load_settings(home)
        engine = connect(settings.warehouse_url)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    with engine.connect() as conn:
        notices = sorted(
            tuple(r)
            for r in conn.execute(
                sa.text("select key, kind, state, recipients, subject, message_id from notice")
            )
        )
        states = Counter(r[0] for r in conn.execute(sa.text("select state from message")))
        unanswered = conn.execute(
            sa.text("select count(*) from message where noticed_at is null")
        ).scalar_one()
    warehouse = _portable(checksums(engine))
    engine.dispose()
    mailbox = settings.mailbox_path
    flags = Counter(
        (sub, ("S" in p.name.rpartition(":2,")[2]) if sub == "cur" else False)
        for sub in ("new", "cur")
        for p in (mailbox / sub).iterdir()
    )
    return {
        "warehouse": warehouse,
        "notices": notices,
        "message_states": dict(states),
        "unanswered": unanswered,
        "mailbox": dict(flags),
    }
