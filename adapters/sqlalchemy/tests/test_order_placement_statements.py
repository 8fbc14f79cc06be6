"""What idempotency keys and the unpaid-orders limits cost on the booking path, in statements.

An idempotency key costs one statement (its claim); no key costs none. The limits cost the
count (and, on PostgreSQL, the customer's lock, taken in the same statement as the
technician's); with both limits off they cost nothing.

Beyond what the contract says, the adapter's own round trips: an agenda is one statement, the
keys of one ``locks.take`` one statement (none on SQLite), a key already held is not taken
again, an insert under the caller's lock needs no SAVEPOINT, and a unit of work builds only
the repositories it uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pendulum
import pytest
from sqlalchemy import event

from booking_core.bootstrap import build
from booking_core.catalog import Category, Service
from booking_core.errors import SlotTaken
from booking_core.ids import BookingId, CategoryId, CustomerId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.orders.policy import OrderPolicy
from booking_core.ports.storage import LockKey
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.services.ordering import OrderingService, PlaceOrder
from booking_core.testing.ids import SequentialIds
from booking_core.testing.orders import HOME, OrderWorld, at, order_world
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage


@contextmanager
def _counting(storage: SqlAlchemyStorage) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(storage.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(storage.engine, "before_cursor_execute", count)


def _statements(
    storage: SqlAlchemyStorage,
    world: OrderWorld,
    hour: int,
    key: str | None,
    ordering: OrderingService | None = None,
) -> list[str]:
    command = PlaceOrder(
        CustomerId("cus_1"), world.li, world.tuina, at(3, hour), location=HOME, idempotency_key=key
    )
    with _counting(storage) as statements:
        (ordering or world.app.ordering).place(command, Actor.customer(command.customer_id))
    return statements


def test_a_key_costs_one_statement_and_no_key_none(storage: SqlAlchemyStorage) -> None:
    world = order_world(uow=storage.unit_of_work)
    _statements(storage, world, 9, None)  # warm up: first-use statements of the session

    without = _statements(storage, world, 10, None)
    keyed = _statements(storage, world, 11, "k-1")

    extra = [s for s in keyed if "idempotency_keys" in s]
    assert len(keyed) == len(without) + 1, (without, keyed)
    assert len(extra) == 1
    assert extra[0].lstrip().upper().startswith("INSERT INTO IDEMPOTENCY_KEYS")
    assert not any("idempotency_keys" in s for s in without)


def test_a_placement_with_a_key_and_the_limits_takes_at_most_ten_statements(
    storage: SqlAlchemyStorage,
) -> None:
    world = order_world(uow=storage.unit_of_work)
    _statements(storage, world, 9, None)

    keyed = _statements(storage, world, 11, "k-1")

    work = [s for s in keyed if s.strip().upper() != "BEGIN IMMEDIATE"]  # BEGIN is not work
    assert len(work) <= 10, work


def test_the_limits_cost_only_the_customer_lock_and_the_standing_is_read_once(
    storage: SqlAlchemyStorage,
) -> None:
    world = order_world(uow=storage.unit_of_work)
    off = OrderPolicy(
        max_unpaid_orders_per_customer=None, max_unpaid_orders_per_customer_technician=None
    )
    unlimited = build(
        uow=storage.unit_of_work,
        payments=world.gateway,
        clock=world.clock,
        ids=SequentialIds(start=1000),
        policy=BookingPolicy(notice_minutes=60, window_days=14),
        order_policy=off,
    ).ordering
    _statements(storage, world, 9, None)

    with_limits = _statements(storage, world, 10, None)
    without_limits = _statements(storage, world, 11, None, unlimited)

    # The customer's standing (his tier, new or not, and the unpaid counts) is one
    # statement either way: pricing needs it. The limits add the customer's lock alone,
    # which rides in the statement taking the technician's.
    assert len(with_limits) == len(without_limits), (with_limits, without_limits)
    assert sum("count(*)" in s for s in with_limits) == 1
    assert sum("count(*)" in s for s in without_limits) == 1
    if storage.dialect == "postgresql":  # the lock only where it is needed
        locks_with = sum(s.count("pg_advisory_xact_lock(") for s in with_limits)
        locks_without = sum(s.count("pg_advisory_xact_lock(") for s in without_limits)
        assert locks_with == locks_without + 1, (with_limits, without_limits)


# -- the adapter's own round trips ----------------------------------------------------------

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
TECH = TechnicianId("tec_1")
SERVICE = ServiceId("svc_1")
CUSTOMER = CustomerId("cus_1")


def _booking(n: int, start: int, end: int) -> Booking:
    span = TimeRange(T0.add(minutes=start), T0.add(minutes=end))
    return Booking(BookingId(f"bkg_{n}"), TECH, None, span, span)


@pytest.fixture
def seeded(storage: SqlAlchemyStorage) -> SqlAlchemyStorage:
    with storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SERVICE, CategoryId("cat_1"), "Tuina", 60, Money(19900, "CNY")))
        hours = WeeklyHours.every_day("09:00", "18:00")
        uow.technicians.add(Technician(TECH, "Li", "Asia/Shanghai", hours, {SERVICE}))
        uow.schedules.save(WorkSchedule.empty(TECH).with_daily_cap(4))
        uow.bookings.add(_booking(1, 0, 60))
        uow.bookings.add(_booking(2, 120, 180))
        uow.commit()
    return storage


def test_an_agenda_with_its_service_is_one_statement(seeded: SqlAlchemyStorage) -> None:
    with seeded.unit_of_work() as uow, _counting(seeded) as statements:
        agenda = uow.agendas.load(
            TECH, TimeRange(T0.subtract(hours=1), T0.add(hours=4)), service_id=SERVICE
        )

    assert len(statements) == 1, statements
    assert [b.id for b in agenda.bookings] == ["bkg_1", "bkg_2"]
    assert agenda.schedule.version == 1
    assert agenda.service is not None
    assert agenda.service.id == SERVICE


def test_the_keys_of_one_take_are_one_statement_and_held_keys_are_not_taken_again(
    seeded: SqlAlchemyStorage,
) -> None:
    postgres = seeded.dialect == "postgresql"
    customer, technician = LockKey.customer(CUSTOMER), LockKey.technician(TECH)

    with seeded.unit_of_work() as uow:
        with _counting(seeded) as both:
            uow.locks.take(customer, technician)
        with _counting(seeded) as again:
            uow.locks.take(technician)
        uow.commit()  # releases the locks: the next transaction takes them anew
        with _counting(seeded) as after_commit:
            uow.locks.take(technician)

    # SQLite: BEGIN IMMEDIATE already serializes writers, so a lock costs nothing.
    assert len(both) == (1 if postgres else 0), both
    assert sum(s.count("pg_advisory_xact_lock(") for s in both) == (2 if postgres else 0)
    assert again == []
    assert len(after_commit) == (1 if postgres else 0)


@pytest.mark.postgres
def test_an_insert_under_the_callers_lock_takes_it_once_and_needs_no_savepoint(
    pg_storage: SqlAlchemyStorage,
) -> None:
    with pg_storage.unit_of_work() as uow:
        uow.locks.take(LockKey.technician(TECH))
        with _counting(pg_storage) as locked:
            uow.bookings.add(_booking(1, 0, 60))
        uow.commit()
    with pg_storage.unit_of_work() as uow, _counting(pg_storage) as unlocked:
        uow.bookings.add(_booking(2, 60, 120))

    assert len(locked) == 1, locked
    assert locked[0].lstrip().upper().startswith("INSERT INTO BOOKINGS")
    # Without the caller's lock: queued on it, and a SAVEPOINT keeps the unit of work
    # usable after SlotTaken.
    assert [s.split()[0].upper() for s in unlocked] == ["SELECT", "SAVEPOINT", "INSERT", "RELEASE"]


@pytest.mark.postgres
def test_the_constraint_still_refuses_an_overlap_under_the_callers_lock(
    pg_storage: SqlAlchemyStorage,
) -> None:
    with pg_storage.unit_of_work() as uow:
        uow.bookings.add(_booking(1, 0, 60))
        uow.commit()

    with pg_storage.unit_of_work() as uow:
        uow.locks.take(LockKey.technician(TECH))
        with pytest.raises(SlotTaken):
            uow.bookings.add(_booking(2, 30, 90))  # a caller that did not check first


def test_a_unit_of_work_builds_only_the_repositories_it_uses(seeded: SqlAlchemyStorage) -> None:
    uow = seeded.unit_of_work()

    with uow:
        uow.orders.next_sequence()
        first = uow.orders
        uow.orders.next_sequence()

    built = {name for name, value in vars(uow).items() if hasattr(value, "_source")}
    assert built == {"orders"}
    assert uow.orders is first
