"""Report months as the office writes them (2023-05 for the forms titled 2023年1—5月)."""

from __future__ import annotations


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
