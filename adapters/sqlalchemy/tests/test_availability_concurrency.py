"""Bookings, checkout holds and reschedules race for one slot, through the real services.

Twenty-one threads at once: a third book it (through ``Reservations.reserve``, the rule
path the ordering service uses), a third hold it, a third move their own existing booking
onto it. Exactly one wins; every loser gets ``slot_taken`` or ``slot_held`` and changes
nothing (a losing reschedule keeps its old time); no two active bookings of the technician
ever overlap in storage (INVARIANTS I1, I4). SQLite serializes the writers; on PostgreSQL
the exclusion constraint over the blocked range decides.

Rules over several bookings (the daily cap) have no constraint to lean on: ``reserve``
takes the technician's lock first (``uow.locks.take(LockKey.technician(...))``, an advisory
lock on PostgreSQL), so twenty reservations of different times on a day capped at one still
leave exactly one booking (INVARIANTS I2).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pendulum
import pytest

from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import Category, Service
from booking_core.errors import DailyCapReached
from booking_core.ids import BookingId, CategoryId, CustomerId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.services.holds import HoldSlot
from booking_core.services.rescheduling import RescheduleBooking
from booking_core.services.steps.reservations import Reservations
from booking_core.system import UuidIds
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_core.testing.contracts.orders import race
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

WORKERS = 21
TECH = TechnicianId("tec_1")
SERVICE = ServiceId("svc_1")
ZONE = "Asia/Shanghai"
NOW = pendulum.datetime(2026, 3, 2, 8, 0, tz=ZONE)
START = pendulum.datetime(2026, 3, 2, 10, 0, tz=ZONE)
TOMORROW = pendulum.datetime(2026, 3, 3, 9, 0, tz=ZONE)


def _seed(storage: SqlAlchemyStorage) -> None:
    with storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(
            Service(SERVICE, CategoryId("cat_1"), "Tuina 45", 45, Money(19900, "CNY"),
                    buffer_before_minutes=5, buffer_after_minutes=10)
        )  # fmt: skip
        uow.technicians.add(
            Technician(TECH, "Li", ZONE, WeeklyHours.every_day("09:00", "21:00"), {SERVICE})
        )
        uow.commit()


def _app(storage: SqlAlchemyStorage, clock: FrozenClock) -> BookingApp:
    return build(
        uow=storage.unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=clock,
        ids=UuidIds(),
        policy=BookingPolicy(slot_step_minutes=15),
    )


def _book(
    storage: SqlAlchemyStorage, n: str, start: pendulum.DateTime, clock: FrozenClock
) -> BookingId:
    """Take ``start`` through the one rule path the ordering service uses (``reserve``)."""
    with storage.unit_of_work() as uow:
        booking = (
            Reservations(BookingPolicy(slot_step_minutes=15))
            .reserve(
                uow,
                TECH,
                SERVICE,
                start,
                booking_id=BookingId(f"bkg_{n}"),
                order_id=None,
                now=clock.now(),
            )
            .booking
        )
        uow.commit()
    return booking.id


def _race(attempts: list[Callable[[], object]]) -> list[str]:
    return race(len(attempts), lambda n: attempts[n]())


def test_bookings_holds_and_reschedules_racing_for_one_slot(storage: SqlAlchemyStorage) -> None:
    _seed(storage)
    clock = FrozenClock(NOW)
    app = _app(storage, clock)
    movers = [_book(storage, f"move_{n}", TOMORROW.add(minutes=60 * n), clock)
              for n in range(WORKERS // 3)]  # fmt: skip
    platform = Actor("ops", Role.PLATFORM)
    attempts: list[Callable[[], object]] = []
    for n in range(WORKERS // 3):
        attempts.append(lambda n=n: _book(storage, f"race_{n}", START, clock))
        attempts.append(
            lambda n=n: app.holds.hold(
                HoldSlot(CustomerId(f"cus_hold_{n}"), TECH, SERVICE, START),
                Actor.customer(f"cus_hold_{n}"),
            )
        )
        attempts.append(
            lambda b=movers[n]: app.rescheduling.reschedule(RescheduleBooking(b, START, platform))
        )

    outcomes = _race(attempts)

    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "slot_taken", "slot_held"}, outcomes
    everything = TimeRange(NOW.subtract(days=1), NOW.add(days=3))
    with storage.unit_of_work() as uow:
        active = uow.bookings.list_active(TECH, everything)
        at_start = [b for b in active if b.slot.start == START]
        still_tomorrow = [b for b in active if b.slot.start >= TOMORROW]
    assert len(at_start) == 1
    winner_moved = at_start[0].id not in {f"bkg_race_{n}" for n in range(WORKERS // 3)} and (
        not at_start[0].is_hold
    )
    # Losing moves kept their old time; a winning move freed its old one (I4).
    assert len(still_tomorrow) == len(movers) - (1 if winner_moved else 0)
    for first, second in itertools.pairwise(active):
        assert first.blocked.end <= second.blocked.start, (first, second)


def test_reschedules_racing_each_other_and_a_hold_release(storage: SqlAlchemyStorage) -> None:
    _seed(storage)
    clock = FrozenClock(NOW)
    app = _app(storage, clock)
    holder = CustomerId("cus_holder")
    hold = app.holds.hold(HoldSlot(holder, TECH, SERVICE, START), Actor.customer(holder))
    movers = [_book(storage, f"move_{n}", TOMORROW.add(minutes=60 * n), clock) for n in range(10)]
    platform = Actor("ops", Role.PLATFORM)
    clock.advance(pendulum.duration(minutes=10))  # the hold has expired: the slot is free

    outcomes = _race(
        [
            lambda b=b: app.rescheduling.reschedule(RescheduleBooking(b, START, platform))
            for b in movers
        ]
        + [lambda: app.holds.release(hold.id, Actor.customer(holder))]
    )

    assert outcomes.count("ok") == 2, outcomes  # one move and the release
    assert set(outcomes) <= {"ok", "slot_taken"}, outcomes
    with storage.unit_of_work() as uow:
        active = uow.bookings.list_active(TECH, TimeRange(NOW, NOW.add(days=3)))
        assert [b.slot.start for b in active].count(START) == 1
        assert len(active) == 10  # nine stayed tomorrow, one moved; the hold is gone
        assert not uow.bookings.get(hold.id).active
    for first, second in itertools.pairwise(active):
        assert first.blocked.end <= second.blocked.start, (first, second)


CAPPED = TechnicianId("tec_capped")
SHORT = ServiceId("svc_short")


def _seed_capped(storage: SqlAlchemyStorage, app: BookingApp) -> None:
    """A technician working 09:00–21:00 doing a 15-minute service, at most one a day."""
    with storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SHORT, CategoryId("cat_1"), "Foot 15", 15, Money(5900, "CNY")))
        uow.technicians.add(
            Technician(CAPPED, "Zhao", ZONE, WeeklyHours.every_day("09:00", "21:00"), {SHORT})
        )
        uow.commit()
    app.schedules.set_daily_cap(Actor("ops", Role.PLATFORM), CAPPED, 1)


def _reserve_short(storage: SqlAlchemyStorage, n: int, clock: FrozenClock) -> None:
    with storage.unit_of_work() as uow:
        Reservations(BookingPolicy(slot_step_minutes=15)).reserve(
            uow,
            CAPPED,
            SHORT,
            TOMORROW.add(minutes=30 * n),  # 09:00, 09:30, … 18:30: never overlapping
            booking_id=BookingId(f"bkg_cap_{n}"),
            order_id=None,
            now=clock.now(),
        )
        uow.commit()


def test_reservations_racing_for_a_day_capped_at_one_exactly_one_wins(
    storage: SqlAlchemyStorage,
) -> None:
    # given a technician who takes at most one booking a day, free all of tomorrow
    clock = FrozenClock(NOW)
    _seed_capped(storage, _app(storage, clock))
    workers = 20

    # when twenty customers reserve twenty different times of tomorrow at once
    outcomes = _race([lambda n=n: _reserve_short(storage, n, clock) for n in range(workers)])

    # then one reservation is stored and every other one is refused by the cap
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count(DailyCapReached.code) == workers - 1, outcomes
    with storage.unit_of_work() as uow:
        stored = uow.bookings.list_active(CAPPED, TimeRange(NOW, NOW.add(days=3)))
    assert len(stored) == 1
