"""Rescheduling: move a booking (and its order) to another offered start (FEATURES C9).

The move is one transaction: the new time is checked by the one rule path with the moved
booking treated as free, the old booking is released and the new one added together
(INVARIANTS I4). Storage's no-overlap guarantee decides races with other bookings and holds.
The moved order's events (``OrderStateChanged``, ``OrderModified``) go to the outbox in the
same transaction, exactly as a change of time through the modification service.
"""

from __future__ import annotations

import attrs
import cattrs
from pendulum import DateTime

from booking_core.errors import NotFound, PermissionDenied
from booking_core.ids import BookingId, CustomerId
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.ports.travel import TravelTime
from booking_core.scheduling import Booking
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import StraightLineTravel
from booking_core.services._orders import save_order
from booking_core.services.availability import reserve
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
        policy: BookingPolicy,
        travel: TravelTime | None = None,
        *,
        converter: cattrs.Converter,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._travel: TravelTime = travel if travel is not None else StraightLineTravel()
        self._converter = converter  # the order's events go to the outbox as it is saved

    def reschedule(self, command: RescheduleBooking) -> Booking:
        """Move the booking; return the new booking (its order now points to it).

        Raises:
            NotFound: no such active booking (or its order is not visible to the actor).
            PermissionDenied: the actor may not move it (the order's rules decide).
            TransitionNotAllowed: the order's state does not allow a change of time.
            SlotTaken, SlotHeld, SlotUnavailable, DailyCapReached, OutsideServiceArea:
                the new start is not offered; nothing changed.
        """
        now = self._clock.now()
        new_id = BookingId(self._ids.new_id("bkg"))
        actor = command.actor
        with self._uow() as uow:
            booking = uow.bookings.get(command.booking_id)
            if not booking.active or booking.is_hold:
                raise NotFound("booking", booking.id)
            order = uow.orders.get(booking.order_id) if booking.order_id is not None else None
            customer: CustomerId | None = None
            if order is not None:
                if not order.can_be_seen_by(actor):
                    raise NotFound("order", order.id)
                customer = order.customer_id
            elif actor.role not in (Role.PLATFORM, Role.SYSTEM):
                raise PermissionDenied("Only the platform moves a booking without an order.")
            technician = uow.technicians.get(booking.technician_id)
            service_id = booking.service_id or (order.service_id if order is not None else None)
            if service_id is None:
                raise NotFound("service", "<unknown: the booking records none>")
            service = uow.services.get(service_id)
            moved = reserve(
                uow,
                technician,
                service,
                command.new_start,
                booking_id=new_id,
                order_id=booking.order_id,
                now=now,
                policy=self._policy,
                customer_id=customer,
                location=booking.location,
                travel=self._travel,
                replaces=booking.id,
            )
            if order is not None:
                # The order's own rules decide who may move it and in which states; a
                # refusal raises here, before commit, so the booking change is dropped too.
                order.modify(
                    actor=actor,
                    at=now,
                    change="time",
                    before=booking.slot.start.isoformat(),
                    after=moved.slot.start.isoformat(),
                    booking_id=moved.id,
                    slot=moved.slot,
                )
                save_order(uow, order, converter=self._converter, ids=self._ids)
            uow.commit()
        return moved
