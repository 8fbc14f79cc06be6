"""Where the technician is while on the way (FEATURES C10)."""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.ids import OrderId, TechnicianId
from booking_core.scheduling.geo import GeoPoint

__all__ = ["PositionReport", "TrackingView"]


@attrs.frozen
class PositionReport:
    """One position the technician's app sent for an order."""

    order_id: OrderId
    technician_id: TechnicianId
    point: GeoPoint
    reported_at: DateTime


@attrs.frozen
class TrackingView:
    """What the customer sees: state, last known position and an estimated arrival.

    ``eta`` is None while nothing is known (no position yet, or no address coordinates).
    """

    order_id: OrderId
    state: str
    position: PositionReport | None
    distance_km: float | None
    eta: DateTime | None
