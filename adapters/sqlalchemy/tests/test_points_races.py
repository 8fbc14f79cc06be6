"""Points under concurrency, on SQLite and PostgreSQL with real threads (INVARIANTS I17, I19).

Sixteen taps of one customer's check-in on one local day award once; sixteen spends of 100
from a balance of 500 let exactly five through and refuse the rest with
``insufficient_points``. Without the account's lock, PostgreSQL's READ COMMITTED would let
several spends read 500 and the compare-and-set would refuse them as ``concurrent_update``
instead (or, without it, overdraw).
"""

from __future__ import annotations

import pendulum
import pytest

from booking_core.bootstrap import BookingApp, build
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import LoyaltyPolicy, PointsSource
from booking_core.orders import Actor
from booking_core.services.steps.points import OrderPoints
from booking_core.testing.clock import FrozenClock
from booking_core.testing.contracts.orders import race
from booking_core.testing.payments import ScriptedPaymentGateway
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

THREADS = 16
CUS = CustomerId("cus_race")
T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")


def _app(storage: SqlAlchemyStorage) -> BookingApp:
    return build(uow=storage.unit_of_work, payments=ScriptedPaymentGateway(),
                 clock=FrozenClock(T0))  # fmt: skip


def test_concurrent_check_ins_of_one_day_award_once(storage: SqlAlchemyStorage) -> None:
    app = _app(storage)

    results = race(THREADS, lambda n: app.loyalty.check_in(CUS, Actor.customer(CUS)))

    assert results == ["ok"] * THREADS
    with storage.unit_of_work() as uow:
        account = uow.points.account(CUS)
        journal = uow.points.statement(CUS)
        check_in = uow.points.check_in(CUS, pendulum.date(2026, 3, 2))
    assert account.balance == 5
    assert [m.id for m in journal] == ["check_in:cus_race:2026-03-02"]
    assert check_in is not None
    assert check_in.streak == 1


def test_concurrent_spends_never_overdraw(storage: SqlAlchemyStorage) -> None:
    app = _app(storage)
    platform = Actor.platform()
    app.loyalty.award(CUS, 500, platform, key="welcome", reason="welcome gift",
                      source=PointsSource.CAMPAIGN)  # fmt: skip
    points = OrderPoints(LoyaltyPolicy())

    def spend(n: int) -> None:
        with app.uow() as uow:
            points.spend(uow, CUS, OrderId(f"ord_{n}"), 100, T0.add(minutes=1))
            uow.commit()

    results = race(THREADS, spend)

    assert results.count("ok") == 5, results
    assert results.count("insufficient_points") == THREADS - 5, results
    with storage.unit_of_work() as uow:
        account = uow.points.account(CUS)
        journal = uow.points.statement(CUS, limit=100)
    assert account.balance == account.held == 0
    assert [m.balance_after for m in journal] == [500, 400, 300, 200, 100, 0]
