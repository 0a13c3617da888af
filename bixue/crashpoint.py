"""Test-only crash hook: ``BIXUE_CRASH_AT=<point>[:<n>]`` SIGKILLs the run at a step boundary.

Off unless the variable is set (never set it in production). The crash harness
(tests/test_crash.py) uses it to kill a real ``bixue ingest`` at each named point and then
checks that a rerun converges to the state of an uninterrupted run. ``n`` (default 1) picks
the n-th time the point is reached, e.g. ``mid-load:3`` dies after the third message loaded.

Points: after-fetch (mailbox read, nothing landed), mid-landing (one message landed),
mid-load (a message recorded), after-load (all recorded, no notice queued), mid-send (a notice
sent and its ledger row committed), mid-mark (a message flagged in the mailbox), mid-circulate
(`bixue circulate`: one result mail sent and its score_send row committed).
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "after-fetch",
    "mid-landing",
    "mid-load",
    "after-load",
    "mid-send",
    "mid-mark",
    "mid-circulate",
)
_hits: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Die here, as a power cut or the OOM killer would, when the test hook names this point."""
    wanted = os.environ.get("BIXUE_CRASH_AT")
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
