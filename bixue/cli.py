"""The `bixue` command: the office's entry point to every job, each against one home folder."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bixue.config import ConfigError, Settings, load_settings
from bixue.runlock import RunLockBusyError
from bixue.warehouse.db import WarehouseMissingError


class UsageError(Exception):
    """A command-line value is wrong; said in one line, without a traceback."""


CATEGORY_ZH = {"county": "县市、高新区", "group": "招商组、平台"}


def prefect_environment(home: Path) -> None:
    """Prefect's own state inside the home; settings that make its temporary server start here."""
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    # The temporary server needs 18–27 s to start on these machines; the default waits 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # Without internet every start prints telemetry tracebacks.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain text table whose columns line up for CJK text (two cells per wide character)."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    def pad(text: str, size: int) -> str:
        return text + " " * (size - width(text))

    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    sizes = [max([width(c), *(width(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(pad(c, sizes[i]) for i, c in enumerate(columns))]
    lines.append("  ".join("-" * s for s in sizes))
    lines += ["  ".join(pad(v, sizes[i]) for i, v in enumerate(row)) for row in cells]
    return "\n".join(lines)


def cmd_units(settings: Settings, args: argparse.Namespace) -> int:
    """List the registered units and their sender addresses."""
    rows: list[dict[str, Any]] = [
        {"name": u.name, "category": u.category, "senders": list(u.senders)} for u in settings.units
    ]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        shown = [
            {
                "单位": r["name"],
                "类别": CATEGORY_ZH[r["category"]],
                "登记邮箱": ", ".join(r["senders"]),
            }
            for r in rows
        ]
        print(_table(shown, ["单位", "类别", "登记邮箱"]))
    return 0


def cmd_templates(settings: Settings, args: argparse.Namespace) -> int:
    """Write the blank forms the office sends to units."""
    from bixue.forms.templates import write_templates

    paths = write_templates(Path(args.out), year=args.year)
    for path in paths:
        print(path)
    return 0


def _run_months(settings: Settings, periods: list[str], show: Callable[[str], None]) -> list[dict]:
    """Run the monthly flow for each period in this one process: Prefect starts once."""
    prefect_environment(settings.home)
    from flows.monthly_ingest import monthly_ingest

    results = []
    for i, period in enumerate(periods, start=1):
        show(f"[{i}/{len(periods)}] {period} 处理中…")
        started = time.monotonic()
        counts = monthly_ingest(period=period, home=str(settings.home))
        elapsed = time.monotonic() - started
        show(
            f"[{i}/{len(periods)}] {period} 完成（{elapsed:.1f} 秒）："
            f"本期报表 {counts['received']} 份，受理 {counts['accepted']}，"
            f"未通过 {counts['rejected']}，入库 {counts['rows_loaded']} 行"
        )
        results.append({"period": period, **counts})
    return results


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Run the monthly flow for one period."""
    from bixue.periods import parse_period

    try:
        parse_period(args.period)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    [result] = _run_months(settings, [args.period], _progress)
    print(
        json.dumps(result, ensure_ascii=False)
        if args.format == "json"
        else _table([result], list(result))
    )
    return 0


def _fresh_home(home: Path) -> None:
    """Empty the home but Prefect's own folder, which only makes the next start faster."""
    home.mkdir(parents=True, exist_ok=True)
    for child in home.iterdir():
        if child.name == "prefect":
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """A fresh home, the sample year in its mailbox, every month ingested, a summary printed."""
    from bixue.runtime import warehouse
    from bixue.sample.generate import generate_year
    from bixue.warehouse.load import month_summary

    _fresh_home(settings.home)
    months = range(1, args.months + 1)
    _progress(f"生成{args.year}年样例数据（{len(months)}个月）…")
    sample = generate_year(settings.mailbox_path, settings, year=args.year, months=months)
    _progress(f"样例邮件 {len(sample.messages)} 封已投递到 {settings.mailbox_path}")
    periods = [f"{args.year}-{m:02d}" for m in months]
    _run_months(settings, periods, _progress)
    engine = warehouse(str(settings.home))
    rows = []
    for period in periods:
        s = month_summary(engine, period)
        rows.append(
            {
                "月份": period,
                "收到报表": s["received"],
                "受理": s["accepted"],
                "未通过": s["rejected"],
                "入库行数": s["rows_loaded"],
            }
        )
    print(_table(rows, ["月份", "收到报表", "受理", "未通过", "入库行数"]))
    if args.months == 12:  # with fewer months the quarters would be scored on missing data
        from bixue.scoring.commands import demo_year

        demo_year(engine, settings, args.year)
    receipts = len(list(settings.outbox_path.glob("receipt-*.eml")))
    status = len(list(settings.outbox_path.glob("status-*.eml")))
    print(f"\n回执邮件 {receipts} 封、报送情况邮件 {status} 封：{settings.outbox_path}")
    print(f"数据仓库：{settings.warehouse_url}")
    return 0


STATE_ZH = {"accepted": "已受理", "rejected": "未通过", "late": "迟报", "missing": "未报送"}


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """Every unit's standing for a report month, as the office follows up on it."""
    from bixue.forms.spec import WORKBOOK_NAMES
    from bixue.periods import parse_period
    from bixue.warehouse.db import connect_readonly
    from bixue.warehouse.status import month_status

    try:
        parse_period(args.period)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    status = month_status(connect_readonly(settings.warehouse_url), settings, args.period)
    if settings.sender_check_warning:
        print(f"bixue: {settings.sender_check_warning}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    rows = []
    for unit in status:
        newest = {s["form"]: s for s in unit["submissions"]}
        detail = "；".join(
            f"{WORKBOOK_NAMES.get(form or '', '报表').split('：')[0]} "
            f"第{s['version']}版 {STATE_ZH[s['state']]}"
            + (f"（{len(s['problems'])}个问题）" if s["problems"] else "")
            for form, s in newest.items()
        )
        rows.append({"单位": unit["unit"], "状态": STATE_ZH[unit["state"]], "报表": detail or "—"})
    print(_table(rows, ["单位", "状态", "报表"]))
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    """Migrate the warehouse (upgrade to the newest schema, or step back) and say where it is."""
    from sqlalchemy import create_engine

    from bixue.warehouse import migrate

    engine = create_engine(settings.warehouse_url)
    if args.action == "upgrade":
        if settings.warehouse_url.startswith("sqlite:///"):
            Path(settings.warehouse_url.removeprefix("sqlite:///")).parent.mkdir(
                parents=True, exist_ok=True
            )
        migrate.upgrade(engine, args.to or "heads")
    elif args.action == "downgrade":
        if not args.to:
            raise UsageError("db downgrade needs --to REVISION (e.g. -1)")
        migrate.downgrade(engine, args.to)
    print(migrate.current(engine) or "(empty)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    home = argparse.ArgumentParser(add_help=False)
    home.add_argument(
        "--home",
        help="folder holding all state of this installation (default ./var, or BIXUE_HOME)",
    )
    parser = argparse.ArgumentParser(
        prog="bixue", description="Chuxiong 比学赶超 submissions pipeline"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    units = sub.add_parser("units", parents=[home], help="list the registered reporting units")
    units.add_argument("--format", choices=["json", "table"], default="table")
    units.set_defaults(func=cmd_units)

    templates = sub.add_parser("templates", parents=[home], help="write the blank forms")
    templates.add_argument("--out", required=True, help="folder to write the .xlsx templates into")
    templates.add_argument("--year", type=int, default=2023)
    templates.set_defaults(func=cmd_templates)

    ingest = sub.add_parser(
        "ingest", parents=[home], help="run the monthly ingestion for one period"
    )
    ingest.add_argument("--period", required=True, help="report month as YYYY-MM, e.g. 2023-05")
    ingest.add_argument("--format", choices=["json", "table"], default="table")
    ingest.set_defaults(func=cmd_ingest)

    status = sub.add_parser("status", parents=[home], help="every unit's standing for a month")
    status.add_argument("--period", required=True, help="report month as YYYY-MM")
    status.add_argument("--format", choices=["json", "table"], default="table")
    status.set_defaults(func=cmd_status)

    db = sub.add_parser("db", parents=[home], help="warehouse migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("--to", help="target revision (upgrade default: head; downgrade e.g. -1)")
    db.set_defaults(func=cmd_db)

    demo = sub.add_parser(
        "demo", parents=[home], help="fresh home, sample year, every month ingested"
    )
    demo.add_argument("--year", type=int, default=2023)
    demo.add_argument("--months", type=int, choices=range(1, 13), default=12, metavar="1-12")
    demo.set_defaults(func=cmd_demo)
    for register in _command_modules():
        register(sub, [home])
    return parser


def _command_modules() -> list[Callable[..., None]]:
    """Subcommands that live with their stage: each module has register(subparsers, parents)."""
    from bixue import bench_cli
    from bixue.mail import commands as mail_commands
    from bixue.scoring import commands as scoring_commands

    return [mail_commands.register, scoring_commands.register, bench_cli.register]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.home)
        return int(args.func(settings, args))
    except (ConfigError, UsageError, WarehouseMissingError) as exc:
        print(f"bixue: {exc}", file=sys.stderr)
        return 2
    except RunLockBusyError as exc:  # another run holds the home: nothing was done
        print(f"bixue: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    raise SystemExit(main())
