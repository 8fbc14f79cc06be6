"""Slot computation benchmarks (run by ``nox -s bench``).

Prints, one per line::

    slots_technician_day: <µs> us       one technician, 5,000 bookings over a year (≤ 50 µs)
    slots_any_technician_1000: <ms> ms  "any technician" over 1,000 technicians, one day (≤ 50 ms)

Both measure the engine itself (bookings already loaded and sorted once, as the services
hand them over); storage round trips are the adapters' benchmarks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal

import pendulum

from booking_core import Money
from booking_core.catalog import Service
from booking_core.ids import BookingId, CategoryId, ServiceId, TechnicianId
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy, BusyIndex, TechnicianAgenda
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.services.availability import find_offered_slots
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
FIRST_DAY = pendulum.date(2026, 1, 1)
SERVICE = Service(
    ServiceId("svc_1"),
    CategoryId("cat_1"),
    "Tuina 60",
    60,
    Money(19900, "CNY"),
    buffer_before_minutes=10,
    buffer_after_minutes=10,
)
POLICY = BookingPolicy(notice_minutes=60, window_days=400, slot_step_minutes=30)
NOW = pendulum.datetime(2025, 12, 31, tz=ZONE)
HOURS = WeeklyHours.parse(
    {d: ["09:00-12:00", "13:00-21:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)


def _bookings(technician: TechnicianId, count: int, days: int, rng: random.Random) -> list[Booking]:
    # ``count`` bookings spread over ``days`` days, non-overlapping, inside working hours.
    per_day = max(1, count // days)
    result: list[Booking] = []
    n = 0
    for d in range(days):
        day = FIRST_DAY.add(days=d)
        base = pendulum.datetime(day.year, day.month, day.day, 13, 0, tz=ZONE)
        for k in range(per_day):
            if n == count:
                break
            start = base.add(minutes=90 * k + rng.choice((0, 15, 30)))
            slot = TimeRange(start, start.add(minutes=60))
            result.append(
                Booking(
                    BookingId(f"bkg_{technician}_{n}"),
                    technician,
                    None,
                    slot,
                    slot.expand(pendulum.duration(minutes=10), pendulum.duration(minutes=10)),
                )
            )
            n += 1
    return result


def _best_of(repeat: int, number: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            run()
        best = min(best, (time.perf_counter() - started) / number)
    return best


def bench_technician_day() -> float:
    """Seconds per technician-day with 5,000 bookings over a year."""
    rng = random.Random(1)
    technician = Technician(TechnicianId("tec_1"), "Li", ZONE, HOURS, {SERVICE.id})
    agenda = TechnicianAgenda(technician, None, BusyIndex(_bookings(technician.id, 5000, 365, rng)))
    timing = POLICY.timing(60, 10, 10)
    now_minute = NOW.int_timestamp // 60
    days = [FIRST_DAY.add(days=d) for d in range(0, 365, 7)]
    cursor = iter(range(10**9))

    def run() -> object:
        day = days[next(cursor) % len(days)]
        return agenda.offered(timing, day, now_minute=now_minute, policy=POLICY)

    return _best_of(5, 2000, run)


def bench_any_technician(count: int = 1000) -> float:
    """Seconds for one "any technician" day over ``count`` technicians."""
    rng = random.Random(2)
    centre = GeoPoint(31.2304, 121.4737)
    technicians = [
        Technician(
            TechnicianId(f"tec_{i:04d}"),
            f"T{i}",
            ZONE,
            HOURS,
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
    day = FIRST_DAY.add(days=10)
    bookings = {t.id: _bookings(t.id, 6, 1, rng) for t in technicians}
    for t in technicians:  # shift each technician's bookings onto the searched day
        bookings[t.id] = [
            Booking(
                b.id,
                b.technician_id,
                None,
                TimeRange(b.slot.start.add(days=10), b.slot.end.add(days=10)),
                TimeRange(b.blocked.start.add(days=10), b.blocked.end.add(days=10)),
            )
            for b in bookings[t.id]
        ]

    def run() -> object:
        return find_offered_slots(
            technicians, {}, bookings, SERVICE, [day], now=NOW, policy=POLICY, location=centre
        )

    return _best_of(5, 3, run)


def main() -> None:
    """Print the two figures, one per line."""
    print(f"slots_technician_day: {bench_technician_day() * 1e6:.1f} us")
    print(f"slots_any_technician_1000: {bench_any_technician() * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
