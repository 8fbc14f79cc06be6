"""Availability use cases: the slots offered, from the same rules that accept bookings."""

from __future__ import annotations

import pendulum
from pendulum import Date, DateTime

from booking_core.catalog import Service
from booking_core.errors import ServiceNotOffered, SlotTaken, SlotUnavailable
from booking_core.ids import ServiceId, TechnicianId
from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Technician
from booking_core.scheduling.availability import (
    BookingPolicy,
    SlotRequest,
    busy_intervals,
    epoch_minutes,
    free_slot_minutes,
    from_epoch_minutes,
    working_intervals,
)
from booking_core.timerange import TimeRange

__all__ = ["AvailabilityService", "check_bookable", "offered_minutes"]


def offered_minutes(
    uow: UnitOfWork,
    technician: Technician,
    service: Service,
    day: Date,
    *,
    now: DateTime,
    policy: BookingPolicy,
) -> list[int]:
    """Start minutes offered for ``service`` by ``technician`` on his local ``day``."""
    if not technician.offers(service.id):
        raise ServiceNotOffered(
            f"{technician.name} does not perform {service.name!r}.",
            details={"technician_id": technician.id, "service_id": service.id},
        )
    working = working_intervals(technician.weekly_hours, technician.time_zone, day)
    if not working:
        return []
    reach = TimeRange(
        from_epoch_minutes(working[0][0] - service.buffer_before_minutes),
        from_epoch_minutes(working[-1][1] + service.buffer_after_minutes),
    )
    busy = busy_intervals([b.blocked for b in uow.bookings.list_active(technician.id, reach)])
    now_minute = now.int_timestamp // 60  # seconds past the minute never make a slot earlier
    return free_slot_minutes(
        SlotRequest(
            working=working,
            busy=busy,
            duration=service.duration_minutes,
            step=service.duration_minutes,
            buffer_before=service.buffer_before_minutes,
            buffer_after=service.buffer_after_minutes,
            not_before=now_minute + policy.notice_minutes,
            not_after=now_minute + policy.window_days * 24 * 60,
        )
    )


def check_bookable(
    uow: UnitOfWork,
    technician: Technician,
    service: Service,
    start: DateTime,
    *,
    now: DateTime,
    policy: BookingPolicy,
) -> tuple[TimeRange, TimeRange]:
    """The (service, blocked) ranges for a booking at ``start``, if ``start`` is offered.

    Raises:
        SlotTaken: if another booking holds the time.
        SlotUnavailable: if the rules (hours, notice, window, alignment) do not offer it.
    """
    minute = epoch_minutes(start)
    day = start.in_timezone(technician.time_zone).date()
    slot = TimeRange(start, start.add(minutes=service.duration_minutes))
    blocked = slot.expand(
        pendulum.duration(minutes=service.buffer_before_minutes),
        pendulum.duration(minutes=service.buffer_after_minutes),
    )
    if minute in offered_minutes(uow, technician, service, day, now=now, policy=policy):
        return slot, blocked
    if uow.bookings.list_active(technician.id, blocked):
        raise SlotTaken(
            f"{technician.name} is already booked around {start.in_timezone(technician.time_zone)}"
            "; pick another slot.",
            details={"technician_id": technician.id, "start": start.isoformat()},
        )
    raise SlotUnavailable(
        f"{start.in_timezone(technician.time_zone)} is not an offered slot of {technician.name} "
        f"for {service.name!r}; list the free slots and pick one.",
        details={"technician_id": technician.id, "start": start.isoformat()},
    )


class AvailabilityService:
    """Lists free slots."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, policy: BookingPolicy) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy

    def free_slots(
        self, technician_id: TechnicianId, service_id: ServiceId, day: Date
    ) -> list[TimeRange]:
        """Free slots of a technician for a service on his local ``day``, in his zone."""
        with self._uow() as uow:
            technician = uow.technicians.get(technician_id)
            service = uow.services.get(service_id)
            minutes = offered_minutes(
                uow, technician, service, day, now=self._clock.now(), policy=self._policy
            )
        return [
            TimeRange(
                from_epoch_minutes(m, technician.time_zone),
                from_epoch_minutes(m + service.duration_minutes, technician.time_zone),
            )
            for m in minutes
        ]
