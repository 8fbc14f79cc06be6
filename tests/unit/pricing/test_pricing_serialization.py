"""Pricing values round-trip through the one converter."""

from __future__ import annotations

from decimal import Decimal

from booking_core.pricing import (
    CouponEvaluation,
    CouponRejection,
    PointsPolicy,
    Quote,
    RejectionReason,
    TierDiscount,
    quote,
)
from booking_core.promotions import CampaignOffer, CouponBenefit, CouponId, Scope
from booking_core.serialization import make_converter
from tests.unit.pricing.pricing_builders import (
    AT,
    campaign,
    cart,
    cny,
    coupon,
    customer,
    line,
    rules,
    threshold,
)


def test_a_quote_rules_cart_and_customer_round_trip() -> None:
    converter = make_converter()
    in_force = rules(
        tier_discounts=(TierDiscount("gold", Decimal("0.05"), scope=Scope.of(stores=["s-1"])),),
        campaigns=(campaign(CampaignOffer.percent_off(Decimal("0.1")), budget=10000, spent=1),),
        threshold_offers=(threshold((100, 10), (200, 30)),),
        points=PointsPolicy(cny(1), max_share=Decimal("0.5"), earn_rate=Decimal("0.01")),
    )
    basket = cart(line(add_ons=[100]), line("foot", 100, 3), travel_fee=500, store="s-1")
    who = customer("gold", points=50)
    q = quote(
        basket, who, in_force, at=AT, coupon=coupon(CouponBenefit.amount_off(cny(5))), points=50
    )

    for value in (q, in_force, basket, who):
        data = converter.unstructure(value)
        assert converter.structure(data, type(value)) == value


def test_a_quote_is_written_with_money_as_amount_and_currency() -> None:
    q = quote(cart(line(price=100)), customer(), rules(), at=AT)

    data = make_converter().unstructure(q, Quote)

    assert data["lines"][0]["payable"] == {"amount": 100, "currency": "CNY"}
    assert data["priced_at"] == "2026-03-01T10:00:00+08:00"


def test_coupon_evaluations_round_trip() -> None:
    converter = make_converter()
    rejection = CouponRejection(
        CouponId("k"), RejectionReason.MIN_SPEND_NOT_MET, "Spend more", shortfall=cny(3)
    )
    evaluation = CouponEvaluation(CouponId("k"), cny(0), rejection)

    data = converter.unstructure(evaluation)

    assert data["rejection"]["reason"] == "min_spend_not_met"
    assert converter.structure(data, CouponEvaluation) == evaluation
