"""Subcommands of this stage; bixue.cli calls register() when it builds the parser."""

from __future__ import annotations

import argparse
import json
import sys

from bixue.config import Settings


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Add this stage's subcommands; each sets func(settings, args) -> exit code."""
    inbox = sub.add_parser(
        "inbox",
        parents=parents,
        help="某月收到的邮件及各自的处理结果（已受理、未通过、已隔离、已忽略）",
    )
    inbox.add_argument(
        "--period", help="报表月份，写作 YYYY-MM，如 2023-05（指定 --unit 时可省略）"
    )
    inbox.add_argument("--unit", help="单位名称：只列该单位的邮件（不指定月份时列出各月）")
    inbox.add_argument("--format", choices=["table", "json"], default="table", help="输出格式")
    inbox.set_defaults(func=cmd_inbox)


def cmd_inbox(settings: Settings, args: argparse.Namespace) -> int:
    """Every message of the period with its one recorded state, reasons and attachments."""
    from bixue.cli import _known_unit, _table
    from bixue.mail.inbox import inbox, inbox_table_rows
    from bixue.periods import parse_period
    from bixue.warehouse.db import connect_readonly

    if args.period is None and args.unit is None:
        print(
            "bixue: 请用 --period YYYY-MM 指定月份，或用 --unit 单位名称 查看单位的邮件",
            file=sys.stderr,
        )
        return 2
    try:
        if args.period is not None:
            parse_period(args.period)
    except ValueError as exc:
        print(f"bixue: {exc}", file=sys.stderr)
        return 2
    unit = _known_unit(settings, args.unit)
    rows = inbox(connect_readonly(settings.warehouse_url), settings, args.period, unit=unit)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    shown = inbox_table_rows(rows)
    if not shown:
        print(f"{args.period or unit}没有已处理的邮件。")
        return 0
    print(_table(shown, list(shown[0])))
    return 0
