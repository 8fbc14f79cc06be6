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
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling import Booking
from booking_core.scheduling.geo import GeoPoint
from booking_core.services._access import require_customer, require_role
from booking_core.services.steps.reservations import Reservations
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
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdSource, reservations: Reservations
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._reservations = reservations

    def hold(self, command: HoldSlot, actor: Actor) -> Booking:
        """Hold an offered slot for ``policy.hold_minutes``; the same rules as booking it.
        The hold comes back with its instants in UTC, whatever zone ``command.start`` is in.

        A customer holding the same time again gets a fresh hold (his old one is released).

        Raises:
            SlotTaken, SlotHeld, SlotUnavailable, DailyCapReached, OutsideServiceArea,
            ServiceNotOffered, NotFound: as for placing an order.
            PermissionDenied: ``actor`` is not the customer ``command.customer_id``.
        """
        require_customer(actor, command.customer_id, "holds slots during checkout")
        now = self._clock.now()
        hold_id = BookingId(self._ids.new_id("hld"))
        with self._uow() as uow:
            hold = self._reservations.reserve(
                uow,
                command.technician_id,
                command.service_id,
                command.start,
                booking_id=hold_id,
                order_id=None,
                now=now,
                customer_id=command.customer_id,
                location=command.location,
                hold_until=now.add(minutes=self._reservations.policy.hold_minutes),
                extra_days=self._reservations.extra_days(uow, command.customer_id),
            ).booking
            uow.commit()
        return hold.in_utc()

    def release(self, hold_id: BookingId, actor: Actor) -> None:
        """Give the held time back (idempotent: releasing twice, or after expiry, is fine).

        Raises:
            NotFound: no such hold.
            PermissionDenied: ``actor`` is not a customer, or the hold is another customer's.
        """
        require_role(actor, Role.CUSTOMER, "releases holds")
        customer_id = CustomerId(actor.id)
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

    def get(self, hold_id: BookingId, actor: Actor) -> Booking:
        """The hold, for its holder. Raises NotFound (also for another customer's hold)."""
        customer_id = CustomerId(actor.id) if actor.role is Role.CUSTOMER else None
        with self._uow() as uow:
            hold = uow.bookings.get(hold_id)
        if not hold.is_hold or hold.holder != customer_id:
            raise NotFound("hold", hold_id)
        return hold.in_utc()
