"""One month through the pipeline's stages in this process, each timed: run as a fresh child.

The composition is bixue.pipeline.run_month's, cut at the stage boundaries the benchmark
reports, then the quarter's measures and scores. Imports are timed apart from the data work.
Usage: python -m bench.stages HOME CONFIG_DIR PERIOD [--profile N] (prints one JSON line).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

STAGES = ("mailbox_read", "parse", "validate", "load", "measures", "score", "notices")


def _hwm_mb(pid: str | int = "self") -> float | None:
    """A process's peak resident memory (VmHWM), None when /proc does not tell."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            line = next((ln for ln in fh if ln.startswith("VmHWM:")), None)
    except OSError:
        return None
    return int(line.split()[1]) / 1024 if line else None


def peak_rss_mb() -> float:
    """This process's peak resident memory so far.

    VmHWM, not ru_maxrss: Linux carries the parent's resident size at fork (or its peak, with
    vfork) across exec into ru_maxrss, so a child would show its parent's memory as its own.
    """
    found = _hwm_mb()
    return found if found is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> list[float]:
    """The peak resident memory of each live spawned worker (multiprocessing's spawn_main)."""
    me, peaks = str(os.getpid()), []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                ppid = fh.read().rsplit(")", 1)[1].split()[1]
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                worker = b"spawn_main" in fh.read()
        except (OSError, IndexError):
            continue
        if ppid == me and worker and (peak := _hwm_mb(entry.name)) is not None:
            peaks.append(peak)
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
        wall = max(step["wall_s"], 1e-9)
        step |= {
            "rows": rows,
            "files": files,
            "rows_per_s": round(rows / wall, 1),
            "files_per_s": round(files / wall, 1),
        }


def quarter_of(period: str) -> str:
    """The scoring period a report month closes or falls in: 2023-09 -> 2023Q3, 2023-12 -> 2023."""
    year, month = (int(p) for p in period.split("-"))
    return f"{year}" if month > 9 else f"{year}Q{(month + 2) // 3}"


# The functions run_month calls, by the stage they belong to. They are wrapped where they are
# looked up (module attributes), so run_month itself runs unchanged; whatever it does after
# the load (receipts, the office's status mail, the outbox, marking mail read) is "notices".
WRAPPED = (
    ("bixue.warehouse.load", "skippable_messages", "mailbox_read"),
    ("bixue.mail.intake", "fetch_messages", "mailbox_read"),
    ("bixue.mail.intake", "land_messages", "mailbox_read"),
    ("bixue.pipeline", "read_submissions", "parse"),
    ("bixue.pipeline", "validate_submissions", "validate"),
    ("bixue.rules.history", "history_for", "validate"),
    ("bixue.rules.history", "check_history", "validate"),
    ("bixue.pipeline", "apply_severities", "validate"),
    ("bixue.warehouse.load", "load_run", "load"),
)


def wrap_stages(timer: Timer) -> None:
    """Time every call of the wrapped functions into its stage (absent ones are skipped)."""
    import importlib

    for module_name, attribute, stage in WRAPPED:
        module = importlib.import_module(module_name)
        original = getattr(module, attribute, None)
        if original is None:
            continue

        def timed(*args: Any, _f: Any = original, _s: str = stage, **kwargs: Any) -> Any:
            return timer.add(_s, lambda: _f(*args, **kwargs))

        setattr(module, attribute, timed)


def run(home: Path, config_dir: Path, period: str) -> dict[str, Any]:
    """bixue.pipeline.run_month once on a fresh warehouse in `home`, then measures and score."""
    timer = Timer()
    imports: dict[str, float] = {"interpreter_to_main_s": round(time.perf_counter() - STARTED, 4)}
    t = time.perf_counter()
    from bixue import pipeline
    from bixue.config import Settings
    from bixue.scoring.model import parse_period
    from bixue.scoring.service import score
    from bixue.warehouse.db import connect
    from bixue.warehouse.dimensions import sync_dimensions
    from bixue.warehouse.measures import measures

    imports["pipeline_s"] = round(time.perf_counter() - t, 4)
    t = time.perf_counter()
    import great_expectations  # noqa: F401  (validation imports it lazily; timed apart here)

    imports["great_expectations_s"] = round(time.perf_counter() - t, 4)
    settings = Settings(home=home, config_dir=config_dir)
    settings.validate()
    engine = timer.run("warehouse_open", lambda: connect(settings.warehouse_url))
    timer.run("dimensions", lambda: sync_dimensions(engine, settings))
    wrap_stages(timer)
    report = timer.run("run_month", lambda: pipeline.run_month(settings, engine, period))
    timer.remainder("notices", "run_month", ("mailbox_read", "parse", "validate", "load"))
    messages, submissions = report.messages, report.submissions
    rows = sum(s.rows for s in submissions)
    timer.count("mailbox_read", rows, len(messages))
    timer.count("parse", rows, len(submissions))
    timer.count("validate", rows, len(submissions))
    timer.count("load", report.rows_loaded, len(submissions))
    notices = _notices_sent(engine)
    timer.count("notices", notices, notices)
    scoring = parse_period(quarter_of(period))
    found = timer.run("measures", lambda: measures(engine, settings, str(scoring)))
    timer.count("measures", len(found), len(settings.units))
    scored = timer.run(
        "score",
        lambda: score(engine, settings, scoring, lambda *_: found, source_name="bench"),
    )
    timer.count("score", len(scored.scores.lines), len(settings.units))
    stages = {name: timer.steps[name] for name in STAGES}
    from bixue.forms.workers import shutdown

    # Each parse worker's own peak, read while it lives (RUSAGE_CHILDREN would report this
    # process's size at the moment it started them; see peak_rss_mb).
    child_peaks = children_peak_rss_mb()
    workers = len(child_peaks) if shutdown() else 0
    child_mb = max(child_peaks, default=0.0)
    statuses = [s.status for s in submissions]
    return {
        "imports": imports,
        "setup": {k: v for k, v in timer.steps.items() if k not in STAGES},
        "stages": stages,
        "data_s": round(sum(s["wall_s"] for s in stages.values()), 4),
        "data_cpu_s": round(sum(s["cpu_s"] for s in stages.values()), 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "parse_workers": workers,
        "worker_peak_rss_mb": round(child_mb, 1),
        # an upper bound for the machine: this process's peak plus every worker at its peak
        "peak_rss_with_workers_mb": round(peak_rss_mb() + sum(child_peaks), 1),
        "counts": {
            "messages": len(messages),
            "attachments": sum(len(m.attachments) for m in messages),
            "submissions": len(submissions),
            "accepted": statuses.count("accepted"),
            "rejected": statuses.count("rejected"),
            "rows_parsed": rows,
            "rows_loaded": report.rows_loaded,
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
    args = parser.parse_args(argv)
    os.environ.setdefault("BIXUE_CONFIG_DIR", str(args.config_dir))
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(run, args.home, args.config_dir, args.period)
        result["hot_spots"] = hot_spots(pstats.Stats(profiler), args.profile)
    else:
        result = run(args.home, args.config_dir, args.period)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
