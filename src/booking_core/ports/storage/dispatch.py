"""Dispatch's own storage: the counts it keeps per technician."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from pendulum import DateTime

from booking_core.dispatch.metrics import DispatchMetrics, DispatchOutcome
from booking_core.ids import TechnicianId

__all__ = ["DispatchMetricsRepository", "DispatchStore"]


class DispatchMetricsRepository(Protocol):
    """Per-technician dispatch counts (offers, how they ended, grabs won, assignments)."""

    def record(self, technician_id: TechnicianId, outcome: DispatchOutcome, at: DateTime) -> None:
        """Count ``outcome`` for ``technician_id`` at ``at`` (an ``assigned`` outcome also
        sets ``last_assigned_at``). Atomic: two units of work counting for one technician
        at once both count, neither waits for the other to read. Checks nothing exists."""
        ...

    def get_many(
        self, technician_ids: Collection[TechnicianId]
    ) -> dict[TechnicianId, DispatchMetrics]:
        """The counts of each technician asked for (all zero for one never counted)."""
        ...


class DispatchStore(Protocol):
    """The dispatch part of a unit of work."""

    @property
    def dispatch_metrics(self) -> DispatchMetricsRepository: ...
