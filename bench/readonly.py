"""A read-only command in a fresh process: did it import GX or Prefect? (one JSON line)

Run as `python -m bench.readonly HOME COMMAND...`; the command's own output is discarded.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from bixue.cli import main as bixue_main

    with contextlib.redirect_stdout(io.StringIO()):
        code = bixue_main([*args[1:], "--home", args[0]])
    loaded = {
        "exit_code": code,
        "great_expectations": "great_expectations" in sys.modules,
        "prefect": "prefect" in sys.modules,
    }
    sys.stdout.write(json.dumps(loaded) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
