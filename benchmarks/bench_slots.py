"""Slot computation benchmarks (run by ``nox -s bench``).

Prints, one per line (medians of repeated runs, not best-of)::

    slots_technician_day: <µs> us              one technician, one day of a 5,000-booking year
    slots_any_technician_1000: <ms> ms         "any technician", 1,000 technicians, one day
    slots_any_technician_10000_cold: <ms> ms   the same over 10,000, first query of the process
    slots_any_technician_10000: <ms> ms        the same over 10,000, warm (≤ 50 ms)
    slots_any_technician_10000_unremembered: <ms> ms   warm, but remembering nothing

Every technician is the same kind of busy: 5,000 bookings a year (13–14 a day, 30 minutes
each, all inside his hours 08:00–12:00 and 13:00–22:00). The search is for a 60-minute
service with 10-minute buffers on a 15-minute step.

What is measured is what ``AvailabilityService.search`` pays once storage has answered.
The 10,000 figures run its steps: ask the app's
:class:`~booking_core.scheduling.offer_memo.OfferMemo` for the answers remembered under
each technician's agenda version (storage's ``agendas.versions``), compute the others from
their schedules and bookings — every active booking in the storage read's reach (the day
before to three days after), grouped by technician, by blocked start — and merge. Cold is
the process's first query (nothing remembered); warm repeats it with no technician changed,
so every answer is recalled; "unremembered" is the same warm query with a memo that keeps
nothing, i.e. the engine over every technician (the 1,000 figure is measured that way too).
Bookings carry no address, so travel time is zero (but asked for, as the service asks).
Storage round trips are the adapters' benchmarks.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import pendulum

from booking_core import Money
from booking_core.catalog import Service
from booking_core.ids import BookingId, CategoryId, ServiceId, TechnicianId
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy, BusyIndex, TechnicianAgenda
from booking_core.scheduling.geo import GeoPoint, ServiceArea, StraightLineTravel
from booking_core.scheduling.offer_memo import OfferMemo, OfferQuestion
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.services.availability import OfferedSlot, find_offered_slots, merge_offers
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
FIRST_DAY = pendulum.date(2026, 1, 1)
SEARCH_DAY = FIRST_DAY.add(days=10)
SERVICE = Service(
    ServiceId("svc_1"),
    CategoryId("cat_1"),
    "Tuina 60",
    60,
    Money(19900, "CNY"),
    buffer_before_minutes=10,
    buffer_after_minutes=10,
)
POLICY = BookingPolicy(notice_minutes=60, window_days=400, slot_step_minutes=15)
NOW = pendulum.datetime(2025, 12, 31, tz=ZONE)
#: Working hours as quarter-hour cells of the day: 08:00–12:00 and 13:00–22:00.
RANGES = ((8 * 4, 12 * 4), (13 * 4, 22 * 4))
HOURS = WeeklyHours.parse(
    {d: ["08:00-12:00", "13:00-22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)
PER_YEAR = 5000
BOOKED_MINUTES = 30


def _day_bookings(
    technician: TechnicianId, day: pendulum.Date, count: int, rng: random.Random
) -> list[Booking]:
    # ``count`` non-overlapping 30-minute jobs on quarter-hour starts, inside working hours.
    cells = BOOKED_MINUTES // 15
    starts = [c for a, b in RANGES for c in range(a, b - cells + 1)]
    taken: set[int] = set()
    chosen: list[int] = []
    while len(chosen) < count:
        cell = rng.choice(starts)
        if taken.isdisjoint(range(cell, cell + cells)):
            taken.update(range(cell, cell + cells))
            chosen.append(cell)
    result = []
    for cell in sorted(chosen):
        start = pendulum.datetime(day.year, day.month, day.day, tz=ZONE).add(minutes=15 * cell)
        slot = TimeRange(start, start.add(minutes=BOOKED_MINUTES))
        booking_id = BookingId(f"bkg_{technician}_{day.isoformat()}_{cell}")
        result.append(Booking(booking_id, technician, None, slot, slot))
    return result


def _bookings(
    technician: TechnicianId, first: pendulum.Date, days: int, rng: random.Random
) -> list[Booking]:
    # The technician's bookings on ``days`` days from ``first``, 5,000 a year.
    result: list[Booking] = []
    for d in range(days):
        ordinal = first.add(days=d).toordinal()
        count = PER_YEAR * (ordinal + 1) // 365 - PER_YEAR * ordinal // 365  # 13 or 14
        result.extend(_day_bookings(technician, first.add(days=d), count, rng))
    return result


def _median(repeat: int, number: int, run: Callable[[], object]) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            run()
        samples.append((time.perf_counter() - started) / number)
    return statistics.median(samples)


def bench_technician_day() -> float:
    """Seconds per technician-day, the technician having 5,000 bookings over a year."""
    rng = random.Random(1)
    technician = Technician(TechnicianId("tec_1"), "Li", ZONE, HOURS, {SERVICE.id})
    agenda = TechnicianAgenda(
        technician,
        WorkSchedule.empty(technician.id),
        BusyIndex(_bookings(technician.id, FIRST_DAY, 365, rng)),
    )
    timing = POLICY.timing(60, 10, 10)
    now_minute = NOW.int_timestamp // 60
    days = [FIRST_DAY.add(days=d) for d in range(0, 364, 7)]
    cursor = iter(range(10**9))

    def run() -> object:
        day = days[next(cursor) % len(days)]
        return agenda.offered(timing, day, now_minute=now_minute, policy=POLICY)

    return _median(7, 2000, run)


def _world(
    count: int,
) -> tuple[list[Technician], dict[TechnicianId, WorkSchedule], dict[TechnicianId, list[Booking]]]:
    rng = random.Random(2)
    technicians = [
        Technician(
            TechnicianId(f"tec_{i:05d}"),
            f"T{i}",
            ZONE,
            # Each technician's own (equal) hours, as storage would load them.
            WeeklyHours.parse({d: ["08:00-12:00", "13:00-22:00"] for d in HOURS.to_spec()}),
            {SERVICE.id},
            TechnicianProfile(
                rng.choice(list(Gender)),
                {"tuina"},
                Decimal("4.5"),
                {},
                None,
                ServiceArea(
                    GeoPoint(31.2304 + rng.uniform(-0.1, 0.1), 121.4737 + rng.uniform(-0.1, 0.1)),
                    15.0,
                ),
            ),
        )
        for i in range(count)
    ]
    schedules = {t.id: WorkSchedule.empty(t.id) for t in technicians}
    # The storage read's reach: from the day before the searched day to three days after.
    first = SEARCH_DAY.subtract(days=1)
    bookings = {t.id: _bookings(t.id, first, 5, rng) for t in technicians}
    return technicians, schedules, bookings


def bench_any_technician(count: int) -> float:
    """Seconds for one "any technician" day over ``count`` technicians, nothing remembered."""
    technicians, schedules, bookings = _world(count)
    centre = GeoPoint(31.2304, 121.4737)

    def run() -> object:
        return find_offered_slots(
            technicians,
            schedules,
            bookings,
            SERVICE,
            [SEARCH_DAY],
            now=NOW,
            policy=POLICY,
            location=centre,
            travel=StraightLineTravel(),
        )

    return _median(7, 1, run)


def bench_remembered(count: int) -> tuple[float, float, float]:
    """Seconds for the search's steps over ``count`` technicians: (cold, warm, warm with a
    memo that keeps nothing)."""
    technicians, schedules, bookings = _world(count)
    versions = {t.id: 1 for t in technicians}
    question = OfferQuestion(
        POLICY.timing(SERVICE.duration_minutes, 10, 10),
        POLICY,
        (SEARCH_DAY,),
        NOW,
        location=GeoPoint(31.2304, 121.4737),
        travel=StraightLineTravel().minutes,
    )

    def search(memo: OfferMemo) -> list[OfferedSlot]:
        known, missing = memo.recall(technicians, versions, question)
        for technician in missing:
            known[technician.id] = memo.compute(
                technician,
                schedules[technician.id],
                bookings[technician.id],
                versions[technician.id],
                question,
            )
        return merge_offers(technicians, known, SERVICE, question.timing)

    memo, forgetful = OfferMemo(), OfferMemo(max_entries=0)
    started = time.perf_counter()
    first = search(memo)
    cold = time.perf_counter() - started
    warm = _median(7, 1, lambda: search(memo))
    # The remembered answers are the engine's.
    assert search(memo) == first == search(forgetful)
    return cold, warm, _median(7, 1, lambda: search(forgetful))


def main() -> None:
    """Print the figures, one per line."""
    # The 10,000 search first, so that its cold figure is the process's first query.
    cold, warm, unremembered = bench_remembered(10_000)
    print(f"slots_technician_day: {bench_technician_day() * 1e6:.1f} us")
    print(f"slots_any_technician_1000: {bench_any_technician(1000) * 1e3:.1f} ms")
    print(f"slots_any_technician_10000_cold: {cold * 1e3:.1f} ms")
    print(f"slots_any_technician_10000: {warm * 1e3:.1f} ms")
    print(f"slots_any_technician_10000_unremembered: {unremembered * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
