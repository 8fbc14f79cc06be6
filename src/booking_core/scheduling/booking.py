"""A booking: a technician's time taken by an order, or held during checkout."""

from __future__ import annotations

import datetime as _dt

import attrs
import pendulum
from pendulum import DateTime

from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.scheduling.geo import GeoPoint
from booking_core.timerange import TimeRange

__all__ = ["Booking"]

_UTC = pendulum.UTC
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_minus = _dt.datetime.__sub__  # stdlib subtraction: pendulum's builds an Interval


def _epoch_seconds(instant: DateTime) -> int:
    """``instant.int_timestamp``, without its copy for instants in UTC (every booking read
    from storage): with one tzinfo on both sides the subtraction asks no zone for offsets."""
    if instant.tzinfo is _UTC:
        delta = _minus(instant, _EPOCH)
        return delta.days * 86400 + delta.seconds
    return instant.int_timestamp


@attrs.frozen
class Booking:
    """The technician's time an order (or a checkout hold) takes.

    ``slot`` is the service time the customer bought; ``blocked`` is the whole time it takes
    from the technician: ``[slot.start - buffer_before - travel_minutes,
    slot.end + buffer_after)``. No two *active* bookings of one technician have overlapping
    ``blocked`` ranges — storage guarantees it under concurrency (INVARIANTS I1). Holds are
    active bookings too, so the same guarantee covers them.

    Attributes:
        service_id: The service booked (None for bookings made before it was recorded).
        holder: For a hold, the customer holding it during checkout.
        hold_expires_at: For a hold, the instant it stops counting (it is then free for
            everyone, even though storage still marks it active until someone releases it).
        location: The address the service is performed at (at-home), if known.
        travel_minutes: Travel time before the buffer, from the previous job's address.
    """

    id: BookingId
    technician_id: TechnicianId
    order_id: OrderId | None
    slot: TimeRange
    blocked: TimeRange
    active: bool = True
    service_id: ServiceId | None = None
    holder: CustomerId | None = None
    hold_expires_at: DateTime | None = None
    location: GeoPoint | None = None
    travel_minutes: int = 0
    _minutes: tuple[int, int, int] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        # Epoch minutes, computed once per booking: the engine reads them in its hot path.
        object.__setattr__(
            self,
            "_minutes",
            (
                _epoch_seconds(self.blocked.start) // 60,
                -(-_epoch_seconds(self.blocked.end) // 60),
                _epoch_seconds(self.slot.start) // 60,
            ),
        )

    @property
    def minutes(self) -> tuple[int, int, int]:
        """``(blocked start, blocked end, service start)`` in epoch minutes (rounded out)."""
        return self._minutes

    @property
    def is_hold(self) -> bool:
        """True for a checkout hold (not yet an order)."""
        return self.hold_expires_at is not None

    def counts_at(self, now: DateTime) -> bool:
        """True if the booking takes the technician's time at ``now``.

        An inactive booking never does; a hold stops at its expiry (``expires_at <= now``).
        """
        if not self.active:
            return False
        return self.hold_expires_at is None or self.hold_expires_at > now

    def release(self) -> Booking:
        """The same booking, no longer holding time."""
        return attrs.evolve(self, active=False)

    def in_utc(self) -> Booking:
        """The same booking with its instants in UTC (how answers about bookings and holds
        show them: docs/availability.md, "Time zones in answers")."""
        expires = self.hold_expires_at
        return attrs.evolve(
            self,
            slot=self.slot.in_utc(),
            blocked=self.blocked.in_utc(),
            hold_expires_at=None if expires is None else expires.in_timezone("UTC"),
        )
