"""In-memory dispatch counts."""

from __future__ import annotations

from collections.abc import Collection

from pendulum import DateTime

from booking_core.dispatch.metrics import DispatchMetrics, DispatchOutcome
from booking_core.ids import TechnicianId
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryDispatchMetrics"]


class InMemoryDispatchMetrics(Table):
    """:class:`~booking_core.ports.storage.DispatchMetricsRepository` over a snapshot (rows
    are frozen :class:`DispatchMetrics`; units of work are serialized, so a count is never
    lost to another)."""

    def record(self, technician_id: TechnicianId, outcome: DispatchOutcome, at: DateTime) -> None:
        stored: DispatchMetrics = self.rows.get(technician_id) or DispatchMetrics(technician_id)
        self.rows[technician_id] = stored.counted(outcome, at)

    def get_many(
        self, technician_ids: Collection[TechnicianId]
    ) -> dict[TechnicianId, DispatchMetrics]:
        return {tid: self.rows.get(tid) or DispatchMetrics(tid) for tid in technician_ids}
