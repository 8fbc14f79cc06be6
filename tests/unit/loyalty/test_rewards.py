"""Spending points on rewards: gifts with stock, coupons for points, tier purchases
(RewardsService on in-memory storage; docs/loyalty.md, "Spending points")."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from booking_core.audit import AuditQuery
from booking_core.bootstrap import BookingApp, build
from booking_core.customers import Customer, CustomerDetails
from booking_core.errors import (
    CouponOutOfStock,
    GiftLimitReached,
    GiftOutOfStock,
    IdempotencyKeyReused,
    InsufficientPoints,
    InvalidIdempotencyKey,
    InvalidReward,
    PermissionDenied,
    RedemptionNotAllowed,
    RewardNotAvailable,
)
from booking_core.ids import CustomerId
from booking_core.loyalty import (
    CouponExchange,
    CouponExchangeId,
    ExpiryPolicy,
    Gift,
    GiftId,
    LoyaltyPolicy,
    MovementKind,
    PointsSource,
    RedemptionStatus,
    RewardKind,
    Tier,
    TierLadder,
    TierMetric,
    TierPurchase,
)
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
from booking_core.staff import StaffRole
from booking_core.testing.clock import FrozenClock
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.payments import ScriptedPaymentGateway

CUS, OTHER = CustomerId("cus_1"), CustomerId("cus_2")
ME, HIM = Actor.customer(CUS), Actor.customer(OTHER)
STAFF = Actor.platform()
FINANCE = Actor.platform("fin", staff=StaffRole.FINANCE)
T0 = pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai")
MUG = Gift(GiftId("g_mug"), "Mug", 150, stock=2, per_customer=None)
LADDER = TierLadder(
    TierMetric.POINTS_EARNED,
    [Tier("silver", 100), Tier("gold", 5000)],
    downgrade_grace=pendulum.duration(days=10),
)


def make(policy: LoyaltyPolicy | None = None) -> tuple[BookingApp, FrozenClock]:
    clock = FrozenClock(T0)
    policy = policy or LoyaltyPolicy(expiry=ExpiryPolicy.rolling(30))
    app = build(uow=InMemoryStore().unit_of_work, payments=ScriptedPaymentGateway(),
                clock=clock, loyalty_policy=policy)  # fmt: skip
    return app, clock


def give(app: BookingApp, points: int, key: str, customer: CustomerId = CUS) -> None:
    app.loyalty.award(customer, points, STAFF, key=key, reason="spring campaign",
                      source=PointsSource.CAMPAIGN)  # fmt: skip


def stock(app: BookingApp, gift_id: GiftId = MUG.id) -> int | None:
    with app.uow() as uow:
        return uow.rewards.gift(gift_id).stock


# -- values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"points": 0}, "points"),
        ({"points": 1.5}, "points"),
        ({"stock": -1}, "stock"),
        ({"per_customer": 0}, "per_customer"),
    ],
)
def test_a_gift_refuses_bad_fields(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidReward) as raised:
        attrs.evolve(MUG, **fields)  # type: ignore[arg-type]
    assert raised.value.details == {"field": field}


def test_tier_purchases_are_priced_and_last_whole_days() -> None:
    with pytest.raises(InvalidReward):
        TierPurchase("gold", 0, 30)
    with pytest.raises(InvalidReward):
        TierPurchase("gold", 100, 0)
    at = pendulum.datetime(2026, 3, 28, 23, tz="Europe/London")  # DST starts on the 29th
    assert TierPurchase("gold", 100, 2).until(at) == at.add(hours=48)
    with pytest.raises(InvalidReward):  # not a tier of the ladder
        LoyaltyPolicy(tiers=LADDER, tier_purchases=[TierPurchase("platinum", 1, 1)])
    with pytest.raises(InvalidReward):  # priced twice
        LoyaltyPolicy(tiers=LADDER, tier_purchases=[TierPurchase("gold", 1, 1)] * 2)


# -- gifts -----------------------------------------------------------------------------


def test_redeeming_a_gift_spends_the_soonest_expiring_lots_and_takes_a_unit() -> None:
    app, clock = make()
    app.rewards.create_gift(STAFF, MUG)
    give(app, 100, "a")  # expires first
    clock.advance(pendulum.duration(days=1))
    give(app, 100, "b")

    redemption = app.rewards.redeem_gift(ME, MUG.id, key="k1")

    assert (redemption.kind, redemption.item_id, redemption.points, redemption.status) == (
        RewardKind.GIFT, MUG.id, 150, RedemptionStatus.REQUESTED,
    )  # fmt: skip
    assert stock(app) == 1
    assert app.loyalty.balance(CUS, ME) == 50
    spent = app.loyalty.statement(CUS, ME)[-1]
    assert (spent.kind, spent.reason, spent.id) == (
        MovementKind.SPENT, "gift g_mug", redemption.movement_id,
    )  # fmt: skip
    assert [(e.lot_id, e.points) for e in spent.effects] == [
        ("campaign:cus_1:a", -100), ("campaign:cus_1:b", -50),
    ]  # fmt: skip


def test_the_same_key_redeems_once_and_another_reward_under_it_is_refused() -> None:
    app, _ = make()
    app.rewards.create_gift(STAFF, MUG)
    app.rewards.create_gift(STAFF, attrs.evolve(MUG, id=GiftId("g_pen"), name="Pen"))
    give(app, 400, "a")

    first = app.rewards.redeem_gift(ME, MUG.id, key="k1")
    again = app.rewards.redeem_gift(ME, MUG.id, key="k1")

    assert again == first
    assert (app.loyalty.balance(CUS, ME), stock(app)) == (250, 1)
    with pytest.raises(IdempotencyKeyReused):
        app.rewards.redeem_gift(ME, GiftId("g_pen"), key="k1")
    with pytest.raises(InvalidIdempotencyKey):
        app.rewards.redeem_gift(ME, MUG.id, key="")


def test_out_of_stock_and_short_of_points_leave_everything_untouched() -> None:
    app, _ = make()
    app.rewards.create_gift(STAFF, attrs.evolve(MUG, stock=1))
    give(app, 200, "a")
    give(app, 100, "b", OTHER)

    with pytest.raises(InsufficientPoints):
        app.rewards.redeem_gift(HIM, MUG.id, key="k")
    assert (stock(app), app.loyalty.balance(OTHER, HIM)) == (1, 100)
    app.rewards.redeem_gift(ME, MUG.id, key="k1")
    with pytest.raises(GiftOutOfStock) as raised:
        app.rewards.redeem_gift(ME, MUG.id, key="k2")

    assert raised.value.code == "gift_out_of_stock"
    assert (stock(app), app.loyalty.balance(CUS, ME)) == (0, 50)
    assert len(app.rewards.redemptions(ME)) == 1


def test_the_per_customer_limit_counts_what_was_not_cancelled() -> None:
    app, _ = make()
    app.rewards.create_gift(STAFF, attrs.evolve(MUG, stock=None, per_customer=1))
    give(app, 500, "a")

    first = app.rewards.redeem_gift(ME, MUG.id, key="k1")
    with pytest.raises(GiftLimitReached):
        app.rewards.redeem_gift(ME, MUG.id, key="k2")
    app.rewards.cancel(STAFF, first.id, reason="out of mugs in that colour")
    app.rewards.redeem_gift(ME, MUG.id, key="k3")

    assert stock(app) is None  # unlimited stays unlimited
    assert app.loyalty.balance(CUS, ME) == 350


def test_cancelling_returns_the_points_once_and_restores_the_unit() -> None:
    app, clock = make()
    app.rewards.create_gift(STAFF, MUG)
    give(app, 100, "a")
    clock.advance(pendulum.duration(days=1))
    give(app, 100, "b")
    redemption = app.rewards.redeem_gift(ME, MUG.id, key="k1")
    clock.advance(pendulum.duration(days=29, hours=12))  # lot a has expired meanwhile

    cancelled = app.rewards.cancel(STAFF, redemption.id, reason="courier lost it")

    assert cancelled.status is RedemptionStatus.CANCELLED
    assert stock(app) == 2
    returned = app.loyalty.statement(CUS, ME)[-1]
    assert (returned.kind, returned.points) == (MovementKind.RETURNED, 150)
    # 50 back into lot b (still live), 100 into a new lot: lot a is past its expiry.
    assert sorted((e.lot_id, e.points) for e in returned.effects) == [
        ("campaign:cus_1:b", 50), (f"{redemption.movement_id}:lot", 100),
    ]  # fmt: skip
    assert app.loyalty.balance(CUS, ME) == 200
    with pytest.raises(RedemptionNotAllowed):
        app.rewards.cancel(STAFF, redemption.id, reason="again")
    with pytest.raises(RedemptionNotAllowed):
        app.rewards.fulfil(STAFF, redemption.id)
    assert app.loyalty.balance(CUS, ME) == 200
    with app.uow() as uow:
        entries = uow.audit.find(AuditQuery(action="redemption"))
    assert [(e.action, e.reason) for e in entries] == [("redemption.cancel", "courier lost it")]


def test_a_fulfilled_gift_is_not_cancelled() -> None:
    app, _ = make()
    app.rewards.create_gift(STAFF, MUG)
    give(app, 150, "a")
    redemption = app.rewards.redeem_gift(ME, MUG.id, key="k1")

    done = app.rewards.fulfil(STAFF, redemption.id)

    assert (done.status, done.decided_at) == (RedemptionStatus.FULFILLED, T0)
    with pytest.raises(RedemptionNotAllowed):
        app.rewards.cancel(STAFF, redemption.id, reason="late")
    assert (stock(app), app.loyalty.balance(CUS, ME)) == (1, 0)


def test_staff_keep_the_catalog_customers_see_the_active_gifts() -> None:
    app, _ = make()
    with pytest.raises(PermissionDenied):
        app.rewards.create_gift(FINANCE, MUG)
    with pytest.raises(PermissionDenied):
        app.rewards.create_gift(ME, MUG)
    app.rewards.create_gift(STAFF, MUG)
    pen = app.rewards.create_gift(STAFF, attrs.evolve(MUG, id=GiftId("g_pen"), name="Pen"))
    off = app.rewards.update_gift(STAFF, pen.id, active=False, stock=9)
    give(app, 500, "a")

    assert (off.active, off.stock, off.version) == (False, 9, 2)
    assert [g.id for g in app.rewards.gifts(ME)] == [MUG.id]
    assert [g.id for g in app.rewards.gifts(STAFF)] == ["g_mug", "g_pen"]
    with pytest.raises(RewardNotAvailable):
        app.rewards.redeem_gift(ME, pen.id, key="k")
    with pytest.raises(PermissionDenied):
        app.rewards.redemptions(FINANCE)
    with app.uow() as uow:
        actions = [e.action for e in uow.audit.find(AuditQuery(action="gift"))]
    assert actions == ["gift.update", "gift.create", "gift.create"]


# -- coupons ---------------------------------------------------------------------------


def coupon_template(**fields: object) -> CouponTemplate:
    values: dict[str, object] = {
        "id": CouponTemplateId("tpl_30"),
        "name": "30 off 200",
        "terms": CouponTerms(
            CouponBenefit.threshold(min_spend=Money(20000, "CNY"), amount=Money(3000, "CNY"))
        ),
        "validity": Validity.days_after_issue(7),
        "stock": 1,
        "per_customer_limit": 1,
        "channels": frozenset({IssueChannel.POINTS}),
    }
    values.update(fields)
    return CouponTemplate(**values)  # type: ignore[arg-type]


def test_a_coupon_for_points_is_issued_through_its_template() -> None:
    app, _ = make()
    app.coupons.create_template(STAFF, coupon_template())
    exchange = CouponExchange(CouponExchangeId("ex_30"), CouponTemplateId("tpl_30"), 80)
    app.rewards.create_exchange(STAFF, exchange)
    give(app, 200, "a")
    give(app, 200, "a", OTHER)

    bought = app.rewards.redeem_coupon(ME, exchange.id, key="k1")
    replay = app.rewards.redeem_coupon(ME, exchange.id, key="k1")

    assert replay == bought
    assert bought.coupon_id is not None
    assert (bought.kind, bought.status) == (RewardKind.COUPON, RedemptionStatus.FULFILLED)
    wallet = app.coupons.wallet(ME)
    assert [(c.coupon.id, c.coupon.channel) for c in wallet] == [
        (bought.coupon_id, IssueChannel.POINTS)
    ]
    assert app.loyalty.balance(CUS, ME) == 120
    # The template's stock is gone: its refusal spends nothing.
    with pytest.raises(CouponOutOfStock):
        app.rewards.redeem_coupon(HIM, exchange.id, key="k1")
    assert app.loyalty.balance(OTHER, HIM) == 200
    assert app.rewards.redemptions(HIM) == []


def test_only_templates_issued_for_points_are_sold_and_inactive_exchanges_refuse() -> None:
    app, _ = make()
    app.coupons.create_template(STAFF, coupon_template(channels=frozenset({IssueChannel.CLAIM})))
    app.coupons.create_template(STAFF, coupon_template(id=CouponTemplateId("tpl_p")))
    with pytest.raises(RewardNotAvailable):
        app.rewards.create_exchange(
            STAFF, CouponExchange(CouponExchangeId("ex"), CouponTemplateId("tpl_30"), 80)
        )
    exchange = app.rewards.create_exchange(
        STAFF, CouponExchange(CouponExchangeId("ex"), CouponTemplateId("tpl_p"), 80)
    )
    app.rewards.set_exchange_active(STAFF, exchange.id, active=False)
    give(app, 200, "a")

    with pytest.raises(RewardNotAvailable):
        app.rewards.redeem_coupon(ME, exchange.id, key="k")
    assert app.rewards.exchanges(ME) == []
    assert app.loyalty.balance(CUS, ME) == 200


# -- tiers -----------------------------------------------------------------------------


def tier_app() -> tuple[BookingApp, FrozenClock]:
    policy = LoyaltyPolicy(
        expiry=ExpiryPolicy.rolling(365), tiers=LADDER,
        tier_purchases=[TierPurchase("gold", 1000, 30)],
    )  # fmt: skip
    app, clock = make(policy)
    with app.uow() as uow:
        uow.customers.add(Customer(CUS, CustomerDetails("Mei"), T0))
        uow.commit()
    return app, clock


def test_a_bought_tier_holds_until_its_validity_then_the_grace_rules_apply() -> None:
    app, clock = tier_app()
    give(app, 1200, "a")
    assert app.loyalty.evaluate_tier(CUS).tier == "silver"

    bought = app.rewards.buy_tier(ME, "gold", key="k1")

    assert bought.until == T0.add(days=30)
    with app.uow() as uow:
        assert uow.customers.get(CUS).tier == "gold"
    assert app.loyalty.tier_history(CUS, ME)[-1].cause == "purchased"
    assert app.loyalty.balance(CUS, ME) == 200
    clock.advance(pendulum.duration(days=29))
    assert app.loyalty.evaluate_tier(CUS).tier == "gold"  # the floor holds
    clock.advance(pendulum.duration(days=1))  # lapsed: below gold from now on
    status = app.loyalty.evaluate_tier(CUS)
    assert (status.tier, status.below_since) == ("gold", clock.now())
    clock.advance(pendulum.duration(days=10))  # the ladder's grace ended
    assert app.loyalty.evaluate_tier(CUS).tier == "silver"
    assert [c.cause for c in app.loyalty.tier_history(CUS, ME)] == [
        "reached", "purchased", "grace_ended",
    ]  # fmt: skip


def test_a_renewal_extends_from_the_running_purchase_and_unsold_tiers_refuse() -> None:
    app, clock = tier_app()
    give(app, 3000, "a")
    app.rewards.buy_tier(ME, "gold", key="k1")
    clock.advance(pendulum.duration(days=10))

    renewed = app.rewards.buy_tier(ME, "gold", key="k2")

    assert renewed.until == T0.add(days=60)
    assert [c.cause for c in app.loyalty.tier_history(CUS, ME)] == ["purchased"]
    with pytest.raises(RewardNotAvailable) as raised:
        app.rewards.buy_tier(ME, "silver", key="k3")
    assert raised.value.details["reason"] == "not_for_sale"
    assert app.loyalty.balance(CUS, ME) == 1000


def test_a_tier_below_the_held_one_is_not_sold() -> None:
    policy = LoyaltyPolicy(tiers=LADDER, tier_purchases=[TierPurchase("silver", 10, 30)])
    app, _ = make(policy)
    give(app, 6000, "a")
    app.loyalty.evaluate_tier(CUS)

    with pytest.raises(RewardNotAvailable) as raised:
        app.rewards.buy_tier(ME, "silver", key="k")

    assert raised.value.details["reason"] == "below_current"
    assert app.loyalty.balance(CUS, ME) == 6000
