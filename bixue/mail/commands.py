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
    inbox.add_argument("--period", required=True, help="报表月份，写作 YYYY-MM，如 2023-05")
    inbox.add_argument("--format", choices=["table", "json"], default="table", help="输出格式")
    inbox.set_defaults(func=cmd_inbox)


def cmd_inbox(settings: Settings, args: argparse.Namespace) -> int:
    """Every message of the period with its one recorded state, reasons and attachments."""
    from bixue.cli import _table
    from bixue.mail.inbox import inbox, inbox_table_rows
    from bixue.periods import parse_period
    from bixue.warehouse.db import connect_readonly

    try:
        parse_period(args.period)
    except ValueError as exc:
        print(f"bixue: {exc}", file=sys.stderr)
        return 2
    rows = inbox(connect_readonly(settings.warehouse_url), settings, args.period)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    shown = inbox_table_rows(rows)
    if not shown:
        print(f"{args.period}没有已处理的邮件。")
        return 0
    print(_table(shown, list(shown[0])))
    return 0
