"""Warehouse tables of scores and their audit trail (issue: scoring engine); shared metadata."""

from __future__ import annotations

from bixue.warehouse.schema import metadata

__all__ = ["metadata"]
