"""Packages (套餐): the value's rules, the exact allocation, a holding used visit by visit,
and PackageService on in-memory storage (docs/packages.md)."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from booking_core.audit import AuditQuery
from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import (
    HoldingId,
    Package,
    PackageHolding,
    PackageId,
    PackagePart,
)
from booking_core.errors import (
    IdempotencyConflict,
    InvalidPackage,
    NotFound,
    PackageNotRedeemable,
    PermissionDenied,
)
from booking_core.ids import CustomerId, OrderId, ServiceId
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.packages import CreatePackage, RecordPurchase, RedeemVisit
from booking_core.staff import StaffRole
from booking_core.testing.clock import FrozenClock
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.payments import ScriptedPaymentGateway

T0 = pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai")
TUINA, FOOT = ServiceId("svc_tuina"), ServiceId("svc_foot")
CUS, OTHER = CustomerId("cus_1"), CustomerId("cus_2")
STAFF = Actor.platform()


def cny(fen: int) -> Money:
    return Money(fen, "CNY")


def package(*parts: tuple[str, int, int], price: int, **kw: Any) -> Package:
    made = [PackagePart(ServiceId(s), v, cny(p)) for s, v, p in parts]
    return Package(PackageId("pkg_1"), "Spring", made, cny(price), **kw)


def flat(p: Package) -> list[int]:
    return [m.amount for values in p.visit_values() for m in values]


# -- the value --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build_it", "field"),
    [
        (lambda: Package(PackageId("p"), "X", [], cny(100)), "parts"),
        (lambda: package(("a", 1, 100), ("a", 2, 100), price=100), "parts"),
        (lambda: package(("a", 0, 100), price=100), "visits"),
        (lambda: package(("a", 1000, 100), price=100), "visits"),
        (lambda: package(("a", 2, 100), price=0), "price"),
        (lambda: package(("a", 2, 100), price=-5), "price"),
        (lambda: package(("a", 2, 100), price=201), "price"),
        (lambda: package(("a", 2, 0), price=100), "parts"),
        (lambda: package(("a", 2, 100), price=100, valid_days=0), "valid_days"),
        (lambda: Package(PackageId("p"), " ", [PackagePart(TUINA, 1, cny(9))], cny(9)), "name"),
        (
            lambda: Package(
                PackageId("p"), "X", [PackagePart(TUINA, 1, Money(900, "USD"))], cny(900)
            ),
            "price",
        ),
    ],
)
def test_a_package_breaking_a_rule_is_refused_naming_the_field(build_it: Any, field: str) -> None:
    with pytest.raises(InvalidPackage) as caught:
        build_it()

    assert caught.value.error_code == "invalid_package"
    assert caught.value.details["field"] == field


def test_a_package_may_cost_exactly_its_list_total() -> None:
    assert package(("a", 2, 100), price=200).list_total == cny(200)


def test_the_worked_example_of_the_docs() -> None:
    # 3 tuina at 199.00 and 2 foot massages at 99.00 (list 795.00) for 500.00.
    p = package(("tuina", 3, 19900), ("foot", 2, 9900), price=50000)

    assert flat(p) == [12516, 12516, 12516, 6226, 6226]
    assert sum(flat(p)) == 50000


def test_leftover_fen_go_to_the_largest_remainders_ties_to_the_earlier_visit() -> None:
    # 10 visits of one service for 99.99: 999.9 fen each, 9 leftover fen to the first nine.
    assert flat(package(("a", 10, 1000), price=9999)) == [1000] * 9 + [999]
    # Three services at 1 : 1 : 2 for 0.10: exact shares 2.5, 2.5, 5 → the tie to the first.
    assert flat(package(("a", 1, 100), ("b", 1, 100), ("c", 1, 200), price=10)) == [3, 2, 5]


def test_a_part_of_a_free_service_is_worth_nothing() -> None:
    assert flat(package(("a", 1, 0), ("b", 2, 500), price=999)) == [0, 500, 499]


# -- a holding --------------------------------------------------------------------------


def holding(valid_days: int | None = 30) -> PackageHolding:
    p = package((TUINA, 2, 19900), (FOOT, 1, 9900), price=40000, valid_days=valid_days)
    return PackageHolding.buy(p, holding_id=HoldingId("h"), customer_id=CUS,
                              payment_reference="wx_1", paid=cny(40000), at=T0)  # fmt: skip


def test_buying_copies_the_visit_values_and_sets_the_expiry() -> None:
    h = holding()

    assert [[v.amount for v in p.visit_values] for p in h.parts] == [[16016, 16016], [7968]]
    assert h.expires_at == pendulum.datetime(2026, 4, 1, 10, tz="Asia/Shanghai")
    assert h.refund_value() == cny(40000)
    assert holding(valid_days=None).expires_at is None


@pytest.mark.parametrize(("paid", "reference"), [(39999, "wx_1"), (40000, " ")])
def test_buying_with_another_amount_or_no_reference_is_refused(paid: int, reference: str) -> None:
    p = package((TUINA, 2, 19900), price=30000)
    with pytest.raises(InvalidPackage):
        PackageHolding.buy(p, holding_id=HoldingId("h"), customer_id=CUS,
                           payment_reference=reference, paid=cny(paid), at=T0)  # fmt: skip


def test_a_package_no_longer_sold_cannot_be_bought() -> None:
    p = package((TUINA, 2, 19900), price=30000).deactivated()
    with pytest.raises(InvalidPackage):
        PackageHolding.buy(p, holding_id=HoldingId("h"), customer_id=CUS,
                           payment_reference="wx", paid=cny(30000), at=T0)  # fmt: skip


def test_visits_are_used_one_per_order_and_the_rest_is_refundable() -> None:
    h = holding()
    h, first = h.redeem(TUINA, OrderId("o1"), T0, customer_id=CUS)
    h, second = h.redeem(FOOT, OrderId("o2"), T0, customer_id=CUS)

    assert (first.visit, first.value, second.value) == (0, cny(16016), cny(7968))
    assert (h.remaining(TUINA), h.remaining(FOOT)) == (1, 0)
    assert h.refund_value() == cny(16016)


def test_using_a_visit_again_for_the_same_order_changes_nothing() -> None:
    once, use = holding().redeem(TUINA, OrderId("o1"), T0, customer_id=CUS)
    twice, again = once.redeem(TUINA, OrderId("o1"), T0.add(days=1), customer_id=CUS)

    assert twice is once
    assert again == use


@pytest.mark.parametrize(
    ("service", "order", "at", "customer", "reason"),
    [
        (TUINA, "o9", T0, OTHER, "not_holder"),
        (ServiceId("svc_nails"), "o9", T0, CUS, "wrong_service"),
        (TUINA, "o1", T0, CUS, "wrong_service"),  # o1 used a foot massage
        (FOOT, "o9", T0, CUS, "none_left"),
        (TUINA, "o9", T0.add(days=30), CUS, "expired"),
    ],
)
def test_a_visit_that_cannot_be_used_is_refused_with_its_reason(
    service: ServiceId, order: str, at: pendulum.DateTime, customer: CustomerId, reason: str
) -> None:
    h, _ = holding().redeem(FOOT, OrderId("o1"), T0, customer_id=CUS)

    with pytest.raises(PackageNotRedeemable) as caught:
        h.redeem(service, OrderId(order), at, customer_id=customer)

    assert caught.value.details["reason"] == reason
    assert h.redeem(TUINA, OrderId("o2"), T0.add(days=30).subtract(seconds=1), customer_id=CUS)


def test_a_released_visit_is_free_again_and_a_second_release_changes_nothing() -> None:
    h, _ = holding().redeem(FOOT, OrderId("o1"), T0, customer_id=CUS)
    released = h.release(OrderId("o1"))

    assert released.remaining(FOOT) == 1
    assert released.release(OrderId("o1")) == released
    assert released.redeem(FOOT, OrderId("o2"), T0, customer_id=CUS)[1].visit == 0


def test_a_refund_takes_every_visit_left_and_closes_the_holding() -> None:
    h, _ = holding().redeem(TUINA, OrderId("o1"), T0, customer_id=CUS)

    refunded, refund = h.refund("back_1", T0.add(days=1))
    again, same = refunded.refund("back_1", T0.add(days=2))

    assert refund.visits == ((TUINA, 1), (FOOT, 0))
    assert refund.amount == cny(16016 + 7968) == h.refund_value()
    assert (again, same) == (refunded, refund)
    assert (refunded.remaining(TUINA), refunded.refund_value()) == (0, cny(0))
    with pytest.raises(PackageNotRedeemable) as closed:
        refunded.release(OrderId("o1")).redeem(TUINA, OrderId("o2"), T0, customer_id=CUS)
    assert closed.value.details["reason"] == "refunded"


def test_a_visit_given_back_after_a_refund_is_refunded_by_another() -> None:
    h, _ = holding().redeem(TUINA, OrderId("o1"), T0, customer_id=CUS)
    refunded, _ = h.refund("back_1", T0)

    back = refunded.release(OrderId("o1"))  # o1 was cancelled after the refund
    closed, second = back.refund("back_2", T0)

    assert back.refund_value() == cny(16016)
    assert second.visits == ((TUINA, 0),)
    assert second.amount == cny(16016)
    with pytest.raises(InvalidPackage) as nothing:
        closed.refund("back_3", T0)
    assert nothing.value.details["reason"] == "nothing_to_refund"
    with pytest.raises(InvalidPackage) as blank:
        h.refund(" ", T0)
    assert blank.value.details["field"] == "refund_reference"


# -- the service ------------------------------------------------------------------------


def make() -> tuple[BookingApp, FrozenClock]:
    clock = FrozenClock(T0)
    app = build(uow=InMemoryStore().unit_of_work, payments=ScriptedPaymentGateway(), clock=clock)
    category = app.catalog.create_category(CreateCategory("Massage"), STAFF)
    for name, price in (("Tuina", 19900), ("Foot", 9900)):
        app.catalog.create_service(CreateService(category.id, name, 60, cny(price)), STAFF)
    return app, clock


def services(app: BookingApp) -> dict[str, ServiceId]:
    return {s.name: s.id for s in app.catalog.list_services()}


def spring(app: BookingApp, *, valid_days: int | None = 30) -> Package:
    ids = services(app)
    command = CreatePackage("Spring", ((ids["Tuina"], 2), (ids["Foot"], 1)), cny(40000),
                            valid_days=valid_days)  # fmt: skip
    return app.packages.create_package(command, STAFF)


def test_the_platform_defines_packages_at_catalog_prices_and_deactivates_them() -> None:
    app, _ = make()
    p = spring(app)

    assert [part.unit_price for part in p.parts] == [cny(19900), cny(9900)]
    assert app.packages.list_packages() == [p]
    assert app.packages.deactivate_package(p.id, STAFF).active is False
    assert app.packages.list_packages(active_only=True) == []
    actions = [e.action for e in app.audit.entries(STAFF, AuditQuery())]
    assert {"catalog.package.create", "catalog.package.deactivate"} <= set(actions)


def test_only_staff_with_the_catalog_permission_define_packages() -> None:
    app, _ = make()
    ids = services(app)
    command = CreatePackage("X", ((ids["Tuina"], 2),), cny(100))
    for actor in (Actor.customer(CUS), Actor.platform("cs", staff=StaffRole.CUSTOMER_SERVICE)):
        with pytest.raises(PermissionDenied):
            app.packages.create_package(command, actor)
    with pytest.raises(NotFound):
        app.packages.create_package(CreatePackage("X", ((ServiceId("nope"), 1),), cny(1)), STAFF)
    assert app.packages.list_packages() == []


def test_a_purchase_recorded_twice_is_one_holding_and_another_use_of_its_payment_conflicts() -> (
    None
):
    app, _ = make()
    p = spring(app)
    purchase = RecordPurchase(p.id, CUS, "wx_4200001", cny(40000))

    first = app.packages.record_purchase(purchase, STAFF)
    again = app.packages.record_purchase(purchase, STAFF)

    assert again == first
    assert first.version == 1
    assert app.packages.holdings(CUS, Actor.customer(CUS)) == [first]
    with pytest.raises(IdempotencyConflict):
        app.packages.record_purchase(RecordPurchase(p.id, OTHER, "wx_4200001", cny(40000)), STAFF)
    with pytest.raises(InvalidPackage):
        app.packages.record_purchase(RecordPurchase(p.id, CUS, "wx_2", cny(39900)), STAFF)
    with pytest.raises(PermissionDenied):
        app.packages.record_purchase(RecordPurchase(p.id, CUS, "wx_3", cny(40000)),
                                     Actor.customer(CUS))  # fmt: skip


def test_a_customer_uses_his_visits_and_sees_only_his_holdings() -> None:
    app, clock = make()
    p = spring(app)
    h = app.packages.record_purchase(RecordPurchase(p.id, CUS, "wx_1", cny(40000)), STAFF)
    tuina = services(app)["Tuina"]
    me = Actor.customer(CUS)

    use = app.packages.redeem(RedeemVisit(h.id, tuina, OrderId("o1")), me)
    again = app.packages.redeem(RedeemVisit(h.id, tuina, OrderId("o1")), me)

    assert use == again
    assert use.value == cny(16016)
    assert app.packages.get_holding(h.id, me).refund_value() == cny(40000 - 16016)
    with pytest.raises(NotFound):
        app.packages.get_holding(h.id, Actor.customer(OTHER))
    with pytest.raises(PermissionDenied):
        app.packages.holdings(CUS, Actor.customer(OTHER))
    with pytest.raises(PackageNotRedeemable) as caught:
        app.packages.redeem(RedeemVisit(h.id, tuina, OrderId("o2")), Actor.customer(OTHER))
    assert caught.value.details["reason"] == "not_holder"
    clock.advance(pendulum.duration(days=30))
    with pytest.raises(PackageNotRedeemable) as caught:
        app.packages.redeem(RedeemVisit(h.id, tuina, OrderId("o2")), me)
    assert caught.value.details["reason"] == "expired"


def test_staff_use_and_give_back_a_visit_for_the_customer() -> None:
    app, _ = make()
    p = spring(app)
    h = app.packages.record_purchase(RecordPurchase(p.id, CUS, "wx_1", cny(40000)), STAFF)
    foot = services(app)["Foot"]

    app.packages.redeem(RedeemVisit(h.id, foot, OrderId("o1")), STAFF)
    with pytest.raises(PackageNotRedeemable):
        app.packages.redeem(RedeemVisit(h.id, foot, OrderId("o2")), STAFF)
    released = app.packages.release(h.id, OrderId("o1"), STAFF)
    assert released.remaining(foot) == 1
    assert app.packages.release(h.id, OrderId("o1"), STAFF).version == released.version
    with pytest.raises(PermissionDenied):
        app.packages.release(h.id, OrderId("o1"), Actor.customer(CUS))
