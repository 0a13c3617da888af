"""Baselines on the same files: a raw python-calamine read and a raw executemany insert.

Run as `python -m bench.baseline LANDING_DIR DB_URL [PROCESSES]` in a fresh process after the
pipeline landed the month; prints one JSON line. The insert is SQLAlchemy Core executemany into
SQLite (COPY when the URL is PostgreSQL), one transaction, one generic row per data row.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

WIDTH = 12  # the widest form has 10 columns
HEADER_FIRST_CELLS = ("序号", "县市")


def data_rows(grid: list[list[Any]]) -> list[list[Any]]:
    """The rows under a form's header, up to its notes: no parsing, only the table's extent."""
    start = next(
        (i + 1 for i, row in enumerate(grid) if row and str(row[0]).strip() in HEADER_FIRST_CELLS),
        len(grid),
    )
    out = []
    for row in grid[start:]:
        if row and str(row[0]).startswith("注"):
            break
        if row and row[0] not in ("", None):  # hint and sub-header rows have no first cell
            out.append(row)
    return out


def read_all(paths: list[Path], processes: int = 1) -> tuple[list[tuple[Any, ...]], float]:
    """Every data row of every sheet of every workbook, as flat tuples; and the read's seconds.

    With one process only opening the files and python-calamine's to_python() count as the
    read. With several (as many as the pipeline's parse workers, when it uses them) the read
    is the wall time of them all, handing their rows back included, as the pipeline's is.
    """
    if processes < 2:
        return _read(list(enumerate(paths)))
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    numbered = list(enumerate(paths))
    parts = [numbered[i::processes] for i in range(processes)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        list(pool.map(_started, range(processes)))  # workers up before the clock starts
        started = time.perf_counter()
        done = list(pool.map(_read, parts))
        read_s = time.perf_counter() - started
    rows = sorted((row for part, _ in done for row in part), key=lambda r: r[:3])
    return rows, read_s


def _started(_: int) -> bool:
    import python_calamine  # noqa: F401

    return True


def _read(paths: list[tuple[int, Path]]) -> tuple[list[tuple[Any, ...]], float]:
    from python_calamine import CalamineWorkbook

    read_s = 0.0
    rows: list[tuple[Any, ...]] = []
    for number, path in paths:
        started = time.perf_counter()
        book = CalamineWorkbook.from_path(str(path))
        grids = [
            (name, book.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in book.sheet_names
        ]
        read_s += time.perf_counter() - started
        for name, grid in grids:
            for r, row in enumerate(data_rows(grid)):
                cells = [None if v == "" else str(v) for v in row[:WIDTH]]
                cells += [None] * (WIDTH - len(cells))
                rows.append((number, name, r, *cells))
    return rows, read_s


def insert_all(url: str, rows: list[tuple[Any, ...]]) -> float:
    """Seconds to insert every row in one transaction (executemany, or COPY on PostgreSQL)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    meta = sa.MetaData()
    columns = [sa.Column(f"c{i}", sa.Text) for i in range(WIDTH)]
    table = sa.Table(
        "bench_raw_rows",
        meta,
        sa.Column("file", sa.Integer),
        sa.Column("sheet", sa.Text),
        sa.Column("row", sa.Integer),
        *columns,
    )
    meta.drop_all(engine)
    meta.create_all(engine)
    names = [c.name for c in table.columns]
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:  # type: ignore[attr-defined]
                statement = f"COPY bench_raw_rows ({', '.join(names)}) FROM STDIN"
                with cur.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            conn.execute(table.insert(), [dict(zip(names, r, strict=True)) for r in rows])
    elapsed = time.perf_counter() - started
    meta.drop_all(engine)
    engine.dispose()
    return elapsed


def workbooks(landing: Path) -> list[Path]:
    """The landed attachments that are xlsx workbooks (zip files), in a stable order."""
    found = []
    for path in sorted((landing / "attachments").rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                if fh.read(2) == b"PK":
                    found.append(path)
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    landing, url = args[:2]
    paths = workbooks(Path(landing))
    # As many processes as the run's batches had (one inline, the workers on a process pool):
    # parse is compared on the same cores.
    processes = int(args[2]) if len(args) > 2 else 1
    rows, read_s = read_all(paths, processes)
    insert_s = insert_all(url, rows)
    result = {
        "files": len(paths),
        "read_processes": processes,
        "rows": len(rows),
        "read_s": round(read_s, 4),
        "insert_s": round(insert_s, 4),
        "baseline_s": round(read_s + insert_s, 4),
        "read_rows_per_s": round(len(rows) / max(read_s, 1e-9), 1),
        "insert_rows_per_s": round(len(rows) / max(insert_s, 1e-9), 1),
    }
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
