"""Splitting a working range into two touching ranges never changes the free slots.

Within one day's list the two pieces are joined back into the range (docs/availability.md,
"Touching ranges"), so the slots are exactly the same in any zone, DST days included, for any
policy. When the second piece moves to the next day's list (a split at or after midnight),
a slot may still run on from one piece into the other; the starts after the split then come
from the next day's own grid, so the lists agree whenever the two grids agree: the grid
counted from local midnight (``SlotAlignment.MIDNIGHT``) with a step that divides the day,
no daylight-saving change, and no restart of the grid after a busy block. (Under
``STRETCH`` the next day's part is a stretch of its own: docs/availability.md, "Slot grid".)
"""

from __future__ import annotations

import itertools

import pendulum
from hypothesis import given
from hypothesis import strategies as st
from pendulum import Date

from booking_core.ids import BookingId, TechnicianId
from booking_core.scheduling import Booking, SlotAlignment, Technician, WeeklyHours
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    from_epoch_minutes,
    local_midnight,
)
from booking_core.scheduling.weekly_hours import DAY_NAMES
from booking_core.timerange import TimeRange

TECH = TechnicianId("tec_1")
_DAY = 24 * 60

#: Zones and days: ordinary days, and both daylight-saving changes of three zones (Lord Howe
#: moves its clocks by half an hour).
DST_DAYS = [
    ("Asia/Shanghai", pendulum.date(2026, 3, 2)),
    ("America/New_York", pendulum.date(2026, 3, 8)),
    ("America/New_York", pendulum.date(2026, 11, 1)),
    ("Europe/London", pendulum.date(2026, 3, 28)),
    ("Europe/London", pendulum.date(2026, 10, 25)),
    ("Australia/Lord_Howe", pendulum.date(2026, 4, 5)),
    ("Australia/Lord_Howe", pendulum.date(2026, 10, 4)),
]
PLAIN_DAYS = [
    ("UTC", pendulum.date(2026, 5, 4)),
    ("Asia/Shanghai", pendulum.date(2026, 3, 2)),
    ("America/New_York", pendulum.date(2026, 1, 14)),
]


@st.composite
def busy(draw: st.DrawFn, zone: str, day: Date) -> list[Booking]:
    """Up to four bookings of the technician around ``day``, blocked ranges apart."""
    origin = local_midnight(zone, day)
    taken: list[Booking] = []
    for n in range(draw(st.integers(0, 4))):
        start = origin + draw(st.integers(-300, 2 * _DAY))
        length = draw(st.integers(5, 120))
        before, after = draw(st.integers(0, 30)), draw(st.integers(0, 30))
        slot = (start, start + length)
        blocked = (start - before, start + length + after)
        if any(b[0] < blocked[1] and blocked[0] < b[1] for b in (t.minutes[:2] for t in taken)):
            continue
        taken.append(
            Booking(
                BookingId(f"bkg_{n}"),
                TECH,
                None,
                TimeRange(from_epoch_minutes(slot[0]), from_epoch_minutes(slot[1])),
                TimeRange(from_epoch_minutes(blocked[0]), from_epoch_minutes(blocked[1])),
            )
        )
    return taken


def _slots(
    zone: str,
    hours: dict[str, list[tuple[int, int]]],
    day: Date,
    bookings: list[Booking],
    timing: ServiceTiming,
    policy: BookingPolicy,
) -> list[int]:
    weekly = WeeklyHours(tuple(tuple(hours.get(name, ())) for name in DAY_NAMES))
    agenda = TechnicianAgenda(Technician(TECH, "Li", zone, weekly), None, BusyIndex(bookings))
    now = local_midnight(zone, day.subtract(days=3))
    return sorted(
        itertools.chain.from_iterable(
            agenda.offered(timing, d, now_minute=now, policy=policy)
            for d in (day.subtract(days=1), day, day.add(days=1), day.add(days=2))
        )
    )


@given(data=st.data())
def test_splitting_a_range_within_its_day_never_changes_the_slots(data: st.DataObject) -> None:
    zone, day = data.draw(st.sampled_from(DST_DAYS))
    start = data.draw(st.integers(0, _DAY - 2))
    end = data.draw(st.integers(start + 2, start + _DAY))
    cut = data.draw(st.integers(start + 1, min(end, _DAY) - 1))
    timing = ServiceTiming(
        data.draw(st.integers(5, 300)),
        data.draw(st.integers(1, 180)),
        data.draw(st.integers(0, 30)),
        data.draw(st.integers(0, 30)),
    )
    policy = BookingPolicy(
        notice_minutes=0,
        window_days=30,
        restart_after_busy=data.draw(st.booleans()),
        slot_alignment=data.draw(st.sampled_from(list(SlotAlignment))),
    )
    bookings = data.draw(busy(zone, day))
    name = DAY_NAMES[day.weekday()]

    whole = _slots(zone, {name: [(start, end)]}, day, bookings, timing, policy)
    split = _slots(zone, {name: [(start, cut), (cut, end)]}, day, bookings, timing, policy)

    assert split == whole


@given(data=st.data())
def test_splitting_a_range_into_the_next_day_keeps_the_slots_on_one_grid(
    data: st.DataObject,
) -> None:
    zone, day = data.draw(st.sampled_from(PLAIN_DAYS))
    start = data.draw(st.integers(1, _DAY - 1))  # from 00:00 a range cannot pass midnight
    end = data.draw(st.integers(max(start + 2, _DAY + 1), start + _DAY))
    cut = data.draw(st.integers(max(start + 1, _DAY), end - 1))  # at or after midnight
    step = data.draw(st.sampled_from([1, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240]))
    timing = ServiceTiming(
        data.draw(st.integers(5, 300)),
        step,
        data.draw(st.integers(0, 30)),
        data.draw(st.integers(0, 30)),
    )
    policy = BookingPolicy(
        notice_minutes=0,
        window_days=30,
        restart_after_busy=False,
        slot_alignment=SlotAlignment.MIDNIGHT,
    )
    bookings = data.draw(busy(zone, day))
    today, tomorrow = DAY_NAMES[day.weekday()], DAY_NAMES[day.add(days=1).weekday()]

    whole = _slots(zone, {today: [(start, end)]}, day, bookings, timing, policy)
    split = _slots(
        zone,
        {today: [(start, cut)], tomorrow: [(cut - _DAY, end - _DAY)]},
        day,
        bookings,
        timing,
        policy,
    )

    assert split == whole
