"""Passwords from the environment or a Prefect Secret block, read at the moment of use."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bixue.config import ConfigError, secret


def test_the_environment_wins_and_no_prefect_api_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIXUE_SMTP_PASSWORD", "from-env")
    assert secret("BIXUE_SMTP_PASSWORD", "bixue-smtp-password") == "from-env"


def test_without_either_source_the_error_names_the_variable_and_the_block(
    tmp_path: Path,
) -> None:
    """In a process of its own with no Prefect API: answered at once, no temporary server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BIXUE_SMTP"))}
    probe = (
        "from bixue.config import secret\n"
        "try:\n    secret('BIXUE_SMTP_PASSWORD', 'bixue-smtp-password')\n"
        "except Exception as exc:\n    print(type(exc).__name__, exc)\n"
    )
    env["PREFECT_HOME"] = str(tmp_path)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    said = done.stdout
    assert said.startswith("ConfigError") and "BIXUE_SMTP_PASSWORD" in said, done.stderr
    assert "bixue-smtp-password" in said and "PREFECT_API_URL" in said
    assert time.monotonic() - started < 15  # a temporary server takes 20 s and more to start


def test_the_settings_name_the_blocks(settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from bixue.config import Settings

    assert isinstance(settings, Settings)
    monkeypatch.setenv("BIXUE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BIXUE_IMAP_HOST", "127.0.0.1")
    assert settings.smtp.password_block == "bixue-smtp-password"
    assert settings.imap.password_block == "bixue-imap-password"
    monkeypatch.setenv("BIXUE_SMTP_PASSWORD_BLOCK", "other")
    assert settings.smtp.password_block == "other"


@pytest.mark.prefect
def test_a_secret_block_is_read_when_the_environment_has_none(
    prefect_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.system import Secret

    monkeypatch.delenv("BIXUE_IMAP_PASSWORD", raising=False)
    Secret(value="from-block").save("bixue-test-imap-password", overwrite=True)
    assert secret("BIXUE_IMAP_PASSWORD", "bixue-test-imap-password") == "from-block"
    with pytest.raises(ConfigError, match="“bixue-no-such-block”也无法读取"):
        secret("BIXUE_IMAP_PASSWORD", "bixue-no-such-block")
