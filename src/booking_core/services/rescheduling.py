"""Rescheduling: move a booking to another offered start (FEATURES C9).

A booking with an order is the order's time: it is moved by the modification service
(:meth:`~booking_core.services.modification.ModificationService.change_time`), the one door
that changes orders. A booking without an order (the platform's own) is moved here. Either
way the move is one transaction: the new time is checked by the one rule path with the
moved booking treated as free, the old booking is released and the new one added together
(INVARIANTS I4); storage's no-overlap guarantee decides races with other bookings and holds.
"""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.errors import NotFound, PermissionDenied
from booking_core.ids import BookingId
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Booking
from booking_core.services._access import check_staff
from booking_core.services.modification import ModificationService
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.reservations import Reservations
from booking_core.staff import Permission
from booking_core.timerange import ensure_aware

__all__ = ["RescheduleBooking", "ReschedulingService"]


def _aware(value: object) -> DateTime:
    return ensure_aware(value, "new start")


@attrs.frozen
class RescheduleBooking:
    """Move ``booking_id`` to start at ``new_start`` (same technician, service, address)."""

    booking_id: BookingId
    new_start: DateTime = attrs.field(converter=_aware)
    actor: Actor


class ReschedulingService:
    """Moves bookings to another time."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        *,
        reservations: Reservations,
        modification: ModificationService,
        audit: AuditTrail,
    ) -> None:
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._reservations = reservations
        self._modification = modification

    def reschedule(self, command: RescheduleBooking) -> Booking:
        """Move the booking; return the new booking (its order now points to it), its
        instants in UTC.

        Raises:
            NotFound: no such active booking (or its order is not visible to the actor).
            PermissionDenied: the actor may not move it (the order's rules decide).
            TransitionNotAllowed: the order's state does not allow a change of time.
            SlotTaken, SlotHeld, SlotUnavailable, DailyCapReached, OutsideServiceArea:
                the new start is not offered; nothing changed.
        """
        actor = command.actor
        with self._uow() as uow:
            booking = uow.bookings.get(command.booking_id)
            if not booking.active or booking.is_hold:
                raise NotFound("booking", booking.id)
            if booking.order_id is None:
                return self._move_unordered(uow, booking, command).in_utc()
        order = self._modification.change_time(booking.order_id, actor, command.new_start)
        with self._uow() as uow:
            return uow.bookings.get(order.booking_id).in_utc()

    def _move_unordered(
        self, uow: UnitOfWork, booking: Booking, command: RescheduleBooking
    ) -> Booking:
        if command.actor.role not in (Role.PLATFORM, Role.SYSTEM):
            raise PermissionDenied("Only the platform moves a booking without an order.")
        check_staff(command.actor, Permission.ORDERS, "moves bookings")
        if booking.service_id is None:
            raise NotFound("service", "<unknown: the booking records none>")
        moved = self._reservations.reserve(
            uow,
            booking.technician_id,
            booking.service_id,
            command.new_start,
            booking_id=BookingId(self._ids.new_id("bkg")),
            order_id=None,
            now=self._clock.now(),
            location=booking.location,
            replaces=booking.id,
        ).booking
        self._audit.record(
            uow, command.actor, "booking.reschedule", ("booking", booking.id),
            before={"slot": booking.slot}, after={"booking_id": moved.id, "slot": moved.slot},
        )  # fmt: skip
        uow.commit()
        return moved
