"""Double-tapped pay and cancel buttons on SQLite and PostgreSQL (issue 8, item 1).

Each order is paid (or cancelled) by 16 callers released at once, one order after another:
50 orders paid, 20 cancelled. Whatever the interleaving, the stored records must show one
capture per order and one refund per cancellation: the services lock the order's row
(:meth:`~booking_core.ports.storage.OrderRepository.lock`) for the whole command, and a
concurrent caller never treats an attempt still in flight as never created.
"""

from __future__ import annotations

from collections import Counter

import pytest

from booking_core.ids import OrderId
from booking_core.orders import Actor, Role
from booking_core.orders.payments import PaymentStatus, RefundStatus
from booking_core.testing.contracts.orders import race
from booking_core.testing.orders import OrderWorld, at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage

CALLERS = 16
ORDERS = 50
#: Fewer for the cancellations: each one also refunds, and the suite must stay quick.
CANCELLED_ORDERS = 20


@pytest.fixture
def world(storage: SqlAlchemyStorage) -> OrderWorld:
    return order_world(uow=storage.unit_of_work)


def _customer(n: int) -> Actor:
    # One customer per order: the limit of unpaid orders per customer stays out of the way.
    return Actor(f"cus_{n + 1}", Role.CUSTOMER)


def _place_orders(world: OrderWorld, count: int, *, paid: bool = False) -> list[OrderId]:
    # Li's Tuesday to Saturday, 10:00 to 19:00: fifty separate hours of his time.
    slots = [at(day, hour) for day in range(3, 8) for hour in range(10, 20)][:count]
    place = world.paid_order if paid else world.place
    return [place(start, customer=_customer(n).id) for n, start in enumerate(slots)]


def _captures(world: OrderWorld, order_id: OrderId) -> list[tuple[str, str, int]]:
    with world.uow() as uow:
        return [
            (a.key, a.status.value, a.amount.amount)
            for a in uow.payments.for_order(order_id)
            if a.status is PaymentStatus.CAPTURED
        ]


def test_concurrent_pays_capture_each_order_once(world: OrderWorld) -> None:
    order_ids = _place_orders(world, ORDERS)
    customers = [_customer(n) for n in range(ORDERS)]

    outcomes: Counter[str] = Counter()
    for i, order_id in enumerate(order_ids):
        outcomes.update(
            race(CALLERS, lambda _, o=order_id, c=customers[i]: world.app.payments.pay(o, c))
        )

    double = {o: c for o in order_ids if len(c := _captures(world, o)) != 1}
    assert double == {}, f"orders without exactly one capture: {double}"
    # Losers are told there is nothing left to pay (or what the attempt in flight says).
    assert set(outcomes) <= {"ok", "nothing_to_pay"}, outcomes
    assert sum(outcomes.values()) == CALLERS * ORDERS
    for order_id in order_ids:
        assert _captures(world, order_id) == [(f"{order_id}:ful:1", "captured", 19900)]
        assert world.movements(order_id) == [("captured", 19900)]
        order = world.get(order_id)
        assert (order.state, order.paid_amount.amount) == ("pending_acceptance", 19900)
        assert [r.event for r in order.timeline] == ["pay"]
    total = 19900 * ORDERS
    assert world.balances() == {"payments_clearing": total, "customer_funds": -total}


def test_concurrent_cancels_refund_each_order_once(world: OrderWorld) -> None:
    order_ids = _place_orders(world, CANCELLED_ORDERS, paid=True)
    customers = [_customer(n) for n in range(CANCELLED_ORDERS)]

    outcomes: Counter[str] = Counter()
    for i, order_id in enumerate(order_ids):
        outcomes.update(
            race(CALLERS, lambda _, o=order_id, c=customers[i]: world.app.cancellation.cancel(o, c))
        )

    # One caller cancels; every other one is told the order is already cancelled.
    assert outcomes == Counter(
        {"ok": CANCELLED_ORDERS, "order_already_cancelled": (CALLERS - 1) * CANCELLED_ORDERS}
    )
    for order_id in order_ids:
        with world.uow() as uow:
            refunds = [(r.key, r.status, r.amount.amount) for r in uow.refunds.for_order(order_id)]
        assert refunds == [(f"{order_id}:rf:1", RefundStatus.SUCCEEDED, 19900)]
        assert world.movements(order_id) == [("captured", 19900), ("refunded", 19900)]
        order = world.get(order_id)
        assert (order.state, order.refundable.amount) == ("refunded", 0)
        assert [r.event for r in order.timeline] == ["pay", "cancel", "refund", "settle_refund"]
