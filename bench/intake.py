"""The intake every 10 minutes: one run with no new mail against a trivial flow, and one run
after one new mail (its receipt in the outbox), each a fresh process as the worker starts it.

`python -m bench.intake run HOME PERIOD` runs the real monthly flow as the `intake` deployment
does (no office status mail) with the same Prefect set-up as `bixue ingest`; `python -m
bench.intake trivial HOME` runs a flow that does nothing, on that set-up, importing nothing
else. Each prints one JSON line. `measure` (called by bench/run.py) times them.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

# The target: an idle intake costs at most this many times the trivial flow.
IDLE_OVER_TRIVIAL = 1.3
# One intake run after one new mail: the part of mail-to-receipt the run itself takes; the
# schedule adds the wait for the next run (at most the 10-minute interval) and the worker's
# pick-up (its 10 s poll, ~10 s to start the flow's process).
RUN_AFTER_MAIL_S = 60.0


def _run(home: str, period: str) -> dict[str, Any]:
    from bixue.cli import prefect_environment

    prefect_environment(Path(home))
    from flows.monthly_ingest import monthly_ingest

    counts = monthly_ingest(period=period, home=home, notify_office=False)
    heavy = sorted(m for m in ("great_expectations", "pandas") if m in sys.modules)
    return {"counts": counts, "heavy": heavy}


def _trivial(home: str) -> dict[str, Any]:
    from bixue.cli import prefect_environment

    prefect_environment(Path(home))
    from prefect import flow

    @flow(name="bench-trivial")
    def trivial() -> int:
        return 1

    return {"result": trivial()}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = _run(args[1], args[2]) if args[0] == "run" else _trivial(args[1])
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


def _unit_mail(folder: Path, config_dir: Path) -> Path:
    """A month's first mail (by file name) that a receipt answers: a registered unit's own,
    with a workbook, not an auto-reply. The month also holds mail that rightly gets none
    (strangers, auto-replies, the statistics office), and Maildir names are random."""
    from bixue.config import Settings
    from bixue.mail.message import parse_message

    senders = {s for u in Settings(home=folder, config_dir=config_dir).units for s in u.senders}
    for path in sorted(folder.iterdir()):
        msg = parse_message(path.read_bytes())
        workbook = any(a.kind == "xlsx" for a in msg.attachments)
        if msg.sender in senders and workbook and not msg.auto_reply and not msg.problems:
            return path
    raise LookupError(f"{folder}: no unit's mail with a workbook")


def _maildir(home: Path) -> Path:
    for folder in ("new", "cur", "tmp"):
        (home / "mailbox" / folder).mkdir(parents=True, exist_ok=True)
    return home / "mailbox"


def measure(root: Path, runs: int = 2) -> dict[str, Any]:
    """Idle intake runs and trivial flows (best of `runs` each), then one run after one mail."""
    from bench.generate import SCALES, generate_month
    from bench.run import child, child_env

    base = root / "intake"
    month = generate_month(SCALES["realistic"], base / "month")
    env = child_env(month.config_dir, root / "prefect")
    home = base / "home"
    if home.exists():  # a home left by an earlier bench already holds the new mail
        shutil.rmtree(home)
    mailbox = _maildir(home)
    child("bench.intake", ["run", str(home), month.period], env)  # the warehouse created once
    idle, trivial = [], []
    for _ in range(runs):  # interleaved, so the machine's load weighs on both alike
        idle.append(child("bench.intake", ["run", str(home), month.period], env))
        trivial.append(child("bench.intake", ["trivial", str(home)], env)[1])
    mail = _unit_mail(month.home / "mailbox" / "new", month.config_dir)
    shutil.copy(mail, mailbox / "new" / mail.name)
    outbox = home / "outbox"
    before = len(list(outbox.glob("receipt-*.eml"))) if outbox.exists() else 0
    after_mail, seconds = child("bench.intake", ["run", str(home), month.period], env)
    idle_s, trivial_s = min(s for _, s in idle), min(trivial)
    return {
        "idle_s": round(idle_s, 3),
        "idle_runs_s": [round(s, 3) for _, s in idle],
        "idle_heavy_modules": sorted({m for out, _ in idle for m in out["heavy"]}),
        "trivial_flow_s": round(trivial_s, 3),
        "trivial_runs_s": [round(s, 3) for s in trivial],
        "idle_over_trivial": round(idle_s / trivial_s, 2) if trivial_s else None,
        "run_after_mail_s": round(seconds, 3),
        "run_after_mail_counts": after_mail["counts"],
        "receipts_after_mail": len(list(outbox.glob("receipt-*.eml"))) - before,
    }


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The intake's two target lines, when the bench measured it."""
    if "intake" not in report:
        return []
    i = report["intake"]
    ratio = i["idle_over_trivial"]
    after = i["run_after_mail_s"] if i["receipts_after_mail"] > 0 else None
    return [
        {
            "target": "intake, no new mail ÷ trivial flow",
            "value": ratio,
            "limit": IDLE_OVER_TRIVIAL,
            "unit": "×",
            "met": ratio is not None and ratio <= IDLE_OVER_TRIVIAL and not i["idle_heavy_modules"],
        },
        {
            "target": "intake run after one new mail (its receipt in the outbox)",
            "value": after,
            "limit": RUN_AFTER_MAIL_S,
            "unit": "s",
            "met": after is not None and after <= RUN_AFTER_MAIL_S,
        },
    ]


def summary(report: dict[str, Any]) -> list[str]:
    """The intake's lines of the text summary."""
    if "intake" not in report:
        return []
    i = report["intake"]
    heavy = ", ".join(i["idle_heavy_modules"]) or "neither GX nor pandas"
    return [
        "",
        f"intake, no new mail (fresh process, best of {i['idle_runs_s']}): {i['idle_s']:.2f} s "
        f"= {i['idle_over_trivial']} × a trivial flow ({i['trivial_flow_s']:.2f} s, best of "
        f"{i['trivial_runs_s']}); loaded: {heavy}",
        f"intake after one new mail: {i['run_after_mail_s']:.2f} s, "
        f"{i['receipts_after_mail']} receipt(s) in the outbox; the run's counts "
        f"{i['run_after_mail_counts']}",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
