"""prefect.yaml on a real Prefect server: every deployment deployed with `prefect deploy --all`,
its schedule as the office expects it in Beijing time, and runs started the way the UI starts
them, carried out by a real process worker, mail going to a real SMTP server on loopback.

One server, one worker and one SMTP sink for the module. The SMTP password reaches the worker
only through the Prefect Secret block bixue-smtp-password (its environment has none), the IMAP
password is a marker in the worker's environment: the last test looks for both everywhere a
Prefect user can see (logs, worker output, parameters, job variables, artifacts, run inputs).
"""

from __future__ import annotations

import contextlib
import itertools
import mailbox
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import yaml

from bixue.config import load_settings
from bixue.forms.spec import WORKBOOK_NAMES
from bixue.forms.templates import render_workbook
from bixue.sample.generate import build_message
from tests.smtp_sink import PASSWORD, Sink, smtp_sink

pytestmark = pytest.mark.prefect
REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
BIXUE = str(Path(sys.executable).with_name("bixue"))
SHANGHAI = ZoneInfo("Asia/Shanghai")
PROJECT = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
IMAP_MARKER = f"imap-marker-{secrets.token_hex(8)}"  # in the worker's environment only

# Each deployment's flow (its full name is "<flow>/<deployment>") and, for the schedule test,
# its schedule as the office was promised it: cron (or interval seconds), Beijing time.
FLOWS = {
    "intake": "monthly-ingest",
    "remind": "remind-units",
    "monthly-close": "monthly-close",
    "quarterly-results": "approve-results",
    "annual-results": "approve-results",
}
SCHEDULES: dict[str, str | int] = {
    "intake": 600,
    "remind": "0 9 15,18 * *",
    "monthly-close": "0 8 21 * *",
    "quarterly-results": "0 9 25 4,7,10 *",
    "annual-results": "0 9 25 1 *",
}


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


@contextlib.contextmanager
def _api(env: dict[str, str]) -> Iterator[Any]:
    """A sync client of the module's server (this process's own Prefect settings untouched)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}),
        get_client(sync_client=True) as client,
    ):
        yield client


@dataclass
class Stack:
    env: dict[str, str]  # to reach the server (no secrets)
    sink: Sink
    worker_log: Path
    scheduled: dict[str, list[datetime]] = field(default_factory=dict)
    home: Path | None = None  # the worker's BIXUE_HOME: a scheduled run's home


def _wait_for_schedules(env: dict[str, str]) -> dict[str, list[datetime]]:
    """The runs the scheduler created for each deployed schedule, then pause them all (a
    run due while the module runs would otherwise compete with the tests' own runs)."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    scheduled: dict[str, list[datetime]] = {}
    with _api(env) as client:
        ids = {n: client.read_deployment_by_name(f"{FLOWS[n]}/{n}").id for n in SCHEDULES}
        deadline = time.monotonic() + 90
        while True:
            for name, dep_id in ids.items():
                runs = client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep_id]))
                )
                found = sorted(r.expected_start_time for r in runs if r.expected_start_time)
                if len(found) >= 3:
                    scheduled[name] = found
            if len(scheduled) == len(ids) or time.monotonic() > deadline:
                break
            time.sleep(2)
        for dep_id in ids.values():
            client.pause_deployment(dep_id)
            for run in client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep_id]))
            ):
                client.delete_flow_run(run.id)
    return scheduled


def _wait_until_idle(client: Any, deployment_id: UUID, timeout: float = 180) -> None:
    """Until none of the deployment's runs is pending, running or about to run."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    deadline = time.monotonic() + timeout
    busy = {"SCHEDULED", "PENDING", "RUNNING", "CANCELLING"}
    while True:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
        )
        active = [r for r in runs if r.state and r.state.type.value in busy]
        if not active:
            return
        assert time.monotonic() < deadline, f"runs still active: {[r.name for r in active]}"
        time.sleep(1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Server, work pool, Secret block, deployments, SMTP sink and one process worker."""
    port = _free_port()
    logs = tmp_path_factory.mktemp("logs")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "BIXUE_SMTP", "BIXUE_IMAP", "BIXUE_MAIL"))
    }
    env |= {
        "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-server")),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # Schedule three runs of each at once, the annual one's three Januaries included.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "3",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME": "P1200D",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": "3",
        "BIXUE_CODE_DIR": str(REPO),
    }
    log = (logs / "server.log").open("wb")
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "no Prefect server"
            time.sleep(1)
        _run(env, "work-pool", "create", "bixue-pool", "--type", "process")
        with _api(env):
            from prefect.blocks.system import Secret

            Secret(value=PASSWORD).save("bixue-smtp-password", overwrite=True)
        _run(env, "--no-prompt", "deploy", "--all")
        scheduled = _wait_for_schedules(env)
        with smtp_sink() as sink:
            mail = {k: v for k, v in sink.env().items() if k != "BIXUE_SMTP_PASSWORD"}
            worker_home = tmp_path_factory.mktemp("worker-home")
            worker_env = {
                **env,
                **mail,
                "BIXUE_IMAP_PASSWORD": IMAP_MARKER,
                "BIXUE_HOME": str(worker_home),
                "PREFECT_WORKER_QUERY_SECONDS": "2",
                "PREFECT_WORKER_PREFETCH_SECONDS": "5",
            }
            worker_log = logs / "worker.log"
            worker = subprocess.Popen(
                [PREFECT, "worker", "start", "--pool", "bixue-pool", "--type", "process"],
                env=worker_env,
                cwd=REPO,
                stdout=worker_log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            yield Stack(env, sink, worker_log, scheduled, worker_home)
    finally:
        if worker is not None:
            _stop(worker)
        _stop(server)


def _trigger(stack: Stack, name: str, parameters: dict[str, Any]) -> UUID:
    """Start a deployment's run as the UI's "Run" button does: parameters over the defaults."""
    from prefect.deployments import run_deployment

    with _api(stack.env):
        run = run_deployment(f"{FLOWS[name]}/{name}", parameters=parameters, timeout=0)
    return run.id


def _wait(stack: Stack, run_id: UUID, *types: str, timeout: float = 240) -> Any:
    """The run once its state is one of `types` (or final), polling the API."""
    deadline = time.monotonic() + timeout
    with _api(stack.env) as client:
        while True:
            run = client.read_flow_run(run_id)
            kind = run.state.type.value if run.state else ""
            if kind in types or (run.state and run.state.is_final()):
                return run
            assert time.monotonic() < deadline, f"run {run_id} still {kind}"
            time.sleep(1)


def _mail_month(home: Path, unit_sender: str) -> None:
    """One unit's 2023-05 A3 workbook in the home's mailbox."""
    settings = load_settings(home)
    settings.home.mkdir(parents=True, exist_ok=True)
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
        sender=unit_sender,
        to=settings.office_address,
        subject="禄丰市5月报表",
        sent_at=datetime(2023, 5, 18, 10, tzinfo=SHANGHAI),
        attachments=[(f"{WORKBOOK_NAMES['a3']}.xlsx", content)],
        body="请审核。",
    )
    mailbox.Maildir(settings.mailbox_path, create=True).add(raw)


def _sent_to(sink: Sink, address: str) -> int:
    return sum(address in rcpts for rcpts, _ in sink.accepted)


def _next_fire(cron: str, after: datetime) -> datetime:
    """The next time after `after` (Beijing, aware) that a "M H DOM MON *" cron fires."""
    minute, hour, days, months, _ = cron.split()
    t = after.replace(second=0, microsecond=0, minute=int(minute), hour=int(hour))
    if t <= after:
        t += timedelta(days=1)
    while not (
        (days == "*" or str(t.day) in days.split(","))
        and (months == "*" or str(t.month) in months.split(","))
    ):
        t += timedelta(days=1)
    return t


def test_every_deployment_is_scheduled_in_beijing_time_one_run_at_a_time(stack: Stack) -> None:
    assert {d["name"] for d in PROJECT["deployments"]} == set(SCHEDULES)
    with _api(stack.env) as client:
        for name in SCHEDULES:
            d = client.read_deployment_by_name(f"{FLOWS[name]}/{name}")
            [s] = d.schedules
            limit = d.global_concurrency_limit
            assert (limit.limit if limit else None) == 1, name
            assert d.work_pool_name == "bixue-pool" and d.description, name
            assert not d.job_variables, name  # nothing (least of all a secret) rides along
            expected = SCHEDULES[name]
            times = [t.astimezone(SHANGHAI) for t in stack.scheduled[name]]
            if isinstance(expected, int):  # every 10 minutes, on the Beijing ten minutes
                assert s.schedule.interval.total_seconds() == expected
                assert {(b - a).total_seconds() for a, b in itertools.pairwise(times)} == {600.0}
                assert {(t.minute % 10, t.second) for t in times} == {(0, 0)}
                continue
            assert (s.schedule.cron, s.schedule.timezone) == (expected, "Asia/Shanghai")
            fires = [_next_fire(expected, datetime.now(SHANGHAI))]  # the very next, then on
            for _ in times[1:]:
                fires.append(_next_fire(expected, fires[-1]))
            assert times == fires, name


def test_intake_started_like_the_ui_receipts_the_new_mail(stack: Stack, tmp_path: Path) -> None:
    home = tmp_path / "home"
    _mail_month(home, "lfs@zs.chuxiong.example")
    before = _sent_to(stack.sink, "lfs@zs.chuxiong.example")
    run = _wait(stack, _trigger(stack, "intake", {"period": "2023-05", "home": str(home)}))
    assert run.state.type.value == "COMPLETED", run.state.message
    engine = sa.create_engine(load_settings(home).warehouse_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select project_name from fact_a3")).scalars().all() == [
            "钒钛新材料项目"
        ]
    assert _sent_to(stack.sink, "lfs@zs.chuxiong.example") - before == 1  # its receipt


def test_intake_on_a_short_interval_answers_new_mail_with_nobody_starting_it(stack: Stack) -> None:
    """The mechanism behind "receipt within minutes": the schedule alone runs the intake (here
    every 10 s instead of 10 minutes) and the unit's receipt follows its mail."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.schedules import IntervalSchedule

    assert stack.home is not None
    _mail_month(stack.home, "lfs@zs.chuxiong.example")
    before = _sent_to(stack.sink, "lfs@zs.chuxiong.example")
    mailed = time.monotonic()
    with _api(stack.env) as client:
        deployment = client.read_deployment_by_name("monthly-ingest/intake")
        [schedule] = client.read_deployment_schedules(deployment.id)
        short = IntervalSchedule(
            interval=timedelta(seconds=10), anchor_date=datetime(2026, 1, 1, tzinfo=SHANGHAI)
        )
        client.update_deployment_schedule(deployment.id, schedule.id, schedule=short)
        client.resume_deployment(deployment.id)
        try:
            while _sent_to(stack.sink, "lfs@zs.chuxiong.example") == before:
                assert time.monotonic() - mailed < 240, "no receipt from the scheduled intake"
                time.sleep(1)
        finally:
            client.pause_deployment(deployment.id)
            client.update_deployment_schedule(
                deployment.id, schedule.id, schedule=schedule.schedule
            )
            for run in client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
            ):
                if run.state and run.state.type.value == "SCHEDULED":
                    client.delete_flow_run(run.id)
            # A scheduled run the worker already took still holds the deployment's one slot:
            # the next test's intake would be cancelled (CANCEL_NEW) if it started before it ends.
            _wait_until_idle(client, deployment.id)
    assert _sent_to(stack.sink, "lfs@zs.chuxiong.example") - before == 1  # its receipt, once
    engine = sa.create_engine(load_settings(stack.home).warehouse_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from fact_a3")).scalar_one() == 1


def test_remind_and_close_started_like_the_ui_mail_the_units_and_the_office_once(
    stack: Stack, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    _mail_month(home, "lfs@zs.chuxiong.example")
    run = _wait(stack, _trigger(stack, "intake", {"period": "2023-05", "home": str(home)}))
    assert run.state.type.value == "COMPLETED", run.state.message
    office = load_settings(home).office_address
    remind = {"period": "2023-05", "today": "2023-05-15", "home": str(home)}
    before = len(stack.sink.accepted)
    run = _wait(stack, _trigger(stack, "remind", remind))
    assert run.state.type.value == "COMPLETED", run.state.message
    reminders = stack.sink.accepted[before:]
    # Every unit still owes a workbook of May (禄丰市 sent only its 附件3), the office in copy.
    assert len(reminders) >= 19
    assert all(office in rcpts for rcpts, _ in reminders)
    assert sum("lfs@zs.chuxiong.example" in rcpts for rcpts, _ in reminders) == 1
    # The same day again: nobody is reminded twice.
    before = len(stack.sink.accepted)
    run = _wait(stack, _trigger(stack, "remind", remind))
    assert run.state.type.value == "COMPLETED", run.state.message
    assert len(stack.sink.accepted) == before
    # The month's close: one final status to the office, once.
    for _ in range(2):
        run = _wait(
            stack, _trigger(stack, "monthly-close", {"period": "2023-05", "home": str(home)})
        )
        assert run.state.type.value == "COMPLETED", run.state.message
    closes = stack.sink.accepted[before:]
    assert len(closes) == 1 and office in closes[0][0]


def _suspended(stack: Stack, run_id: UUID) -> Any:
    run = _wait(stack, run_id, "PAUSED")
    assert run.state.type.value == "PAUSED" and run.state.name == "Suspended", run.state
    return run


def _artifacts(stack: Stack, run_id: UUID) -> dict[str, str]:
    """The run's artifacts by key; each key published once (a resumed run does not repeat)."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with _api(stack.env) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    keys = [str(a.key) for a in found]
    assert len(keys) == len(set(keys)), keys
    return {str(a.key): str(a.data) for a in found}


def _resume(stack: Stack, run_id: UUID, approve: bool, opinion: str) -> None:
    """What the UI's Resume form sends: the typed input (同意通报, 意见)."""
    with _api(stack.env) as client:
        answer = client.resume_flow_run(run_id, run_input={"approve": approve, "opinion": opinion})
    assert answer.status.value == "ACCEPT", answer


def _resume_form(stack: Stack, run: Any) -> tuple[str, dict[str, Any]]:
    """What the UI's Resume form shows: its description and the fields' schema."""
    import json

    keyset = run.state.state_details.run_input_keyset
    with _api(stack.env) as client:
        description = json.loads(client.read_flow_run_input(run.id, keyset["description"]))
        schema = json.loads(client.read_flow_run_input(run.id, keyset["schema"]))
    return str(description), schema


def test_a_quarterly_run_waits_for_the_office_then_circulates_exactly_once(
    stack: Stack, tmp_path: Path
) -> None:
    from bixue.render.circulation import ledger
    from bixue.scoring import approval

    home = tmp_path / "home"
    params = {"period": "2023Q1", "allow_incomplete": True, "home": str(home)}
    before = len(stack.sink.accepted)
    run = _suspended(stack, _trigger(stack, "quarterly-results", params))
    assert len(stack.sink.accepted) == before  # nothing is sent before the office agrees
    shown, form = _resume_form(stack, run)
    assert "2023Q1 评分结果待审核" in shown and "排名" in shown and "| 名次 | 单位 |" in shown
    fields = {name: f["title"] for name, f in form["properties"].items()}
    assert fields == {"approve": "同意通报", "opinion": "意见"}
    keys = _artifacts(stack, run.id)
    assert {"results-2023q1-draft", "results-2023q1-ranking"} <= set(keys)
    assert str(home / "preview" / "2023Q1") in keys["results-2023q1-draft"]

    _resume(stack, run.id, True, "同意通报，请各单位对照整改。")
    done = _wait(stack, run.id)
    assert done.state.type.value == "COMPLETED", done.state.message
    engine = sa.create_engine(load_settings(home).warehouse_url)
    rows = ledger(engine, "2023Q1", 1)
    assert rows and {r["state"] for r in rows} == {"sent"} and all(r["attempts"] == 1 for r in rows)
    ids = stack.sink.message_ids()
    ours = {k: n for k, n in ids.items() if "results-2023q1-v1-" in k}
    assert len(ours) == len(rows) and set(ours.values()) == {1}  # each recipient exactly once
    recorded = approval.find(engine, str(run.id))
    assert recorded is not None and recorded.approved and recorded.number == 1
    assert recorded.opinion == "同意通报，请各单位对照整改。"
    assert "第1版评分结果已通报" in _artifacts(stack, run.id)["results-2023q1-outcome"]


def test_a_refused_annual_run_sends_nothing_and_keeps_the_offices_words(
    stack: Stack, tmp_path: Path
) -> None:
    from bixue.runtime import settings_for, warehouse
    from bixue.scoring import approval, audit
    from bixue.scoring.model import Period
    from bixue.scoring.service import score_warehouse

    home = tmp_path / "home"
    engine = warehouse(str(home))
    for q in (1, 2, 3):  # the year needs its quarters' scoring first
        score_warehouse(engine, settings_for(str(home)), Period(2023, q), allow_incomplete=True)
    params = {"period": "2023", "allow_incomplete": True, "home": str(home)}
    before = len(stack.sink.accepted)
    run = _suspended(stack, _trigger(stack, "annual-results", params))
    _resume(stack, run.id, False, "德钦县数据有误，核实后再报。")
    done = _wait(stack, run.id)
    assert (done.state.type.value, done.state.name) == ("COMPLETED", "未同意通报")
    assert len(stack.sink.accepted) == before
    recorded = approval.find(engine, str(run.id))
    assert recorded is not None and recorded.state == approval.REFUSED
    assert recorded.opinion == "德钦县数据有误，核实后再报。" and recorded.number is None
    with engine.connect() as conn:
        assert all(r.circulated is None for r in audit.runs(conn, "2023"))
    outcome = _artifacts(stack, run.id)["results-2023-outcome"]
    assert "未发送任何邮件" in outcome and "德钦县数据有误" in outcome


def test_two_intake_runs_and_the_command_line_at_once_ingest_the_month_once(
    stack: Stack, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    sender = "lfs@zs.chuxiong.example"
    _mail_month(home, sender)
    before = _sent_to(stack.sink, sender)
    params = {"period": "2023-05", "home": str(home)}
    cli_env = {**stack.env, **{k: v for k, v in stack.sink.env().items() if "PASSWORD" not in k}}
    cli_env |= {"BIXUE_LOCK_WAIT_SECONDS": "240", "PREFECT_LOGGING_LEVEL": "WARNING"}
    runs = [_trigger(stack, "intake", params), _trigger(stack, "intake", params)]
    cli = subprocess.run(
        [BIXUE, "ingest", "--home", str(home), "--period", "2023-05", "--format", "json"],
        env=cli_env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    states = [_wait(stack, r).state for r in runs]
    kinds = sorted(s.type.value for s in states)
    # One deployment run at a time: the second is refused by the concurrency limit (CANCEL_NEW)
    # or, when the first had already finished, runs and finds nothing new.
    assert kinds in (["CANCELLED", "COMPLETED"], ["COMPLETED", "COMPLETED"]), states
    for s in states:
        if s.type.value == "CANCELLED":
            assert "concurrency" in (s.message or "").lower(), s
    # The command line waited for the home's lock (or, past the wait, said who holds it).
    assert cli.returncode == 0 or "正由" in cli.stderr, cli.stderr[-2000:]
    engine = sa.create_engine(load_settings(home).warehouse_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from fact_a3")).scalar_one() == 1
        assert conn.execute(sa.text("select count(*) from submission")).scalar_one() == 1
    assert _sent_to(stack.sink, sender) - before == 1  # one receipt, however many runs


def test_no_secret_appears_in_logs_parameters_job_variables_artifacts_or_inputs(
    stack: Stack,
) -> None:
    """Runs last: everything the runs above wrote, against both markers."""
    from prefect.client.schemas.filters import LogFilter

    markers = (PASSWORD, IMAP_MARKER)
    assert stack.sink.accepted, "the SMTP password (from the Secret block) was used above"
    seen: list[str] = [stack.worker_log.read_text(encoding="utf-8", errors="replace")]
    with _api(stack.env) as client:
        offset = 0
        while batch := client.read_logs(log_filter=LogFilter(), offset=offset, limit=200):
            seen += [log.message for log in batch]
            offset += len(batch)
        assert offset > 0
        for run in client.read_flow_runs():
            seen += [repr(run.parameters), repr(run.job_variables), repr(run.state)]
            keyset = run.state.state_details.run_input_keyset if run.state else None
            for key in (keyset or {}).values():
                # A key the run never wrote (no description, no response) is not found.
                with contextlib.suppress(Exception):
                    seen.append(str(client.read_flow_run_input(run.id, key)))
        for name in SCHEDULES:
            d = client.read_deployment_by_name(f"{FLOWS[name]}/{name}")
            seen += [repr(d.parameters), repr(d.job_variables), repr(d.pull_steps)]
        seen += [f"{a.data} {a.description}" for a in client.read_artifacts()]
    text = "\n".join(seen)
    assert len(text) > 1000
    for marker in markers:
        assert marker not in text
