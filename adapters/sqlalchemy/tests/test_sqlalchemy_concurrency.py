"""Twenty customers place an order for the same slot at once, through the real services.

SQLite: writers are serialized, so every loser sees the winner's booking in the
application's own check. PostgreSQL (READ COMMITTED): several threads may pass that check
at once; the exclusion constraint then refuses all but one insert. Either way exactly one
order and one active booking exist afterwards, and every loser gets ``slot_taken``.
"""

from __future__ import annotations

import pendulum
import pytest
from sqlalchemy import func, select

from booking_core.bootstrap import build
from booking_core.catalog import Category, Service
from booking_core.ids import CategoryId, CustomerId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.services.ordering import PlaceOrder
from booking_core.system import UuidIds
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_core.testing.contracts.orders import race
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage
from booking_core_sqlalchemy.tables import bookings, orders

pytestmark = pytest.mark.slow

WORKERS = 20
TECH = TechnicianId("tec_1")
SERVICE = ServiceId("svc_1")
NOW = pendulum.datetime(2026, 3, 2, 8, 0, tz="Asia/Shanghai")
START = pendulum.datetime(2026, 3, 2, 10, 0, tz="Asia/Shanghai")


def _seed(storage: SqlAlchemyStorage) -> None:
    with storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(
            Service(SERVICE, CategoryId("cat_1"), "Tuina 60", 60, Money(19900, "CNY"),
                    buffer_before_minutes=10, buffer_after_minutes=15)
        )  # fmt: skip
        uow.technicians.add(
            Technician(TECH, "Li", "Asia/Shanghai", WeeklyHours.every_day("09:00", "18:00"),
                       frozenset({SERVICE}))
        )  # fmt: skip
        uow.commit()


def _place_at_once(storage: SqlAlchemyStorage) -> list[str]:
    app = build(
        uow=storage.unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=FrozenClock(NOW),
        ids=UuidIds(),
    )
    return race(
        WORKERS,
        lambda n: app.ordering.place_order(
            PlaceOrder(CustomerId(f"cus_{n}"), TECH, SERVICE, START),
            Actor.customer(f"cus_{n}"),
        ),
    )


def test_exactly_one_of_twenty_concurrent_orders_wins(storage: SqlAlchemyStorage) -> None:
    _seed(storage)

    outcomes = _place_at_once(storage)

    assert sorted(outcomes) == ["ok"] + ["slot_taken"] * (WORKERS - 1), outcomes
    with storage.unit_of_work() as uow:
        stored_orders = uow.connection.execute(select(func.count()).select_from(orders))
        stored_bookings = uow.connection.execute(
            select(func.count()).select_from(bookings).where(bookings.c.active)
        )
        assert (stored_orders.scalar_one(), stored_bookings.scalar_one()) == (1, 1)
        day = TimeRange(START.subtract(hours=12), START.add(hours=12))
        assert len(uow.bookings.list_active(TECH, day)) == 1
