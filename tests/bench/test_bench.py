"""The benchmark's generator and report at a tiny scale (figures are the benchmark's job)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.generate import SCALES, generate_month, patch_unit, scaled_unit
from bench.run import run_bench
from bixue.bench_cli import register
from bixue.cli import PREFECT_DEFAULTS
from bixue.config import Settings
from bixue.forms.parse import parse_workbook
from bixue.forms.templates import render_workbook
from bixue.mail.message import parse_message

STAGES = ("mailbox_read", "parse", "validate", "load", "measures", "score", "notices")


def test_tiny_month_has_the_promised_shape(tmp_path: Path) -> None:
    month = generate_month(SCALES["tiny"], tmp_path / "tiny")
    settings = Settings(home=month.home, config_dir=month.config_dir)
    settings.validate()
    names = [u.name for u in settings.units]
    assert len(names) == len(set(names)) == 40
    assert "楚雄市" in names and "昆明市_楚雄市" in names
    files = sorted((month.home / "mailbox" / "new").iterdir())
    assert len(files) == month.messages
    # 11 counties (附件3 + ledger), 9 groups (附件3 + 附件5), 附件4 only for 楚雄州's two units.
    assert month.by_workbook == {
        "a3": 40,
        "a4": 2,
        "a5": 18,
        "ledger": 22,
        "stats_fdi": 1,
        "stats_funds": 1,
    }
    assert month.workbooks == sum(month.by_workbook.values())
    parsed = parse_message(files[-1].read_bytes())
    books = [parse_workbook(a.content) for a in parsed.attachments if a.filename.endswith("xlsx")]
    # the new 在谈/已签约 projects of a scaled 附件3 each have their document with it
    documents = [a for a in parsed.attachments if a.filename.endswith(".pdf")]
    assert bool(documents) == any(b.workbook == "a3" for b in books)
    assert books and all(b.workbook and not b.problems for b in books)
    sender = next(u for u in settings.units if parsed.sender in u.senders)
    for book in books:
        assert book.unit_text == sender.name
        if book.workbook in ("a3", "a5", "ledger"):
            assert sum(len(s.frame) for s in book.sheets) == SCALES["tiny"].rows


def test_patched_workbook_names_the_unit_in_the_real_layout() -> None:
    data = render_workbook("a3", year=2023, month=9, unit="BXUNITPLACEHOLDER", rows={"a3": []})
    unit = scaled_unit(Settings(home=Path(".")).unit("禄丰市"), 3)
    book = parse_workbook(patch_unit(data, unit.name))
    assert (book.workbook, book.unit_text, book.period) == ("a3", "玉溪市_禄丰市", (2023, 9))


def test_command_options() -> None:
    parser = argparse.ArgumentParser()
    home = argparse.ArgumentParser(add_help=False)
    home.add_argument("--home")
    register(parser.add_subparsers(dest="command"), [home])
    args = parser.parse_args(["bench", "--scale", "national", "--format", "json"])
    assert (args.scale, args.format, args.no_flow) == ("national", "json", False)
    with pytest.raises(SystemExit):
        parser.parse_args(["bench", "--scale", "planet"])


def test_tiny_report_has_every_field(tmp_path: Path) -> None:
    report = run_bench(["tiny"], tmp_path / "bench", flow=False)
    [scale] = report["scales"]
    for key in ("scale", "total_s", "floor_s", "baseline_s", "data_s", "peak_rss_mb", "stages"):
        assert key in scale
    assert scale["scale"] == "tiny"
    assert tuple(scale["stages"]) == STAGES
    for figures in scale["stages"].values():
        assert figures["wall_s"] >= 0 and figures["peak_rss_mb"] > 0
        assert figures["rows_per_s"] >= 0 and figures["files_per_s"] >= 0
    counts = scale["counts"]
    assert counts["submissions"] == scale["shape"]["workbooks"] == counts["accepted"]
    assert counts["rows_loaded"] == counts["rows_parsed"] == scale["shape"]["rows"]
    assert scale["baseline"]["rows"] == scale["shape"]["rows"]
    assert scale["baseline_s"] == pytest.approx(
        scale["baseline"]["read_s"] + scale["baseline"]["insert_s"], abs=1e-3
    )
    assert scale["data_s"] > 0 and scale["peak_rss_mb"] > 0
    assert report["scoring"]["periods"] == 4
    # Every new project's document is named after it: the month is the clean one it claims.
    import sqlalchemy as sa

    engine = sa.create_engine(
        f"sqlite:///{tmp_path / 'bench' / 'tiny' / 'home' / 'warehouse.sqlite'}"
    )
    with engine.connect() as conn:
        rules = conn.execute(sa.text("select distinct rule from problem")).scalars().all()
    engine.dispose()
    assert not [r for r in rules if r.startswith("a3.evidence")]
    assert report["machine"]["nproc"] >= 1


def _allocate_in_worker(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])  # touch every page so it is resident
    return len(block)


def test_worker_memory_is_the_workers_own_not_its_parents_at_start() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from bench.stages import children_peak_rss_mb, peak_rss_mb

    parent = bytearray(300 * 1024 * 1024)
    parent[::4096] = b"x" * len(parent[::4096])
    assert peak_rss_mb() >= 300
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(_allocate_in_worker, 120).result() == 120 * 1024 * 1024
        [worker] = children_peak_rss_mb()
    # the worker touched 120 MB of its own; the parent's 300 MB are not counted in it
    assert 120 <= worker < 250
    del parent


def test_mail_written_by_several_processes_is_the_same_as_by_one(tmp_path: Path) -> None:
    import hashlib

    def mailbox(root: Path) -> dict[str, str]:
        new = root / "home" / "mailbox" / "new"
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in new.iterdir()}

    one = generate_month(SCALES["tiny"], tmp_path / "one", workers=1)
    two = generate_month(SCALES["tiny"], tmp_path / "two", workers=2)
    assert one.to_dict() == two.to_dict()
    assert mailbox(tmp_path / "one") == mailbox(tmp_path / "two")
    assert len(mailbox(tmp_path / "one")) == one.messages


def test_raw_read_in_several_processes_gives_the_same_rows_as_one(tmp_path: Path) -> None:
    from bench.baseline import read_all

    month = generate_month(SCALES["tiny"], tmp_path / "tiny")
    paths = []
    for n, mail in enumerate(sorted((month.home / "mailbox" / "new").iterdir())):
        for a in parse_message(mail.read_bytes()).attachments:
            if a.filename.endswith(".xlsx"):
                paths.append(tmp_path / f"{n}-{len(paths)}.xlsx")
                paths[-1].write_bytes(a.content)
    one, _ = read_all(paths, 1)
    two, seconds = read_all(paths, 2)
    assert one == two and seconds > 0
    # every generated data row is read (the statistics office's tables are not scaled)
    assert len(one) >= SCALES["tiny"].rows * (month.workbooks - 2)


def test_stages_on_the_process_runner_time_the_batches_and_the_workers_memory(
    tmp_path: Path,
) -> None:
    """The national month's way: batches on two pool workers, timed as one step, each worker's
    own peak memory sampled while it lived, the whole month loaded."""
    from bench.run import child, child_env

    month = generate_month(SCALES["tiny"], tmp_path / "tiny")
    env = child_env(month.config_dir, tmp_path / "prefect") | {"BIXUE_BATCH_MB": "0.05"}
    args = [str(month.home), str(month.config_dir), month.period, "--runner", "process"]
    found, _ = child("bench.stages", args, env)
    assert found["runner"] == "process" and found["parse_workers"] == 2
    # the workers report to the run's own temporary Prefect server, not one each
    assert found["prefect_servers"] == 1
    # the run's process waits for the workers without pandas or GX: batches come back rowless
    assert found["imported_while_batches"] == []
    # Prefect got the home's settings before it read them: a slow server start is waited for
    assert found["prefect_startup_timeout_s"] == int(
        PREFECT_DEFAULTS["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]
    )
    assert 50 < found["worker_peak_rss_mb"] < 1024
    assert found["peak_rss_with_workers_mb"] > found["peak_rss_mb"] + found["worker_peak_rss_mb"]
    # at one moment: more than the run alone, at most every process at its own peak
    together = found["peak_rss_together_mb"]
    assert found["peak_rss_mb"] < together <= found["peak_rss_with_workers_mb"]
    batches = found["setup"]["batches"]["wall_s"]
    assert found["parse_validate_load_s"] == batches > 0
    # parse, validate and load ran in the workers: not timed here, and not counted twice
    assert all(found["stages"][s]["wall_s"] == 0 for s in ("parse", "validate", "load"))
    assert found["counts"]["submissions"] == month.workbooks == found["counts"]["accepted"]
    assert found["counts"]["rows_loaded"] == month.rows


def test_bench_children_start_with_the_prefect_settings_bixue_sets(tmp_path: Path) -> None:
    """Whatever a child imports first, Prefect finds the long start-up wait already set."""
    from bench.run import child_env

    env = child_env(None, tmp_path / "prefect")
    for name, value in PREFECT_DEFAULTS.items():
        assert env[name] == value
    assert env["PREFECT_HOME"] == str(tmp_path / "prefect")


def test_the_intake_measure_answers_its_new_mail_on_every_bench_in_the_same_root(
    tmp_path: Path,
) -> None:
    """make bench reuses var/bench: a second bench must not find its new mail already read."""
    from bench import intake

    for _ in range(2):
        found = intake.measure(tmp_path, runs=1)
        assert found["receipts_after_mail"] == 1
        assert found["run_after_mail_counts"]["messages"] == 1
        assert found["idle_heavy_modules"] == []
