"""Properties of the availability engine: a brute-force oracle, I2 and I3."""

from __future__ import annotations

from datetime import date

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_core import Money
from booking_core.catalog import Category, Service
from booking_core.errors import BookingError
from booking_core.ids import BookingId, CategoryId, ServiceId, TechnicianId
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    day_ranges,
    from_epoch_minutes,
)
from booking_core.services.availability import offered_minutes, plan_booking
from booking_core.testing import InMemoryStore
from booking_core.timerange import TimeRange

DAY = pendulum.date(2026, 3, 2)
SHANGHAI = "Asia/Shanghai"

minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 1)


@st.composite
def day_hours(draw: st.DrawFn, *, earliest: int = 0, latest: int = 26 * 60) -> WeeklyHours:
    """One to three ranges on every day, possibly past midnight on the last one."""
    cuts = sorted(
        draw(
            st.lists(
                st.integers(min_value=earliest, max_value=latest),
                min_size=2,
                max_size=6,
                unique=True,
            )
        )
    )
    pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    ranges = tuple((s, e) for s, e in pairs if s < 24 * 60)
    if not ranges:
        ranges = ((9 * 60, 12 * 60),)
    # Keep the last range from running into the next day's first.
    if ranges[-1][1] > 24 * 60 + ranges[0][0]:
        ranges = (*ranges[:-1], (ranges[-1][0], 24 * 60 + ranges[0][0]))
    ranges = tuple((s, e) for s, e in ranges if s < e)
    return WeeklyHours((ranges,) * 7)


@st.composite
def busy_blocks(draw: st.DrawFn, base: int) -> list[Booking]:
    starts = sorted(draw(st.lists(st.integers(0, 40 * 60), max_size=8, unique=True)))
    bookings: list[Booking] = []
    cursor = -(10**9)
    for n, offset in enumerate(starts):
        length = draw(st.integers(5, 150))
        start = base + offset
        if start < cursor:
            continue
        cursor = start + length
        at = from_epoch_minutes(start)
        blocked = TimeRange(at, at.add(minutes=length))
        bookings.append(
            Booking(BookingId(f"bkg_{n}"), TechnicianId("tec_1"), None, blocked, blocked)
        )
    return bookings


@settings(max_examples=300, deadline=None)
@given(
    hours=day_hours(),
    data=st.data(),
    duration=st.integers(5, 180),
    step=st.integers(5, 120),
    before=st.integers(0, 45),
    after=st.integers(0, 45),
    notice=st.integers(0, 26 * 60),
    now_offset=st.integers(-24 * 60, 24 * 60),
)
def test_offered_starts_equal_a_brute_force_oracle(
    hours: WeeklyHours,
    data: st.DataObject,
    duration: int,
    step: int,
    before: int,
    after: int,
    notice: int,
    now_offset: int,
) -> None:
    # Given a technician, existing bookings and a policy without restart (the grid is then a
    # pure function of the clock, which the oracle can state directly)
    technician = Technician(TechnicianId("tec_1"), "Li", SHANGHAI, hours)
    midnight = pendulum.datetime(DAY.year, DAY.month, DAY.day, tz=SHANGHAI).int_timestamp // 60
    bookings = data.draw(busy_blocks(midnight - 6 * 60))
    policy = BookingPolicy(
        notice_minutes=notice, window_days=2, slot_step_minutes=step, restart_after_busy=False
    )
    now_minute = midnight + now_offset
    timing = ServiceTiming(duration, step, before, after)

    # When the engine answers
    agenda = TechnicianAgenda(technician, None, BusyIndex(bookings))
    offered = agenda.offered(timing, DAY, now_minute=now_minute, policy=policy)

    # Then it offers exactly the minutes every rule allows
    busy = [
        (b.blocked.start.int_timestamp // 60, b.blocked.end.int_timestamp // 60) for b in bookings
    ]
    expected = [
        t
        for start, end, origin, _ in day_ranges(technician, None, DAY)
        for t in range(start, end - duration + 1)
        if (t - origin) % step == 0
        and now_minute + notice < t <= now_minute + 2 * 24 * 60
        and all(not (s < t + duration + after and t - before < e) for s, e in busy)
    ]
    assert offered == expected


def _store(technician: Technician, service: Service, bookings: list[Booking]) -> InMemoryStore:
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(service)
        uow.technicians.add(technician)
        for booking in bookings:
            uow.bookings.add(booking)
        uow.commit()
    return store


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hours=day_hours(),
    data=st.data(),
    duration=st.integers(15, 120),
    step=st.none() | st.integers(5, 90),
    before=st.integers(0, 30),
    after=st.integers(0, 30),
    restart=st.booleans(),
    candidate=st.integers(-6 * 60, 50 * 60),
)
def test_a_booking_succeeds_iff_its_start_is_offered(
    hours: WeeklyHours,
    data: st.DataObject,
    duration: int,
    step: int | None,
    before: int,
    after: int,
    restart: bool,
    candidate: int,
) -> None:
    # Given the same inputs for the slot list and the booking (INVARIANTS I2)
    technician = Technician(TechnicianId("tec_1"), "Li", SHANGHAI, hours, {ServiceId("svc_1")})
    service = Service(
        ServiceId("svc_1"),
        CategoryId("cat_1"),
        "Tuina",
        duration,
        Money(100, "CNY"),
        buffer_before_minutes=before,
        buffer_after_minutes=after,
    )
    midnight = pendulum.datetime(DAY.year, DAY.month, DAY.day, tz=SHANGHAI)
    store = _store(technician, service, data.draw(busy_blocks(midnight.int_timestamp // 60)))
    policy = BookingPolicy(
        notice_minutes=60, window_days=3, slot_step_minutes=step, restart_after_busy=restart
    )
    now = midnight.subtract(hours=2)
    start = midnight.add(minutes=candidate)

    # When we list the slots of the start's local day and the day before, and try to book
    with store.unit_of_work() as uow:
        local_day = start.in_timezone(SHANGHAI).date()
        offered = {
            m
            for day in (local_day.subtract(days=1), local_day)
            for m in offered_minutes(uow, technician, service, day, now=now, policy=policy)
        }
        try:
            plan_booking(uow, technician, service, start, now=now, policy=policy)
            accepted = True
        except BookingError:
            accepted = False

    # Then the booking is accepted exactly when the start was offered
    assert accepted == (start.int_timestamp // 60 in offered)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(["America/New_York", "Europe/London"]),
    day=st.dates(min_value=pendulum.date(2026, 1, 1), max_value=pendulum.date(2027, 12, 31))
    | st.sampled_from(
        [
            pendulum.date(2026, 3, 8),
            pendulum.date(2026, 11, 1),
            pendulum.date(2026, 3, 29),
            pendulum.date(2026, 10, 25),
        ]
    ),
    hours=day_hours(earliest=4 * 60, latest=23 * 60),
    step=st.integers(5, 120),
    duration=st.integers(5, 120),
)
def test_working_hours_stay_local_on_every_day(
    zone: str, day: date, hours: WeeklyHours, step: int, duration: int
) -> None:
    # Given hours away from the 01:00–02:00 transitions (I3)
    local_day = pendulum.date(day.year, day.month, day.day)
    technician = Technician(TechnicianId("tec_1"), "Li", zone, hours)
    agenda = TechnicianAgenda(technician, None, BusyIndex([]))
    policy = BookingPolicy(notice_minutes=0, window_days=7, restart_after_busy=False)
    now = pendulum.datetime(day.year, day.month, day.day, tz=zone).subtract(days=1)

    # When the engine lists a day's slots
    offered = agenda.offered(
        ServiceTiming(duration, step), local_day, now_minute=now.int_timestamp // 60, policy=policy
    )

    # Then, read on the local clock, they are the weekly wall-clock grid of that day
    shown = [from_epoch_minutes(m, zone) for m in offered]
    assert all(s.date() == local_day for s in shown)
    expected = [
        m
        for start, end in hours.ranges_on(local_day.weekday())
        for m in range(-(-start // step) * step, end - duration + 1, step)
    ]
    assert [s.hour * 60 + s.minute for s in shown] == expected
