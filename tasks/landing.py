"""Task at the landing-area boundary."""

from __future__ import annotations

from bixue.mail import intake
from bixue.model import LandedMessage, RawMessage
from bixue.runtime import settings_for
from tasks import bixue_task


@bixue_task()
def land_messages(home: str | None, raws: list[RawMessage]) -> list[LandedMessage]:
    """Keep each raw message and attachment under its hash before reading any of it."""
    return intake.land_messages(settings_for(home).landing_path, raws)
