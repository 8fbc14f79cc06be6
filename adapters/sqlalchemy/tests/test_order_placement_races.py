"""Order placement under concurrency on SQLite and PostgreSQL (issue 8, items 4 and 6).

* 16 requests with one idempotency key, released at once, book exactly one order; every
  other request gets that order back or is told the first is still in flight.
* A retry while the first request's transaction is still open is refused as in flight on
  PostgreSQL (the key's claim does not wait); SQLite serializes writers, so there the retry
  waits for the first to commit and then gets its order.
* 16 placements by one customer over many slots never get past the unpaid-orders limits.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Self

import pytest

from booking_core.errors import IdempotencyKeyInFlight
from booking_core.ids import CustomerId
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.services.ordering import Placement, PlaceOrder
from booking_core.testing.contracts.orders import at_once, race
from booking_core.testing.orders import CUSTOMER, HOME, OrderWorld, at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage

CALLERS = 16
KEY = "3b2f6a0e-double-tap"


def _command(world: OrderWorld, key: str | None = KEY, **changes: Any) -> PlaceOrder:
    fields: dict[str, Any] = {
        "customer_id": CustomerId("cus_1"),
        "technician_id": world.li,
        "service_id": world.tuina,
        "start": at(3, 10),
        "location": HOME,
        "payment_mode": PaymentMode.FULL,
        "idempotency_key": key,
    }
    fields.update(changes)
    return PlaceOrder(**fields)


def _stored_orders(world: OrderWorld, customer: str = "cus_1") -> list[str]:
    with world.uow() as uow:
        return [o.id for o in uow.orders.list_for_customer(CustomerId(customer))]


def test_sixteen_requests_with_one_key_book_one_order(storage: SqlAlchemyStorage) -> None:
    world = order_world(uow=storage.unit_of_work)

    results = at_once(CALLERS, lambda n: world.app.ordering.place(_command(world), CUSTOMER))

    placements = [r for r in results if isinstance(r, Placement)]
    refusals = [r for r in results if not isinstance(r, Placement)]
    assert all(isinstance(r, IdempotencyKeyInFlight) for r in refusals), refusals
    assert [p.replayed for p in placements].count(False) == 1, results
    assert {p.order.id for p in placements} == set(_stored_orders(world))
    assert len(_stored_orders(world)) == 1
    assert world.outbox().count("OrderPlaced") == 1


class _HeldUnitOfWork:
    """A unit of work whose commit waits until the test lets it go (a slow first request)."""

    def __init__(self, inner: UnitOfWork, reached: threading.Event, go: threading.Event):
        self._inner = inner
        self._reached = reached
        self._go = go

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._reached.set()
        assert self._go.wait(timeout=30)
        self._inner.commit()


class _HoldNext:
    """A factory whose next unit of work, once armed, is held at its commit."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self._inner = inner
        self.armed = False
        self.reached = threading.Event()
        self.go = threading.Event()

    def __call__(self) -> UnitOfWork:
        uow = self._inner()
        if not self.armed:
            return uow
        self.armed = False
        held: UnitOfWork = _HeldUnitOfWork(uow, self.reached, self.go)
        return held


def test_a_retry_while_the_first_request_runs_is_in_flight_then_gets_its_order(
    storage: SqlAlchemyStorage,
) -> None:
    factory = _HoldNext(storage.unit_of_work)
    world = order_world(uow=factory)
    factory.armed = True
    first: list[Placement] = []
    slow = threading.Thread(
        target=lambda: first.append(world.app.ordering.place(_command(world), CUSTOMER))
    )
    slow.start()
    assert factory.reached.wait(timeout=30)

    if storage.dialect == "postgresql":
        with pytest.raises(IdempotencyKeyInFlight) as refused:
            world.app.ordering.place(_command(world), CUSTOMER)
        assert refused.value.code == "idempotency_key_in_flight"
        assert refused.value.details == {"idempotency_key": KEY}
        factory.go.set()
        slow.join(timeout=30)
        retried = world.app.ordering.place(_command(world), CUSTOMER)
    else:
        # SQLite: the retry waits for the writer's lock, then finds the committed key.
        threading.Timer(0.3, factory.go.set).start()
        retried = world.app.ordering.place(_command(world), CUSTOMER)
        slow.join(timeout=30)

    assert [p.replayed for p in first] == [False]
    assert (retried.order.id, retried.replayed) == (first[0].order.id, True)
    assert _stored_orders(world) == [first[0].order.id]


def _slots(count: int) -> list[tuple[int, int]]:
    return [(day, hour) for day in range(3, 8) for hour in range(10, 20)][:count]


def test_the_per_customer_limit_holds_under_sixteen_concurrent_placements(
    storage: SqlAlchemyStorage,
) -> None:
    # Half the placements go to Li, half to Wang: the technicians' locks cannot serialize
    # them, only the customer's lock makes the count see the others' orders.
    policy = OrderPolicy(
        max_unpaid_orders_per_customer=5, max_unpaid_orders_per_customer_technician=None
    )
    world = order_world(policy, uow=storage.unit_of_work)
    slots = _slots(CALLERS)

    def place(n: int) -> None:
        day, hour = slots[n]
        technician = world.li if n % 2 else world.wang
        world.app.ordering.place(
            _command(
                world,
                key=None,
                technician_id=technician,
                start=at(day, hour),
                payment_mode=PaymentMode.ON_ARRIVAL,
            ),
            CUSTOMER,
        )

    results = race(CALLERS, place)

    assert results.count("ok") == 5, results
    assert results.count("too_many_unpaid_orders") == CALLERS - 5, results
    assert len(_stored_orders(world)) == 5


def test_the_per_technician_limit_holds_under_sixteen_concurrent_placements(
    storage: SqlAlchemyStorage,
) -> None:
    world = order_world(
        OrderPolicy(max_unpaid_orders_per_customer_technician=2), uow=storage.unit_of_work
    )
    slots = _slots(CALLERS)

    def place(n: int) -> None:
        day, hour = slots[n]
        world.app.ordering.place(_command(world, key=None, start=at(day, hour)), CUSTOMER)

    results = race(CALLERS, place)

    assert results.count("ok") == 2, results
    assert results.count("too_many_unpaid_orders") == CALLERS - 2, results
    assert len(_stored_orders(world)) == 2
