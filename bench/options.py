"""The benchmark's command-line options: argparse only, cheap to import for `bixue --help`."""

from __future__ import annotations

import argparse
from pathlib import Path

ALL = ("realistic", "province", "national")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `bixue bench` and `python -m bench.run` share."""
    parser.add_argument(
        "--scale",
        choices=[*ALL, "all", "tiny", "national-slice"],
        default="all",
        help=(
            "规模：realistic（一个州）、province（全省）、national（全国）或 all"
            "（tiny 供测试，national-slice 为全国的十分之一）"
        ),
    )
    parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
    parser.add_argument("--root", type=Path, help="工作目录（默认 <home>/bench，即 var/bench）")
    parser.add_argument("--no-flow", action="store_true", help="不运行基线和 Prefect 流程")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="列出耗时最多的 N 个函数"
    )
    parser.add_argument("--output", type=Path, help="另将 JSON 报告写入此文件")
    parser.add_argument("--markdown", type=Path, help="更新此文件中的数据（如 BENCHMARKS.md）")
    parser.add_argument(
        "--budget",
        type=float,
        default=300.0,
        metavar="秒数",
        help="某一规模的流程运行超过此时长即停止并报告已完成部分（0：不限）",
    )
