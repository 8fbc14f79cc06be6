"""A technician's schedule (overrides, time off, rota shifts, daily cap, status), his
calendar and his real-time status (FEATURES T3, T4, S3, C5).

* **Hours** are local wall-clock ``"HH:MM-HH:MM"`` in the technician's zone; an end at or
  before the start runs into the next day (``"22:00-02:00"``).
* **Times** in answers are shown in the technician's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

import pendulum
from annotated_types import Interval
from pydantic import AwareDatetime, Field, StrictInt

from booking_core.errors import InvalidInput
from booking_core.ids import StoreId
from booking_core.scheduling import Technician
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkSchedule, WorkStatus
from booking_core.scheduling.weekly_hours import format_clock
from booking_core.services.calendar import (
    CalendarDay,
    CalendarEntry,
    EntryKind,
    Presence,
    TechnicianStatus,
)
from booking_core.timerange import TimeRange
from booking_server.schemas.availability import RangeOut
from booking_server.schemas.common import (
    TAKE_WHOLE_FLOATS,
    Day,
    EntityId,
    InModel,
    Instant,
    OutModel,
    in_zone,
)
from booking_server.schemas.technicians import ServiceAreaIn, ServiceAreaOut

__all__ = [
    "HOURS_PATTERN",
    "MAX_DAILY_CAP",
    "CalendarDayOut",
    "CalendarEntryOut",
    "CalendarOut",
    "DailyCapIn",
    "DailyMinutesCapIn",
    "DateOverrideIn",
    "DateOverrideOut",
    "ScheduleOut",
    "ShiftIn",
    "ShiftOut",
    "TechnicianStatusOut",
    "TimeOffIn",
    "TimeOffOut",
    "WorkStatusIn",
]

#: A wall-clock range ``HH:MM-HH:MM``, each end with optional ``:SS`` as calendars give
#: them (``24:00`` allowed as an end; the core rounds seconds — a start up, an end down —
#: and checks the rest).
HOURS_PATTERN: Final = (
    r"^(?:[01][0-9]|2[0-4]):[0-5][0-9](?::[0-5][0-9])?"
    r"-(?:[01][0-9]|2[0-4]):[0-5][0-9](?::[0-5][0-9])?$"
)

#: The highest daily cap the server takes: far above what one person serves in a day.
MAX_DAILY_CAP: Final = 100

Hours = Annotated[
    str, Field(pattern=HOURS_PATTERN, max_length=17, examples=["10:00-14:00", "09:30:00-18:00:00"])
]


def _hours(start: int, end: int) -> str:
    return f"{format_clock(start)}-{format_clock(end)}"


class DateOverrideIn(InModel):
    """His own hours on one date, replacing his weekly hours (none: the day off)."""

    hours: list[Hours] = Field(
        max_length=12,
        description="Working ranges that day; an empty list is the whole day off.",
        examples=[["10:00-14:00", "18:00-22:00"]],
    )

    def to_domain(self, day: dt.date) -> DateOverride:
        """The domain override (bad or overlapping ranges: InvalidSchedule → 422)."""
        return DateOverride.parse(pendulum.Date(day.year, day.month, day.day), self.hours)


class TimeOffIn(InModel):
    """Time off: whole local days (``first_day``, ``last_day``, inclusive: leave, a holiday)
    or a period between two instants (``start``, ``end``: an appointment) — one of the two."""

    first_day: Day | None = Field(default=None, examples=["2026-03-09"])
    last_day: Day | None = Field(default=None, examples=["2026-03-10"])
    start: Instant | None = Field(default=None, examples=["2026-03-04T14:00:00+08:00"])
    end: Instant | None = Field(default=None, examples=["2026-03-04T18:00:00+08:00"])
    reason: str = Field(default="", max_length=200, examples=["年假 Annual leave"])

    def to_domain(self, technician: Technician) -> TimeOff:
        """The domain time off, whole days midnight to midnight in his zone.

        Raises:
            InvalidInput: not exactly one of the two forms.
            InvalidSchedule: the last day comes before the first.
            InvalidTimeRange: the end does not come after the start.
        """
        # Checked here, not by a pydantic validator (nor a union of two models): the document
        # cannot say "one of the two", so a request it allows must not fail request
        # validation (the API contract check, api_contract.py, holds the server to that).
        first, last, start, end = self.first_day, self.last_day, self.start, self.end
        if first is not None and last is not None and start is None and end is None:
            return TimeOff.whole_days(
                pendulum.Date(first.year, first.month, first.day),
                pendulum.Date(last.year, last.month, last.day),
                technician.time_zone,
                self.reason,
            )
        if start is not None and end is not None and first is None and last is None:
            period = TimeRange(pendulum.instance(start), pendulum.instance(end))
            return TimeOff(period, self.reason)
        raise InvalidInput(
            "Send either first_day and last_day (whole days) or start and end (a period).",
            details={"fields": ["first_day", "last_day", "start", "end"]},
        )


class DailyCapIn(InModel):
    """At most this many bookings per local day (null: no cap)."""

    daily_cap: Annotated[StrictInt, Interval(ge=1, le=MAX_DAILY_CAP), TAKE_WHOLE_FLOATS] | None = (
        Field(examples=[6])
    )


class DailyMinutesCapIn(InModel):
    """At most this many minutes of service booked per local day (null: no cap)."""

    daily_minutes_cap: (
        Annotated[StrictInt, Interval(ge=1, le=24 * 60), TAKE_WHOLE_FLOATS] | None
    ) = Field(examples=[360])


class WorkStatusIn(InModel):
    """The status he sets in his app."""

    status: WorkStatus = Field(examples=["online"])


class ShiftIn(InModel):
    """A rota shift of his store: ``hours`` on ``date`` (local wall-clock)."""

    store_id: EntityId = Field(examples=["sto_0001"])
    date: Day = Field(examples=["2026-03-05"])
    hours: Hours = Field(examples=["22:00-02:00"])
    service_area: ServiceAreaIn | None = Field(
        default=None, description="Where he serves during the shift (default: his own area)."
    )

    def to_domain(self, shift_id: str) -> Shift:
        """The domain shift (bad hours: InvalidSchedule → 422)."""
        day = pendulum.Date(self.date.year, self.date.month, self.date.day)
        area = self.service_area.to_domain() if self.service_area is not None else None
        return Shift.parse(shift_id, StoreId(self.store_id), day, self.hours, area)


class DateOverrideOut(OutModel):
    """His own hours on one date."""

    date: dt.date
    hours: list[str] = Field(description="Empty: the whole day off.")

    @classmethod
    def from_domain(cls, override: DateOverride) -> DateOverrideOut:
        """From the domain override."""
        return cls(date=override.day, hours=[_hours(s, e) for s, e in override.ranges])


class TimeOffOut(OutModel):
    """A period he does not work, in his zone."""

    id: str = Field(description="Names the entry in his schedule, to remove it by.")
    start: AwareDatetime
    end: AwareDatetime
    reason: str

    @classmethod
    def from_domain(cls, time_off: TimeOff, time_zone: str) -> TimeOffOut:
        """From the domain time off, shown in ``time_zone``."""
        period = time_off.period
        return cls(
            id=time_off.id,
            start=in_zone(period.start, time_zone),
            end=in_zone(period.end, time_zone),
            reason=time_off.reason,
        )


class ShiftOut(OutModel):
    """A rota shift."""

    id: str
    store_id: str
    date: dt.date
    hours: str
    service_area: ServiceAreaOut | None

    @classmethod
    def from_domain(cls, shift: Shift) -> ShiftOut:
        """From the domain shift."""
        area = shift.area
        return cls(
            id=shift.id,
            store_id=shift.store_id,
            date=shift.day,
            hours=_hours(shift.start, shift.end),
            service_area=ServiceAreaOut.from_domain(area) if area is not None else None,
        )


class ScheduleOut(OutModel):
    """Everything beyond his weekly hours that shapes when he can be booked."""

    technician_id: str
    time_zone: str
    overrides: list[DateOverrideOut]
    time_off: list[TimeOffOut]
    shifts: list[ShiftOut]
    daily_cap: int | None
    daily_minutes_cap: int | None = Field(
        default=None, description="The most minutes of service booked per local day."
    )
    status: WorkStatus
    version: int = Field(
        description='Goes up by one with every change; also the answer\'s `ETag` (`"3"`), '
        "to send back as `If-Match` with a change."
    )

    @classmethod
    def from_domain(cls, schedule: WorkSchedule, time_zone: str) -> ScheduleOut:
        """From the domain schedule, times in ``time_zone`` (the technician's)."""
        return cls(
            technician_id=schedule.technician_id,
            time_zone=time_zone,
            overrides=[DateOverrideOut.from_domain(o) for o in schedule.overrides],
            time_off=[TimeOffOut.from_domain(t, time_zone) for t in schedule.time_off],
            shifts=[ShiftOut.from_domain(s) for s in schedule.shifts],
            daily_cap=schedule.daily_cap,
            daily_minutes_cap=schedule.daily_minutes_cap,
            status=schedule.status,
            version=schedule.version,
        )


class CalendarEntryOut(OutModel):
    """A booking, a live checkout hold or busy time from his own calendar on his calendar."""

    kind: EntryKind
    blocked: RangeOut = Field(description="All the time it takes: travel, buffers, service.")
    slot: RangeOut = Field(description="The service itself (a busy block: its own span).")
    booking_id: str | None = Field(description="Null for a busy block.")
    order_id: str | None = Field(description="Null for a hold or a busy block.")
    busy_source: str | None = Field(
        default=None, description="A busy block's source: a feed id, api or import."
    )
    busy_uid: str | None = Field(default=None, description="A busy block's uid in its source.")
    summary: str | None = Field(default=None, description="What he wrote on a busy block.")

    @classmethod
    def from_domain(cls, entry: CalendarEntry, time_zone: str) -> CalendarEntryOut:
        """From the domain entry."""
        return cls(
            kind=entry.kind,
            blocked=RangeOut.of(entry.blocked, time_zone),
            slot=RangeOut.of(entry.slot, time_zone),
            booking_id=entry.booking_id,
            order_id=entry.order_id,
            busy_source=None if entry.busy is None else entry.busy[0],
            busy_uid=None if entry.busy is None else entry.busy[1],
            summary=entry.summary,
        )


class CalendarDayOut(OutModel):
    """One local day: his working time, what takes it, and what is left."""

    date: dt.date
    working: list[RangeOut] = Field(description="After rota, overrides and time off.")
    busy: list[CalendarEntryOut]
    free: list[RangeOut] = Field(
        description="Working time nothing takes (bookable slots also need the service to "
        "fit, the notice and the grid)."
    )
    time_off: list[TimeOffOut]

    @classmethod
    def from_domain(cls, day: CalendarDay, time_zone: str) -> CalendarDayOut:
        """From the domain day."""
        return cls(
            date=day.day,
            working=[RangeOut.of(r, time_zone) for r in day.working],
            busy=[CalendarEntryOut.from_domain(e, time_zone) for e in day.busy],
            free=[RangeOut.of(r, time_zone) for r in day.free],
            time_off=[TimeOffOut.from_domain(t, time_zone) for t in day.time_off],
        )


class CalendarOut(OutModel):
    """His calendar over one or more local days."""

    technician_id: str
    time_zone: str
    days: list[CalendarDayOut]

    @classmethod
    def from_domain(cls, technician: Technician, days: list[CalendarDay]) -> CalendarOut:
        """From the domain days of ``technician``."""
        zone = technician.time_zone
        return cls(
            technician_id=technician.id,
            time_zone=zone,
            days=[CalendarDayOut.from_domain(d, zone) for d in days],
        )


class TechnicianStatusOut(OutModel):
    """What customers see about him right now, and what he set."""

    technician_id: str
    presence: Presence = Field(
        description="offline or resting as he set it; in_service during a booking's blocked "
        "time (or as he set it); booked with a booking later today; otherwise online."
    )
    set_status: WorkStatus
    current_booking_id: str | None
    next_booking: RangeOut | None = Field(description="His next service today, if any.")

    @classmethod
    def from_domain(cls, status: TechnicianStatus, time_zone: str) -> TechnicianStatusOut:
        """From the domain status, times in ``time_zone``."""
        upcoming = status.next_booking
        return cls(
            technician_id=status.technician_id,
            presence=status.presence,
            set_status=status.set_status,
            current_booking_id=status.current_booking_id,
            next_booking=RangeOut.of(upcoming, time_zone) if upcoming is not None else None,
        )
