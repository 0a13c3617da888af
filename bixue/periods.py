"""Report months as the office writes them (2023-05 for the forms titled 2023年1—5月)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bixue.config import Settings


def period_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def parse_period(period: str) -> tuple[int, int]:
    """YYYY-MM as (year, month); anything else is refused with a clear message."""
    try:
        year, month = (int(part) for part in period.split("-"))
    except ValueError as exc:
        raise ValueError(f"报表月份应写作 2023-05（年-月），而不是“{period}”") from exc
    if not 1 <= month <= 12 or len(period) != 7:
        raise ValueError(f"报表月份应写作 2023-05（年-月），而不是“{period}”")
    return year, month


def deadline(settings: Settings, period: str) -> datetime:
    """The last moment a period's forms are on time: the deadline day's end, local time."""
    year, month = parse_period(period)
    return datetime(year, month, settings.deadline_day, 23, 59, 59, tzinfo=settings.tz)


def latest_closed_period(settings: Settings, now: datetime) -> str:
    """The report month whose deadline passed most recently: what a scheduled run consolidates."""
    local = now.astimezone(settings.tz)
    year, month = local.year, local.month
    if local <= deadline(settings, period_key(year, month)):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return period_key(year, month)


def open_period(settings: Settings, now: datetime) -> str:
    """The report month units are filling now: the one after the latest closed month."""
    year, month = parse_period(latest_closed_period(settings, now))
    return period_key(year + month // 12, month % 12 + 1)


def resolve_period(settings: Settings, period: str | None, now: datetime) -> str:
    """The report month a run is for: the one asked for (validated), or when empty the month
    units are filling now (`open_period`), so mail for it is answered as soon as it arrives;
    a run for a month handles every earlier month's mail too (a late one is judged late)."""
    if period:
        parse_period(period)
        return period
    return open_period(settings, now)
