"""Task at the landing-area boundary."""

from __future__ import annotations

from functools import partial

from bixue.forms.senders import sender_group
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
def plan_batches(
    home: str | None, messages: list[LandedMessage]
) -> list[list[list[LandedMessage]]]:
    """The month's messages in batches of bounded attachment size, so memory stays bounded, in
    waves whose batches may run at once (one sender's mail in one batch, statistics first)."""
    settings = settings_for(home)
    return intake.plan_waves(messages, settings.batch_bytes, partial(sender_group, settings))


@bixue_task()
def select_units(
    home: str | None, messages: list[LandedMessage], units: list[str] | None
) -> list[LandedMessage]:
    """Only the named units' mail (all when none are named); the rest stays new for later."""
    return intake.of_units(settings_for(home), messages, units)
