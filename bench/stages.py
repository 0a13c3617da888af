"""One month through the real monthly flow in this process, each stage timed: a fresh child.

The composition is the flow's own (flows/monthly_ingest.py), timed by wrapping the Prefect-free
functions its tasks call, by the stage the benchmark reports; then the quarter's measures and
scores. Imports are timed apart from the data work.
Usage: python -m bench.stages HOME CONFIG_DIR PERIOD [--profile N] (prints one JSON line).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Literal  # noqa: E402

STAGES = ("mailbox_read", "parse", "validate", "load", "measures", "score", "notices")


def _status_mb(pid: str | int = "self", field: str = "VmHWM") -> float | None:
    """A process's peak resident memory (VmHWM), or another /proc status field in MB (VmRSS:
    now); None when /proc does not tell."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            line = next((ln for ln in fh if ln.startswith(field + ":")), None)
    except OSError:
        return None
    return int(line.split()[1]) / 1024 if line else None


def peak_rss_mb() -> float:
    """This process's peak resident memory so far.

    VmHWM, not ru_maxrss: Linux carries the parent's resident size at fork (or its peak, with
    vfork) across exec into ru_maxrss, so a child would show its parent's memory as its own.
    """
    found = _status_mb()
    return found if found is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> list[float]:
    """The peak resident memory of each live spawned worker (multiprocessing's spawn_main)."""
    return list(_workers_peaks().values())


class WorkerPeaks:
    """The peak resident memory of every task-runner worker the run starts, sampled while they
    live (a process pool's workers end with the flow, before anything could read them)."""

    def __init__(self, every_s: float = 0.2) -> None:
        import threading

        self.peaks: dict[int, float] = {}
        self.servers: set[int] = set()  # Prefect API servers among this process's descendants
        # the most this process and its workers held at one moment (their peaks need not meet)
        self.together_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, args=(every_s,), daemon=True)

    def __enter__(self) -> WorkerPeaks:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self, every_s: float) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(every_s)

    def sample(self) -> None:
        table = _processes()
        now = _status_mb(field="VmRSS") or 0.0
        for pid, peak in _workers_peaks(table).items():
            self.peaks[pid] = max(peak, self.peaks.get(pid, 0.0))
            now += _status_mb(pid, "VmRSS") or 0.0
        self.together_mb = max(self.together_mb, now)
        self.servers |= _descendant_servers(table)


def _processes() -> dict[int, tuple[int, bytes]]:
    """pid -> (parent pid, command line) of every process /proc shows now, read once."""
    table: dict[int, tuple[int, bytes]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                table[int(entry.name)] = (ppid, fh.read())
        except (OSError, IndexError, ValueError):
            continue
    return table


def _descendant_servers(table: dict[int, tuple[int, bytes]]) -> set[int]:
    """Prefect API servers started by this process or any process it started."""
    me, found = os.getpid(), set()
    for pid, (_, cmdline) in table.items():
        if b"prefect.server.api.server:create_app" not in cmdline:
            continue
        up = table[pid][0]
        while up and up != me:
            up = table.get(up, (0, b""))[0]
        if up == me:
            found.add(pid)
    return found


def _workers_peaks(table: dict[int, tuple[int, bytes]] | None = None) -> dict[int, float]:
    """pid -> VmHWM of each live spawned worker of this process (multiprocessing's spawn_main)."""
    me, peaks = os.getpid(), {}
    for pid, (ppid, cmdline) in (table if table is not None else _processes()).items():
        if ppid == me and b"spawn_main" in cmdline and (peak := _status_mb(pid)) is not None:
            peaks[pid] = peak
    return peaks


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timer:
    """Wall and CPU time, counts and the memory high-water mark of each step."""

    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    def run(self, name: str, work: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), cpu_s()
        result = work()
        self.steps[name] = {
            "wall_s": round(time.perf_counter() - wall, 4),
            "cpu_s": round(cpu_s() - cpu, 4),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
        self._report(name)
        return result

    def _report(self, name: str) -> None:
        """A parent that stops a run over its time budget still learns the finished steps."""
        sys.stderr.write(json.dumps({"progress": name, **self.steps[name]}) + "\n")
        sys.stderr.flush()

    def add(self, name: str, work: Callable[[], Any]) -> Any:
        """Like run, but adding to the step's figures when it is timed more than once."""
        before = self.steps.pop(name, None)
        result = self.run(name, work)
        if before:
            step = self.steps[name]
            step["wall_s"] = round(step["wall_s"] + before["wall_s"], 4)
            step["cpu_s"] = round(step["cpu_s"] + before["cpu_s"], 4)
            self._report(name)
        return result

    def remainder(self, name: str, whole: str, parts: tuple[str, ...]) -> None:
        """A step timed as what `whole` took beyond its `parts`."""
        total = self.steps[whole]
        self.steps[name] = {
            key: round(total[key] - sum(self.steps.get(p, {}).get(key, 0.0) for p in parts), 4)
            for key in ("wall_s", "cpu_s")
        } | {"peak_rss_mb": total["peak_rss_mb"]}

    def count(self, name: str, rows: int, files: int) -> None:
        """Throughput of a step over the rows and files it handled."""
        step = self.steps[name]
        wall = step["wall_s"]
        step |= {  # a stage not timed here (it ran in workers) has no rate
            "rows": rows,
            "files": files,
            "rows_per_s": round(rows / wall, 1) if wall > 0 else None,
            "files_per_s": round(files / wall, 1) if wall > 0 else None,
        }


def quarter_of(period: str) -> str:
    """The scoring period a report month closes or falls in: 2023-09 -> 2023Q3, 2023-12 -> 2023."""
    year, month = (int(p) for p in period.split("-"))
    return f"{year}" if month > 9 else f"{year}Q{(month + 2) // 3}"


# The Prefect-free functions the monthly flow's tasks call, by the stage they belong to. They
# are wrapped where the tasks look them up (module attributes, read at call time), so the real
# flow runs unchanged; a stage of None records the calls' results without timing them.
WRAPPED: tuple[tuple[str, str, str | None], ...] = (
    ("bixue.runtime", "connect", "warehouse_open"),
    ("bixue.warehouse.dimensions", "sync_dimensions", "dimensions"),
    ("bixue.warehouse.seen", "skippable_messages", "mailbox_read"),
    ("bixue.mail.intake", "mail_pages", "mailbox_read"),
    ("bixue.mail.intake", "fetch_new", "mailbox_read"),
    ("bixue.mail.intake", "land_messages", "mailbox_read"),
    ("bixue.forms.submissions", "read_submissions", "parse"),
    ("bixue.rules.check", "validate_submissions", "validate"),
    ("bixue.rules.history", "history_for", "validate"),
    ("bixue.rules.history", "documents_for", "validate"),
    ("bixue.rules.history", "signings_for", "validate"),
    ("bixue.rules.history", "check_history", "validate"),
    ("bixue.rules.check", "apply_severities", "validate"),
    ("bixue.rules.check", "name_rows", "validate"),
    ("bixue.warehouse.load", "load_run", "load"),
    ("bixue.warehouse.ingest", "ingest_batch", None),
    ("bixue.rules.docs", "render_run", "data_docs"),
    ("bixue.warehouse.notices", "unnoticed", "notices"),
    ("bixue.render.receipts", "write_receipts", "notices"),
    ("bixue.render.office", "with_office_status", "notices"),
    ("bixue.mail.send", "queue_notices", "notices"),
    ("bixue.mail.send", "send_pending", "notices"),
    ("bixue.mail.intake", "mark_processed", "notices"),
)


KEPT = ("land_messages", "ingest_batch")


def wrap_batches(timer: Timer, results: dict[str, list[Any]]) -> None:
    """Time the month's batches as one step where they run on workers (their stages run in
    other processes, out of this one's reach): read, checked and loaded, all results in."""
    import flows.monthly_ingest as module

    original = module.each_finished
    seen = results.setdefault("ingest_batch", [])

    heavy = results.setdefault("heavy_while_batches", [])

    def each(*args: Any, **kw: Any) -> Any:
        for result in original(*args, **kw):
            # what this process had imported when each batch came back from its worker
            heavy.extend(m for m in ("pandas", "great_expectations") if m in sys.modules)
            yield result

    def timed(*args: Any, **kw: Any) -> list[Any]:
        out = timer.add("batches", lambda: list(each(*args, **kw)))
        seen.extend(out)
        return out

    module.each_finished = timed  # type: ignore[assignment]


# Where the batches run on workers, these run there: not wrapped (nor imported) here.
ON_WORKERS = ("parse", "validate", "load", None)


def wrap_stages(timer: Timer, *, on_workers: bool = False) -> dict[str, list[Any]]:
    """Time every call of the wrapped functions into its stage; each function's results."""
    import importlib

    results: dict[str, list[Any]] = {}
    for module_name, attribute, stage in WRAPPED:
        if on_workers and stage in ON_WORKERS:
            continue
        module = importlib.import_module(module_name)
        original = getattr(module, attribute)
        # Only what the figures read afterwards is kept: keeping every stage's output (parsed
        # frames among them) would hold the whole month's rows and charge them to the run.
        seen = results.setdefault(attribute, []) if attribute in KEPT else None

        def timed(
            *args: Any,
            _f: Any = original,
            _s: str | None = stage,
            _r: list[Any] | None = seen,
            **kw: Any,
        ) -> Any:
            out = _f(*args, **kw) if _s is None else timer.add(_s, lambda: _f(*args, **kw))
            if _r is not None:
                _r.append(out)
            return out

        setattr(module, attribute, timed)
    return results


_TIME_GX_IMPORT = (
    "import time; t = time.perf_counter(); from bixue.rules.gx import import_gx; import_gx(); "
    "print(time.perf_counter() - t)"
)


def _gx_import_s(*, in_process: bool) -> float:
    """Seconds to import Great Expectations, which validation imports lazily: here (inline, so
    the validate stage does not pay it), or in a fresh process when the batches run on workers,
    so that this process holds what `bixue ingest`'s would (GX only once it writes Data Docs)."""
    if in_process:
        t = time.perf_counter()
        from bixue.rules.gx import import_gx

        import_gx()

        return round(time.perf_counter() - t, 4)
    done = subprocess.run(
        [sys.executable, "-c", _TIME_GX_IMPORT],
        capture_output=True,
        text=True,
        check=True,
    )
    return round(float(done.stdout.strip()), 4)


def _prefect_startup_timeout_s() -> int:
    """How long this process's Prefect waits for its temporary server to start."""
    from prefect.settings import get_current_settings

    return get_current_settings().server.ephemeral.startup_timeout_seconds


def run(
    home: Path, config_dir: Path, period: str, runner: str = "inline", workers: int = 2
) -> dict[str, Any]:
    """The real monthly flow once on a fresh warehouse in `home`, then measures and score.

    Prefect is set up as `bixue ingest` sets it up (a temporary server, the home's state);
    what the flow spends beyond the wrapped functions (Prefect's start, task runs, the summary
    artifact) is `setup.prefect`. `runner` "process": the batches on Prefect's process pool of
    `workers`, timed together as `batches` (parse, validate and load then run in the workers).
    """
    timer = Timer()
    imports: dict[str, float] = {"interpreter_to_main_s": round(time.perf_counter() - STARTED, 4)}
    from bixue.cli import prefect_environment

    prefect_environment(home)  # before Prefect is imported: it reads its settings once
    t = time.perf_counter()
    from bixue.runtime import warehouse
    from bixue.scoring.model import parse_period
    from bixue.scoring.service import score
    from flows.monthly_ingest import monthly_ingest

    imports["pipeline_s"] = round(time.perf_counter() - t, 4)
    imports["great_expectations_s"] = _gx_import_s(in_process=runner != "process")
    from bixue.config import Settings

    Settings(home=home, config_dir=config_dir).validate()
    results = wrap_stages(timer, on_workers=runner == "process")
    from bixue.config import RunnerChoice
    from flows.runner import task_runner_for

    # Inline, every stage is timed here; on the process runner the batches are timed as one.
    if runner == "process":
        wrap_batches(timer, results)
    kind: Literal["inline", "process"] = "process" if runner == "process" else "inline"
    choice = RunnerChoice(kind, workers if kind == "process" else 1)
    configured = monthly_ingest.with_options(task_runner=task_runner_for(choice))
    with WorkerPeaks() as sampled:
        counts = timer.run("flow", lambda: configured(period=period, home=str(home)))
    flow = timer.steps.pop("flow")
    inside = sum(v["wall_s"] for k, v in timer.steps.items())
    timer.steps["prefect"] = {
        "wall_s": round(flow["wall_s"] - inside, 4),
        "cpu_s": round(flow["cpu_s"] - sum(v["cpu_s"] for v in timer.steps.values()), 4),
        "peak_rss_mb": flow["peak_rss_mb"],
    }
    messages = [m for landed in results["land_messages"] for m in landed]
    submissions = [s for batch in results["ingest_batch"] for s in batch[1]]
    rows_loaded = sum(batch[2] for batch in results["ingest_batch"])
    rows = sum(s.rows for s in submissions)
    engine = warehouse(str(home))
    settings = Settings(home=home, config_dir=config_dir)
    for stage in ("mailbox_read", "parse", "validate", "load", "notices"):
        timer.steps.setdefault(stage, {"wall_s": 0.0, "cpu_s": 0.0, "peak_rss_mb": peak_rss_mb()})
    timer.count("mailbox_read", rows, len(messages))
    timer.count("parse", rows, len(submissions))
    timer.count("validate", rows, len(submissions))
    timer.count("load", rows_loaded, len(submissions))
    notices = _notices_sent(engine)
    timer.count("notices", notices, notices)
    # imported after the flow: `bixue ingest` holds no pandas while its workers work
    from bixue.warehouse.measures import measures

    scoring = parse_period(quarter_of(period))
    found = timer.run("measures", lambda: measures(engine, settings, str(scoring)))
    timer.count("measures", len(found), len(settings.units))
    scored = timer.run(
        "score",
        lambda: score(engine, settings, scoring, lambda *_: found, source_name="bench"),
    )
    timer.count("score", len(scored.scores.lines), len(settings.units))
    stages = {name: timer.steps[name] for name in STAGES}
    # Each worker process's own peak, sampled while it lived (RUSAGE_CHILDREN would report this
    # process's size at the moment it started them; see peak_rss_mb). Inline: none.
    child_peaks = list(sampled.peaks.values())
    child_mb = max(child_peaks, default=0.0)
    batches = timer.steps.get("batches")
    pvl = (
        batches["wall_s"]
        if batches
        else sum(stages[name]["wall_s"] for name in ("parse", "validate", "load"))
    )
    statuses = [s.status for s in submissions]
    return {
        "imports": imports,
        "setup": {k: v for k, v in timer.steps.items() if k not in STAGES},
        "stages": stages,
        # the batches, where they ran on workers, are data work too (their CPU is the workers')
        "data_s": round(
            sum(s["wall_s"] for s in stages.values()) + (batches["wall_s"] if batches else 0), 4
        ),
        "data_cpu_s": round(sum(s["cpu_s"] for s in stages.values()), 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "runner": runner,
        "prefect_servers": len(sampled.servers),
        # on workers: the modules this process held while they worked (results carry no rows)
        "imported_while_batches": sorted(set(results.get("heavy_while_batches", []))),
        # what the run's Prefect read: the settings only count if set before its import
        "prefect_startup_timeout_s": _prefect_startup_timeout_s(),
        "parse_validate_load_s": round(pvl, 4),
        "parse_workers": len(child_peaks),
        "worker_peak_rss_mb": round(child_mb, 1),
        # an upper bound for the machine: this process's peak plus every worker at its peak
        "peak_rss_with_workers_mb": round(peak_rss_mb() + sum(child_peaks), 1),
        # what the flow and its workers held at one moment, sampled every 0.2 s during the flow
        # (the measures and score after it run in this process alone: its own peak covers them)
        "peak_rss_together_mb": round(max(sampled.together_mb, peak_rss_mb()), 1),
        "flow_counts": counts,
        "counts": {
            "messages": len(messages),
            "attachments": sum(len(m.attachments) for m in messages),
            "submissions": len(submissions),
            "accepted": statuses.count("accepted"),
            "rejected": statuses.count("rejected"),
            "rows_parsed": rows,
            "rows_loaded": rows_loaded,
            "notices": notices,
            "scored_period": str(scoring),
        },
    }


def _notices_sent(engine: Any) -> int:
    """Notices the run recorded (receipts and the office's status mail)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(conn.execute(text("select count(*) from notice")).scalar_one())


def hot_spots(stats: Any, limit: int) -> list[dict[str, Any]]:
    """The functions with the most own time, with their share of the profiled total."""
    raw = stats.stats  # {(file, line, func): (cc, nc, tottime, cumtime, callers)}
    total = sum(v[2] for v in raw.values()) or 1.0
    top = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:limit]
    return [
        {
            "function": f"{Path(k[0]).name}:{k[1]}({k[2]})",
            "calls": v[1],
            "own_s": round(v[2], 3),
            "cumulative_s": round(v[3], 3),
            "share": round(v[2] / total, 3),
        }
        for k, v in top
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stages")
    parser.add_argument("home", type=Path)
    parser.add_argument("config_dir", type=Path)
    parser.add_argument("period")
    parser.add_argument("--profile", type=int, default=0, help="also list the N hottest functions")
    parser.add_argument("--runner", choices=["inline", "process"], default="inline")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    os.environ.setdefault("BIXUE_CONFIG_DIR", str(args.config_dir))
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(
            run, args.home, args.config_dir, args.period, args.runner, args.workers
        )
        result["hot_spots"] = hot_spots(pstats.Stats(profiler), args.profile)
    else:
        result = run(args.home, args.config_dir, args.period, args.runner, args.workers)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
