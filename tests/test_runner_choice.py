"""Where a month's batches run: one validated choice from settings.yaml `run:` and the
environment, and batches planned so that the order they finish in changes nothing."""

from __future__ import annotations

import pytest

from bixue.config import ConfigError, RunSettings, runner_choice
from bixue.mail.intake import plan_waves
from bixue.model import LandedAttachment
from tests.factories import landed_message

CASES = [
    # (run section, environment, kind, workers, address)
    ({}, {}, "process", None, ""),
    ({"task_runner": "inline"}, {}, "inline", None, ""),
    ({"workers": 3}, {}, "process", 3, ""),
    ({}, {"BIXUE_WORKERS": "5"}, "process", 5, ""),
    ({}, {"BIXUE_DASK_ADDRESS": "tcp://10.0.0.5:8786"}, "dask", None, "tcp://10.0.0.5:8786"),
    ({"task_runner": "dask", "dask_address": "sched:8786"}, {}, "dask", None, "sched:8786"),
    (
        {"dask_address": "sched:8786"},
        {"BIXUE_TASK_RUNNER": "dask", "BIXUE_DASK_ADDRESS": "tls://other:8786"},
        "dask",
        None,
        "tls://other:8786",
    ),
    (
        {"task_runner": "dask", "dask_address": "s:1"},
        {"BIXUE_TASK_RUNNER": "inline"},
        "inline",
        None,
        "s:1",
    ),
]


@pytest.mark.parametrize(("run", "env", "kind", "workers", "address"), CASES)
def test_the_runner_is_chosen_from_the_run_settings_and_the_environment(
    run: dict, env: dict, kind: str, workers: int | None, address: str
) -> None:
    import os

    choice = runner_choice(RunSettings(**run), env)
    assert (choice.kind, choice.address) == (kind, address)
    assert choice.workers == (workers or os.cpu_count() or 1)


WRONG = [
    ({"task_runner": "dask"}, {}, "Dask 调度器地址"),
    ({}, {"BIXUE_TASK_RUNNER": "ray"}, "BIXUE_TASK_RUNNER：应为 inline、process 或 dask"),
    ({}, {"BIXUE_WORKERS": "two"}, "BIXUE_WORKERS：应为进程数"),
    ({}, {"BIXUE_WORKERS": "-1"}, "不能为负数"),
    ({}, {"BIXUE_DASK_ADDRESS": "http://x/y"}, "应形如 tcp://主机:端口"),
]


@pytest.mark.parametrize(("run", "env", "says"), WRONG)
def test_a_wrong_runner_setting_is_refused_in_chinese(run: dict, env: dict, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        runner_choice(RunSettings(**run), env)


def _message(name: str, sender: str, size: int) -> object:
    attachment = LandedAttachment(f"{name}a", "a.xlsx", False, "xlsx", size, "")
    return landed_message(raw_sha256=name, sender=sender, attachments=[attachment])


def _group(msg: object) -> tuple[int, str]:
    sender = msg.sender  # type: ignore[attr-defined]
    return (0 if sender.startswith("stats") else 1), sender


@pytest.mark.parametrize(
    ("mail", "limit", "expected"),
    [
        # fits one batch: that batch as it arrived, whoever sent what
        ([("u1", 3), ("stats", 1), ("u1", 3)], 10, [[["m0", "m1", "m2"]]]),
        # a unit's correction stays in its first report's batch, after it
        ([("u1", 4), ("u2", 4), ("u1", 4), ("u3", 4)], 10, [[["m0", "m2"], ["m1", "m3"]]]),
        # the statistics are a wave of their own, loaded before the units' batches
        ([("u1", 6), ("stats", 1), ("u2", 6)], 10, [[["m1"]], [["m0"], ["m2"]]]),
        # a sender heavier than a batch is a batch of its own, never split
        ([("u1", 8), ("u1", 8), ("u2", 1)], 10, [[["m0", "m1"], ["m2"]]]),
    ],
)
def test_batches_keep_a_senders_mail_together_and_statistics_first(
    mail: list[tuple[str, int]], limit: int, expected: list[list[list[str]]]
) -> None:
    messages = [_message(f"m{i}", sender, size) for i, (sender, size) in enumerate(mail)]
    waves = plan_waves(messages, limit, _group)  # type: ignore[arg-type]
    assert [[[m.raw_sha256 for m in batch] for batch in wave] for wave in waves] == expected


def test_mail_is_grouped_by_its_registered_sender_statistics_first(settings: object) -> None:
    from bixue.forms.submissions import sender_group

    def group(sender: str) -> tuple[int, str]:
        return sender_group(settings, landed_message(sender=sender))  # type: ignore[arg-type]

    assert group("tongji@zs.chuxiong.example") == (0, "州招商委办公室统计组")
    assert group("lfs@zs.chuxiong.example") == (1, "禄丰市")
    assert group("stranger@example.com") == (1, "stranger@example.com")


@pytest.mark.parametrize(
    ("already", "inside", "after"),
    [
        # a run on Prefect's temporary server: the pool's workers get its address, then it goes
        (None, "http://127.0.0.1:8123/api", None),
        # a run against a configured server: its address is left as it is
        ("http://prefect:4200/api", "http://prefect:4200/api", "http://prefect:4200/api"),
    ],
)
def test_the_pool_is_pointed_at_the_runs_own_api_only_while_its_batches_run(
    monkeypatch: pytest.MonkeyPatch, already: str | None, inside: str, after: str | None
) -> None:
    import os
    from types import SimpleNamespace
    from typing import Any, cast

    from flows.runner import shared_api

    if already is None:
        monkeypatch.delenv("PREFECT_API_URL", raising=False)
    else:
        monkeypatch.setenv("PREFECT_API_URL", already)
    context = cast(
        Any, SimpleNamespace(client=SimpleNamespace(api_url="http://127.0.0.1:8123/api/"))
    )
    with shared_api(context):
        assert os.environ["PREFECT_API_URL"] == inside
    assert os.environ.get("PREFECT_API_URL") == after
