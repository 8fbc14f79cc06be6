"""Dispatch benchmarks (run by ``nox -s bench``).

Prints, one per line (medians of repeated runs, not best-of)::

    dispatch_candidates_100000: <µs> us        the spatial filter for one order (≤ 100 µs)
    dispatch_rank_100000: <µs> us              filter + rank of the survivors (≤ 2 ms)
    dispatch_bruteforce_100000: <µs> us        the spatial filter by scanning everyone
    dispatch_bruteforce_ratio: <x> x           brute force / grid
    dispatch_found_100000: <n> technicians     median number within the radius
    dispatch_rank_live_engine_100000: <µs> us  filter + rank, asking the engine live
    dispatch_candidates_100000_cell_<s>km: <µs> us   the spatial filter per cell size

The city: 40 × 40 km around central Shanghai, 100,000 technicians, seeded: 60 % around
five dense centres (normal, σ 1.5–3 km), 40 % spread evenly over the suburbs. 5 % of them
are online and skilled for the service; those are what the spatial index holds (the
index a platform keeps per service of its online technicians: put on going online or
moving, remove on going offline). Every technician has a snapshot (the filter's lookup),
most of them offline or in other services. Orders come from the same distribution as the
technicians (customers live where technicians do); each run takes the next of 256 order
points, and a figure is the median over repeats of the mean over runs.

``dispatch_rank_100000`` is :func:`find_candidates` (the index query, every rule, the
agenda check) then facts for the survivors and :func:`rank`. Its agenda check
(``is_free``) is a precomputed in-memory lookup: each online technician's offered starts
of the day, computed beforehand by the real engine (``TechnicianAgenda.offered``, with
about 14 bookings that day at his address, travel counted) — the engine has no cheaper
per-technician question than "the starts of a day". ``dispatch_rank_live_engine_100000``
is the same with ``is_free`` asking the engine live for each survivor, for comparison.

Brute force scans all 100,000 snapshots: online and skilled, then the haversine
distance; its answer is checked equal to the index's.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial

import pendulum

from booking_core.dispatch import (
    CandidateFacts,
    DispatchRequest,
    GridIndex,
    RankingWeights,
    TechnicianSnapshot,
    find_candidates,
    rank,
)
from booking_core.ids import BookingId, CustomerId, ServiceId, TechnicianId
from booking_core.scheduling import Booking, Technician, WeeklyHours, WorkStatus
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    TechnicianAgenda,
    epoch_minutes,
)
from booking_core.scheduling.geo import GeoPoint, StraightLineTravel
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.timerange import TimeRange

COUNT = 100_000
ONLINE_SHARE = 0.05
RADIUS_KM = 5.0
ZONE = "Asia/Shanghai"
CENTRE = GeoPoint(31.2304, 121.4737)
KM_LAT = 1 / 111.195  # degrees of latitude per km
KM_LON = KM_LAT / 0.8555  # degrees of longitude per km at 31.2° (cos 31.2° ≈ 0.8555)
#: Dense centres as (east km, north km, σ km, share of the clustered technicians).
CENTRES = (
    (0, 0, 2.0, 0.3),
    (-8, 5, 1.5, 0.2),
    (9, -6, 2.5, 0.2),
    (-10, -9, 3.0, 0.15),
    (11, 10, 2.0, 0.15),
)
SERVICE = ServiceId("svc_tuina")
OTHER_SERVICES = (ServiceId("svc_thai"), ServiceId("svc_clean"), ServiceId("svc_nails"))
DAY = pendulum.date(2026, 3, 2)
SLOT = TimeRange(
    pendulum.datetime(2026, 3, 2, 15, tz=ZONE), pendulum.datetime(2026, 3, 2, 16, tz=ZONE)
)
NOW = pendulum.datetime(2026, 3, 2, 9, tz=ZONE)
POLICY = BookingPolicy(notice_minutes=60, window_days=30, slot_step_minutes=15)
TIMING = POLICY.timing(60, 10, 10)
HOURS = WeeklyHours.parse(
    {d: ["08:00-12:00", "13:00-22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)
CELL_SIZES = (0.5, 1.0, 1.5, 2.0, 2.5, 5.0)


def _point(rng: random.Random) -> GeoPoint:
    # A place in the city: 60 % around a centre, 40 % anywhere in the 40 × 40 km square.
    while True:
        if rng.random() < 0.6:
            x, y, sigma, _ = rng.choices(CENTRES, weights=[c[3] for c in CENTRES])[0]
            east, north = rng.gauss(x, sigma), rng.gauss(y, sigma)
        else:
            east, north = rng.uniform(-20, 20), rng.uniform(-20, 20)
        if -20 <= east <= 20 and -20 <= north <= 20:
            return GeoPoint(CENTRE.lat + north * KM_LAT, CENTRE.lon + east * KM_LON)


def _median(repeat: int, number: int, run: Callable[[], object]) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            run()
        samples.append((time.perf_counter() - started) / number)
    return statistics.median(samples)


class City:
    """The technicians, their snapshots and positions, and the online ones' agendas."""

    def __init__(self) -> None:
        rng = random.Random(12)
        self.positions: dict[TechnicianId, GeoPoint] = {}
        self.snapshots: dict[TechnicianId, TechnicianSnapshot] = {}
        self.online: list[TechnicianId] = []
        for i in range(COUNT):
            technician_id = TechnicianId(f"tec_{i:06d}")
            point = _point(rng)
            ready = rng.random() < ONLINE_SHARE
            services = {SERVICE} if ready else {rng.choice(OTHER_SERVICES)}
            if not ready and rng.random() < 0.2:
                services.add(SERVICE)  # skilled, but offline
            status = WorkStatus.ONLINE if ready else rng.choice(list(WorkStatus))
            if not ready and status is WorkStatus.ONLINE and SERVICE in services:
                status = WorkStatus.OFFLINE  # exactly the ready ones are online and skilled
            self.positions[technician_id] = point
            self.snapshots[technician_id] = TechnicianSnapshot(
                technician_id,
                verified=True,
                service_ids=services,
                status=status,
                working_area=None,
                accepts_grabs=rng.random() < 0.8,
                max_orders_per_day=rng.choice([None, 8, 10]),
                orders_today=rng.randrange(0, 6),
            )
            if ready:
                self.online.append(technician_id)
        self.orders = [_point(rng) for _ in range(256)]
        self.facts = {
            t: (
                None if rng.random() < 0.1 else Decimal(rng.randrange(35, 51)) / 10,
                None if rng.random() < 0.1 else Decimal(rng.randrange(50, 101)) / 100,
                None if rng.random() < 0.05 else NOW.subtract(minutes=rng.randrange(10, 600)),
                rng.randrange(0, 400),
            )
            for t in self.online
        }
        self.favourites = frozenset(rng.sample(self.online, 20))
        self.agendas = {t: self._agenda(t, rng) for t in self.online}
        travel = StraightLineTravel().minutes
        self.travel = travel
        now_minute = NOW.int_timestamp // 60
        # The engine's answers of the day, computed once per technician and order address
        # would be exact; the same address for all keeps the set-up short and the lookup
        # the same cost.
        self.free_starts = {
            t: frozenset(
                agenda.offered(
                    TIMING,
                    DAY,
                    now_minute=now_minute,
                    policy=POLICY,
                    location=self.positions[t],
                    travel=travel,
                )
            )
            for t, agenda in self.agendas.items()
        }

    def _agenda(self, technician_id: TechnicianId, rng: random.Random) -> TechnicianAgenda:
        technician = Technician(technician_id, "T", ZONE, HOURS, {SERVICE})
        home = self.positions[technician_id]
        bookings = []
        cells = sorted(rng.sample(range(8 * 4, 21 * 4, 2), 14))  # 30-minute jobs on :00/:30
        midnight = pendulum.datetime(2026, 3, 2, tz=ZONE)
        for cell in cells:
            start = midnight.add(minutes=15 * cell)
            slot = TimeRange(start, start.add(minutes=30))
            bookings.append(
                Booking(
                    BookingId(f"b_{technician_id}_{cell}"),
                    technician_id,
                    None,
                    slot,
                    slot,
                    location=home,
                )
            )
        return TechnicianAgenda(technician, WorkSchedule.empty(technician_id), BusyIndex(bookings))

    def index(self, cell_km: float) -> GridIndex:
        """An index of the online, skilled technicians."""
        grid = GridIndex(cell_km)
        for technician_id in self.online:
            grid.put(technician_id, self.positions[technician_id])
        return grid

    def brute_force(self, center: GeoPoint) -> list[tuple[TechnicianId, float]]:
        """The index's answer, by scanning every technician."""
        found = []
        for technician_id, snapshot in self.snapshots.items():
            if snapshot.status is WorkStatus.ONLINE and SERVICE in snapshot.service_ids:
                distance = center.distance_km(self.positions[technician_id])
                if distance <= RADIUS_KM:
                    found.append((distance, technician_id))
        found.sort()
        return [(t, d) for d, t in found]


def _near(grid: GridIndex, point: GeoPoint) -> object:
    return grid.near(point, RADIUS_KM)


def _each(orders: list[GeoPoint], work: Callable[[GeoPoint], object]) -> Callable[[], object]:
    """A run that does ``work`` for the next order point, cycling through them."""
    cursor = iter(range(10**12))
    return lambda: work(orders[next(cursor) % len(orders)])


def _request(point: GeoPoint) -> DispatchRequest:
    return DispatchRequest(SERVICE, SLOT, point, CustomerId("cus_1"), radius_km=RADIUS_KM)


def dispatch(
    city: City, grid: GridIndex, point: GeoPoint, is_free: Callable[[TechnicianId], bool]
) -> object:
    """Filter and rank for one order: what ``dispatch_rank`` measures."""
    survivors = find_candidates(grid.near, _request(point), city.snapshots.get, is_free)
    favourites = city.favourites
    facts = []
    for candidate in survivors:
        technician = candidate.technician
        rating, acceptance, last, completed = city.facts[technician.id]
        facts.append(
            CandidateFacts(
                technician.id,
                distance_km=candidate.distance_km,
                rating=rating,
                acceptance_rate=acceptance,
                last_assigned_at=last,
                orders_today=technician.orders_today,
                favourite=technician.id in favourites,
                completed_orders=completed,
            )
        )
    return rank(facts, RankingWeights(), NOW)


def main() -> None:
    """Print the figures, one per line."""
    city = City()

    grid = city.index(GridIndex().cell_km)
    found = [len(grid.near(p, RADIUS_KM)) for p in city.orders]
    for p in city.orders[:32]:
        assert grid.near(p, RADIUS_KM) == city.brute_force(p)
    candidates = _median(7, 256, _each(city.orders, lambda p: grid.near(p, RADIUS_KM)))

    start = epoch_minutes(SLOT.start)
    free_starts = city.free_starts

    def precomputed(technician_id: TechnicianId) -> bool:
        return start in free_starts[technician_id]

    now_minute = NOW.int_timestamp // 60
    ranked = _median(7, 64, _each(city.orders, lambda p: dispatch(city, grid, p, precomputed)))

    def live(point: GeoPoint) -> object:
        def is_free(technician_id: TechnicianId) -> bool:
            offered = city.agendas[technician_id].offered(
                TIMING,
                DAY,
                now_minute=now_minute,
                policy=POLICY,
                location=point,
                travel=city.travel,
            )
            return start in offered

        return dispatch(city, grid, point, is_free)

    live_ranked = _median(5, 8, _each(city.orders, live))
    brute = _median(5, 4, _each(city.orders, city.brute_force))
    print(f"dispatch_candidates_100000: {candidates * 1e6:.1f} us")
    print(f"dispatch_rank_100000: {ranked * 1e6:.1f} us")
    print(f"dispatch_bruteforce_100000: {brute * 1e6:.1f} us")
    print(f"dispatch_bruteforce_ratio: {brute / candidates:.0f} x")
    print(f"dispatch_found_100000: {statistics.median(found):.0f} technicians")
    print(f"dispatch_rank_live_engine_100000: {live_ranked * 1e6:.1f} us")
    for cell_km in CELL_SIZES:
        sized = city.index(cell_km)
        figure = _median(7, 256, _each(city.orders, partial(_near, sized)))
        print(f"dispatch_candidates_100000_cell_{cell_km:g}km: {figure * 1e6:.1f} us")


if __name__ == "__main__":
    main()
