"""The birthday gift under concurrency, on SQLite and PostgreSQL with real threads (FEATURES
C15): sixteen workers running the birthday job at once give each celebrating member his
points and his coupon once — the deterministic ids ``birthday:<customer>:<year>`` and the
account's lock decide — and nothing to the customer whose birthday it is not."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core.bootstrap import BookingApp, build
from booking_core.customers import Customer, CustomerDetails
from booking_core.ids import CustomerId
from booking_core.loyalty import LoyaltyPolicy, PointsSource, TierPrivilege, TierPrivileges
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.promotions import (
    CouponBenefit,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    IssueChannel,
    Validity,
)
from booking_core.testing.clock import FrozenClock
from booking_core.testing.contracts.orders import race
from booking_core.testing.payments import ScriptedPaymentGateway
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

THREADS = 16
NOW = pendulum.datetime(2026, 5, 17, 10, tz="Asia/Shanghai")
POLICY = LoyaltyPolicy(
    privileges=TierPrivileges(
        {
            "gold": TierPrivilege(
                birthday_points=500,
                birthday_coupon=CouponTemplateId("bday"),
                points_multiplier=Decimal("1.5"),
            )
        }
    )
)


def _app(storage: SqlAlchemyStorage) -> BookingApp:
    app = build(uow=storage.unit_of_work, payments=ScriptedPaymentGateway(),
                clock=FrozenClock(NOW), loyalty_policy=POLICY)  # fmt: skip
    terms = CouponTerms(CouponBenefit.threshold(min_spend=Money(10000, "CNY"),
                                                amount=Money(1000, "CNY")))  # fmt: skip
    app.coupons.create_template(
        Actor.platform(),
        CouponTemplate(CouponTemplateId("bday"), "birthday", terms, Validity.days_after_issue(30),
                       per_customer_limit=None, channels=frozenset({IssueChannel.ADMIN})),
    )  # fmt: skip
    with storage.unit_of_work() as uow:
        for n, born in enumerate([(1990, 5, 17), (1985, 5, 17), (1990, 5, 18)]):
            details = CustomerDetails(f"c{n}", birthday=pendulum.date(*born))
            uow.customers.add(Customer(CustomerId(f"cus_{n}"), details, NOW, tier="gold"))
        uow.commit()
    return app


def test_concurrent_birthday_jobs_give_each_gift_once(storage: SqlAlchemyStorage) -> None:
    app = _app(storage)

    results = race(THREADS, lambda n: app.loyalty.give_birthday_gifts())

    assert results == ["ok"] * THREADS
    with storage.unit_of_work() as uow:
        journals = {c: uow.points.statement(CustomerId(c)) for c in ("cus_0", "cus_1", "cus_2")}
        coupons = {c: uow.coupons.list_for_customer(CustomerId(c)) for c in journals}
        lots = uow.points.account(CustomerId("cus_0")).lots
        issued = uow.coupon_templates.issued_count(CouponTemplateId("bday"))
    assert [(m.id, m.points) for m in journals["cus_0"]] == [("birthday:cus_0:2026", 500)]
    assert [(m.id, m.points) for m in journals["cus_1"]] == [("birthday:cus_1:2026", 500)]
    assert journals["cus_2"] == []  # tomorrow is his birthday
    assert [c.id for c in coupons["cus_0"]] == ["birthday:cus_0:2026"]
    assert [c.id for c in coupons["cus_1"]] == ["birthday:cus_1:2026"]
    assert coupons["cus_2"] == []
    assert issued == 2
    assert [lot.source for lot in lots] == [PointsSource.BIRTHDAY]
    assert app.loyalty.give_birthday_gifts() == 0  # a later run: given already


def test_born_on_pages_customers_by_id(storage: SqlAlchemyStorage) -> None:
    _app(storage)
    with storage.unit_of_work() as uow:
        first = uow.customers.born_on([(5, 17)], limit=1)
        rest = uow.customers.born_on([(5, 17)], after=first[0].id)
        both = uow.customers.born_on([(5, 18), (5, 17)])
        none = uow.customers.born_on([(2, 29)])

    assert [c.id for c in first] == ["cus_0"]
    assert [c.id for c in rest] == ["cus_1"]
    assert [c.id for c in both] == ["cus_0", "cus_1", "cus_2"]
    assert none == []
