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
        help="realistic, province, national or all (tiny: for tests; national-slice: a tenth)",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--root", type=Path, help="work folder (default <home>/bench, var/bench)")
    parser.add_argument(
        "--no-flow", action="store_true", help="skip the floor and the Prefect flow runs"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="list the N hottest functions"
    )
    parser.add_argument("--output", type=Path, help="also write the JSON report here")
    parser.add_argument(
        "--markdown", type=Path, help="replace the figures in this file (e.g. BENCHMARKS.md)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="stop a scale's pipeline run after this long and report what finished (0: none)",
    )
