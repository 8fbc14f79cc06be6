"""The spatial index port: which technicians are near a point, kept current as they move.

Dispatch asks it for the technicians within the order's radius before it applies any other
rule, so it must answer in microseconds for a city of 100,000 technicians. The core ships a
pure-Python implementation, :class:`~booking_core.dispatch.grid.GridIndex`; an adapter over
a geo library (an R-tree, H3) implements the same protocol where measurements say it must
(docs/dispatch.md).

What an index holds is the caller's choice: typically the technicians who are online, one
index per service or one for all; the dispatch filter checks every rule again on each
technician it returns, so a stale entry costs time, never a wrong candidate.
"""

from __future__ import annotations

from typing import Protocol

from booking_core.ids import TechnicianId
from booking_core.scheduling.geo import GeoPoint

__all__ = ["SpatialIndex"]


class SpatialIndex(Protocol):
    """Technicians' current positions, queried by distance from a point."""

    def put(self, technician_id: TechnicianId, point: GeoPoint) -> None:
        """Place ``technician_id`` at ``point``: insert him, or move him from where he was
        (he is never in two places). Never raises for a valid point."""
        ...

    def remove(self, technician_id: TechnicianId) -> None:
        """Take ``technician_id`` out of the index (he went offline). Removing one who is
        not there does nothing, so status changes may be replayed."""
        ...

    def near(self, center: GeoPoint, radius_km: float) -> list[tuple[TechnicianId, float]]:
        """Every technician within ``radius_km`` of ``center`` (the boundary included), with
        his distance in kilometres, nearest first and by id among equal distances.

        Exact: the distance is :meth:`GeoPoint.distance_km` from ``center`` to his position
        (haversine), the very same float, and no technician within the radius is missed nor
        one beyond it returned — an index may use cells or trees to find them, never to
        approximate them.

        Raises:
            InvalidInput: ``radius_km`` is negative or not a number
                (``details["field"] == "radius_km"``).
        """
        ...

    def __len__(self) -> int:
        """How many technicians the index holds."""
        ...
