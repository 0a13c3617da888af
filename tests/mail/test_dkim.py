"""DKIM: a submission counts when a signature by the sender's own domain verifies, with the
domain's key answered by an injected DNS lookup (real dkimpy signing and verifying)."""

from __future__ import annotations

import base64
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bixue.config import load_settings
from bixue.mail.intake import land_messages, policy_for
from bixue.mail.message import dkim_problem
from bixue.model import RawMessage

SENDER = "lfs@zs.chuxiong.example"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
PUBLIC = base64.b64encode(
    KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
)
MESSAGE = (
    f"From: {SENDER}\r\nTo: zdcyzszb@163.com\r\nSubject: report\r\n"
    "Message-ID: <dkim@zs.chuxiong.example>\r\n\r\nbody of the submission\r\n"
).encode()


def _dns(name: bytes, timeout: int = 5) -> bytes | None:
    """The TXT records we publish: one key per signing domain, under selector s1."""
    keys = {
        b"s1._domainkey.zs.chuxiong.example.",
        b"s1._domainkey.chuxiong.example.",
        b"s1._domainkey.evil.example.",
    }
    return b"v=DKIM1; k=rsa; p=" + PUBLIC if name in keys else None


def _signed(domain: str, message: bytes = MESSAGE) -> bytes:
    signature = dkim.sign(
        message, b"s1", domain.encode(), PRIVATE, include_headers=[b"from", b"subject", b"to"]
    )
    return signature + message


@pytest.mark.parametrize(
    ("raw", "passes", "why"),
    [
        (_signed("zs.chuxiong.example"), True, ""),
        (_signed("evil.example"), False, "evil.example：通过"),  # valid, but not the sender's
        (_signed("zs.chuxiong.example").replace(b"body of", b"forged"), False, "未通过"),
        (MESSAGE, False, "没有 DKIM 签名"),
        (_signed("chuxiong.example"), False, "chuxiong.example：通过"),  # the parent: not exact
    ],
    ids=["own-domain", "other-domain", "tampered-body", "unsigned", "parent-domain"],
)
def test_only_a_verified_signature_of_the_senders_domain_vouches(
    raw: bytes, passes: bool, why: str
) -> None:
    problem = dkim_problem(raw, SENDER, _dns)
    assert (problem is None) == passes
    assert why in (problem or "")


def test_a_dkim_only_imap_setup_starts_and_quarantines_the_forged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BIXUE_MAILBOX", "imap")
    monkeypatch.delenv("BIXUE_MAIL_AUTHSERV_ID", raising=False)
    monkeypatch.setenv("BIXUE_MAIL_DKIM", "true")
    settings = load_settings(tmp_path / "home")
    settings.require_sender_check()  # a check is configured: production may start
    policy = policy_for(settings)
    policy = type(policy)(limits=policy.limits, dkim=True, dns=_dns)
    good, forged = land_messages(
        tmp_path / "landing",
        [RawMessage("a", _signed("zs.chuxiong.example")), RawMessage("b", _signed("evil.example"))],
        policy,
    )
    assert good.state is None and good.sender == SENDER
    assert forged.state == "quarantined" and "DKIM" in forged.reasons[0]
