"""Withdrawal races with real threads on SQLite and PostgreSQL (issue 13; INVARIANTS I24, I29).

* 16 requests of one technician at once, each of 100.00, when his balance covers only five:
  exactly five are taken, the other eleven are told ``insufficient_balance``, and his
  balance ends at exactly what is left — never below zero.
* 16 retries of one request (one idempotency key) at once: one withdrawal, debited once.

A payee's requests are serialized by his lock (``LockKey.payee``: an advisory lock on
PostgreSQL, the single writer on SQLite) taken before his balance is read; without it, on
PostgreSQL every request would read the same balance and all sixteen would be taken.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_core.ids import OrderId
from booking_core.money import Money
from booking_core.payouts import BankCard, Payee, WithdrawalRules
from booking_core.testing import ScriptedPayoutGateway
from booking_core.testing.contracts.orders import race
from booking_core.testing.orders import OrderWorld, at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

REQUESTS = 16
CARD = BankCard("************1234", "李雷 Li Lei", "招商银行 China Merchants Bank")
RULES = WithdrawalRules(minimum=Money(100, "CNY"), fee_rate=Decimal("0.006"))


def _earned(storage: SqlAlchemyStorage, orders: int) -> OrderWorld:
    """Li with ``orders`` completed tuina orders: 139.30 each on his payable."""
    world = order_world(
        uow=storage.unit_of_work, withdrawal_rules=RULES, payouts=ScriptedPayoutGateway()
    )
    for day in range(3, 3 + orders):
        order_id: OrderId = world.paid_order(at(day, 10))
        world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return world


def test_concurrent_requests_never_spend_more_than_the_balance(
    storage: SqlAlchemyStorage,
) -> None:
    # given Li with 557.20 available: five withdrawals of 100.00 fit, a sixth does not
    world = _earned(storage, 4)
    li = Payee.technician(world.li)

    # when sixteen requests of 100.00 arrive at once
    outcomes = race(
        REQUESTS,
        lambda n: world.app.payouts.request_withdrawal(
            li, Money(10_000, "CNY"), CARD, world.tech, idempotency_key=f"w-{n}"
        ),
    )

    # then exactly five are taken and the balance ends at what is left
    assert sorted(outcomes) == ["insufficient_balance"] * (REQUESTS - 5) + ["ok"] * 5
    balance = world.app.payouts.balance(li, world.tech)
    assert balance.available == Money(55_720 - 50_000, "CNY")
    assert balance.in_flight == Money(5 * (10_000 - 60), "CNY")
    assert len(world.app.payouts.withdrawals(li, world.tech)) == 5
    assert sum(world.balances().values()) == 0


def test_concurrent_retries_of_one_request_make_one_withdrawal(
    storage: SqlAlchemyStorage,
) -> None:
    world = _earned(storage, 1)
    li = Payee.technician(world.li)

    outcomes = race(
        REQUESTS,
        lambda n: world.app.payouts.request_withdrawal(
            li, Money(10_000, "CNY"), CARD, world.tech, idempotency_key="one"
        ),
    )

    assert outcomes == ["ok"] * REQUESTS
    assert len(world.app.payouts.withdrawals(li, world.tech)) == 1
    assert world.app.payouts.balance(li, world.tech).available == Money(3_930, "CNY")
