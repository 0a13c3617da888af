"""Who sent a message, as the registry knows them: pandas-free, for planning a month's batches."""

from __future__ import annotations

from bixue.config import Settings
from bixue.model import LandedMessage


def sender_identity(settings: Settings, sender: str | None) -> tuple[str, str] | None:
    """(name, "unit" | "provider") for a registered address; None for anyone else."""
    if not sender:
        return None
    for unit in settings.units:
        if sender in unit.senders:
            return unit.name, "unit"
    for provider in settings.registry.providers:
        if sender in provider.senders:
            return provider.name, "provider"
    return None


def sender_group(settings: Settings, msg: LandedMessage) -> tuple[int, str]:
    """(rank, sender) a message is batched by (`intake.plan_waves`): a statistics provider
    ranks 0 (units' 附件4 are checked against its figures), everyone else 1; the sender is the
    registered name (a unit's several addresses together), else the address itself."""
    who = sender_identity(settings, msg.sender)
    if who is None:
        return 1, msg.sender or ""
    return (0 if who[1] == "provider" else 1), who[0]
