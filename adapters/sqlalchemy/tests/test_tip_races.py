"""Tip races with real threads on SQLite and PostgreSQL (issue 13).

A customer's app sends the same tip (same number, same amount) many times at once — a
double tap, a retry on a slow network. Tips of one order are serialized by the order's row
lock: the first stores the attempt ``<order>:tip:1`` and calls the gateway, the others find
it and ask about it. Exactly one capture is applied, one ledger entry credits the
technician, and every caller sees the same key.
"""

from __future__ import annotations

import pytest

from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.orders.payments import PaymentPurpose, PaymentStatus
from booking_core.payouts import Payee
from booking_core.ports.payments import PaymentResult
from booking_core.testing.contracts.orders import at_once
from booking_core.testing.orders import at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

TAPS = 8


def test_concurrent_tips_with_the_same_number_capture_once(storage: SqlAlchemyStorage) -> None:
    world = order_world(uow=storage.unit_of_work)
    order_id = world.paid_order(at(3, 10))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    customer = Actor("cus_1", Role.CUSTOMER)
    tip = Money(1_888, "CNY")

    results = at_once(TAPS, lambda _: world.app.payments.tip(order_id, tip, customer))

    answers = [r for r in results if isinstance(r, PaymentResult)]
    assert len(answers) == TAPS, [r for r in results if not isinstance(r, PaymentResult)]
    assert {(r.idempotency_key, r.status) for r in answers} == {
        (f"{order_id}:tip:1", PaymentStatus.CAPTURED)
    }
    attempts, _ = world.app.payments.money_of(order_id, customer)
    assert [a.key for a in attempts if a.purpose is PaymentPurpose.TIP] == [f"{order_id}:tip:1"]
    assert [c for c in world.gateway.calls if ":tip:" in c].count(
        f"create_payment {order_id}:tip:1"
    ) == 1
    assert world.movements(order_id).count(("captured", 1_888)) == 1
    balance = world.app.payouts.balance(Payee.technician(world.li), world.tech)
    assert balance.available == Money(13_930 + 1_888, "CNY")
    assert sum(world.balances().values()) == 0
