"""Warehouse tables of the mailbox ledger (issue: mailbox ingestion); on the shared metadata."""

from __future__ import annotations

from bixue.warehouse.schema import metadata

__all__ = ["metadata"]
