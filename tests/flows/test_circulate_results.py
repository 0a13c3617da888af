"""The circulate-results flow on Prefect's own server: preview writes and sends nothing, then
the real run locks 第1版 and sends each recipient once; a rerun sends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bixue.config import Settings
from bixue.render.circulation import ledger
from bixue.runtime import warehouse
from bixue.scoring.gate import IncompleteInputsError

pytestmark = pytest.mark.prefect


def test_preview_then_circulate_then_rerun_sends_each_mail_once(
    prefect_server: None, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.circulate_results import circulate_results

    monkeypatch.setenv("BIXUE_MAIL_OUT", "outbox")
    home = str(settings.home)
    with pytest.raises(IncompleteInputsError):  # an empty warehouse: the gate stops the flow
        circulate_results("2023Q1", preview=True, home=home)

    shown = circulate_results("2023Q1", preview=True, allow_incomplete=True, home=home)
    assert Path(shown["preview"]) == settings.home / "preview" / "2023Q1"
    assert not settings.outbox_path.exists() or not list(settings.outbox_path.glob("results-*"))

    sent = circulate_results("2023Q1", preview=False, allow_incomplete=True, home=home)
    assert sent["version"] == 1 and sent["sent"] == sent["mails"] > 20 and not sent["failed"]
    assert len(list(settings.outbox_path.glob("results-2023q1-v1-*.eml"))) == sent["mails"]
    again = circulate_results("2023Q1", preview=False, allow_incomplete=True, home=home)
    assert again["sent"] == 0 and again["skipped"] == sent["mails"]
    rows = ledger(warehouse(home), "2023Q1", 1)
    assert {r["state"] for r in rows} == {"sent"} and len(rows) == sent["mails"]
