"""The floor: a fresh process that imports the stack and runs one trivial flow, nothing else.

Run as `python -m bench.floor HOME` with the same Prefect environment as the pipeline's flow.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from bixue.cli import prefect_environment

    prefect_environment(Path(args[0]))
    from bixue.rules.gx import import_gx

    import_gx()  # as validation imports it
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401
    import sqlalchemy  # noqa: F401
    from prefect import flow

    @flow(name="bench-floor")
    def trivial() -> int:
        return 1

    return 0 if trivial() == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
