"""Packages and bought packages on SQLite and PostgreSQL (revision 0028; docs/packages.md).

Round trips of both; one holding per payment reference; compare-and-set on a holding's
version; and, with real threads, sixteen orders using the last visit of one holding: exactly
one wins, the others are refused ``package_not_redeemable`` (the holder's lock, with the
compare-and-set behind it: without them PostgreSQL's READ COMMITTED would let every one read
one visit left and use it sixteen times).
"""

from __future__ import annotations

import attrs
import pendulum
import pytest

from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import HoldingId, Package, PackageHolding, PackageId, PackagePart
from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound
from booking_core.ids import CustomerId, OrderId, ServiceId
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.packages import CreatePackage, RecordPurchase, RedeemVisit
from booking_core.testing.clock import FrozenClock
from booking_core.testing.contracts.orders import race
from booking_core.testing.payments import ScriptedPaymentGateway
from booking_core_sqlalchemy import SqlAlchemyStorage

THREADS = 16
STAFF = Actor.platform()
CUS = CustomerId("cus_1")
T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
PACKAGE = Package(
    PackageId("pkg_1"),
    "Spring",
    [
        PackagePart(ServiceId("svc_a"), 3, Money(19900, "CNY")),
        PackagePart(ServiceId("svc_b"), 2, Money(9900, "CNY")),
    ],
    Money(50000, "CNY"),
    valid_days=90,
)


def _holding(reference: str = "wx_1", holding_id: str = "pkh_1") -> PackageHolding:
    return PackageHolding.buy(PACKAGE, holding_id=HoldingId(holding_id), customer_id=CUS,
                              payment_reference=reference, paid=PACKAGE.price, at=T0)  # fmt: skip


def test_packages_round_trip_and_are_listed_by_name(storage: SqlAlchemyStorage) -> None:
    other = attrs.evolve(PACKAGE, id=PackageId("pkg_0"), name="Autumn", valid_days=None)
    with storage.unit_of_work() as uow:
        uow.packages.add(PACKAGE)
        uow.packages.add(other)
        with pytest.raises(DuplicateEntity):
            uow.packages.add(PACKAGE)
        uow.packages.save(other.deactivated())
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.packages.get(PACKAGE.id) == PACKAGE
        assert uow.packages.list() == [other.deactivated(), PACKAGE]
        assert uow.packages.list(active_only=True) == [PACKAGE]
        with pytest.raises(NotFound) as caught:
            uow.packages.save(attrs.evolve(PACKAGE, id=PackageId("nope")))
    assert caught.value.error_code == "package_not_found"


def test_holdings_round_trip_once_per_payment_and_save_compare_and_set(
    storage: SqlAlchemyStorage,
) -> None:
    with storage.unit_of_work() as uow:
        stored = uow.holdings.add(_holding())
        with pytest.raises(DuplicateEntity):
            uow.holdings.add(_holding(holding_id="pkh_2"))  # the same payment
        uow.commit()
    used, _ = stored.redeem(ServiceId("svc_a"), OrderId("o1"), T0, customer_id=CUS)
    with storage.unit_of_work() as uow:
        saved = uow.holdings.save(used)
        with pytest.raises(ConcurrentUpdate):
            uow.holdings.save(used)  # read at version 1, stored at 2 now
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.holdings.get(stored.id) == saved
        assert uow.holdings.find_by_payment("wx_1") == saved
        assert uow.holdings.find_by_payment("wx_2") is None
        assert uow.holdings.list_for_customer(CUS) == [saved]
        assert uow.holdings.list_for_customer(CustomerId("cus_2")) == []
    assert saved.version == 2
    assert saved.expires_at == T0.add(days=90)
    assert saved.refund_value() == Money(50000 - 12516, "CNY")


def test_a_refunded_holding_round_trips_with_its_refund(storage: SqlAlchemyStorage) -> None:
    used, _ = _holding().redeem(ServiceId("svc_a"), OrderId("o1"), T0, customer_id=CUS)
    refunded, refund = used.refund("wx_back_1", T0.add(days=3))
    with storage.unit_of_work() as uow:
        uow.holdings.add(refunded)
        uow.commit()
    with storage.unit_of_work() as uow:
        loaded = uow.holdings.get(refunded.id)

    assert loaded.refunds == (refund,)
    assert refund.visits == (("svc_a", 1), ("svc_a", 2), ("svc_b", 0), ("svc_b", 1))
    assert (loaded.refund_value(), loaded.remaining(ServiceId("svc_a"))) == (
        Money(0, "CNY"),
        0,
    )


def _app(storage: SqlAlchemyStorage) -> tuple[BookingApp, PackageHolding, ServiceId]:
    app = build(uow=storage.unit_of_work, payments=ScriptedPaymentGateway(),
                clock=FrozenClock(T0))  # fmt: skip
    category = app.catalog.create_category(CreateCategory("Massage"), STAFF)
    service = app.catalog.create_service(
        CreateService(category.id, "Tuina", 60, Money(19900, "CNY")), STAFF
    )
    package = app.packages.create_package(
        CreatePackage("Two tuina", ((service.id, 2),), Money(36000, "CNY")), STAFF
    )
    holding = app.packages.record_purchase(
        RecordPurchase(package.id, CUS, "wx_42", Money(36000, "CNY")), STAFF
    )
    return app, holding, service.id


@pytest.mark.slow
def test_the_last_visit_goes_to_exactly_one_order(storage: SqlAlchemyStorage) -> None:
    app, holding, service = _app(storage)
    me = Actor.customer(CUS)
    app.packages.redeem(RedeemVisit(holding.id, service, OrderId("o_first")), me)

    results = race(
        THREADS,
        lambda n: app.packages.redeem(RedeemVisit(holding.id, service, OrderId(f"o{n}")), me),
    )

    assert results.count("ok") == 1, results
    assert results.count("package_not_redeemable") == THREADS - 1, results
    after = app.packages.get_holding(holding.id, me)
    assert after.remaining(service) == 0
    assert after.refund_value() == Money(0, "CNY")
    assert after.version == 3  # bought, then two visits: no lost update


@pytest.mark.slow
def test_one_order_sent_sixteen_times_uses_one_visit(storage: SqlAlchemyStorage) -> None:
    app, holding, service = _app(storage)
    me = Actor.customer(CUS)

    results = race(
        THREADS, lambda n: app.packages.redeem(RedeemVisit(holding.id, service, OrderId("o")), me)
    )

    assert results == ["ok"] * THREADS
    assert app.packages.get_holding(holding.id, me).remaining(service) == 1
