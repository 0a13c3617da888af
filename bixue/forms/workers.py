"""Workbooks parsed in worker processes when a batch holds many: parsing is CPU-bound Python.

A run's pool starts on the first large batch and serves every later one; a small batch (the
realistic month) is parsed in the run's own process, where starting workers would cost more
than it saves. Results come back pickled (object columns pickle at ~5 % of their parse time).
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from bixue.forms.derive import derive
from bixue.forms.parse import ParsedWorkbook, parse_workbook

log = logging.getLogger(__name__)

# Below this many workbooks a batch is parsed in-process.
PARALLEL_FROM = 64
_pools: dict[int, ProcessPoolExecutor] = {}


def parse_file(path: str, codes: Mapping[str, str]) -> ParsedWorkbook:
    """A landed workbook parsed, its derived fields filled in (runs in a worker too)."""
    parsed = parse_workbook(Path(path).read_bytes())
    for sheet in parsed.sheets:
        sheet.frame = derive(sheet.form, sheet.frame, codes)
    return parsed


def _pool(workers: int) -> ProcessPoolExecutor:
    """The process's pool of `workers` parse processes, started once (spawn: no forked locks)."""
    if workers not in _pools:
        context = multiprocessing.get_context("spawn")
        _pools[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return _pools[workers]


def parse_files(
    paths: list[str], codes: Mapping[str, str], workers: int, parallel_from: int = PARALLEL_FROM
) -> dict[str, ParsedWorkbook]:
    """Every path parsed, in worker processes when there are enough of them to pay off."""
    if workers < 2 or len(paths) < parallel_from:
        return {path: parse_file(path, codes) for path in paths}
    chunk = max(1, len(paths) // (workers * 8))
    try:
        done = _pool(workers).map(parse_file, paths, [dict(codes)] * len(paths), chunksize=chunk)
        return dict(zip(paths, done, strict=True))
    except BrokenProcessPool:
        # A worker died (killed for memory, say): nothing is lost, parse here instead.
        log.warning("parse workers stopped; parsing %d workbooks in-process", len(paths))
        _pools.pop(workers, None)
        return {path: parse_file(path, codes) for path in paths}


def shutdown() -> int:
    """Stop the parse workers (they end with the process anyway); how many pools there were."""
    pools = list(_pools.values())
    _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True)
    return len(pools)
