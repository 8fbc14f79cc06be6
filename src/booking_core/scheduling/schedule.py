"""What changes a technician's weekly hours: date overrides, time off, the store's rota.

Precedence on one local day (documented in docs/availability.md):

1. **Time off** (leave, holidays) always wins: it is cut out of whatever remains.
2. **The store's rota**: if the store manager assigned the technician any shift that starts
   on that day, those shifts *are* his working time that day (and give its service area).
3. **A date override** the technician set for that day replaces his weekly hours
   (extra hours, other hours, or the whole day off).
4. Otherwise, his **weekly hours** for that weekday.

Wall-clock times (shifts, overrides) are in the technician's IANA zone — the business
zone of the technician, which for a store's staff is the store's zone.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from enum import StrEnum

import attrs
import pendulum
from pendulum import Date

from booking_core.errors import InvalidSchedule
from booking_core.ids import StoreId, TechnicianId
from booking_core.scheduling.geo import ServiceArea
from booking_core.scheduling.weekly_hours import Ranges, check_ranges, parse_ranges
from booking_core.timerange import TimeRange, zone

__all__ = ["DateOverride", "Shift", "TimeOff", "WorkSchedule", "WorkStatus"]


def _ranges(instance: object, attribute: attrs.Attribute[Ranges], value: Ranges) -> None:
    check_ranges(value, str(getattr(instance, "day", "the day")))


def _as_ranges(value: Iterable[tuple[int, int]]) -> Ranges:
    return tuple((int(s), int(e)) for s, e in value)


@attrs.frozen
class DateOverride:
    """The technician's own hours for one local date, replacing his weekly hours.

    ``ranges`` are minutes after that date's local midnight (a range may run past
    midnight); no ranges means the whole day off.
    """

    day: Date
    ranges: Ranges = attrs.field(default=(), converter=_as_ranges, validator=_ranges)

    @classmethod
    def parse(cls, day: Date, texts: Iterable[str]) -> DateOverride:
        """``DateOverride.parse(date, ["10:00-14:00"])``; an empty list is a day off."""
        return cls(day, parse_ranges(texts, day.isoformat()))

    @classmethod
    def day_off(cls, day: Date) -> DateOverride:
        """The whole day off."""
        return cls(day, ())


@attrs.frozen
class TimeOff:
    """An absolute period the technician does not work (leave, a holiday, an appointment).

    ``id`` names the entry within his schedule, so that it can be removed; left blank, the
    schedule gives it one (:meth:`WorkSchedule.with_time_off`).
    """

    period: TimeRange
    reason: str = ""
    id: str = ""

    @classmethod
    def whole_days(cls, first: Date, last: Date, time_zone: str, reason: str = "") -> TimeOff:
        """Local days ``first`` … ``last`` (inclusive), midnight to midnight in ``time_zone``.

        Raises:
            InvalidSchedule: if ``last`` is before ``first``.
        """
        if last < first:
            raise InvalidSchedule(
                f"Time off ends ({last}) before it starts ({first}); swap the dates.",
                details={"first": first.isoformat(), "last": last.isoformat()},
            )
        tz = zone(time_zone)
        after = last.add(days=1)
        return cls(
            TimeRange(
                pendulum.datetime(first.year, first.month, first.day, tz=tz),
                pendulum.datetime(after.year, after.month, after.day, tz=tz),
            ),
            reason,
        )


def _shift_times(instance: Shift, attribute: attrs.Attribute[int], value: int) -> None:
    check_ranges(((instance.start, instance.end),), f"the shift of {instance.day}")


@attrs.frozen
class Shift:
    """A rota entry (排班): a store assigns the technician to work ``start``–``end`` on ``day``.

    Times are minutes after the local midnight of ``day`` in the technician's zone; ``end``
    past 1440 runs into the next day. ``area``, when given, is where he serves during the
    shift (otherwise his own service area).
    """

    id: str
    store_id: StoreId
    day: Date
    start: int
    end: int = attrs.field(validator=_shift_times)
    area: ServiceArea | None = None

    @classmethod
    def parse(
        cls, id: str, store_id: StoreId, day: Date, text: str, area: ServiceArea | None = None
    ) -> Shift:
        """``Shift.parse("sh_1", store, date, "22:00-02:00")``."""
        ((start, end),) = parse_ranges([text], day.isoformat())
        return cls(id, store_id, day, start, end, area)


class WorkStatus(StrEnum):
    """The status a technician sets in his app (FEATURES T3)."""

    ONLINE = "online"
    OFFLINE = "offline"
    RESTING = "resting"
    IN_SERVICE = "in_service"


def _positive_cap(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and (type(value) is not int or value < 1):
        raise InvalidSchedule(
            f"A daily booking cap is a whole number ≥ 1 (or none); got {value!r}.",
            details={"field": "daily_cap"},
        )


def _minutes_cap(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and (type(value) is not int or not 1 <= value <= 24 * 60):
        raise InvalidSchedule(
            "A daily cap of booked minutes is a whole number from 1 to 1440 (or none); "
            f"got {value!r}.",
            details={"field": "daily_minutes_cap"},
        )


def _unique_override_days(
    _: object, attribute: attrs.Attribute[tuple[DateOverride, ...]], value: tuple[DateOverride, ...]
) -> None:
    days = [o.day for o in value]
    if len(days) != len(set(days)):
        raise InvalidSchedule("A date has at most one override; replace it instead of adding.")


def _sorted_overrides(value: Iterable[DateOverride]) -> tuple[DateOverride, ...]:
    return tuple(sorted(value, key=lambda o: o.day))


def _sorted_time_off(value: Iterable[TimeOff]) -> tuple[TimeOff, ...]:
    ordered = sorted(value, key=lambda t: (t.period.start, t.period.end, t.reason, t.id))
    # Entries without an id (built by hand, or stored before ids existed: revision 0012
    # gives stored ones the same) are named by their place among such entries.
    blank = iter(range(len(ordered)))
    return tuple(t if t.id else attrs.evolve(t, id=f"off_0_{next(blank)}") for t in ordered)


def _unique_time_off_ids(
    _: object, attribute: attrs.Attribute[tuple[TimeOff, ...]], value: tuple[TimeOff, ...]
) -> None:
    ids = [t.id for t in value]
    if len(ids) != len(set(ids)):
        raise InvalidSchedule(
            "Two entries of time off have one id; give each its own.",
            details={"field": "time_off"},
        )


def _sorted_shifts(value: Iterable[Shift]) -> tuple[Shift, ...]:
    return tuple(sorted(value, key=lambda s: (s.day, s.start, s.id)))


def _no_overlapping_shifts(
    _: object, attribute: attrs.Attribute[tuple[Shift, ...]], value: tuple[Shift, ...]
) -> None:
    by_day: dict[Date, list[tuple[int, int]]] = {}
    for shift in value:
        by_day.setdefault(shift.day, []).append((shift.start, shift.end))
    for day, ranges in by_day.items():
        check_ranges(tuple(sorted(ranges)), f"the rota of {day}")


@attrs.frozen
class WorkSchedule:
    """Everything beyond weekly hours that shapes one technician's availability.

    One per technician (an empty one when nothing was set); saved with optimistic
    concurrency on ``version``. ``daily_cap`` is the most bookings starting on one local
    day; ``daily_minutes_cap`` the most minutes of service booked on one (a booking that
    would pass it is not offered).
    """

    technician_id: TechnicianId
    overrides: tuple[DateOverride, ...] = attrs.field(
        default=(), converter=_sorted_overrides, validator=_unique_override_days
    )
    time_off: tuple[TimeOff, ...] = attrs.field(
        default=(), converter=_sorted_time_off, validator=_unique_time_off_ids
    )
    shifts: tuple[Shift, ...] = attrs.field(
        default=(), converter=_sorted_shifts, validator=_no_overlapping_shifts
    )
    daily_cap: int | None = attrs.field(default=None, validator=_positive_cap)
    status: WorkStatus = WorkStatus.OFFLINE
    version: int = 0
    daily_minutes_cap: int | None = attrs.field(default=None, validator=_minutes_cap)
    _override_by_day: dict[_dt.date, DateOverride] = attrs.field(
        init=False, eq=False, repr=False, factory=dict
    )
    _shifts_by_day: dict[_dt.date, tuple[Shift, ...]] = attrs.field(
        init=False, eq=False, repr=False, factory=dict
    )
    _time_off_minutes: tuple[tuple[int, int], ...] = attrs.field(
        init=False, eq=False, repr=False, default=()
    )

    def __attrs_post_init__(self) -> None:
        # Indexes built once: the engine asks for one day at a time, many times.
        shifts: dict[_dt.date, list[Shift]] = {}
        for shift in self.shifts:
            shifts.setdefault(shift.day, []).append(shift)
        object.__setattr__(self, "_override_by_day", {o.day: o for o in self.overrides})
        object.__setattr__(self, "_shifts_by_day", {d: tuple(s) for d, s in shifts.items()})
        minutes = sorted(
            (t.period.start.int_timestamp // 60, -(-t.period.end.int_timestamp // 60))
            for t in self.time_off
        )
        object.__setattr__(self, "_time_off_minutes", tuple(minutes))

    @classmethod
    def empty(cls, technician_id: TechnicianId) -> WorkSchedule:
        """No overrides, time off, shifts or cap."""
        return cls(technician_id)

    def override_on(self, day: _dt.date) -> DateOverride | None:
        """The technician's own override for ``day``, if any."""
        return self._override_by_day.get(day)

    def shifts_on(self, day: _dt.date) -> tuple[Shift, ...]:
        """The rota shifts starting on ``day``, in order."""
        return self._shifts_by_day.get(day, ())

    @property
    def time_off_minutes(self) -> tuple[tuple[int, int], ...]:
        """Time off as sorted epoch-minute intervals (rounded outwards to whole minutes)."""
        return self._time_off_minutes

    def with_override(self, override: DateOverride) -> WorkSchedule:
        """This schedule with ``override`` replacing any override of the same day."""
        kept = [o for o in self.overrides if o.day != override.day]
        return attrs.evolve(self, overrides=(*kept, override))

    def without_override(self, day: Date) -> WorkSchedule:
        """This schedule without an override on ``day``."""
        return attrs.evolve(self, overrides=[o for o in self.overrides if o.day != day])

    def with_time_off(self, time_off: TimeOff) -> WorkSchedule:
        """This schedule with one more period of time off.

        Without an id it is named ``off_<version it is saved at>`` (``version`` + 1): never
        one an earlier entry had, since versions only go up.

        Raises:
            InvalidSchedule: its id is one of another entry's.
        """
        if not time_off.id:
            taken = {t.id for t in self.time_off}
            name = f"off_{self.version + 1}"
            suffix = 1
            while name in taken:
                suffix += 1
                name = f"off_{self.version + 1}_{suffix}"
            time_off = attrs.evolve(time_off, id=name)
        return attrs.evolve(self, time_off=(*self.time_off, time_off))

    def time_off_entry(self, time_off_id: str) -> TimeOff | None:
        """The time off named ``time_off_id``, if he has it."""
        return next((t for t in self.time_off if t.id == time_off_id), None)

    def without_time_off(self, time_off_id: str) -> WorkSchedule:
        """This schedule without the time off ``time_off_id`` (unchanged if he has none)."""
        return attrs.evolve(self, time_off=[t for t in self.time_off if t.id != time_off_id])

    def with_shift(self, shift: Shift) -> WorkSchedule:
        """This schedule with ``shift`` assigned (replacing a shift with the same id)."""
        kept = [s for s in self.shifts if s.id != shift.id]
        return attrs.evolve(self, shifts=(*kept, shift))

    def without_shift(self, shift_id: str) -> WorkSchedule:
        """This schedule without the shift ``shift_id``."""
        return attrs.evolve(self, shifts=[s for s in self.shifts if s.id != shift_id])

    def with_daily_cap(self, cap: int | None) -> WorkSchedule:
        """This schedule with at most ``cap`` bookings per local day (None: no cap)."""
        return attrs.evolve(self, daily_cap=cap)

    def with_daily_minutes_cap(self, minutes: int | None) -> WorkSchedule:
        """This schedule with at most ``minutes`` of service booked per local day (None:
        no cap)."""
        return attrs.evolve(self, daily_minutes_cap=minutes)

    def with_status(self, status: WorkStatus) -> WorkSchedule:
        """This schedule with the technician's self-set status."""
        return attrs.evolve(self, status=status)
