"""The real monthly flow on one task runner, its data work timed apart from start-up.

Usage: python -m bench.cluster HOME PERIOD RUNNER (inline | process | dask), with
BIXUE_CONFIG_DIR naming the bench config and BIXUE_BATCH_MB the batch size. For dask a real
`dask.distributed.LocalCluster` of 2 worker processes (1 thread each) on loopback is started
first, as an existing cluster would be running; Prefect's temporary server is started before
the clock too. `flow_s` is the flow call alone (for process: with its workers' start, which
the run pays); `checksums` are the warehouse's content, table by table, as the tests compare
it. Prints one JSON line.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

# Columns that say when or where something happened, not what: left out of the checksums.
VOLATILE = {"processed_at", "loaded_at", "sent_at", "noticed_at", "queued_at", "raw_path"}
VOLATILE |= {"stored_path"}


def _normal(value: Any) -> str:
    """One spelling per value: booleans as 0/1, numbers to six places, text as is."""
    if value is None:
        return "∅"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, float | Decimal):
        return f"{float(value):.6f}"
    return str(value)


def table_checksums(engine: Any, volatile: set[str] = VOLATILE) -> dict[str, tuple[int, str]]:
    """Per warehouse table: row count and a hash of its sorted rows, values normalised across
    databases, the `volatile` columns left out (the tests compare warehouses with it too)."""
    import sqlalchemy as sa

    from bixue.forms.spec import FORMS
    from bixue.warehouse.schema import all_tables

    tables = ["message", "attachment", "submission", "problem", "deferral"]
    tables += [f"fact_{form}" for form in FORMS]
    out = {}
    with engine.connect() as conn:
        for table in tables:
            result = conn.execute(sa.select(all_tables().tables[table]))  # typed: same on both
            keep = [i for i, name in enumerate(result.keys()) if name not in volatile]
            rows = sorted("|".join(_normal(row[i]) for i in keep) for row in result)
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


def checksums(url: str) -> dict[str, str]:
    """Per warehouse table: row count and a short hash of its sorted rows, as JSON carries it."""
    from bixue.warehouse.db import connect

    engine = connect(url, migrate=False)
    try:
        return {t: f"{n}:{digest[:16]}" for t, (n, digest) in table_checksums(engine).items()}
    finally:
        engine.dispose()


def _hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            line = next((ln for ln in fh if ln.startswith("VmHWM:")), "VmHWM: 0 kB")
    except OSError:
        return 0.0
    return int(line.split()[1]) / 1024


def main(argv: list[str] | None = None) -> int:
    home, period, kind = sys.argv[1:4] if argv is None else argv[:3]
    from bixue.cli import prefect_environment

    prefect_environment(Path(home))
    os.environ["BIXUE_TASK_RUNNER"] = kind
    result: dict[str, Any] = {"runner": kind}
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as api:  # the temporary server, before the clock
        api.hello()
        # the workers report to it (each would otherwise start a server of its own)
        os.environ.setdefault("PREFECT_API_URL", str(api.api_url).rstrip("/"))
    with ExitStack() as stack:
        if kind == "dask":
            from distributed import Client, LocalCluster

            started = time.perf_counter()
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=2,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    env={
                        "BIXUE_CONFIG_DIR": os.environ["BIXUE_CONFIG_DIR"],
                        "PREFECT_API_URL": os.environ["PREFECT_API_URL"],
                    },
                )
            )
            client = stack.enter_context(Client(cluster))
            os.environ["BIXUE_DASK_ADDRESS"] = cluster.scheduler_address
            result["cluster_start_s"] = round(time.perf_counter() - started, 3)
        from bixue.config import load_settings
        from flows.monthly_ingest import monthly_ingest
        from flows.runner import task_runner_for

        settings = load_settings(home)
        flow = monthly_ingest.with_options(task_runner=task_runner_for(settings.runner))
        started = time.perf_counter()
        result["counts"] = flow(period=period, home=home)
        result["flow_s"] = round(time.perf_counter() - started, 3)
        if kind == "dask":
            peaks = client.run(lambda: _hwm_mb(os.getpid()))
            result["worker_peak_rss_mb"] = sorted(round(p, 1) for p in peaks.values())
    result["peak_rss_mb"] = round(_hwm_mb(os.getpid()), 1)
    result["checksums"] = checksums(load_settings(home).warehouse_url)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
