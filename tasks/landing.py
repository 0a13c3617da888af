"""Task at the landing-area boundary."""

from __future__ import annotations

from bixue.mail import intake
from bixue.model import LandedMessage, RawMessage
from bixue.runtime import settings_for
from tasks import bixue_task


@bixue_task()
def land_messages(home: str | None, raws: list[RawMessage]) -> list[LandedMessage]:
    """Keep each raw message and attachment under its hash before reading any of it."""
    settings = settings_for(home)
    return intake.land_messages(settings.landing_path, raws, intake.policy_for(settings))


@bixue_task()
def plan_batches(home: str | None, messages: list[LandedMessage]) -> list[list[LandedMessage]]:
    """The month's messages in batches of bounded attachment size, so memory stays bounded."""
    return intake.in_batches(messages, settings_for(home).batch_bytes)
