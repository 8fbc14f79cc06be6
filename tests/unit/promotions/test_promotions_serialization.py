"""Promotion values round-trip through the one converter."""

from __future__ import annotations

from decimal import Decimal

import pendulum

from booking_core.ids import CategoryId, CustomerId, OrderId, ServiceId
from booking_core.money import Money
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    CouponBenefit,
    CouponId,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    Eligibility,
    Funding,
    IssueChannel,
    Scope,
    ThresholdOffer,
    Validity,
)
from booking_core.serialization import make_converter

AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def test_templates_coupons_campaigns_and_offers_round_trip() -> None:
    converter = make_converter()
    terms = CouponTerms(
        CouponBenefit.percent_off(Decimal("0.15"), max_discount=cny(2000), min_spend=cny(100)),
        scope=Scope.of(
            services=[ServiceId("tuina")],
            categories=[CategoryId("beauty")],
            stores=["s-1"],
            excluded_services=[ServiceId("x")],
        ),
        eligibility=Eligibility.members_of(["gold"]),
        funded_by=Funding.SELLER,
        excludes_campaign_lines=True,
    )
    template = CouponTemplate(
        CouponTemplateId("t"),
        "15% off",
        terms,
        Validity.between(AT, AT.add(days=3)),
        stock=10,
        channels=frozenset({IssueChannel.CLAIM, IssueChannel.ADMIN}),
        issuable_until=AT.add(days=1),
    )
    coupon = template.issue(
        coupon_id=CouponId("k"),
        customer_id=CustomerId("c"),
        channel=IssueChannel.CLAIM,
        at=AT,
        issued_so_far=0,
        held_by_customer=0,
    ).reserve(OrderId("o"), AT)
    campaign = Campaign(
        CampaignId("camp"),
        "限时",
        CampaignOffer.special_price(cny(9900)),
        AT,
        AT.add(days=1),
        budget=cny(100000),
        spent=cny(5),
    )
    offer = ThresholdOffer.of("mj", "满减", [(cny(100), cny(10))], starts_at=AT, ends_at=AT)

    for value in (template, coupon, campaign, offer, CouponBenefit.nth_free(3)):
        data = converter.unstructure(value)
        assert converter.structure(data, type(value)) == value


def test_a_coupon_is_written_with_plain_strings_for_its_states() -> None:
    benefit = CouponBenefit.amount_off(cny(500))

    data = make_converter().unstructure(benefit)

    assert data["kind"] == "amount_off"
    assert data["amount"] == {"amount": 500, "currency": "CNY"}
