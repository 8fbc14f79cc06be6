"""Orders paid by a package visit (套餐, issue 15): priced, settled and commissioned at the
visit's allocated value; the package's money is in the books from its sale to each visit's
use, and a cancellation or a refund gives the visit back whole (or, with a fee, keeps it).

The package: 3 tuina (199.00) and 2 foot massages (99.00) — 795.00 one by one — sold for
500.00, so each tuina visit is worth 125.16 and each foot visit 62.26 (docs/packages.md).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from booking_core.catalog import HoldingId, PackageHolding
from booking_core.errors import InvalidInput, PackageNotRedeemable, PermissionDenied
from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.orders import Actor, OrderState
from booking_core.orders.complaint import Decision, Remedy
from booking_core.orders.policy import PaymentMode
from booking_core.services.aftersales import FileComplaint
from booking_core.services.ordering import PlaceOrder
from booking_core.services.packages import (
    CreatePackage,
    RecordPurchase,
    RedeemVisit,
    RefundPackage,
)
from booking_core.testing.dispatch import dispatch_world
from booking_core.testing.orders import CUSTOMER, HOME, OPERATOR, OrderWorld, at, order_world

TUINA_VISIT = 12516  # fen: 50 000 × 19 900 / 79 500 = 12 515.72…, rounded up by remainder


@pytest.fixture
def world() -> OrderWorld:
    world = order_world()
    # Wang asks 219.00 for a tuina: a visit is worth the same whoever serves it.
    wang = world.app.technicians.get(world.wang)
    prices = {**wang.profile.prices, world.tuina: Money(21900, "CNY")}
    world.app.technicians.update_profile(
        world.wang, attrs.evolve(wang.profile, prices=prices), OPERATOR
    )
    return world


def _buy(world: OrderWorld, customer: str = "cus_1", reference: str = "wx-1") -> HoldingId:
    package = world.app.packages.create_package(
        CreatePackage(
            "Spring 5", ((world.tuina, 3), (world.foot, 2)), Money(50000, "CNY"), valid_days=30
        ),
        OPERATOR,
    )
    holding = world.app.packages.record_purchase(
        RecordPurchase(package.id, CustomerId(customer), reference, Money(50000, "CNY")),
        OPERATOR,
    )
    return holding.id


def _place(world: OrderWorld, holding: HoldingId, **changes: Any) -> OrderId:
    fields: dict[str, Any] = {
        "customer_id": CustomerId("cus_1"),
        "technician_id": world.li,
        "service_id": world.tuina,
        "start": at(3, 10),
        "location": HOME,
        "holding_id": holding,
    }
    fields.update(changes)
    customer = fields["customer_id"]
    return world.app.ordering.place_order(PlaceOrder(**fields), Actor.customer(customer)).id


def _holding(world: OrderWorld, holding: HoldingId) -> PackageHolding:
    with world.uow() as uow:
        return uow.holdings.get(holding)


def test_a_visit_pays_the_order_at_its_allocated_value_with_nothing_asked_of_the_gateway(
    world: OrderWorld,
) -> None:
    holding = _buy(world)
    # The sale: the package's price is owed to the customer as visits.
    assert world.balances() == {"payments_clearing": 50000, "prepaid_packages": -50000}

    order = world.get(_place(world, holding))

    assert order.state == OrderState.PENDING_ACCEPTANCE
    assert (order.price.amount, order.paid_amount.amount) == (TUINA_VISIT, TUINA_VISIT)
    assert order.holding_id == holding
    assert order.quote is not None
    assert order.quote.lines[0].base.amount == TUINA_VISIT
    assert world.journal(order.id) == [
        (f"visit:{order.id}", {"prepaid_packages": TUINA_VISIT, "customer_funds": -TUINA_VISIT})
    ]
    assert world.movements(order.id) == []  # no payment: the gateway was never asked
    assert _holding(world, holding).remaining(world.tuina) == 2
    assert world.balances()["prepaid_packages"] == -(50000 - TUINA_VISIT)


def test_a_visit_order_completes_and_is_settled_on_the_visit_value(world: OrderWorld) -> None:
    order_id = _place(world, _buy(world))

    world.fire(order_id, "accept")
    world.fire_on_schedule(order_id, "depart", "arrive", "start_service", "complete")

    # 70 % of 125.16 to Li (87.612 → 87.61), the rest to the platform.
    assert world.journal(order_id)[-1] == (
        f"done:{order_id}:1",
        {"customer_funds": TUINA_VISIT, f"technician_payable:{world.li}": -8761,
         "platform_revenue": -3755},
    )  # fmt: skip
    balances = world.balances()
    assert balances["prepaid_packages"] == -(50000 - TUINA_VISIT)
    assert "customer_funds" not in balances


def test_a_free_cancellation_gives_the_visit_back_whole(world: OrderWorld) -> None:
    holding = _buy(world)
    order_id = _place(world, holding)

    result = world.app.cancellation.cancel(order_id, CUSTOMER)  # 26 hours ahead: free

    assert (result.quote.fee.amount, result.quote.refund.amount) == (0, TUINA_VISIT)
    assert result.refunds == ()
    order = world.get(order_id)
    assert order.state == OrderState.REFUNDED
    assert order.refunded_amount.amount == TUINA_VISIT
    assert _holding(world, holding).remaining(world.tuina) == 3
    assert world.journal(order_id)[-1] == (
        f"refund:{order_id}:visit",
        {"customer_funds": TUINA_VISIT, "prepaid_packages": -TUINA_VISIT},
    )
    assert world.balances() == {"payments_clearing": 50000, "prepaid_packages": -50000}


def test_a_cancellation_that_keeps_a_fee_keeps_the_whole_visit(world: OrderWorld) -> None:
    holding = _buy(world)
    order_id = _place(world, holding)
    world.clock.set(at(3, 7))  # 3 hours ahead: a money order would keep 30 %

    preview = world.app.cancellation.preview(order_id, CUSTOMER)
    result = world.app.cancellation.cancel(order_id, CUSTOMER)

    assert preview == result.quote
    assert (result.quote.fee.amount, result.quote.refund.amount) == (TUINA_VISIT, 0)
    assert result.quote.rule.endswith("a package visit is not divided: the visit is used")
    assert world.get(order_id).state == OrderState.CANCELLED
    assert _holding(world, holding).remaining(world.tuina) == 2
    assert world.journal(order_id)[-1] == (
        f"fee:{order_id}:1",
        {"customer_funds": TUINA_VISIT, f"technician_payable:{world.li}": -8761,
         "platform_revenue": -3755},
    )  # fmt: skip


def test_a_complaint_decided_for_the_customer_gives_the_visit_back_from_every_share(
    world: OrderWorld,
) -> None:
    holding = _buy(world)
    order_id = _place(world, holding)
    world.fire(order_id, "accept")
    world.fire_on_schedule(order_id, "depart", "arrive", "start_service", "complete")
    complaint = world.app.aftersales.file(
        FileComplaint(order_id, CustomerId("cus_1"), "She left early", Remedy.FULL_REFUND),
        CUSTOMER,
    )
    world.app.aftersales.take_up(complaint.id, OPERATOR)

    with pytest.raises(InvalidInput) as partial:
        world.app.aftersales.resolve(
            complaint.id, OPERATOR, decision=Decision.PARTIAL_REFUND, refund=Money(5000, "CNY")
        )
    world.app.aftersales.resolve(complaint.id, OPERATOR, decision=Decision.FULL_REFUND)

    assert partial.value.details["field"] == "refund"
    assert world.get(order_id).state == OrderState.REFUNDED
    assert _holding(world, holding).remaining(world.tuina) == 3
    assert world.journal(order_id)[-1] == (
        f"refund:{order_id}:visit",
        {f"technician_payable:{world.li}": 8761, "platform_revenue": 3755,
         "prepaid_packages": -TUINA_VISIT},
    )  # fmt: skip
    assert world.balances() == {"payments_clearing": 50000, "prepaid_packages": -50000}


def test_changing_the_technician_keeps_the_visit_price_and_the_service_cannot_change(
    world: OrderWorld,
) -> None:
    order_id = _place(world, _buy(world))

    moved = world.app.modification.change_technician(order_id, CUSTOMER, world.wang)
    with pytest.raises(InvalidInput) as caught:
        world.app.modification.change_service(order_id, CUSTOMER, world.spa)

    assert moved.order.technician_id == world.wang
    assert moved.order.price.amount == TUINA_VISIT  # not Wang's 219.00
    assert (moved.payment, moved.refunds) == (None, ())
    assert caught.value.details["field"] == "service_id"
    assert world.get(order_id).service_id == world.tuina


def test_placing_again_with_the_same_key_uses_one_visit(world: OrderWorld) -> None:
    holding = _buy(world)
    first = _place(world, holding, idempotency_key="visit-1")
    again = _place(world, holding, idempotency_key="visit-1")

    assert again == first
    assert _holding(world, holding).remaining(world.tuina) == 2


def test_a_dispatched_order_is_paid_by_the_visit_too() -> None:
    world = dispatch_world().world
    holding = _buy(world)
    order_id = _place(world, holding, technician_id=None)
    world.run_jobs()  # auto-assign
    order = world.get(order_id)

    assert order.technician_id is not None
    assert order.dispatch is not None
    assert (order.state, order.price.amount) == (OrderState.PENDING_ACCEPTANCE, TUINA_VISIT)
    assert order.paid_amount.amount == TUINA_VISIT


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"coupon_id": "cpn_1"}, "holding_id"),
        ({"points": 100}, "holding_id"),
        ({"payment_mode": PaymentMode.DEPOSIT}, "payment_mode"),
    ],
)
def test_a_visit_takes_no_coupon_no_points_and_pays_in_full(
    world: OrderWorld, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _place(world, HoldingId("pkh_x"), **changes)

    assert caught.value.details["field"] == field


def _nothing_stored(world: OrderWorld, holding: HoldingId) -> None:
    with world.uow() as uow:
        orders = uow.orders.list_for_customer(CustomerId("cus_1"))
        orders += uow.orders.list_for_customer(CustomerId("cus_2"))
    assert orders == []
    assert _holding(world, holding).uses == ()
    assert world.balances() == {"payments_clearing": 50000, "prepaid_packages": -50000}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"customer_id": CustomerId("cus_2")}, "not_holder"),
        ({"service_id": "spa"}, "wrong_service"),
    ],
)
def test_a_visit_the_customer_cannot_use_refuses_the_order_and_stores_nothing(
    world: OrderWorld, changes: dict[str, Any], reason: str
) -> None:
    holding = _buy(world)
    if changes.get("service_id") == "spa":
        changes.update(service_id=world.spa, start=at(3, 12))

    with pytest.raises(PackageNotRedeemable) as caught:
        _place(world, holding, **changes)

    assert caught.value.details["reason"] == reason
    _nothing_stored(world, holding)


def test_an_expired_package_pays_for_nothing(world: OrderWorld) -> None:
    holding = _buy(world)
    world.clock.set(world.clock.now().add(days=30))

    with pytest.raises(PackageNotRedeemable) as caught:
        _place(world, holding, start=world.clock.now().add(days=1, hours=2))

    assert caught.value.details["reason"] == "expired"
    _nothing_stored(world, holding)


def test_the_last_visit_pays_once(world: OrderWorld) -> None:
    holding = _buy(world)
    _place(world, holding, service_id=world.foot, start=at(3, 10))
    _place(world, holding, service_id=world.foot, start=at(3, 12))

    with pytest.raises(PackageNotRedeemable) as caught:
        _place(world, holding, service_id=world.foot, start=at(3, 14))

    assert caught.value.details["reason"] == "none_left"
    with world.uow() as uow:
        assert len(uow.orders.list_for_customer(CustomerId("cus_1"))) == 2


def test_a_visit_used_outside_the_core_is_platform_revenue_until_given_back(
    world: OrderWorld,
) -> None:
    holding = _buy(world)
    walk_in = OrderId("store-walk-in-7")
    visit = RedeemVisit(holding, world.tuina, walk_in)

    world.app.packages.redeem(visit, OPERATOR)
    world.app.packages.redeem(visit, OPERATOR)  # the same order again: nothing more
    used = world.balances()
    world.app.packages.release(holding, walk_in, OPERATOR)
    world.app.packages.release(holding, walk_in, OPERATOR)
    released = world.balances()
    world.app.packages.redeem(visit, OPERATOR)

    assert used == {
        "payments_clearing": 50000,
        "prepaid_packages": -(50000 - TUINA_VISIT),
        "platform_revenue": -TUINA_VISIT,
    }
    assert released == {"payments_clearing": 50000, "prepaid_packages": -50000}
    assert [entry for entry, _ in world.journal(walk_in)] == [
        f"visit:{walk_in}:1",
        f"visit:{walk_in}:1:back",
        f"visit:{walk_in}:2",
    ]
    assert _holding(world, holding).remaining(world.tuina) == 2


def test_an_order_of_the_core_is_not_given_a_visit_or_its_visit_back_by_hand(
    world: OrderWorld,
) -> None:
    holding = _buy(world)
    paid_by_visit = _place(world, holding)
    plain = world.place(at(3, 14))

    with pytest.raises(InvalidInput) as redeemed:
        world.app.packages.redeem(RedeemVisit(holding, world.tuina, plain), OPERATOR)
    with pytest.raises(InvalidInput) as released:
        world.app.packages.release(holding, paid_by_visit, OPERATOR)

    assert redeemed.value.details["field"] == released.value.details["field"] == "order_id"
    assert _holding(world, holding).remaining(world.tuina) == 2


def test_a_refund_of_the_rest_pays_back_the_unused_visits_and_closes_the_package(
    world: OrderWorld,
) -> None:
    holding = _buy(world)
    order_id = _place(world, holding)

    refund = world.app.packages.record_refund(RefundPackage(holding, "wx-back-1"), OPERATOR)
    after_refund = world.balances()
    with pytest.raises(PackageNotRedeemable) as closed:
        _place(world, holding, start=at(3, 14))
    world.app.cancellation.cancel(order_id, CUSTOMER)  # its visit comes back: owed again
    owed_again = world.balances()
    second = world.app.packages.record_refund(RefundPackage(holding, "wx-back-2"), OPERATOR)
    with pytest.raises(PermissionDenied):
        world.app.packages.record_refund(RefundPackage(holding, "wx-back-3"), CUSTOMER)

    assert refund.amount.amount == 50000 - TUINA_VISIT
    assert after_refund == {"payments_clearing": TUINA_VISIT, "customer_funds": -TUINA_VISIT}
    assert closed.value.details["reason"] == "refunded"
    assert owed_again == {"payments_clearing": TUINA_VISIT, "prepaid_packages": -TUINA_VISIT}
    assert second.amount.amount == TUINA_VISIT
    assert world.balances() == {}
    assert _holding(world, holding).refund_value().amount == 0


def test_two_packages_refunded_under_one_payout_reference_are_both_in_the_books(
    world: OrderWorld,
) -> None:
    # An app may pay two packages back in one payout: the reference is unique per holding.
    first = _buy(world)
    second = world.app.packages.record_purchase(
        RecordPurchase(_holding(world, first).package_id, CustomerId("cus_2"), "wx-2",
                       Money(50000, "CNY")),
        OPERATOR,
    ).id  # fmt: skip

    for holding in (first, second):
        world.app.packages.record_refund(RefundPackage(holding, "payout-7"), OPERATOR)

    assert world.balances() == {}
