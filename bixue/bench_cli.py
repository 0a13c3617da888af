"""`bixue bench`: the benchmark command; bixue.cli calls register() when it builds the parser.

The benchmark itself lives in the top-level `bench` package and is imported only when the
command runs, so no other command pays for it.
"""

from __future__ import annotations

import argparse

from bixue.config import Settings


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Add `bixue bench --scale realistic|province|national|all [--format json]`."""
    from bench.options import add_arguments

    bench = sub.add_parser(
        "bench",
        parents=parents,
        help="性能测试：按规模放大的月份跑完整流程，记录各环节耗时、吞吐和内存",
    )
    add_arguments(bench)
    bench.set_defaults(func=cmd_bench)


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    """Run the benchmark (its work folder defaults to <home>/bench)."""
    from bench.run import run_command

    if args.root is None:
        args.root = settings.home / "bench"
    return run_command(args)
