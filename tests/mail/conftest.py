"""A real Dovecot IMAP server on loopback, started from a throwaway config for the session."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dovecot_server import Dovecot

from tests.conftest import need

USER = "office"
PASSWORD = secrets.token_urlsafe(16)  # a fresh one per run for the throwaway Dovecot


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(root: Path, port: int) -> str:
    """Dovecot's own config for one instance, per STACK-NOTES section 3."""
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovecot
default_internal_user = dovecot
default_internal_group = dovecot
first_valid_uid = 1
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
"""


def _wait_listening(port: int, log: Path, seconds: float = 10.0) -> None:
    """Block until the server accepts connections (about 1 s); fail with its log otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    pytest.fail(f"dovecot did not start on port {port}:\n{text}")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """Dovecot from the distribution's package, in a temp dir, stopped after the session."""
    binary = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/sbin/dovecot") if os.path.exists(p)), None
    )
    need(binary is not None, "dovecot is not installed (run .ci/install-services)")
    need(os.geteuid() == 0, "dovecot tests start the server as root")
    assert binary is not None
    dove = pwd.getpwnam("dovecot")
    root = Path(tempfile.mkdtemp(prefix="bixue-dovecot-"))
    root.chmod(0o755)
    (root / "home" / USER).mkdir(parents=True)
    for path in (root / "home", root / "home" / USER):
        os.chown(path, dove.pw_uid, dove.pw_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port))
    # The master daemonizes; its children inherit stdio, so never capture it (that would hang).
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "timeout": 30}
    subprocess.run([binary, "-c", str(conf)], check=True, **quiet)  # type: ignore[call-overload]
    try:
        _wait_listening(port, root / "dovecot.log")
        yield Dovecot("127.0.0.1", port, USER, PASSWORD, root)
    finally:
        subprocess.run([binary, "-c", str(conf), "stop"], **quiet)  # type: ignore[call-overload]
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_folder(dovecot: Dovecot) -> Iterator[str]:
    """A fresh folder per test (its own UIDs and UIDVALIDITY), deleted afterwards."""
    name = f"T{uuid.uuid4().hex[:10]}"
    with dovecot.client() as box:
        box.folder.create(name)
    yield name
    with dovecot.client() as box:
        for info in box.folder.list():
            if info.name == name or info.name.startswith(f"{name}."):
                box.folder.delete(info.name)


@pytest.fixture(autouse=True)
def _imap_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The IMAP secret comes from the environment, as in production."""
    monkeypatch.setenv("BIXUE_IMAP_PASSWORD", PASSWORD)
