"""The benchmark: scaled months through the real pipeline, against baselines from the same run.

Every measurement runs in a fresh child process, so imports, start-up and peak memory belong
to one scale and one job: the floor (imports + one trivial flow), the stages (timed one by
one), the baselines (raw read, raw insert), the real Prefect flow end to end, the read-only
commands and the scoring engine at 3,000 units.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import intake
from bench.generate import SCALES, generate_month
from bench.options import ALL, add_arguments
from bench.stages import STAGES as STAGE_NAMES
from bixue.cli import PREFECT_DEFAULTS

PACKAGES = (
    "prefect",
    "great-expectations",
    "pandas",
    "sqlalchemy",
    "openpyxl",
    "python-calamine",
    "pydantic",
)
READ_ONLY = (
    ("units", "--format", "json"),
    ("inbox", "--period", "{period}", "--format", "json"),
    ("rules", "show", "--year", "2023", "--format", "json"),
    ("export", "scores", "--period", "{quarter}", "--format", "json"),
)
SCORING_UNITS = 3000


def child_env(config_dir: Path | None, prefect_home: Path) -> dict[str, str]:
    """This environment without installation overrides: SQLite and the Maildir in each home.

    Bytecode is cached beside the Prefect home, as an installed venv has it: this machine's
    venv holds no .pyc (uv installs without --compile-bytecode, PYTHONDONTWRITEBYTECODE=1),
    which would make every fresh process compile the whole stack (~6 s) and hide the rest.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIXUE_", "PREFECT_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(prefect_home.parent / "pycache")
    env["PREFECT_HOME"] = str(prefect_home)
    env |= PREFECT_DEFAULTS  # in the environment from the start, whatever imports Prefect first
    if config_dir is not None:
        env["BIXUE_CONFIG_DIR"] = str(config_dir)
    return env


class OverBudgetError(Exception):
    """A child ran past its time budget; `finished` holds the steps it reported before."""

    def __init__(self, module: str, seconds: float, finished: dict[str, Any]) -> None:
        super().__init__(f"{module} still running after {seconds:.0f} s")
        self.seconds, self.finished = seconds, finished


def _progress(stderr: str | bytes | None) -> dict[str, Any]:
    text = stderr.decode() if isinstance(stderr, bytes) else stderr or ""
    found = {}
    for line in text.splitlines():
        if line.startswith('{"progress"'):
            step = json.loads(line)
            found[step.pop("progress")] = step
    return found


def child(
    module: str, args: list[str], env: dict[str, str], budget: float | None = None
) -> tuple[dict[str, Any], float]:
    """Run `python -m module args` afresh; its last stdout line as JSON, and its wall time."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", module, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=budget,
        )
    except subprocess.TimeoutExpired as exc:
        raise OverBudgetError(
            module, time.perf_counter() - started, _progress(exc.stderr)
        ) from None
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), wall


def machine() -> dict[str, Any]:
    """Where the figures came from."""
    cpu = ""
    mem_gb = 0.0
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gb": mem_gb,
        "cpu": cpu,
        "python": platform.python_version(),
        "packages": versions,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def measure_floor(root: Path, runs: int = 1) -> dict[str, Any]:
    """Seconds for the floor process, the best of `runs` (start-up noise only adds)."""
    env = child_env(None, root / "prefect")
    times = [child("bench.floor", [str(root / "floor_home")], env)[1] for _ in range(runs)]
    return {"floor_s": round(min(times), 3), "runs_s": [round(t, 3) for t in times]}


def warm_prefect(root: Path) -> None:
    """A first Prefect start in a new PREFECT_HOME is ~8 s slower; pay it outside the figures."""
    if not (root / "prefect" / "prefect.db").exists():
        measure_floor(root)


def read_only(home: Path, config_dir: Path, period: str, quarter: str, root: Path) -> list[dict]:
    """Each read-only command in a fresh process: wall time and whether GX/Prefect got imported."""
    env = child_env(config_dir, root / "prefect")
    out = []
    for template in READ_ONLY:
        args = [a.format(period=period, quarter=quarter) for a in template]
        loaded, wall = child("bench.readonly", [str(home), *args], env)
        out.append({"command": " ".join(args), "wall_s": round(wall, 3), **loaded})
    return out


FLOW_SCALES = ("tiny", "realistic", "province")
# The realistic month is compared with the floor, itself the best of two runs: so is it.
FLOW_RUNS = {"realistic": 2}


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def bench_scale(
    name: str,
    root: Path,
    floor_s: float,
    *,
    flow: bool = True,
    profile: int = 0,
    budget: float | None = None,
) -> dict[str, Any]:
    """Generate a month at this scale and measure everything on it within the time budget."""
    scale = SCALES[name]
    base = root / name
    started = time.perf_counter()
    month = generate_month(scale, base)
    generate_s = time.perf_counter() - started
    # the stages run marks its mail processed: each flow run starts from this untouched copy
    pristine = base / "mailbox_as_sent"
    shutil.copytree(month.home / "mailbox", pristine)
    env = child_env(month.config_dir, root / "prefect")
    extra = ["--profile", str(profile)] if profile else []
    runner, workers = RUNNER_OF.get(name, ("inline", 1))
    if runner != "inline":
        extra += ["--runner", runner, "--workers", str(workers)]
    result: dict[str, Any] = {
        "scale": name,
        "shape": month.to_dict(),
        "generate_s": round(generate_s, 2),
        "floor_s": floor_s,
        "budget_s": budget,
    }
    try:
        stages, stages_wall = child(
            "bench.stages",
            [str(month.home), str(month.config_dir), month.period, *extra],
            env,
            budget,
        )
        result["completed"] = True
    except OverBudgetError as exc:
        stages, stages_wall = _partial(exc), exc.seconds
        result["completed"] = False
    raw_db = f"sqlite:///{base / 'baseline.sqlite'}"
    # the raw read on as many processes as the run's batches had: the same cores
    baseline, _ = child("bench.baseline", [str(month.home / "landing"), raw_db, str(workers)], env)
    result |= {
        "baseline_s": baseline["baseline_s"],
        "baseline": baseline,
        "data_s": stages["data_s"],
        "data_cpu_s": stages["data_cpu_s"],
        "peak_rss_mb": stages["peak_rss_mb"],
        "runner": runner,
        "runner_workers": workers,
        "parse_validate_load_s": stages.get("parse_validate_load_s"),
        "parse_workers": stages.get("parse_workers", 0),
        "worker_peak_rss_mb": stages.get("worker_peak_rss_mb", 0.0),
        "peak_rss_with_workers_mb": stages.get("peak_rss_with_workers_mb", stages["peak_rss_mb"]),
        "peak_rss_together_mb": stages.get("peak_rss_together_mb", stages["peak_rss_mb"]),
        "stages": stages["stages"],
        "imports": stages["imports"],
        "counts": stages["counts"],
        "stages_process_s": round(stages_wall, 3),
    }
    for key in ("setup", "hot_spots", "unfinished"):
        if key in stages:
            result[key] = stages[key]
    result["total_s"] = None
    # The national flow would repeat its stages plus Prefect's start-up (no target asks for
    # its total) and cost make bench minutes: the real flow runs at the smaller scales only.
    if flow and result["completed"] and name in FLOW_SCALES:
        try:
            runs = []
            for n in range(FLOW_RUNS.get(name, 1)):
                flow_home = base / f"flow_home_{n}"  # each run on its own copy of the mail
                shutil.copytree(pristine, flow_home / "mailbox")
                counts, seconds = child("bench.flow", [str(flow_home), month.period], env, budget)
                runs.append(round(seconds, 3))
            result |= {"total_s": min(runs), "total_runs_s": runs, "flow_counts": counts}
        except OverBudgetError as exc:
            result["flow_unfinished_after_s"] = round(exc.seconds, 1)
    if flow and result["completed"] and name in RUNNER_SCALES and result["total_s"]:
        result["runners"] = compare_runners(base, pristine, month.period, env, budget)
    result["ratios"] = _ratios(result)
    if name in ("realistic", "tiny") and result["completed"]:
        quarter = stages["counts"]["scored_period"]
        result["read_only_commands"] = read_only(
            month.home, month.config_dir, month.period, quarter, root
        )
    return result


# The scales whose stages run puts the batches on a task runner (kind, workers), as such a
# month is run: the national month on Prefect's process pool on both cores. The others run
# inline (the realistic month must not pay for workers), every stage timed in the run.
RUNNER_OF = {"national": ("process", 2)}


# The month run again on Prefect's process pool and on a real Dask LocalCluster (2 workers,
# loopback) in batches of RUNNER_BATCH_MB, so that it is several batches at once on each: the
# national month would cost make bench minutes per run, the province month shows the same.
RUNNER_SCALES = ("province",)
RUNNER_BATCH_MB = "2"


def compare_runners(
    base: Path, pristine: Path, period: str, env: dict[str, str], budget: float | None
) -> dict[str, Any]:
    """The flow's data work on each runner, and whether each warehouse is the in-process one's."""
    from bench.cluster import checksums

    # the one-batch flow run above (in the run's own process) is the reference
    expected = checksums(f"sqlite:///{base / 'flow_home_0' / 'warehouse.sqlite'}")
    out: dict[str, Any] = {"batch_mb": float(RUNNER_BATCH_MB)}
    for kind in ("process", "dask"):
        home = base / f"runner_{kind}"
        shutil.copytree(pristine, home / "mailbox")
        found, seconds = child(
            "bench.cluster",
            [str(home), period, kind],
            env | {"BIXUE_BATCH_MB": RUNNER_BATCH_MB},
            budget,
        )
        out[kind] = {
            "flow_s": found["flow_s"],
            "process_s": round(seconds, 3),
            "peak_rss_mb": found["peak_rss_mb"],
            "worker_peak_rss_mb": found.get("worker_peak_rss_mb"),
            "same_warehouse": found["checksums"] == expected,
        }
    out["dask_over_process"] = ratio(out["dask"]["flow_s"], out["process"]["flow_s"])
    return out


def _partial(exc: OverBudgetError) -> dict[str, Any]:
    """The figures of a stages run stopped over budget: finished stages, lower bounds."""
    finished = {k: v for k, v in exc.finished.items() if k in STAGE_NAMES}
    running = next((s for s in STAGE_NAMES if s not in finished), None)
    return {
        "stages": finished,
        "data_s": None,
        "data_cpu_s": None,
        "peak_rss_mb": max((v["peak_rss_mb"] for v in exc.finished.values()), default=None),
        "imports": {},
        "counts": {},
        "unfinished": {"stage": running, "stopped_after_s": round(exc.seconds, 1)},
    }


def _ratios(result: dict[str, Any]) -> dict[str, float | None]:
    stages, baseline = result["stages"], result["baseline"]

    def wall(*names: str) -> float | None:
        if not all(n in stages for n in names):
            return None
        return sum(stages[n]["wall_s"] for n in names)

    def over(a: float | None, b: float) -> float | None:
        return None if a is None else ratio(a, b)

    return {
        "total_over_floor": over(result["total_s"], result["floor_s"]),
        "parse_validate_load_over_baseline": over(
            result.get("parse_validate_load_s") if result.get("completed", True) else None,
            baseline["baseline_s"],
        ),
        "parse_over_raw_read": over(wall("parse"), baseline["read_s"]),
        "load_over_raw_insert": over(wall("load"), baseline["insert_s"]),
    }


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets against this run's figures."""
    out: list[dict[str, Any]] = []

    def check(name: str, value: float | None, limit: float, unit: str) -> None:
        met = value is not None and value <= limit
        out.append({"target": name, "value": value, "limit": limit, "unit": unit, "met": met})

    scales = {s["scale"]: s for s in report["scales"]}
    if "realistic" in scales:
        r = scales["realistic"]
        check("realistic: total ÷ floor", r["ratios"]["total_over_floor"], 1.1, "×")
        check("realistic: data work", r["data_s"], 1.0, "s")
        for cmd in r.get("read_only_commands", []):
            light = not (cmd["great_expectations"] or cmd["prefect"])
            check(f"read-only `{cmd['command']}`", cmd["wall_s"], 2.0, "s")
            out.append(
                {
                    "target": f"read-only `{cmd['command']}` imports neither GX nor Prefect",
                    "value": light,
                    "limit": True,
                    "unit": "",
                    "met": light,
                }
            )
    if "province" in scales:
        p = scales["province"]
        check("province: total ÷ floor", p["ratios"]["total_over_floor"], 1.5, "×")
        if "runners" in p:
            runners = p["runners"]
            check(
                "province: LocalCluster flow ÷ process-runner flow",
                runners["dask_over_process"],
                1.2,
                "×",
            )
            same = all(runners[k]["same_warehouse"] for k in ("process", "dask"))
            out.append(
                {
                    "target": "province: process runner and LocalCluster warehouse = in-process",
                    "value": same,
                    "limit": True,
                    "unit": "",
                    "met": same,
                }
            )
    if "national" in scales:
        n = scales["national"]
        done = n.get("completed", True)
        # the run's process and its workers together: the most they held at one moment
        peak = n.get("peak_rss_together_mb", n["peak_rss_mb"])
        check("national: peak memory (run and workers)", peak if done else None, 1024.0, "MB")
        check(
            "national: parse+validate+load ÷ raw read+insert",
            n["ratios"]["parse_validate_load_over_baseline"],
            1.2,
            "×",
        )
        if not done:
            for t in out[-2:]:
                t["note"] = f"not finished within the {n['budget_s']:.0f} s budget"
    if "scoring" in report:
        sc = report["scoring"]
        check(f"scoring {sc['units']} units × {sc['periods']} periods", sc["seconds"], 2.0, "s")
    return out + intake.targets(report)


def run_bench(
    names: list[str],
    root: Path,
    *,
    flow: bool = True,
    profile: int = 0,
    budget: float | None = None,
) -> dict[str, Any]:
    """All asked scales, the floor measured before and after them, scoring at 3,000 units."""
    root.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": machine()}
    if flow:
        warm_prefect(root)
    runs: list[float] = measure_floor(root)["runs_s"] if flow else []
    floor_s = min(runs, default=0.0)
    scales = [
        bench_scale(n, root, floor_s, flow=flow, profile=profile, budget=budget) for n in names
    ]
    if flow:
        runs += measure_floor(root)["runs_s"]
        floor_s = min(runs)
        for s in scales:
            s["floor_s"] = floor_s
            s["ratios"] = _ratios(s)
    report["floor"] = {"floor_s": floor_s, "runs_s": runs}
    report["scales"] = scales
    if flow and "realistic" in names:
        report["intake"] = intake.measure(root)
    units = SCORING_UNITS if any(n != "tiny" for n in names) else 40
    report["scoring"], _ = child("bench.scoring", [str(units)], child_env(None, root / "prefect"))
    report["targets"] = targets(report)
    report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


def _f(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _workers(scale: dict[str, Any]) -> str:
    """The task runner's workers' share of the memory, when the run used them."""
    if not scale.get("parse_workers"):
        return ""
    return (
        f" (+ {scale['parse_workers']} {scale.get('runner', '')} workers at ≤ "
        f"{_f(scale['worker_peak_rss_mb'], 0)} MB each; together at most "
        f"{_f(scale.get('peak_rss_together_mb'), 0)} MB at once, each at its own peak "
        f"{_f(scale['peak_rss_with_workers_mb'], 0)} MB)"
    )


def _batches(scale: dict[str, Any]) -> list[str]:
    """The batches' line where they ran on workers (their stages are not timed one by one)."""
    if scale.get("runner", "inline") == "inline":
        return []
    return [
        f"parse+validate+load on the {scale['runner']} runner ({scale['runner_workers']} "
        f"workers; stages above at 0 ran there): {_f(scale.get('parse_validate_load_s'), 3)} s"
    ]


def _best_of(scale: dict[str, Any]) -> str:
    runs = scale.get("total_runs_s") or []
    return f", best of {runs}" if len(runs) > 1 else ""


def summary(report: dict[str, Any]) -> str:
    """The figures as a person reads them."""
    m = report["machine"]
    lines = [
        f"Bixue benchmark {m['date']}: {m['nproc']} cores, {m['memory_gb']} GB, {m['cpu']}, "
        f"Python {m['python']}; load average {m['load_average']} → "
        f"{m.get('load_average_end')}",
        f"floor (imports + one trivial flow, fresh process): {_f(report['floor']['floor_s'])} s "
        f"(runs {report['floor']['runs_s']})",
    ]
    for s in report["scales"]:
        shape = s["shape"]
        lines += [
            "",
            f"== {s['scale']}: {shape['units']} units, {shape['messages']} messages, "
            f"{shape['workbooks']} workbooks, {shape['rows']:,} rows ({shape['mail_mb']} MB mail)",
            f"{'stage':<14}{'wall s':>9}{'cpu s':>9}{'rows/s':>12}{'files/s':>10}{'peak MB':>9}",
        ]
        for stage, v in s["stages"].items():
            lines.append(
                f"{stage:<14}{_f(v['wall_s'], 3):>9}{_f(v['cpu_s'], 3):>9}"
                f"{_f(v.get('rows_per_s'), 0):>12}{_f(v.get('files_per_s'), 1):>10}"
                f"{_f(v['peak_rss_mb'], 0):>9}"
            )
        b, r, imp = s["baseline"], s["ratios"], s["imports"]
        if "unfinished" in s:
            u = s["unfinished"]
            lines.append(
                f"NOT FINISHED: stopped after {u['stopped_after_s']} s (budget {s['budget_s']} s) "
                f"in stage {u['stage']}; figures above are the finished stages"
            )
        lines += _batches(s)
        lines += [
            f"data work {_f(s['data_s'])} s (cpu {_f(s['data_cpu_s'])} s); peak RSS "
            f"{_f(s['peak_rss_mb'], 0)} MB{_workers(s)}; imports: pipeline "
            f"{_f(imp.get('pipeline_s'))} s, "
            f"GX {_f(imp.get('great_expectations_s'))} s",
            f"baseline: calamine read {_f(b['read_s'], 3)} s "
            f"({b.get('read_processes', 1)} process(es)) + executemany insert "
            f"{_f(b['insert_s'], 3)} s = {_f(b['baseline_s'], 3)} s ({b['rows']:,} rows)",
            f"total (real flow, fresh process{_best_of(s)}) {_f(s['total_s'])} s = "
            f"{_f(r['total_over_floor'])} × floor; parse+validate+load = "
            f"{_f(r['parse_validate_load_over_baseline'])} × baseline "
            f"(parse {_f(r['parse_over_raw_read'])} × read, load {_f(r['load_over_raw_insert'])} "
            "× insert)",
        ]
        if "runners" in s:
            rn = s["runners"]
            for kind in ("process", "dask"):
                k = rn[kind]
                workers = k.get("worker_peak_rss_mb")
                lines.append(
                    f"{kind} runner ({rn['batch_mb']:g} MB batches"
                    f"{', LocalCluster 2 workers' if kind == 'dask' else ''}): flow "
                    f"{_f(k['flow_s'])} s, run peak {_f(k['peak_rss_mb'], 0)} MB"
                    f"{f', workers {workers} MB' if workers else ''}; warehouse "
                    f"{'=' if k['same_warehouse'] else '≠'} in-process run"
                )
            lines.append(f"LocalCluster ÷ process runner: {_f(rn['dask_over_process'])} ×")
        for cmd in s.get("read_only_commands", []):
            lines.append(
                f"read-only `bixue {cmd['command']}`: {_f(cmd['wall_s'])} s, "
                f"GX {'loaded' if cmd['great_expectations'] else 'not loaded'}, "
                f"Prefect {'loaded' if cmd['prefect'] else 'not loaded'}"
            )
    sc = report["scoring"]
    lines += [
        "",
        f"scoring {sc['units']} units × {sc['periods']} periods: {_f(sc['seconds'])} s "
        f"{sc['per_period_s']}",
        *intake.summary(report),
        "",
        "targets:",
    ]
    for t in report["targets"]:
        mark = "met   " if t["met"] else "MISSED"
        note = f" — {t['note']}" if t.get("note") else ""
        lines.append(f"  {mark} {t['target']}: {t['value']} (≤ {t['limit']}{t['unit']}){note}")
    return "\n".join(lines)


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def update_markdown(path: Path, report: dict[str, Any]) -> None:
    """Replace the figures between the bench markers of `path` (appended when absent)."""
    rows = ["| target | value | limit | met |", "|---|---|---|---|"]
    for t in report["targets"]:
        rows.append(
            f"| {t['target']} | {t['value']} | ≤ {t['limit']}{t['unit']} | "
            f"{'yes' if t['met'] else '**no**'}{' (' + t['note'] + ')' if t.get('note') else ''} |"
        )
    block = "\n".join([BEGIN, "```text", summary(report), "```", "", *rows, END])
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text + ("\n" if text else "") + block + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    add_arguments(parser)
    return run_command(parser.parse_args(argv))


def run_command(args: argparse.Namespace) -> int:
    """Run the asked scales and print the report (JSON, or the summary)."""
    names = list(ALL) if args.scale == "all" else [args.scale]
    root = (args.root or Path("var/bench")).resolve()
    report = run_bench(
        names, root, flow=not args.no_flow, profile=args.profile, budget=args.budget or None
    )
    if args.output:
        args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if args.markdown:
        update_markdown(args.markdown, report)
    if args.format == "json":
        single = report["scales"][0] if len(names) == 1 else None
        shown = (
            {**single, "machine": report["machine"], "scoring": report["scoring"]}
            | {"targets": report["targets"]}
            if single
            else report
        )
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print(summary(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
