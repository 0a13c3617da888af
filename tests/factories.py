"""Records the stages pass along, with defaults, so a test spells out only what it is about."""

from __future__ import annotations

from typing import Any

from bixue.model import LandedAttachment, LandedMessage, Submission


def landed_message(**fields: Any) -> LandedMessage:
    """A landed message from 禄丰市's registered address, with nothing else set."""
    defaults: dict[str, Any] = {
        "source_key": "k",
        "raw_sha256": "m",
        "raw_path": "",
        "message_id": None,
        "sender": "lfs@zs.chuxiong.example",
        "sender_problem": None,
        "display_from": "",
        "subject": "",
        "sent_at": None,
        "received_at": None,
        "auto_reply": False,
        "attachments": [],
    }
    return LandedMessage(**(defaults | fields))


def submission(**fields: Any) -> Submission:
    """禄丰市's 附件3 for 2023-05, with no sheets and no problems unless given."""
    defaults: dict[str, Any] = {
        "id": "s",
        "message_sha256": "m",
        "attachment": LandedAttachment("a", "附件3.xlsx", False, "xlsx", 1, ""),
        "unit": "禄丰市",
        "sender": "lfs@zs.chuxiong.example",
        "workbook": "a3",
        "period": "2023-05",
        "received_at": None,
        "late": False,
    }
    return Submission(**(defaults | fields))
