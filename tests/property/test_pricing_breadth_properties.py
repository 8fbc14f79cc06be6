"""Travel fee discounts, stacked 满减 offers and promotion explanations, over generated carts
and rules: every allocation sums exactly, no line and no fee below zero, and the report
says a promotion applied exactly when it took something off — the amount the quote shows.
"""

from __future__ import annotations

import attrs
import pendulum
from hypothesis import event, given
from hypothesis import strategies as st

from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.money import Money
from booking_core.pricing import (
    Cart,
    CustomerProfile,
    PricingRules,
    Quote,
    ThresholdStacking,
    TravelFeeWaiver,
    evaluate_coupons,
    explain_promotions,
    quote,
)
from booking_core.promotions import (
    Coupon,
    CouponBenefit,
    CouponId,
    CouponTemplateId,
    CouponTerms,
    Funding,
    Scope,
    ThresholdOffer,
)
from booking_core.testing import strategies

C = "CNY"
AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
ME = CustomerId("me")
SERVICES = [ServiceId(s) for s in ("tuina", "foot", "facial")]
CATEGORIES = [CategoryId(c) for c in ("massage", "beauty")]

carts = strategies.carts(currency=C, service_ids=SERVICES, category_ids=CATEGORIES)
scopes = strategies.scopes(service_ids=SERVICES, category_ids=CATEGORIES)
customers = strategies.customer_profiles(customer_id=ME, tiers=["gold"])
base_rules = strategies.pricing_rules(
    currency=C, around=AT, service_ids=SERVICES, category_ids=CATEGORIES, tiers=["gold"]
)
# Offers mostly active, scoped to one service each (so that several can stack) or drawn.
offers = st.lists(
    st.builds(
        lambda offer, covers, active, scope: attrs.evolve(
            offer,
            covers_travel_fee=covers,
            starts_at=AT.subtract(days=1) if active else offer.starts_at,
            ends_at=AT.add(days=1) if active else offer.ends_at,
            scope=scope if scope is not None else offer.scope,
        ),
        strategies.threshold_offers(
            around=AT, currency=C, service_ids=SERVICES, category_ids=CATEGORIES
        ),
        st.booleans(),
        st.booleans(),
        st.none() | st.sampled_from(SERVICES).map(lambda s: Scope.of(services=[s])),
    ),
    max_size=3,
    unique_by=lambda o: o.id,
)
waivers = st.none() | st.builds(
    TravelFeeWaiver,
    min_spend=st.integers(0, 60_000).map(lambda n: Money(n, C)),
    max_waived=st.none() | st.integers(1, 3_000).map(lambda n: Money(n, C)),
    scope=scopes,
    funded_by=st.sampled_from(list(Funding)),
)
money = st.integers(1, 60_000).map(lambda n: Money(n, C))
order_discounts = st.one_of(
    money.map(CouponBenefit.amount_off),
    st.builds(lambda s, a: CouponBenefit.threshold(min_spend=s, amount=a), money, money),
    st.decimals("0.01", "0.99", places=2).map(CouponBenefit.percent_off),
)
fee_coupon_terms = st.one_of(
    st.builds(
        lambda b, scope: CouponTerms(b, scope=scope, covers_travel_fee=True),
        order_discounts,
        scopes,
    ),
    st.builds(
        lambda most, scope: CouponTerms(CouponBenefit.free_travel(most), scope=scope),
        st.none() | st.integers(1, 3_000).map(lambda n: Money(n, C)),
        scopes,
    ),
)


@st.composite
def rules_with_breadth(draw: st.DrawFn) -> PricingRules:
    rules: PricingRules = draw(base_rules)
    return attrs.evolve(
        rules,
        threshold_offers=tuple(draw(offers)),
        threshold_stacking=draw(st.sampled_from(list(ThresholdStacking))),
        travel_fee_waiver=draw(waivers),
    )


def held(terms: CouponTerms) -> Coupon:
    return Coupon(CouponId("k"), CouponTemplateId("t"), ME, terms, AT, AT, AT)


def check_buckets(q: Quote) -> None:
    """Every line and the fee: buckets sum to the payable, none below zero."""
    for line in q.lines:
        parts = (line.tier, line.campaign, line.threshold, line.coupon, line.points)
        assert all(p.amount >= 0 for p in parts)
        assert line.base.amount - sum(p.amount for p in parts) == line.payable.amount >= 0
        assert 0 <= line.platform_funded.amount <= line.discount.amount
    fee = q.travel
    if fee is None:
        assert q.travel_fee == Money(0, C)
        return
    fee_parts = (fee.waived, fee.threshold, fee.coupon)
    assert all(p.amount >= 0 for p in fee_parts)
    assert fee.base.amount - sum(p.amount for p in fee_parts) == fee.payable.amount >= 0
    assert q.travel_fee == fee.payable
    assert 0 <= fee.platform_funded.amount <= fee.discount.amount
    assert q.payable == q.goods_payable + q.travel_fee


@given(carts, customers, rules_with_breadth())
def test_every_allocation_is_exact_and_the_report_agrees_with_the_quote(
    cart: Cart, who: CustomerProfile, rules: PricingRules
) -> None:
    q = quote(cart, who, rules, at=AT)
    check_buckets(q)
    report = explain_promotions(cart, who, rules, at=AT)

    # 满减: applied iff it took something off; the amounts are the quote's.
    applied = [e for e in report.offers if e.applies]
    assert all((e.discount.amount > 0) == e.applies for e in report.offers)
    assert sorted(e.offer_id for e in applied) == sorted(q.threshold_offer_ids)
    assert len(set(q.threshold_offer_ids)) == len(q.threshold_offer_ids)
    assert sum(e.discount.amount for e in applied) == q.threshold_discount.amount
    for evaluation in applied:
        lines_share = sum(
            ln.threshold.amount for ln in q.lines if ln.threshold_offer_id == evaluation.offer_id
        )
        fee_share = (
            q.travel.threshold.amount
            if q.travel is not None and q.travel.threshold_offer_id == evaluation.offer_id
            else 0
        )
        assert lines_share + fee_share == evaluation.discount.amount
    event(f"offers applied: {len(applied)}")

    # Campaigns: applied iff they priced a line; the lines are the quote's.
    for campaign in report.campaigns:
        assert (campaign.discount.amount > 0) == campaign.applies
        priced = tuple(i for i, ln in enumerate(q.lines) if ln.campaign_id == campaign.campaign_id)
        assert campaign.lines == priced
        assert campaign.discount.amount == sum(q.lines[i].campaign.amount for i in priced)

    waiver = report.travel_fee_waiver
    assert (waiver is None) == (rules.travel_fee_waiver is None)
    if waiver is not None:
        assert waiver.applies == (waiver.waived.amount > 0)
        taken = 0 if q.travel is None else q.travel.waived.amount
        assert waiver.waived.amount == taken


@given(carts, customers, rules_with_breadth(), fee_coupon_terms)
def test_coupons_covering_the_fee_allocate_exactly_and_never_raise_the_price(
    cart: Cart, who: CustomerProfile, rules: PricingRules, terms: CouponTerms
) -> None:
    coupon = held(terms)
    (evaluation,) = evaluate_coupons(cart, who, rules, at=AT, coupons=[coupon])
    without = quote(cart, who, rules, at=AT)
    event(f"applies: {evaluation.applies}")
    if not evaluation.applies:
        return
    q = quote(cart, who, rules, at=AT, coupon=coupon)
    check_buckets(q)
    fee = 0 if q.travel is None else q.travel.coupon.amount
    assert sum(ln.coupon.amount for ln in q.lines) + fee == evaluation.discount.amount > 0
    assert q.coupon_discount == evaluation.discount
    assert q.payable.amount == without.payable.amount - evaluation.discount.amount  # I11
    # Only what the coupon took changed: the other buckets are the quote without it.
    for a, b in zip(q.lines, without.lines, strict=True):
        assert (a.tier, a.campaign, a.threshold) == (b.tier, b.campaign, b.threshold)


@given(carts, customers, rules_with_breadth())
def test_stacking_on_disjoint_scopes_never_gives_less_than_the_best_one(
    cart: Cart, who: CustomerProfile, rules: PricingRules
) -> None:
    best = quote(
        cart, who, attrs.evolve(rules, threshold_stacking=ThresholdStacking.BEST_ONE), at=AT
    )
    stacked_rules = attrs.evolve(rules, threshold_stacking=ThresholdStacking.DISJOINT_SCOPES)
    stacked = quote(cart, who, stacked_rules, at=AT)
    assert stacked.threshold_discount >= best.threshold_discount
    assert stacked.threshold_offer_ids[:1] == best.threshold_offer_ids
    # Disjoint: each line's share comes from one offer, and no two applied offers count
    # the same line.
    by_id: dict[str, ThresholdOffer] = {o.id: o for o in rules.threshold_offers}
    counted: set[int] = set()
    for offer_id in stacked.threshold_offer_ids:
        offer = by_id[offer_id]
        mine = {
            i
            for i, (line, q_line) in enumerate(zip(cart.lines, stacked.lines, strict=True))
            if offer.scope.covers(line.service_id, line.category_id, cart.store_id)
            and not (offer.excludes_campaign_lines and q_line.campaign_id is not None)
        }
        assert not mine & counted
        counted |= mine
