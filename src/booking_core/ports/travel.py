"""Geo ports: distance between two places, and travel time between two jobs.

The core ships pure-math defaults (:class:`~booking_core.scheduling.geo.HaversineDistance`
and :class:`~booking_core.scheduling.geo.StraightLineTravel`); an adapter over a map
service (road distance, traffic) implements the same protocols.
"""

from __future__ import annotations

from typing import Protocol

from booking_core.scheduling.geo import GeoPoint

__all__ = ["GeoDistance", "TravelTime"]


class GeoDistance(Protocol):
    """Distance between two coordinates."""

    def km(self, origin: GeoPoint, destination: GeoPoint) -> float:
        """Kilometres from ``origin`` to ``destination`` (≥ 0). Never raises for valid points."""
        ...


class TravelTime(Protocol):
    """How long a technician needs to get from one job's address to the next."""

    def minutes(self, origin: GeoPoint, destination: GeoPoint) -> int:
        """Whole minutes ≥ 0 from ``origin`` to ``destination``.

        Must be deterministic for the life of a request: the availability engine calls it
        both when listing slots and when accepting a booking, and the two must agree (I2).
        Never raises for valid points; an adapter that cannot reach its backend should fall
        back to an estimate rather than fail a booking.
        """
        ...
