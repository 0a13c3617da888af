"""The records that travel between stages of a monthly run (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from bixue.rules.problem import Problem

if TYPE_CHECKING:  # a run with no mail never loads the workbook reader (nor pandas)
    from bixue.forms.parse import ParsedSheet

MessageState = Literal["accepted", "rejected", "quarantined", "ignored", "deferred"]


@dataclass(frozen=True)
class RawMessage:
    """A message exactly as the mailbox holds it."""

    source_key: str
    raw: bytes


@dataclass(frozen=True)
class LandedAttachment:
    """An attachment kept in the landing area under its hash; the name is data, never a path."""

    sha256: str
    filename: str
    name_flagged: bool
    kind: str
    size: int
    stored_path: str
    origin: str = ""  # the container (zip, winmail.dat) it came out of; "" when sent as is


@dataclass
class LandedMessage:
    """A message kept in the landing area, with what its headers say and what we made of them."""

    source_key: str
    raw_sha256: str
    raw_path: str
    message_id: str | None
    sender: str | None
    sender_problem: str | None
    display_from: str
    subject: str
    sent_at: datetime | None
    received_at: datetime | None
    auto_reply: bool
    attachments: list[LandedAttachment]
    unit: str | None = None
    state: MessageState | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class Submission:
    """One workbook from one message: who, which form, which period, and what is wrong with it."""

    id: str
    message_sha256: str
    attachment: LandedAttachment
    unit: str | None
    sender: str | None
    workbook: str | None
    period: str | None  # YYYY-MM
    received_at: datetime | None
    late: bool
    sheets: list[ParsedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    version: int = 0

    @property
    def status(self) -> Literal["accepted", "rejected"]:
        return "rejected" if any(p.severity == "error" for p in self.problems) else "accepted"

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sheets)


@dataclass
class RunReport:
    """What one monthly run did, for the summary, the notices and the Prefect artifact."""

    period: str
    messages: list[LandedMessage]
    submissions: list[Submission]
    rows_loaded: int = 0

    def counts(self) -> dict[str, int]:
        subs = [s for s in self.submissions if s.period == self.period]
        return {
            "messages": len(self.messages),
            "received": len(subs),
            "accepted": sum(s.status == "accepted" for s in subs),
            "rejected": sum(s.status == "rejected" for s in subs),
            "late": sum(s.late for s in subs),
            "quarantined": sum(m.state == "quarantined" for m in self.messages),
            "ignored": sum(m.state == "ignored" for m in self.messages),
            "rows_loaded": self.rows_loaded,
        }


def merge_batches(
    batches: list[tuple[list[LandedMessage], list[Submission], int]],
) -> tuple[list[LandedMessage], list[Submission], int]:
    """A run's batches as one: every message, every submission, all rows loaded."""
    messages = [m for batch in batches for m in batch[0]]
    submissions = [s for batch in batches for s in batch[1]]
    return messages, submissions, sum(batch[2] for batch in batches)


def release_rows(submissions: list[Submission]) -> list[Submission]:
    """Let go of loaded rows (the warehouse has them), keeping counts: memory is one batch's."""
    for sub in submissions:
        for sheet in sub.sheets:
            sheet.release()
    return submissions
