"""The technician's schedule, status and calendar (FEATURES T3, T4, S3, C5).

:class:`ScheduleService` changes what shapes availability: date overrides and time off
(the technician), rota shifts (his store's manager), the daily cap, the self-set status.
:class:`CalendarService` shows the day/week calendar of booked and free time and the
real-time status customers see.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import attrs
from pendulum import Date, DateTime

from booking_core.errors import ConcurrentUpdate, InvalidInput, NotFound, PermissionDenied
from booking_core.ids import BookingId, OrderId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.availability import day_ranges, from_epoch_minutes, local_midnight
from booking_core.scheduling.busy_block import BusyBlock
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkSchedule, WorkStatus
from booking_core.services._access import check_staff, require_permission
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.locator import TechnicianLocator
from booking_core.staff import Permission
from booking_core.timerange import TimeRange

__all__ = [
    "CalendarDay",
    "CalendarEntry",
    "CalendarService",
    "EntryKind",
    "Presence",
    "ScheduleService",
    "TechnicianStatus",
]

_Change = Callable[[WorkSchedule], WorkSchedule]


def _is_his_or_a_manager(actor: Actor, technician: Technician, *, rota: bool = False) -> bool:
    if actor.role in (Role.PLATFORM, Role.SYSTEM):
        return True
    if actor.role is Role.TECHNICIAN and actor.id == technician.id and not rota:
        return True
    return (
        actor.role is Role.STORE
        and technician.profile.store_id is not None
        and actor.id == technician.profile.store_id
    )


def _may_manage(actor: Actor, technician: Technician, *, rota: bool = False) -> None:
    # Every staff member reads a schedule; changing one needs the technicians permission.
    check_staff(actor, Permission.TECHNICIANS, "changes a technician's schedule")
    if _is_his_or_a_manager(actor, technician, rota=rota):
        return
    what = "the rota" if rota else "the schedule"
    raise PermissionDenied(
        f"A {actor.role.value} cannot change {what} of {technician.name}"
        + ("; only his store's manager or the platform can." if rota else "."),
        details={"technician_id": technician.id},
    )


def _may_read(actor: Actor, technician: Technician) -> None:
    # His schedule (time-off reasons) and calendar (booking and order ids) are his own
    # business, his store's and the platform's (INVARIANTS I25); customers see his status.
    if _is_his_or_a_manager(actor, technician):
        return
    raise PermissionDenied(
        f"A {actor.role.value} cannot read the schedule or calendar of {technician.name}; "
        "he, his store and the platform can. Customers see his status.",
        details={"technician_id": technician.id},
    )


def _expected(schedule: WorkSchedule, expected_version: int | None) -> None:
    # The client's compare-and-set: it changes the schedule it read, or nothing.
    if expected_version is not None and expected_version != schedule.version:
        raise ConcurrentUpdate(
            f"The schedule of {schedule.technician_id} is at version {schedule.version}, not "
            f"{expected_version}: someone changed it since you read it. Read it again and "
            "decide on what it is now.",
            details={
                "technician_id": schedule.technician_id,
                "expected_version": expected_version,
                "current_version": schedule.version,
            },
        )


class ScheduleService:
    """Changes technicians' schedules; each change is one compare-and-set transaction.

    Every change takes an optional ``expected_version``: the version of the schedule the
    caller read. When given and the stored schedule is at another version, nothing changes
    and :class:`~booking_core.errors.ConcurrentUpdate` names the current version, so that a
    client never overwrites a change it has not seen.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, *, audit: AuditTrail, locator: TechnicianLocator | None = None
    ) -> None:
        self._uow = uow
        self._audit = audit
        self._locator = locator  # told of status changes (dispatch's index)

    def get(self, technician_id: TechnicianId, actor: Actor) -> WorkSchedule:
        """The technician's schedule (an empty one if none was set).

        Raises:
            NotFound: no such technician.
            PermissionDenied: ``actor`` is not he, his store or the platform.
        """
        with self._uow() as uow:
            _may_read(actor, uow.technicians.get(technician_id))
            return uow.schedules.get(technician_id)

    def set_override(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        override: DateOverride,
        *,
        expected_version: int | None = None,
    ) -> WorkSchedule:
        """Replace the technician's hours on one date (no ranges: the day off)."""
        return self._change(
            actor, technician_id, lambda s: s.with_override(override), expected=expected_version
        )

    def clear_override(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        day: Date,
        *,
        expected_version: int | None = None,
    ) -> WorkSchedule:
        """Go back to the weekly hours on ``day``."""
        return self._change(
            actor, technician_id, lambda s: s.without_override(day), expected=expected_version
        )

    def add_time_off(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        time_off: TimeOff,
        *,
        expected_version: int | None = None,
    ) -> WorkSchedule:
        """Add leave or a holiday; existing bookings in it stay (cancel them explicitly).
        Without an id, the entry is given one (``off_<version>``) to remove it by."""
        return self._change(
            actor, technician_id, lambda s: s.with_time_off(time_off), expected=expected_version
        )

    def remove_time_off(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        time_off_id: str,
        *,
        expected_version: int | None = None,
    ) -> WorkSchedule:
        """Take back time off (he, his store, or platform staff with the ``technicians``
        permission): its time is his working time again, and bookable.

        Raises:
            NotFound: (``time_off_not_found``) he has no time off ``time_off_id``.
            PermissionDenied: anyone else.
            ConcurrentUpdate: ``expected_version`` is not the schedule's version.
        """
        if actor.role is Role.PLATFORM:
            require_permission(actor, Permission.TECHNICIANS, "removes a technician's time off")

        def change(schedule: WorkSchedule) -> WorkSchedule:
            if schedule.time_off_entry(time_off_id) is None:
                raise NotFound("time_off", time_off_id)
            return schedule.without_time_off(time_off_id)

        return self._change(actor, technician_id, change, expected=expected_version)

    def set_daily_cap(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        cap: int | None,
        *,
        expected_version: int | None = None,
    ) -> WorkSchedule:
        """At most ``cap`` bookings per local day (None: no cap)."""
        return self._change(
            actor, technician_id, lambda s: s.with_daily_cap(cap), expected=expected_version
        )

    def set_daily_minutes_cap(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        minutes: int | None,
        *,
        expected_version: int | None = None,
    ) -> WorkSchedule:
        """At most ``minutes`` of service booked per local day (None: no cap); a booking
        that would pass it is not offered (``daily_cap_reached`` when asked for)."""
        return self._change(
            actor,
            technician_id,
            lambda s: s.with_daily_minutes_cap(minutes),
            expected=expected_version,
        )

    def set_status(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        status: WorkStatus,
        *,
        expected_version: int | None = None,
    ) -> WorkSchedule:
        """Online, offline, resting or in service (FEATURES T3)."""
        return self._change(
            actor, technician_id, lambda s: s.with_status(status), expected=expected_version
        )

    def assign_shift(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        shift: Shift,
        *,
        expected_version: int | None = None,
    ) -> WorkSchedule:
        """Put the technician on a rota shift of his store (store manager or platform).

        Raises:
            PermissionDenied: the actor is not his store's manager or the platform.
            InvalidInput: the shift's store is not the technician's store.
        """

        def change(schedule: WorkSchedule) -> WorkSchedule:
            return schedule.with_shift(shift)

        return self._change(
            actor, technician_id, change, rota=True, store=shift, expected=expected_version
        )

    def remove_shift(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        shift_id: str,
        *,
        expected_version: int | None = None,
    ) -> WorkSchedule:
        """Take the technician off a rota shift."""
        return self._change(
            actor,
            technician_id,
            lambda s: s.without_shift(shift_id),
            rota=True,
            expected=expected_version,
        )

    def _change(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        change: _Change,
        *,
        rota: bool = False,
        store: Shift | None = None,
        expected: int | None = None,
    ) -> WorkSchedule:
        with self._uow() as uow:
            technician = uow.technicians.get(technician_id)
            _may_manage(actor, technician, rota=rota)
            if store is not None and store.store_id != technician.profile.store_id:
                raise InvalidInput(
                    f"{technician.name} does not work for store {store.store_id}; assign "
                    "shifts only to the store's own technicians.",
                    details={"technician_id": technician_id, "store_id": store.store_id},
                )
            current = uow.schedules.get(technician_id)
            _expected(current, expected)
            saved = uow.schedules.save(change(current))
            self._audit.record(
                uow,
                actor,
                "technician.schedule.change",
                ("technician", technician_id),
                before=current,
                after=saved,
            )
            uow.commit()
        if self._locator is not None:
            self._locator.status_changed(technician_id, saved.status)
        return saved


class EntryKind(StrEnum):
    """What takes a piece of the technician's time on his calendar: a booking, a live
    checkout hold, or busy time from his own calendar (a busy block)."""

    BOOKING = "booking"
    HOLD = "hold"
    BUSY = "busy"


@attrs.frozen
class CalendarEntry:
    """A booking, live hold or busy block on the calendar: its whole blocked time and its
    own time (the service's slot; a busy block's span).

    ``booking_id`` and ``order_id`` name a booking's; ``busy`` names a busy block by its
    ``(source, uid)``, with the ``summary`` he wrote (the calendar is his, his store's and
    the platform's only).
    """

    kind: EntryKind
    blocked: TimeRange
    slot: TimeRange
    booking_id: BookingId | None
    order_id: OrderId | None
    busy: tuple[str, str] | None = None
    summary: str | None = None


@attrs.frozen
class CalendarDay:
    """One local day of a technician's calendar, in his zone.

    ``working`` is his working time that day (after rota, overrides and time off), ``busy``
    what takes his time, ``free`` the working time nothing takes (not the same as the
    bookable slots: those also need the service to fit, the notice and the grid).
    """

    day: Date
    working: tuple[TimeRange, ...]
    busy: tuple[CalendarEntry, ...]
    free: tuple[TimeRange, ...]
    time_off: tuple[TimeOff, ...]


class Presence(StrEnum):
    """What customers see about a technician right now (FEATURES C5)."""

    ONLINE = "online"
    OFFLINE = "offline"
    RESTING = "resting"
    IN_SERVICE = "in_service"
    BOOKED = "booked"


@attrs.frozen
class TechnicianStatus:
    """The real-time status: what he set, and what his bookings say now."""

    technician_id: TechnicianId
    presence: Presence
    set_status: WorkStatus
    current_booking_id: BookingId | None
    next_booking: TimeRange | None


class CalendarService:
    """Read models for the technician app and the technician page."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def day(self, technician_id: TechnicianId, day: Date, actor: Actor) -> CalendarDay:
        """The calendar of one local day."""
        return self.days(technician_id, day, day, actor)[0]

    def week(self, technician_id: TechnicianId, first_day: Date, actor: Actor) -> list[CalendarDay]:
        """Seven days from ``first_day``."""
        return self.days(technician_id, first_day, first_day.add(days=6), actor)

    def days(
        self, technician_id: TechnicianId, first_day: Date, last_day: Date, actor: Actor
    ) -> list[CalendarDay]:
        """The calendar of local days ``first_day``…``last_day`` (at most 62), for the
        technician, his store and the platform.

        Raises:
            InvalidInput: the days are out of order or more than 62.
            NotFound: no such technician.
            PermissionDenied: anyone else (it shows his bookings and orders).
        """
        if last_day < first_day or (last_day - first_day).in_days() > 61:
            raise InvalidInput(
                f"A calendar covers 1 to 62 days in order; got {first_day} to {last_day}.",
                details={"first_day": first_day.isoformat(), "last_day": last_day.isoformat()},
            )
        now = self._clock.now()
        with self._uow() as uow:
            technician = uow.technicians.get(technician_id)
            _may_read(actor, technician)
            schedule = uow.schedules.get(technician_id)
            tz = technician.time_zone
            within = TimeRange(
                from_epoch_minutes(local_midnight(tz, first_day)),
                from_epoch_minutes(local_midnight(tz, last_day.add(days=1))),
            )
            bookings = [
                b for b in uow.bookings.list_active(technician_id, within) if b.counts_at(now)
            ]
            busy = uow.busy_blocks.list_many([technician_id], within)
        result = []
        day = first_day
        while day <= last_day:
            result.append(_calendar_day(technician, schedule, bookings, busy, day))
            day = day.add(days=1)
        return result

    def status(self, technician_id: TechnicianId) -> TechnicianStatus:
        """Offline/resting as he set it; in service while a booking's blocked time runs
        (travel, preparation, service, clean-up) or he says so; booked when online with a
        booking later that local day; otherwise online."""
        now = self._clock.now()
        with self._uow() as uow:
            technician = uow.technicians.get(technician_id)
            return _status(uow, technician, now)


def _status(uow: UnitOfWork, technician: Technician, now: DateTime) -> TechnicianStatus:
    schedule = uow.schedules.get(technician.id)
    tz = technician.time_zone
    local = now.in_timezone(tz).date()
    end_of_day = from_epoch_minutes(local_midnight(tz, local.add(days=1)))
    upcoming = [
        b
        for b in uow.bookings.list_active(technician.id, TimeRange(now, end_of_day.add(minutes=1)))
        if b.counts_at(now) and not b.is_hold
    ]
    current = next((b for b in upcoming if b.blocked.contains(now)), None)
    later = [b for b in upcoming if b.slot.start >= now and b.slot.start < end_of_day]
    set_status = schedule.status
    if set_status is WorkStatus.OFFLINE:
        presence = Presence.OFFLINE
    elif set_status is WorkStatus.RESTING:
        presence = Presence.RESTING
    elif set_status is WorkStatus.IN_SERVICE or current is not None:
        presence = Presence.IN_SERVICE
    elif later:
        presence = Presence.BOOKED
    else:
        presence = Presence.ONLINE
    return TechnicianStatus(
        technician.id,
        presence,
        set_status,
        current.id if current is not None else None,
        later[0].slot if later else None,
    )


def _calendar_day(
    technician: Technician,
    schedule: WorkSchedule,
    bookings: list[Booking],
    busy: list[BusyBlock],
    day: Date,
) -> CalendarDay:
    tz = technician.time_zone
    ranges = day_ranges(technician, schedule, day)
    start, end = local_midnight(tz, day), local_midnight(tz, day.add(days=1))
    day_range = _range(start, end, tz)
    mine = [b for b in bookings if b.blocked.overlaps(day_range)]
    outside = [b for b in busy if b.blocked.overlaps(day_range)]
    blocks = sorted(
        [(b.blocked.start.int_timestamp // 60, -(-b.blocked.end.int_timestamp // 60)) for b in mine]
        + [b.minutes for b in outside]
    )
    free: list[TimeRange] = []
    for work_start, work_end, _, _ in ranges:
        cursor = work_start
        for block_start, block_end in blocks:
            if block_end <= cursor or block_start >= work_end:
                continue
            if block_start > cursor:
                free.append(_range(cursor, block_start, tz))
            cursor = max(cursor, block_end)
        if cursor < work_end:
            free.append(_range(cursor, work_end, tz))
    entries = [
        CalendarEntry(
            EntryKind.HOLD if b.is_hold else EntryKind.BOOKING,
            b.blocked.in_zone(tz),
            b.slot.in_zone(tz),
            b.id,
            b.order_id,
        )
        for b in mine
    ] + [
        CalendarEntry(
            EntryKind.BUSY,
            b.blocked.in_zone(tz),
            b.span.in_zone(tz),
            None,
            None,
            busy=(b.source, b.uid),
            summary=b.summary,
        )
        for b in outside
    ]
    return CalendarDay(
        day=day,
        working=tuple(_range(r[0], r[1], tz) for r in ranges),
        busy=tuple(sorted(entries, key=_entry_order)),
        free=tuple(free),
        time_off=tuple(t for t in schedule.time_off if t.period.overlaps(day_range)),
    )


def _entry_order(entry: CalendarEntry) -> tuple[DateTime, str, str]:
    own = entry.booking_id if entry.booking_id is not None else "~".join(entry.busy or ())
    return (entry.blocked.start, entry.kind.value, own)


def _range(start: int, end: int, tz: str) -> TimeRange:
    return TimeRange(from_epoch_minutes(start, tz), from_epoch_minutes(end, tz))
