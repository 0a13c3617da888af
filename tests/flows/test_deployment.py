"""prefect.yaml on a real Prefect server: the monthly schedule as the office expects it, and a
rerun of one month started the way the UI starts it, carried out by a real process worker."""

from __future__ import annotations

import mailbox
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bixue.config import load_settings
from bixue.forms.spec import WORKBOOK_NAMES
from bixue.forms.templates import render_workbook
from bixue.sample.generate import build_message

pytestmark = pytest.mark.prefect
REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PREFECT, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session: one SIGTERM to its group, then SIGKILL."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A Prefect server of our own on a free loopback port, and the environment to reach it."""
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-server")),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "BIXUE_CODE_DIR": str(REPO),
    }
    env.pop("PREFECT_SERVER_EPHEMERAL_ENABLED", None)
    log = (tmp_path_factory.mktemp("logs") / "server.log").open("wb")
    process = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, (
            "Prefect server did not start"
        )
        time.sleep(1)
    _run(env, "work-pool", "create", "bixue-pool", "--type", "process")
    _run(env, "--no-prompt", "deploy", "--all")
    yield env
    _stop(process)


def test_the_monthly_deployment_runs_the_day_after_the_deadline_in_beijing_time(
    server: dict[str, str],
) -> None:
    probe = """
import asyncio
from prefect.client.orchestration import get_client

async def main():
    async with get_client() as client:
        d = await client.read_deployment_by_name("monthly-ingest/monthly")
        [s] = d.schedules
        limit = d.global_concurrency_limit
        print(s.schedule.cron, s.schedule.timezone, s.active, limit.limit if limit else None)

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], env=server, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["0", "8", "21", "*", "*", "Asia/Shanghai", "True", "1"]


def test_a_rerun_started_like_the_ui_does_ingests_the_month(
    server: dict[str, str], tmp_path: Path
) -> None:
    settings = load_settings(tmp_path / "home")
    settings.home.mkdir(parents=True)
    content = render_workbook(
        "a3",
        year=2023,
        month=5,
        unit="禄丰市",
        rows={
            "a3": [
                {
                    "project_name": "钒钛新材料项目",
                    "partner": "四川某集团有限公司",
                    "site": "禄丰市",
                    "investment_yi": 12,
                    "stage": "在谈",
                }
            ]
        },
    )
    raw = build_message(
        sender="lfs@zs.chuxiong.example",
        to=settings.office_address,
        subject="禄丰市5月报表",
        sent_at=datetime(2023, 5, 18, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
        attachments=[(f"{WORKBOOK_NAMES['a3']}.xlsx", content)],
        body="请审核。",
    )
    mailbox.Maildir(settings.mailbox_path, create=True).add(raw)
    env = {**server, "BIXUE_HOME": str(settings.home)}
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "bixue-pool"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        probe = """
from prefect.deployments import run_deployment
run = run_deployment("monthly-ingest/monthly", parameters={"period": "2023-05"}, timeout=300)
print(run.state.type.value)
"""
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=400
        )
    finally:
        _stop(worker)
    assert done.stdout.strip().splitlines()[-1:] == ["COMPLETED"], done.stderr[-3000:]
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select project_name from fact_a3")).scalars().all() == [
            "钒钛新材料项目"
        ]
    assert list(settings.outbox_path.glob("receipt-*.eml"))
