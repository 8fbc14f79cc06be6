"""The availability engine: one rule set for the slots offered and the bookings accepted.

The engine works on integer minutes since the Unix epoch (UTC). Callers convert aware
datetimes once at its edge; the inner loop never touches datetime objects.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import attrs
import pendulum
from pendulum import Date, DateTime

from booking_core.errors import InvalidSchedule, InvalidTimeRange
from booking_core.scheduling.weekly_hours import WeeklyHours
from booking_core.timerange import TimeRange, zone

__all__ = [
    "BookingPolicy",
    "SlotRequest",
    "epoch_minutes",
    "free_slot_minutes",
    "from_epoch_minutes",
    "working_intervals",
]

Interval = tuple[int, int]


@attrs.frozen
class BookingPolicy:
    """Platform-wide booking rules.

    Attributes:
        notice_minutes: Minimum notice; strict — a slot starting exactly at
            ``now + notice`` is not offered.
        window_days: How many days ahead (rolling, from now) a slot may start.
    """

    notice_minutes: int = 60
    window_days: int = 30

    def __attrs_post_init__(self) -> None:
        if self.notice_minutes < 0 or self.window_days < 1:
            raise InvalidSchedule("Notice is ≥ 0 minutes and the window at least one day.")
        if self.notice_minutes >= self.window_days * 24 * 60:
            raise InvalidSchedule(
                "The minimum notice is as long as the booking window: nothing could be booked.",
                details={"notice_minutes": self.notice_minutes, "window_days": self.window_days},
            )


def epoch_minutes(instant: DateTime) -> int:
    """Whole minutes since the Unix epoch; refuses instants that are not on a minute."""
    seconds = instant.int_timestamp
    if seconds % 60 or instant.microsecond:
        raise InvalidTimeRange(f"Booking times fall on whole minutes; got {instant}.")
    return seconds // 60


def from_epoch_minutes(minutes: int, time_zone: str = "UTC") -> DateTime:
    """The instant ``minutes`` after the epoch, shown in ``time_zone``."""
    return pendulum.from_timestamp(minutes * 60, tz=zone(time_zone))


def working_intervals(hours: WeeklyHours, time_zone: str, day: Date) -> list[Interval]:
    """The working ranges of local ``day`` as epoch-minute intervals.

    Wall-clock times are resolved in ``time_zone`` on that very day, so a shift keeps its
    local hours across daylight-saving changes (and is shorter or longer in absolute time).
    """
    tz = zone(time_zone)
    midnight = pendulum.datetime(day.year, day.month, day.day, tz=tz)
    intervals: list[Interval] = []
    for start, end in hours.ranges_on(day.weekday()):
        begin = _local(midnight, start)
        finish = _local(midnight, end)
        if finish > begin:
            intervals.append((begin, finish))
    return intervals


def _local(midnight: DateTime, minute_of_day: int) -> int:
    # Resolve the wall-clock time on that calendar date (not "midnight + N minutes", which
    # would drift by the DST shift); 24:00 is the next day's midnight.
    day = midnight.date()
    if minute_of_day == 24 * 60:
        nxt = day.add(days=1)
        local = pendulum.datetime(nxt.year, nxt.month, nxt.day, tz=midnight.tz)
    else:
        local = pendulum.datetime(
            day.year, day.month, day.day, minute_of_day // 60, minute_of_day % 60, tz=midnight.tz
        )
    return local.int_timestamp // 60


@attrs.frozen
class SlotRequest:
    """Everything that decides which starts are free, in epoch minutes.

    Attributes:
        working: Working intervals of the day, sorted, not overlapping.
        busy: Blocked intervals of active bookings, sorted by start, not overlapping.
        duration: Service minutes (must fit inside a working interval).
        step: Minutes between candidate starts, counted from each working interval's start.
        buffer_before: Minutes blocked before the service (need not be working time).
        buffer_after: Minutes blocked after the service (need not be working time).
        not_before: Starts must be strictly after this minute (now + notice).
        not_after: Starts must be at or before this minute (end of the booking window).
    """

    working: Sequence[Interval]
    busy: Sequence[Interval]
    duration: int
    step: int
    buffer_before: int
    buffer_after: int
    not_before: int
    not_after: int


def free_slot_minutes(request: SlotRequest) -> list[int]:
    """Start minutes of every free slot for ``request``; the single source of truth (I2)."""
    busy_ends = [end for _, end in request.busy]
    busy = request.busy
    slots: list[int] = []
    for work_start, work_end in request.working:
        t = work_start
        last = min(work_end - request.duration, request.not_after)
        while t <= last:
            if t > request.not_before:
                lo = t - request.buffer_before
                hi = t + request.duration + request.buffer_after
                # The first busy interval ending after lo is the only one that can overlap.
                i = bisect_right(busy_ends, lo)
                if i == len(busy) or busy[i][0] >= hi:
                    slots.append(t)
            t += request.step
    return slots


def busy_intervals(blocked: Sequence[TimeRange]) -> list[Interval]:
    """Blocked ranges as sorted epoch-minute intervals."""
    return sorted((epoch_minutes(r.start), epoch_minutes(r.end)) for r in blocked)
