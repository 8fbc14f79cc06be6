"""Redeeming points under concurrency, on SQLite and PostgreSQL with real threads
(docs/loyalty.md, "Spending points").

Sixteen customers redeeming a gift's last unit: exactly one wins, the others get
``gift_out_of_stock`` with their points untouched (the conditional ``UPDATE … WHERE stock >=
1``: without it PostgreSQL's READ COMMITTED would let every one read a stock of 1 and sell
sixteen). One customer redeeming sixteen times from a balance for five: five go through
(his account's lock). One key sent sixteen times redeems once; sixteen cancels of one
redemption return its points once.
"""

from __future__ import annotations

import pendulum
import pytest

from booking_core.bootstrap import BookingApp, build
from booking_core.ids import CustomerId
from booking_core.loyalty import Gift, GiftId, PointsSource, RedemptionId, RedemptionStatus
from booking_core.orders import Actor
from booking_core.testing.clock import FrozenClock
from booking_core.testing.contracts.orders import race
from booking_core.testing.payments import ScriptedPaymentGateway
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

THREADS = 16
STAFF = Actor.platform()
T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
MUG = GiftId("g_mug")


def _app(storage: SqlAlchemyStorage, stock: int | None) -> BookingApp:
    app = build(uow=storage.unit_of_work, payments=ScriptedPaymentGateway(),
                clock=FrozenClock(T0))  # fmt: skip
    app.rewards.create_gift(STAFF, Gift(MUG, "Mug", 100, stock=stock))
    return app


def _give(app: BookingApp, customer: CustomerId, points: int) -> None:
    app.loyalty.award(customer, points, STAFF, key="welcome", reason="welcome gift",
                      source=PointsSource.CAMPAIGN)  # fmt: skip


def test_the_last_unit_goes_to_exactly_one(storage: SqlAlchemyStorage) -> None:
    app = _app(storage, stock=1)
    customers = [CustomerId(f"cus_{n:02d}") for n in range(THREADS)]
    for customer in customers:
        _give(app, customer, 250)

    results = race(
        THREADS, lambda n: app.rewards.redeem_gift(Actor.customer(customers[n]), MUG, key="k")
    )

    assert results.count("ok") == 1, results
    assert results.count("gift_out_of_stock") == THREADS - 1, results
    with storage.unit_of_work() as uow:
        assert uow.rewards.gift(MUG).stock == 0
        balances = {c: uow.points.account(c).balance for c in customers}
        (redemption,) = uow.rewards.redemptions()
    winner = redemption.customer_id
    assert redemption.status is RedemptionStatus.REQUESTED
    assert balances == {c: 150 if c == winner else 250 for c in customers}


def test_one_customer_never_redeems_beyond_his_balance(storage: SqlAlchemyStorage) -> None:
    app = _app(storage, stock=None)
    me = CustomerId("cus_me")
    _give(app, me, 500)

    results = race(THREADS, lambda n: app.rewards.redeem_gift(Actor.customer(me), MUG, key=f"k{n}"))

    assert results.count("ok") == 5, results
    assert results.count("insufficient_points") == THREADS - 5, results
    with storage.unit_of_work() as uow:
        account = uow.points.account(me)
        journal = uow.points.statement(me, limit=100)
        assert len(uow.rewards.redemptions(customer_id=me)) == 5
        assert uow.rewards.gift(MUG).stock is None
    assert account.balance == account.held == 0
    assert [m.balance_after for m in journal] == [500, 400, 300, 200, 100, 0]


def test_one_key_redeems_once_and_one_cancel_returns_once(storage: SqlAlchemyStorage) -> None:
    app = _app(storage, stock=5)
    me = CustomerId("cus_me")
    _give(app, me, 500)
    actor = Actor.customer(me)

    redeemed = race(THREADS, lambda n: app.rewards.redeem_gift(actor, MUG, key="same"))
    (redemption,) = app.rewards.redemptions(actor)
    cancelled = race(THREADS, lambda n: app.rewards.cancel(
        STAFF, RedemptionId(redemption.id), reason="no stock in that colour"))  # fmt: skip

    assert redeemed == ["ok"] * THREADS
    assert cancelled.count("ok") == 1, cancelled
    assert cancelled.count("redemption_not_allowed") == THREADS - 1, cancelled
    with storage.unit_of_work() as uow:
        assert uow.rewards.gift(MUG).stock == 5
        assert uow.points.account(me).balance == 500
        assert [m.points for m in uow.points.statement(me)] == [500, -100, 100]
