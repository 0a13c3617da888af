"""Task at the warehouse boundary that tells the office where every unit stands."""

from __future__ import annotations

from bixue.render.notice import Notice
from bixue.render.office import office_status
from bixue.runtime import settings_for, warehouse
from tasks import bixue_task


@bixue_task()
def add_office_status(home: str | None, period: str, receipts: list[Notice]) -> list[Notice]:
    """The run's receipts and, after them, the office's status mail for the month."""
    return [*receipts, office_status(warehouse(home), settings_for(home), period)]
