"""Checkout holds: keep a slot for one customer while he pays (FEATURES C6).

A hold is an active booking with an expiry, so storage's no-overlap guarantee covers it:
another customer cannot take a held slot, the holder can (placing his order converts the
hold), and once expired it frees itself — the next command that needs the time releases it.
"""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.errors import NotFound, PermissionDenied
from booking_core.ids import BookingId, CustomerId, ServiceId, TechnicianId
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.ports.travel import TravelTime
from booking_core.scheduling import Booking
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import GeoPoint, StraightLineTravel
from booking_core.services.availability import reserve
from booking_core.timerange import ensure_aware

__all__ = ["HoldService", "HoldSlot"]


def _aware(value: object) -> DateTime:
    return ensure_aware(value, "start")


@attrs.frozen
class HoldSlot:
    """Hold ``start`` with ``technician_id`` for ``service_id`` while ``customer_id`` pays."""

    customer_id: CustomerId
    technician_id: TechnicianId
    service_id: ServiceId
    start: DateTime = attrs.field(converter=_aware)
    location: GeoPoint | None = None


class HoldService:
    """Places and releases checkout holds."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        policy: BookingPolicy,
        travel: TravelTime | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._travel: TravelTime = travel if travel is not None else StraightLineTravel()

    def hold(self, command: HoldSlot) -> Booking:
        """Hold an offered slot for ``policy.hold_minutes``; the same rules as booking it.

        A customer holding the same time again gets a fresh hold (his old one is released).

        Raises:
            SlotTaken, SlotHeld, SlotUnavailable, DailyCapReached, OutsideServiceArea,
            ServiceNotOffered, NotFound: as for placing an order.
        """
        now = self._clock.now()
        hold_id = BookingId(self._ids.new_id("hld"))
        with self._uow() as uow:
            technician = uow.technicians.get(command.technician_id)
            service = uow.services.get(command.service_id)
            hold = reserve(
                uow,
                technician,
                service,
                command.start,
                booking_id=hold_id,
                order_id=None,
                now=now,
                policy=self._policy,
                customer_id=command.customer_id,
                location=command.location,
                travel=self._travel,
                hold_until=now.add(minutes=self._policy.hold_minutes),
            )
            uow.commit()
        return hold

    def release(self, hold_id: BookingId, customer_id: CustomerId) -> None:
        """Give the held time back (idempotent: releasing twice, or after expiry, is fine).

        Raises:
            NotFound: no such hold.
            PermissionDenied: the hold belongs to another customer.
        """
        with self._uow() as uow:
            hold = uow.bookings.get(hold_id)
            if not hold.is_hold:
                raise NotFound("hold", hold_id)
            if hold.holder != customer_id:
                raise PermissionDenied(
                    "Only the customer who holds a slot can release it.",
                    details={"hold_id": hold_id},
                )
            if hold.active:
                uow.bookings.release(hold_id)
                uow.commit()

    def get(self, hold_id: BookingId, customer_id: CustomerId) -> Booking:
        """The hold, for its holder. Raises NotFound (also for another customer's hold)."""
        with self._uow() as uow:
            hold = uow.bookings.get(hold_id)
        if not hold.is_hold or hold.holder != customer_id:
            raise NotFound("hold", hold_id)
        return hold
