"""Properties of the availability engine: an independent brute-force oracle, I2 and I3.

The oracle shares no code with the engine. It states the documented rules
(docs/availability.md) over plain sets of epoch minutes:

* a wall-clock time becomes an instant by its own search over the zone's offsets (zoneinfo
  read only from UTC to local, which is never ambiguous): an ambiguous time is its first
  occurrence, a skipped one moves forward by the gap;
* a day's working ranges come from the store's rota, else the technician's date override,
  else his weekly hours; ranges of one day that touch on the wall clock are one range, then
  ranges that touch in absolute time are one too, keeping the first one's grid origin
  (its local midnight, shifted to keep the local alignment of its start);
* a minute that two days' ranges both cover belongs to the earlier day; time off is cut out;
* a working stretch is a run of consecutive working minutes of one day; its grid counts from
  its first minute (``STRETCH``), from the first point at or after it of the clock grid (the
  largest of 60/30/20/15/10/5 dividing the step, else 1) on the range's local clock
  (``CLOCK``), or from the range's grid origin (``MIDNIGHT``);
* work is the set of minutes so obtained: a service must lie in one unbroken run of it (so
  ranges that touch, within a day or across midnight, are one stretch), and it starts in
  a range of the day it is listed under, on that range's grid;
* the notice is strict, the window inclusive, and the blocked time
  ``[start - before, end + after)`` meets no busy block.

Days are drawn around the daylight-saving transitions of Europe/Berlin and
America/New_York, and of Asia/Shanghai (which had DST in 1986-1991), and at random.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pendulum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from booking_core import Money
from booking_core.catalog import Category, Service
from booking_core.errors import BookingError
from booking_core.ids import BookingId, CategoryId, ServiceId, StoreId, TechnicianId
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.alignment import SlotAlignment
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    from_epoch_minutes,
)
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkSchedule
from booking_core.services.steps.reservations import Reservations
from booking_core.testing import InMemoryStore
from booking_core.timerange import TimeRange

SHANGHAI = "Asia/Shanghai"
ZONES_AND_YEARS = {
    "Europe/Berlin": (2026, 2027),
    "America/New_York": (2026, 2027),
    SHANGHAI: (1986, 1991),
}
_MIN = 24 * 60
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Ranges = tuple[tuple[int, int], ...]


# -- the oracle's own clock arithmetic -------------------------------------------------------


def _local_reading(zone: ZoneInfo, instant: int) -> datetime:
    """The local wall-clock reading of an epoch minute (UTC to local is unambiguous), tagged
    UTC only so that readings compare as plain clock faces."""
    return (_EPOCH + timedelta(minutes=instant)).astimezone(zone).replace(tzinfo=UTC)


def _offset_minutes(zone: ZoneInfo, instant: int) -> int:
    offset = (_EPOCH + timedelta(minutes=instant)).astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds()) // 60


def wall_to_instant(zone_name: str, day: date, minute_of_day: int) -> int:
    """The epoch minute of ``minute_of_day`` (may pass 1440) on local ``day``, by the rules:
    an ambiguous reading is its first occurrence, a skipped one moves forward by the gap."""
    zone = ZoneInfo(zone_name)
    wall = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minute_of_day)
    as_if_utc = int((wall - _EPOCH).total_seconds()) // 60
    # Every offset in force within two days either side: a transition near ``wall`` shows.
    offsets = {_offset_minutes(zone, as_if_utc + hours * 60) for hours in range(-48, 49, 12)}
    candidates = sorted(as_if_utc - offset for offset in offsets)
    readings = [c for c in candidates if _local_reading(zone, c) == wall]
    return readings[0] if readings else candidates[-1]


def _wall_join(ranges: Ranges) -> list[tuple[int, int]]:
    joined: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def own_ranges(
    zone: str,
    weekly: WeeklyHours,
    overrides: dict[date, Ranges],
    shifts: dict[date, Ranges],
    day: date,
) -> list[tuple[int, int, int]]:
    """``(begin, end, origin)`` epoch minutes of the ranges local ``day`` starts, joined."""
    local = shifts.get(day) or overrides.get(day, weekly.days[day.weekday()])
    joined: list[tuple[int, int, int]] = []
    for start, end in _wall_join(local):
        begin, finish = wall_to_instant(zone, day, start), wall_to_instant(zone, day, end)
        if finish <= begin:
            continue  # wholly inside a skipped hour
        if joined and begin <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], finish), joined[-1][2])
        else:
            joined.append((begin, finish, begin - start))
    return joined


def oracle(
    zone: str,
    weekly: WeeklyHours,
    overrides: dict[date, Ranges],
    shifts: dict[date, Ranges],
    time_off: Sequence[tuple[int, int]],
    busy: Sequence[tuple[int, int]],
    days: Sequence[date],
    *,
    duration: int,
    step: int,
    before: int,
    after: int,
    not_before: int,
    not_after: int,
    alignment: SlotAlignment = SlotAlignment.MIDNIGHT,
) -> dict[date, list[int]]:
    """Every start each of ``days`` offers, found minute by minute."""
    first, last = min(days) - timedelta(days=3), max(days) + timedelta(days=4)
    owner: dict[int, tuple[date, int]] = {}  # working minute -> (its day, its grid origin)
    current = first
    while current <= last:
        for begin, end, origin in own_ranges(zone, weekly, overrides, shifts, current):
            for minute in range(begin, end):
                owner.setdefault(minute, (current, origin))  # the earlier day keeps it
        current += timedelta(days=1)
    for cut_start, cut_end in time_off:
        for minute in range(cut_start, cut_end):
            owner.pop(minute, None)
    offered: dict[date, list[int]] = {day: [] for day in days}
    clock = next((g for g in (60, 30, 20, 15, 10, 5) if step % g == 0), 1)
    run_start = 0
    for t in sorted(owner):
        day, origin = owner[t]
        if owner.get(t - 1, (None,))[0] != day:
            run_start = t  # a working stretch of ``day`` starts here
        if alignment is SlotAlignment.STRETCH:
            origin = run_start
        elif alignment is SlotAlignment.CLOCK:
            origin = run_start + (origin - run_start) % clock
        if (
            day in offered
            and (t - origin) % step == 0
            and not_before < t <= not_after
            and all(m in owner for m in range(t, t + duration))
            and all(not (s < t + duration + after and t - before < e) for s, e in busy)
        ):
            offered[day].append(t)
    return offered


# -- what the oracle and the engine are given -------------------------------------------------


def _transition_days(zone_name: str, first_year: int, last_year: int) -> list[date]:
    zone = ZoneInfo(zone_name)
    found: list[date] = []
    day = date(first_year, 1, 1)
    offset = datetime(day.year, day.month, day.day, 12, tzinfo=zone).utcoffset()
    while day.year <= last_year:
        day += timedelta(days=1)
        now = datetime(day.year, day.month, day.day, 12, tzinfo=zone).utcoffset()
        if now != offset:
            found.append(day)
        offset = now
    return found


TRANSITIONS = {zone: _transition_days(zone, *years) for zone, years in ZONES_AND_YEARS.items()}


@cache
def minutes(low: int, high: int) -> st.SearchStrategy[int]:
    """Minutes from ``low`` to ``high``, mostly round ones: boundaries then meet exactly."""
    return st.integers(-(-low // 15), high // 15).map(lambda k: 15 * k) | st.integers(low, high)


@st.composite
def zoned_days(draw: st.DrawFn) -> tuple[str, date]:
    """A zone and a day: mostly within two days of one of its DST transitions."""
    zone = draw(st.sampled_from(sorted(ZONES_AND_YEARS)))
    first, last = ZONES_AND_YEARS[zone]
    near = draw(st.sampled_from(TRANSITIONS[zone])) + timedelta(days=draw(st.integers(-2, 2)))
    anywhere = draw(st.dates(date(first, 1, 1), date(last, 12, 31)))
    return zone, draw(st.sampled_from([near, near, near, anywhere]))


_STARTS = minutes(0, _MIN - 1) | minutes(45, 195)  # often near 01:00-03:00, where clocks jump
_LENGTHS = minutes(1, 10 * 60) | minutes(1, 90)
_GAPS = st.sampled_from([0, 0, 1]) | minutes(1, 6 * 60)  # often touching


@st.composite
def one_days_ranges(draw: st.DrawFn, *, max_ranges: int = 3) -> Ranges:
    """Ordered ranges of one day, often touching, the last possibly past midnight."""
    ranges: list[tuple[int, int]] = []
    cursor = draw(_STARTS)
    for _ in range(draw(st.integers(0, max_ranges))):
        end = cursor + draw(_LENGTHS)
        ranges.append((cursor, end))
        cursor = end + draw(_GAPS)
        if cursor >= _MIN:
            break
    return tuple(ranges)


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    """Weekly hours whose last range may touch (never overlap) the next day's first."""
    days = [list(draw(one_days_ranges())) for _ in range(7)]
    for index, ranges in enumerate(days):
        following = days[(index + 1) % 7]
        if not (ranges and following):
            continue
        joins = ranges[-1][1] - _MIN > following[0][0] or draw(st.booleans())
        if joins and following[0][0] <= ranges[-1][0]:
            ranges[-1] = (ranges[-1][0], _MIN + following[0][0])  # touching, not overlapping
    return WeeklyHours(tuple(tuple(r) for r in days))


def _pdate(day: date) -> pendulum.Date:
    return pendulum.date(day.year, day.month, day.day)


def _clock(minute: int) -> pendulum.DateTime:
    return pendulum.from_timestamp(minute * 60)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone_day=zoned_days(),
    weekly=weekly_hours(),
    data=st.data(),
    duration=minutes(5, 180),
    step=minutes(5, 120),
    before=minutes(0, 45),
    after=minutes(0, 45),
    notice=minutes(0, 26 * 60),
    now_offset=minutes(-48 * 60, 24 * 60),
    window=st.integers(1, 3),
    alignment=st.sampled_from(list(SlotAlignment)),
)
def test_offered_starts_equal_an_independent_brute_force_oracle(
    zone_day: tuple[str, date],
    weekly: WeeklyHours,
    data: st.DataObject,
    duration: int,
    step: int,
    before: int,
    after: int,
    notice: int,
    now_offset: int,
    window: int,
    alignment: SlotAlignment,
) -> None:
    # Given a technician in a zone with DST, his overrides, rota shifts and time off around
    # the day, existing bookings, and a policy without restart under any alignment (the grid
    # is then a pure function of the working time, which the oracle can state directly)
    zone, day = zone_day
    near = [day + timedelta(days=d) for d in range(-2, 3)]
    override_days = data.draw(st.lists(st.sampled_from(near), unique=True, max_size=2))
    overrides = {d: data.draw(one_days_ranges()) for d in override_days}
    shift_days = data.draw(st.lists(st.sampled_from(near), unique=True, max_size=1))
    shifts = {d: data.draw(one_days_ranges(max_ranges=2)) for d in shift_days}
    shifts = {d: r for d, r in shifts.items() if r}
    midnight = wall_to_instant(zone, day, 0)
    cuts = data.draw(st.lists(st.tuples(minutes(-_MIN, 2 * _MIN), minutes(1, 240)), max_size=3))
    time_off = sorted((midnight + s, midnight + s + n) for s, n in cuts)
    bookings = data.draw(busy_blocks(midnight - 6 * 60))
    busy = [(b.minutes[0], b.minutes[1]) for b in bookings]
    schedule = WorkSchedule(
        TechnicianId("tec_1"),
        overrides=[DateOverride(_pdate(d), r) for d, r in overrides.items()],
        shifts=[
            Shift(f"sh_{n}", StoreId("sto_1"), _pdate(d), s, e)
            for d, ranges in shifts.items()
            for n, (s, e) in enumerate(ranges)
        ],
        time_off=[TimeOff(TimeRange(_clock(s), _clock(e))) for s, e in time_off],
    )
    technician = Technician(TechnicianId("tec_1"), "Li", zone, weekly)
    notice = min(notice, window * _MIN - 1)  # a notice as long as the window is refused
    policy = BookingPolicy(
        notice_minutes=notice,
        window_days=window,
        slot_step_minutes=step,
        restart_after_busy=False,
        slot_alignment=alignment,
    )
    listed = [day - timedelta(days=1), day, day + timedelta(days=1)]
    # The clock: anywhere, or so that the notice or the window ends just before the end of
    # a working range (where a service may still run on into the next range).
    ranges = [own_ranges(zone, weekly, overrides, shifts, d) for d in listed]
    ends = [e for day_ranges in ranges for _, e, _ in day_ranges]
    last_ends = [day_ranges[-1][1] for day_ranges in ranges if day_ranges]
    anchor = data.draw(st.sampled_from(["anywhere", "notice", "window"]) if ends else st.just(""))
    now_minute = midnight + now_offset
    if anchor in ("notice", "window"):
        end = data.draw(st.sampled_from(last_ends) | st.sampled_from(ends))
        boundary = end - data.draw(minutes(0, 180))
        now_minute = boundary - (notice if anchor == "notice" else window * _MIN)

    # When the engine answers for the day before, the day, and the day after
    agenda = TechnicianAgenda(technician, schedule, BusyIndex(bookings))
    offered = {
        d: agenda.offered(
            ServiceTiming(duration, step, before, after),
            _pdate(d),
            now_minute=now_minute,
            policy=policy,
        )
        for d in listed
    }

    # Then each day offers exactly the minutes every rule allows
    expected = oracle(
        zone, weekly, overrides, shifts, time_off, busy, listed,
        duration=duration, step=step, before=before, after=after,
        not_before=now_minute + notice, not_after=now_minute + window * _MIN, alignment=alignment,
    )  # fmt: skip
    assert offered == expected, _explain(zone, offered, expected)
    shifted = {_offset_minutes(ZoneInfo(zone), midnight + h * 60) for h in range(-24, 49)}
    event("a DST transition within the listed days" if len(shifted) > 1 else "no transition")
    event("something offered" if any(expected.values()) else "nothing offered")
    runs_on = any(
        t + duration > wall_to_instant(zone, d, _MIN) for d, ts in expected.items() for t in ts
    )
    event("a service runs past midnight" if runs_on else "services end by midnight")


def _explain(zone: str, offered: dict[date, list[int]], expected: dict[date, list[int]]) -> str:
    """The starts on which engine and oracle differ, on the local clock."""

    def shown(minutes: set[int]) -> list[str]:
        return [from_epoch_minutes(m, zone).format("ddd DD HH:mm Z") for m in sorted(minutes)]

    return "; ".join(
        f"listed under {day}: engine only {shown(set(offered[day]) - set(expected[day]))}, "
        f"oracle only {shown(set(expected[day]) - set(offered[day]))}"
        for day in expected
        if offered[day] != expected[day]
    )


def test_the_oracles_clock_follows_the_documented_dst_rules() -> None:
    # New York, 8 March 2026: 02:00-03:00 is skipped; 1 November: 01:00-02:00 comes twice
    spring, autumn = date(2026, 3, 8), date(2026, 11, 1)
    new_york = "America/New_York"

    def shown(minute: int) -> str:
        return from_epoch_minutes(minute, new_york).format("HH:mm Z")

    assert shown(wall_to_instant(new_york, spring, 2 * 60 + 30)) == "03:30 -04:00"
    assert shown(wall_to_instant(new_york, spring, 3 * 60)) == "03:00 -04:00"
    assert shown(wall_to_instant(new_york, autumn, 60 + 30)) == "01:30 -04:00"  # the first
    assert shown(wall_to_instant(new_york, autumn, 2 * 60)) == "02:00 -05:00"
    assert shown(wall_to_instant(new_york, spring, _MIN + 9 * 60)) == "09:00 -04:00"  # next day
    assert wall_to_instant(SHANGHAI, date(1986, 5, 4), 2 * 60) == wall_to_instant(
        SHANGHAI, date(1986, 5, 4), 3 * 60
    )


@st.composite
def day_hours(draw: st.DrawFn, *, earliest: int = 0, latest: int = 26 * 60) -> WeeklyHours:
    """One to three ranges on every day, never touching, possibly past midnight on the last."""
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
    starts = sorted(draw(st.lists(minutes(0, 40 * 60), max_size=8, unique=True)))
    bookings: list[Booking] = []
    cursor = -(10**9)
    for n, offset in enumerate(starts):
        length = draw(minutes(5, 150))
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
    zone_day=zoned_days(),
    hours=weekly_hours(),
    data=st.data(),
    duration=st.integers(15, 120),
    step=st.none() | st.integers(5, 90),
    before=st.integers(0, 30),
    after=st.integers(0, 30),
    restart=st.booleans(),
    candidate=st.integers(-6 * 60, 50 * 60),
    alignment=st.sampled_from(list(SlotAlignment)),
)
def test_a_booking_succeeds_iff_its_start_is_offered(
    zone_day: tuple[str, date],
    hours: WeeklyHours,
    data: st.DataObject,
    duration: int,
    step: int | None,
    before: int,
    after: int,
    restart: bool,
    candidate: int,
    alignment: SlotAlignment,
) -> None:
    # Given the same inputs for the slot list and the booking (INVARIANTS I2), in a zone with
    # DST and mostly around a transition, under every slot alignment
    zone, day = zone_day
    technician = Technician(TechnicianId("tec_1"), "Li", zone, hours, {ServiceId("svc_1")})
    service = Service(
        ServiceId("svc_1"),
        CategoryId("cat_1"),
        "Tuina",
        duration,
        Money(100, "CNY"),
        buffer_before_minutes=before,
        buffer_after_minutes=after,
    )
    midnight = pendulum.datetime(day.year, day.month, day.day, tz=zone)
    store = _store(technician, service, data.draw(busy_blocks(midnight.int_timestamp // 60)))
    policy = BookingPolicy(
        notice_minutes=60,
        window_days=3,
        slot_step_minutes=step,
        restart_after_busy=restart,
        slot_alignment=alignment,
    )
    now = midnight.subtract(hours=2)
    start = midnight.add(minutes=candidate)

    # When we list the slots of the start's local day and the day before, and try to book
    with store.unit_of_work() as uow:
        local_day = start.in_timezone(zone).date()
        offered = {
            m
            for day in (local_day.subtract(days=1), local_day)
            for m in Reservations(policy).offered_minutes(
                uow, technician.id, service.id, day, now=now
            )
        }
        try:
            Reservations(policy).plan(uow, technician.id, service.id, start, now=now)
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
    policy = BookingPolicy(
        notice_minutes=0,
        window_days=7,
        restart_after_busy=False,
        slot_alignment=SlotAlignment.MIDNIGHT,
    )
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
