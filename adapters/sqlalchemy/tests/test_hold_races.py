"""Double-tapped pay and cancel buttons when the provider holds (issue 14) on SQLite and
PostgreSQL: each order is held once, and a late cancellation captures its fee from the hold
once, however many callers race. The services lock the order's row for the whole command
and apply a hold only when the re-read attempt was not held yet."""

from __future__ import annotations

from collections import Counter

import pytest

from booking_core import Money
from booking_core.ids import OrderId
from booking_core.orders import Actor, Role
from booking_core.orders.payments import PaymentStatus
from booking_core.testing.contracts.orders import race
from booking_core.testing.orders import OrderWorld, at, order_world
from booking_core.testing.payments import ScriptedPaymentGateway
from booking_core_sqlalchemy import SqlAlchemyStorage

CALLERS = 12
ORDERS = 10


@pytest.fixture
def world(storage: SqlAlchemyStorage) -> OrderWorld:
    return order_world(
        uow=storage.unit_of_work, gateway=ScriptedPaymentGateway(manual_capture=True)
    )


def _customer(n: int) -> Actor:
    return Actor(f"cus_{n + 1}", Role.CUSTOMER)


def test_racing_pays_hold_each_order_once_and_racing_cancels_take_each_fee_once(
    world: OrderWorld,
) -> None:
    # Li's Tuesday, 10:00 to 19:00: each order is held (it starts within the hold's life).
    order_ids: list[OrderId] = [
        world.place(at(3, 10 + n), customer=_customer(n).id) for n in range(ORDERS)
    ]
    customers = [_customer(n) for n in range(ORDERS)]
    paid: Counter[str] = Counter()
    for order_id, customer in zip(order_ids, customers, strict=True):
        paid.update(race(CALLERS, lambda _, o=order_id, c=customer: world.app.payments.pay(o, c)))
    for order_id in order_ids:
        order = world.get(order_id)
        assert (order.state, order.held_amount, order.paid_amount) == (
            "pending_acceptance", Money(19900, "CNY"), Money(0, "CNY"),
        )  # fmt: skip
        assert [r.event for r in order.timeline] == ["pay"]
    assert set(paid) <= {"ok", "nothing_to_pay"}, paid

    world.clock.set(at(3, 8))  # two hours before the first: a 30 % fee on each
    cancelled: Counter[str] = Counter()
    for order_id, customer in zip(order_ids, customers, strict=True):
        cancelled.update(
            race(CALLERS, lambda _, o=order_id, c=customer: world.app.cancellation.cancel(o, c))
        )

    assert cancelled == {"ok": ORDERS, "order_already_cancelled": (CALLERS - 1) * ORDERS}
    for order_id in order_ids:
        order = world.get(order_id)
        assert world.movements(order_id) == [("captured", 5970)]
        with world.uow() as uow:
            attempt = uow.payments.get(f"{order_id}:ful:1")
            assert uow.refunds.for_order(order_id) == []
        assert (attempt.status, attempt.captured) == (PaymentStatus.CAPTURED, Money(5970, "CNY"))
        assert (order.state, order.held_amount) == ("cancelled", Money(0, "CNY"))
