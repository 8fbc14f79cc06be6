"""May this customer claim / use this coupon now? Answers without writes; and a quote
explains every 满减 offer and campaign of the rules in force."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from booking_core.bootstrap import BookingApp, build
from booking_core.errors import NotFound, PermissionDenied
from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.pricing import Cart, CartLine, PricingRules, PromotionReason
from booking_core.promotions import (
    CouponBenefit,
    CouponId,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    Eligibility,
    ThresholdOffer,
    Validity,
)
from booking_core.services.pricing import StaticPricingRules
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds

NOW = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
PLATFORM = Actor("adm_1", Role.PLATFORM)
ALICE = Actor("cus_alice", Role.CUSTOMER)
BOB = Actor("cus_bob", Role.CUSTOMER)


def cny(fen: int) -> Money:
    return Money(fen, "CNY")


@pytest.fixture
def world() -> tuple[BookingApp, FrozenClock]:
    clock = FrozenClock(NOW)
    offer = ThresholdOffer.of(
        "mj_300",
        "满300减30",
        [(cny(30000), cny(3000))],
        starts_at=NOW.subtract(days=1),
        ends_at=NOW.add(days=1),
    )
    app = build(
        uow=InMemoryStore().unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=clock,
        ids=SequentialIds(),
        pricing_rules=StaticPricingRules(PricingRules("CNY", threshold_offers=(offer,))),
    )
    return app, clock


def template(template_id: str, **kwargs: object) -> CouponTemplate:
    return CouponTemplate(
        CouponTemplateId(template_id),
        "立减10",
        CouponTerms(CouponBenefit.amount_off(cny(1000)), **kwargs),  # type: ignore[arg-type]
        Validity.days_after_issue(7),
        stock=1,
    )


def test_can_claim_says_yes_then_the_limit_then_out_of_stock_and_writes_nothing(
    world: tuple[BookingApp, FrozenClock],
) -> None:
    app, _ = world
    app.coupons.create_template(PLATFORM, template("tpl_1"))

    assert app.coupons.can_claim(ALICE, CouponTemplateId("tpl_1")).allowed
    assert app.coupons.can_claim(ALICE, CouponTemplateId("tpl_1")).allowed  # nothing written
    app.coupons.claim(ALICE, CouponTemplateId("tpl_1"))

    mine = app.coupons.can_claim(ALICE, CouponTemplateId("tpl_1"))
    assert (mine.allowed, mine.reason) == (False, "out_of_stock")  # stock checked first
    theirs = app.coupons.can_claim(BOB, CouponTemplateId("tpl_1"))
    assert (theirs.allowed, theirs.reason) == (False, "out_of_stock")
    assert theirs.message is not None
    assert "1 coupons" in theirs.message


def test_can_claim_names_the_limit_and_a_stopped_template(
    world: tuple[BookingApp, FrozenClock],
) -> None:
    app, _ = world
    unlimited = attrs.evolve(template("tpl_2"), stock=None)
    app.coupons.create_template(PLATFORM, unlimited)
    app.coupons.claim(ALICE, CouponTemplateId("tpl_2"))
    assert app.coupons.can_claim(ALICE, CouponTemplateId("tpl_2")).reason == "limit_reached"
    app.coupons.set_template_active(PLATFORM, CouponTemplateId("tpl_2"), active=False)
    assert app.coupons.can_claim(BOB, CouponTemplateId("tpl_2")).reason == "inactive"
    with pytest.raises(NotFound):
        app.coupons.can_claim(ALICE, CouponTemplateId("tpl_none"))
    with pytest.raises(PermissionDenied):
        app.coupons.can_claim(PLATFORM, CouponTemplateId("tpl_2"))


def test_can_use_checks_state_validity_and_eligibility_without_a_cart(
    world: tuple[BookingApp, FrozenClock],
) -> None:
    app, clock = world
    app.coupons.create_template(PLATFORM, template("tpl_any"))
    app.coupons.create_template(
        PLATFORM, template("tpl_gold", eligibility=Eligibility.members_of(["gold"]))
    )
    anyone = app.coupons.claim(ALICE, CouponTemplateId("tpl_any"))
    gold = app.coupons.claim(ALICE, CouponTemplateId("tpl_gold"))

    assert app.coupons.can_use(ALICE, anyone.id).allowed
    refused = app.coupons.can_use(ALICE, gold.id)
    assert (refused.allowed, refused.reason) == (False, "tier_required")
    with pytest.raises(NotFound):
        app.coupons.can_use(BOB, anyone.id)  # someone else's coupon is not shown
    with pytest.raises(NotFound):
        app.coupons.can_use(ALICE, CouponId("cpn_none"))

    clock.set(NOW.add(days=8))
    assert app.coupons.can_use(ALICE, anyone.id).reason == "expired"


def test_a_quote_explains_the_offers_of_the_rules_in_force(
    world: tuple[BookingApp, FrozenClock],
) -> None:
    app, _ = world
    cart = Cart.of(CartLine(ServiceId("svc_tuina"), CategoryId("cat_massage"), cny(19900)))
    priced = app.quotes.price(cart, CustomerId("cus_alice"), actor=ALICE)
    assert priced.promotions is not None
    (offer,) = priced.promotions.offers
    assert offer.rejection is not None
    assert offer.rejection.reason is PromotionReason.MIN_SPEND_NOT_MET
    assert offer.rejection.shortfall == cny(10100)
