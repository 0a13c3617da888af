"""A month read in batches (bounded memory) lands exactly as the month read in one go."""

from __future__ import annotations

from pathlib import Path

import pytest

from bixue.config import Settings, load_settings
from bixue.mail.intake import in_batches
from bixue.model import LandedAttachment
from bixue.sample.generate import generate_year
from bixue.warehouse.db import connect
from bixue.warehouse.dimensions import sync_dimensions
from tests.factories import landed_message
from tests.flows.running import run_month
from tests.warehouse import test_demo_year as demo


def _message(name: str, *sizes: int) -> object:
    attachments = [
        LandedAttachment(f"{name}{i}", "a.xlsx", False, "xlsx", size, "")
        for i, size in enumerate(sizes)
    ]
    return landed_message(raw_sha256=name, attachments=attachments)


@pytest.mark.parametrize(
    ("sizes", "limit", "expected"),
    [
        ([], 10, [[]]),
        ([(4,), (4,), (4,)], 10, [["m0", "m1"], ["m2"]]),
        ([(4,), (3, 3), (1,)], 10, [["m0", "m1"], ["m2"]]),
        ([(25,), (4,), (4,)], 10, [["m0"], ["m1", "m2"]]),  # too big for a batch: alone, whole
        ([(4,), (25,), (4,)], 10, [["m0"], ["m1"], ["m2"]]),
        ([(), (), (10,)], 10, [["m0", "m1", "m2"]]),  # mail without attachments weighs nothing
        ([(4,), (4,)], 8, [["m0", "m1"]]),  # exactly at the limit
    ],
)
def test_messages_are_cut_in_arrival_order_into_batches_of_bounded_size(
    sizes: list[tuple[int, ...]], limit: int, expected: list[list[str]]
) -> None:
    messages = [_message(f"m{i}", *s) for i, s in enumerate(sizes)]
    batches = in_batches(messages, limit)  # type: ignore[arg-type]
    assert [[m.raw_sha256 for m in batch] for batch in batches] == expected


def _run(home: Path, batch_mb: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, dict]:
    monkeypatch.setenv("BIXUE_BATCH_MB", batch_mb)
    settings = load_settings(home)
    generate_year(settings.mailbox_path, settings, months=[1, 2])
    for period in ("2023-01", "2023-02"):
        run_month(settings, period)
    engine = connect(settings.warehouse_url)
    # Where the mail is kept differs between the two homes; what it says must not.
    monkeypatch.setattr(demo, "VOLATILE", demo.VOLATILE | {"raw_path", "stored_path"})
    return settings, demo.checksums(engine)


def test_a_batch_ingested_keeps_its_counts_and_lets_its_rows_go(tmp_path: Path) -> None:
    from bixue.mail import intake
    from bixue.mail.source import close_source, open_source
    from bixue.warehouse.ingest import ingest_batch

    settings = load_settings(tmp_path / "home")
    generate_year(settings.mailbox_path, settings, months=[1])
    engine = connect(settings.warehouse_url)
    sync_dimensions(engine, settings)
    source = open_source(settings)
    try:
        raws = intake.fetch_new(source, engine)
    finally:
        close_source(source)
    landed = intake.land_messages(settings.landing_path, raws, intake.policy_for(settings))
    messages, submissions, rows = ingest_batch(settings, engine, "2023-01", landed)
    assert messages == landed and rows > 0
    sheets = [sheet for s in submissions for sheet in s.sheets]
    assert sheets and all(sheet.frame.empty for sheet in sheets)
    assert sum(sheet.rows for sheet in sheets) > 0


@pytest.mark.prefect
def test_a_month_in_small_batches_lands_as_the_month_in_one_batch(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole_settings, whole = _run(tmp_path / "whole", "1024", monkeypatch)
    small_settings, small = _run(tmp_path / "small", "0.1", monkeypatch)  # ~100 KB: several batches
    assert small == whole
    assert whole["fact_a3"][0] > 0 and whole["problem"][0] > 0
    outboxes = [
        sorted(p.name for p in s.outbox_path.rglob("*.eml"))
        for s in (whole_settings, small_settings)
    ]
    assert len(outboxes[0]) == len(outboxes[1]) > 20


def test_releasing_a_sheet_keeps_its_row_count_and_lets_the_rows_go() -> None:
    import gc
    import weakref

    import numpy as np
    import pandas as pd

    from bixue.forms.parse import ParsedSheet

    values = np.array([f"项目{i}" for i in range(1000)], dtype=object)
    sheet = ParsedSheet("a3", "Sheet1", pd.DataFrame({"project_name": values}), {})
    rows = weakref.ref(values)
    del values
    sheet.release()
    gc.collect()
    assert sheet.rows == 1000 and sheet.frame.empty
    assert list(sheet.frame.columns) == ["project_name"]
    assert rows() is None  # nothing holds the 1,000 rows any more
