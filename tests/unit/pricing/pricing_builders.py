"""Small builders shared by the pricing unit tests (amounts in fen, CNY)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pendulum
from pendulum import DateTime

from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.money import Money
from booking_core.pricing import AddOn, Cart, CartLine, CustomerProfile, PricingRules
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    Coupon,
    CouponBenefit,
    CouponId,
    CouponStatus,
    CouponTemplateId,
    CouponTerms,
    Eligibility,
    Funding,
    Scope,
    ThresholdOffer,
)

CNY = "CNY"
AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
ME = CustomerId("c-1")
YESTERDAY = AT.subtract(days=1)
TOMORROW = AT.add(days=1)


def cny(amount: int) -> Money:
    return Money(amount, CNY)


def line(
    service: str = "tuina",
    price: int = 19900,
    quantity: int = 1,
    *,
    category: str = "massage",
    add_ons: Sequence[int] = (),
) -> CartLine:
    return CartLine(
        ServiceId(service),
        CategoryId(category),
        cny(price),
        quantity,
        tuple(AddOn(f"extra {i}", cny(p)) for i, p in enumerate(add_ons)),
    )


def cart(*lines: CartLine, travel_fee: int | None = None, store: str | None = None) -> Cart:
    return Cart.of(
        *lines, travel_fee=None if travel_fee is None else cny(travel_fee), store_id=store
    )


def customer(tier: str | None = None, *, is_new: bool = False, points: int = 0) -> CustomerProfile:
    return CustomerProfile(ME, tier=tier, is_new=is_new, points_balance=points)


def rules(**kwargs: object) -> PricingRules:
    return PricingRules(CNY, **kwargs)  # type: ignore[arg-type]


def coupon(
    benefit: CouponBenefit,
    *,
    coupon_id: str = "k-1",
    scope: Scope | None = None,
    eligibility: Eligibility | None = None,
    funded_by: Funding = Funding.PLATFORM,
    excludes_campaign_lines: bool = False,
    valid_from: DateTime = YESTERDAY,
    valid_until: DateTime = TOMORROW,
    holder: CustomerId = ME,
    status: CouponStatus = CouponStatus.AVAILABLE,
    order_id: str | None = None,
) -> Coupon:
    return Coupon(
        id=CouponId(coupon_id),
        template_id=CouponTemplateId("tpl-1"),
        customer_id=holder,
        terms=CouponTerms(
            benefit,
            scope=scope or Scope(),
            eligibility=eligibility or Eligibility(),
            funded_by=funded_by,
            excludes_campaign_lines=excludes_campaign_lines,
        ),
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=valid_from,
        status=status,
        order_id=order_id,  # type: ignore[arg-type]
    )


def campaign(
    offer: CampaignOffer,
    *,
    campaign_id: str = "camp-1",
    scope: Scope | None = None,
    budget: int | None = None,
    spent: int | None = None,
    funded_by: Funding = Funding.PLATFORM,
    starts_at: DateTime = YESTERDAY,
    ends_at: DateTime = TOMORROW,
) -> Campaign:
    return Campaign(
        id=CampaignId(campaign_id),
        name=f"campaign {campaign_id}",
        offer=offer,
        starts_at=starts_at,
        ends_at=ends_at,
        scope=scope or Scope(),
        budget=None if budget is None else cny(budget),
        spent=None if spent is None else cny(spent),
        funded_by=funded_by,
    )


def threshold(
    *tiers: tuple[int, int],
    offer_id: str = "mj-1",
    scope: Scope | None = None,
    funded_by: Funding = Funding.PLATFORM,
    excludes_campaign_lines: bool = False,
    starts_at: DateTime = YESTERDAY,
    ends_at: DateTime = TOMORROW,
) -> ThresholdOffer:
    return ThresholdOffer.of(
        offer_id,
        f"满减 {offer_id}",
        [(cny(m), cny(a)) for m, a in tiers],
        starts_at=starts_at,
        ends_at=ends_at,
        scope=scope,
        funded_by=funded_by,
        excludes_campaign_lines=excludes_campaign_lines,
    )


def pct(text: str) -> Decimal:
    return Decimal(text)
