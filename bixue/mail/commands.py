"""Subcommands of this stage; bixue.cli calls register() when it builds the parser."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Add this stage's subcommands; each sets func(settings, args) -> exit code."""
