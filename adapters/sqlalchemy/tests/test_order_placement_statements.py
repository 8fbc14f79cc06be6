"""What idempotency keys and the unpaid-orders limits cost on the booking path, in statements.

An idempotency key costs one statement (its claim); no key costs none. The limits cost the
count (and, on PostgreSQL, the customer's lock); with both limits off they cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from booking_core.bootstrap import build
from booking_core.ids import CustomerId
from booking_core.orders.policy import OrderPolicy
from booking_core.scheduling.availability import BookingPolicy
from booking_core.services.ordering import OrderingService, PlaceOrder
from booking_core.testing.ids import SequentialIds
from booking_core.testing.orders import HOME, OrderWorld, at, order_world
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
        (ordering or world.app.ordering).place(command)
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


def test_the_limits_cost_the_count_and_the_customer_lock_and_nothing_when_off(
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

    cost = 2 if storage.dialect == "postgresql" else 1  # the lock only where it is needed
    assert len(with_limits) == len(without_limits) + cost, (with_limits, without_limits)
    assert sum("count(*)" in s for s in with_limits) == 1
    assert not any("count(*)" in s for s in without_limits)
