"""The province month through Prefect's process pool and a real Dask cluster (2 worker processes
on loopback) lands exactly as it does in one process, on SQLite and PostgreSQL, even when a
Dask worker is killed (SIGKILL) in the middle of a batch (the SQLite run on the cluster: its
nanny starts a new worker, the scheduler runs the lost batch again), or a process-pool worker
is (the pool breaks; its batches run again in the flow's process).

The month is built once (bench/generate.py). Each run is the real flow in a fresh process
(`python -m bench.flow`, as the benchmark runs it), reporting to the session's Prefect server,
with small batches so that the month is several batches at once on the runner.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.generate import SCALES, Month, generate_month
from bixue.forms.spec import FORMS
from bixue.warehouse.db import connect
from tests.warehouse import test_demo_year as demo

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
# ~2 MB of attachments a batch: the province month (7.9 MB) is a statistics wave and 4 batches.
BATCH_MB = "2"


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Month:
    return generate_month(SCALES["province"], tmp_path_factory.mktemp("province"))


@pytest.fixture(scope="module")
def api_url(prefect_server: None) -> str:
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    assert url
    return str(url)


@pytest.fixture(scope="module")
def cluster(province: Month) -> Iterator[Any]:
    """A real dask.distributed LocalCluster: 2 worker processes (1 thread each), loopback only.

    Its workers are started with the bench config in their environment, as `dask worker` is
    started on a machine of the office's cluster with the installation's variables.
    """
    from distributed import Client, LocalCluster

    found = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        # given to every worker process its nanny starts, a restarted one too
        env={"BIXUE_CONFIG_DIR": str(province.config_dir)},
    )
    client = Client(found)
    try:
        yield client
    finally:
        client.close()
        found.close()


def _environment(
    month: Month, api_url: str, runner: str, address: str = "", warehouse: str = ""
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIXUE_", "PREFECT_"))}
    env |= {
        "BIXUE_CONFIG_DIR": str(month.config_dir),
        "BIXUE_BATCH_MB": BATCH_MB,
        "BIXUE_TASK_RUNNER": runner,
        "BIXUE_WORKERS": "2",
        "PREFECT_API_URL": api_url,
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    if address:
        env["BIXUE_DASK_ADDRESS"] = address
    if warehouse:
        env["BIXUE_WAREHOUSE_URL"] = warehouse
    return env


def _start(home: Path, month: Month, env: dict[str, str]) -> subprocess.Popen[str]:
    if home.exists():
        shutil.rmtree(home)
    shutil.copytree(month.home, home)
    return subprocess.Popen(
        [sys.executable, "-m", "bench.flow", str(home), month.period],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(run: subprocess.Popen[str]) -> str:
    """The run's standard error, once it has ended well."""
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err[-3000:]
    assert '"rows_loaded": ' in out
    return err


def _checksums(url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[int, str]]:
    # Where each run's home keeps the mail differs; what the warehouse says must not.
    monkeypatch.setattr(demo, "VOLATILE", demo.VOLATILE | {"raw_path", "stored_path"})
    engine = connect(url)
    try:
        return demo.checksums(engine)
    finally:
        engine.dispose()


def _run(
    tmp: Path, month: Month, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, tuple[int, str]]:
    home = tmp / env["BIXUE_TASK_RUNNER"]
    _finish(_start(home, month, env))
    url = env.get("BIXUE_WAREHOUSE_URL") or f"sqlite:///{home / 'warehouse.sqlite'}"
    return _checksums(url, monkeypatch)


@pytest.fixture(scope="module")
def in_process(
    province: Month, api_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[int, str]]:
    """The month in the run's own process, one batch after another: what the others must equal."""
    with pytest.MonkeyPatch.context() as patch:
        env = _environment(province, api_url, "inline")
        return _run(tmp_path_factory.mktemp("inline"), province, env, patch)


def test_the_in_process_run_loads_the_whole_province_month(
    in_process: dict[str, tuple[int, str]], province: Month
) -> None:
    assert in_process["submission"][0] == province.workbooks == 644
    assert in_process["message"][0] == province.messages
    loaded = sum(in_process[f"fact_{form}"][0] for form in FORMS)
    assert loaded == province.rows


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_process_runner_lands_the_month_as_the_in_process_run(
    database: str,
    request: pytest.FixtureRequest,
    province: Month,
    api_url: str,
    in_process: dict[str, tuple[int, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = request.getfixturevalue("pg_url") if database == "postgresql" else ""
    env = _environment(province, api_url, "process", warehouse=url)
    assert _run(tmp_path, province, env, monkeypatch) == in_process


def test_a_dask_cluster_lands_the_month_on_postgresql_as_the_in_process_run(
    pg_url: str,
    province: Month,
    api_url: str,
    cluster: Any,
    in_process: dict[str, tuple[int, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = pg_url
    # The workers read the warehouse the installation names, like the flow's own process.
    cluster.run(_set_warehouse, url)
    try:
        env = _environment(province, api_url, "dask", cluster.scheduler.address, url)
        assert _run(tmp_path, province, env, monkeypatch) == in_process
    finally:
        cluster.run(_set_warehouse, "")


def _set_warehouse(url: str) -> None:
    """On a Dask worker: the warehouse of the next runs (settings are read per home)."""
    if url:
        os.environ["BIXUE_WAREHOUSE_URL"] = url
    else:
        os.environ.pop("BIXUE_WAREHOUSE_URL", None)


def _busy_worker(client: Any, deadline: float) -> str:
    """A worker running a batch once both are (the units' wave, not the statistics batch)."""
    while time.monotonic() < deadline:
        busy = [address for address, keys in client.processing().items() if keys]
        if len(busy) == 2:
            return str(busy[0])
        time.sleep(0.05)
    raise AssertionError("the cluster never ran two batches at once")


def test_a_dask_cluster_with_a_worker_killed_mid_batch_lands_the_month_as_the_in_process_run(
    province: Month,
    api_url: str,
    cluster: Any,
    in_process: dict[str, tuple[int, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = _environment(province, api_url, "dask", cluster.scheduler.address)
    home = tmp_path / "killed"
    run = _start(home, province, env)
    try:
        victim = _busy_worker(cluster, time.monotonic() + 300)
        pid = cluster.run(os.getpid, workers=[victim])[victim]
        time.sleep(1.0)  # well into its batch: parsing, checking or loading
        assert cluster.processing(workers=[victim])[victim]  # still at it
        os.kill(pid, signal.SIGKILL)  # the nanny starts a new worker; the scheduler reruns
        _finish(run)
    finally:
        if run.poll() is None:
            run.kill()
    found = _checksums(f"sqlite:///{home / 'warehouse.sqlite'}", monkeypatch)
    assert {t: v for t, v in found.items() if in_process[t] != v} == {}
    cluster.wait_for_workers(2, timeout=120)


def _pool_workers(parent: int) -> list[int]:
    """The process-pool workers (multiprocessing's spawn_main) a flow process started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            worker = b"spawn_main" in (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and worker:
            found.append(int(entry.name))
    return found


def _messages_loaded(database: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("select count(*) from message").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_process_pool_worker_killed_mid_batch_costs_nothing(
    province: Month,
    api_url: str,
    in_process: dict[str, tuple[int, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = _environment(province, api_url, "process")
    home = tmp_path / "killed"
    run = _start(home, province, env)
    try:
        deadline = time.monotonic() + 300
        # the statistics batch is in (1 message): the units' batches are being read now
        while _messages_loaded(home / "warehouse.sqlite") < 2:
            assert time.monotonic() < deadline and run.poll() is None, "no units' batch loaded"
            time.sleep(0.05)
        (victim, *_) = _pool_workers(run.pid)
        os.kill(victim, signal.SIGKILL)  # the pool breaks: its batches run in the flow's process
        assert "a task runner worker was lost" in _finish(run)
    finally:
        if run.poll() is None:
            run.kill()
    found = _checksums(f"sqlite:///{home / 'warehouse.sqlite'}", monkeypatch)
    assert {t: v for t, v in found.items() if in_process[t] != v} == {}
