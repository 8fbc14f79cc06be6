"""A booking: a technician's time taken by an order."""

from __future__ import annotations

import attrs

from booking_core.ids import BookingId, OrderId, TechnicianId
from booking_core.timerange import TimeRange

__all__ = ["Booking"]


@attrs.frozen
class Booking:
    """The technician's time an order holds.

    ``slot`` is the service time the customer bought; ``blocked`` adds the service's buffers
    (and, later, travel time). No two *active* bookings of one technician have overlapping
    ``blocked`` ranges — storage guarantees it under concurrency (INVARIANTS I1).
    """

    id: BookingId
    technician_id: TechnicianId
    order_id: OrderId | None
    slot: TimeRange
    blocked: TimeRange
    active: bool = True

    def release(self) -> Booking:
        """The same booking, no longer holding time."""
        return attrs.evolve(self, active=False)
