"""Pricing invariants I9–I12 over generated carts, customers, rules and coupons."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pendulum
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from booking_core.errors import CouponNotApplicable
from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.money import Money, allocate_units
from booking_core.pricing import (
    AddOn,
    Cart,
    CartLine,
    CustomerProfile,
    PointsPolicy,
    PricingRules,
    Quote,
    TierDiscount,
    evaluate_coupons,
    quote,
)
from booking_core.pricing._arith import split
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    Coupon,
    CouponBenefit,
    CouponId,
    CouponTemplateId,
    CouponTerms,
    Eligibility,
    Funding,
    Scope,
    ThresholdOffer,
)
from booking_core.serialization import make_converter

C = "CNY"
AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
ME = CustomerId("me")
SERVICES = [ServiceId(s) for s in ("tuina", "foot", "facial", "cleaning")]
CATEGORIES = [CategoryId(c) for c in ("massage", "beauty")]
TIERS = ["gold", "silver"]


def cny(amount: int) -> Money:
    return Money(amount, C)


amounts = st.integers(min_value=0, max_value=60_000)
rates = st.integers(min_value=1, max_value=999).map(lambda n: Decimal(n) / 1000)
windows = st.sampled_from([(-1, 1), (0, 0), (1, 2), (-2, -1)]).map(
    lambda w: (AT.add(days=w[0]), AT.add(days=w[1]))
)
scopes = st.builds(
    Scope.of,
    services=st.sets(st.sampled_from(SERVICES), max_size=2),
    categories=st.sets(st.sampled_from(CATEGORIES), max_size=1),
    excluded_services=st.sets(st.sampled_from(SERVICES), max_size=1),
)
lines = st.builds(
    CartLine,
    st.sampled_from(SERVICES),
    st.sampled_from(CATEGORIES),
    amounts.map(cny),
    st.integers(min_value=1, max_value=4),
    st.lists(st.builds(AddOn, st.just("extra"), st.integers(0, 5000).map(cny)), max_size=2).map(
        tuple
    ),
)
carts = st.builds(
    lambda ls, fee: Cart(tuple(ls), travel_fee=fee),
    st.lists(lines, min_size=1, max_size=4),
    st.none() | st.integers(0, 5000).map(cny),
)
customers = st.builds(
    CustomerProfile,
    st.just(ME),
    tier=st.none() | st.sampled_from(TIERS),
    is_new=st.booleans(),
    points_balance=st.integers(0, 20_000),
)
offers = st.one_of(
    rates.map(CampaignOffer.percent_off), amounts.map(cny).map(CampaignOffer.special_price)
)


@st.composite
def campaigns(draw: st.DrawFn, index: int) -> Campaign:
    start, end = draw(windows)
    budget = draw(st.none() | st.integers(1, 20_000))
    return Campaign(
        CampaignId(f"camp-{index}"),
        f"campaign {index}",
        draw(offers),
        start,
        end,
        scope=draw(scopes),
        budget=None if budget is None else cny(budget),
        spent=None if budget is None else cny(draw(st.integers(0, budget))),
        funded_by=draw(st.sampled_from(Funding)),
    )


@st.composite
def threshold_offers(draw: st.DrawFn, index: int) -> ThresholdOffer:
    minimums = sorted(draw(st.sets(st.integers(0, 100_000), min_size=1, max_size=3)))
    offs = sorted(
        draw(st.lists(st.integers(1, 20_000), min_size=len(minimums), max_size=len(minimums)))
    )
    start, end = draw(windows)
    return ThresholdOffer.of(
        f"mj-{index}",
        "满减",
        [(cny(m), cny(o)) for m, o in zip(minimums, offs, strict=True)],
        starts_at=start,
        ends_at=end,
        scope=draw(scopes),
        funded_by=draw(st.sampled_from(Funding)),
        excludes_campaign_lines=draw(st.booleans()),
    )


points_policies = st.builds(
    PointsPolicy,
    st.integers(1, 100).map(cny),
    max_per_order=st.none() | amounts.map(cny),
    max_share=st.none() | rates,
    minimum_payable=st.none() | st.integers(0, 1000).map(cny),
    earn_rate=st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("0.05")]),
)


@st.composite
def pricing_rules(draw: st.DrawFn) -> PricingRules:
    tiers = draw(st.lists(st.sampled_from(TIERS), unique=True, max_size=2))
    return PricingRules(
        C,
        tier_discounts=tuple(
            TierDiscount(
                t, draw(rates), scope=draw(scopes), funded_by=draw(st.sampled_from(Funding))
            )
            for t in tiers
        ),
        campaigns=tuple(draw(campaigns(i)) for i in range(draw(st.integers(0, 2)))),
        threshold_offers=tuple(draw(threshold_offers(i)) for i in range(draw(st.integers(0, 2)))),
        points=draw(st.none() | points_policies),
    )


benefits = st.one_of(
    st.integers(1, 30_000).map(cny).map(CouponBenefit.amount_off),
    st.builds(
        lambda m, a: CouponBenefit.threshold(min_spend=cny(m), amount=cny(a)),
        st.integers(1, 80_000),
        st.integers(1, 30_000),
    ),
    st.builds(
        lambda r, mx: CouponBenefit.percent_off(r, max_discount=mx),
        rates,
        st.none() | st.integers(1, 30_000).map(cny),
    ),
    st.integers(2, 4).map(CouponBenefit.nth_free),
)


@st.composite
def coupons(draw: st.DrawFn) -> Coupon:
    start, end = draw(windows)
    eligibility = draw(
        st.sampled_from(
            [Eligibility.anyone(), Eligibility.new_customers(), Eligibility.members_of(["gold"])]
        )
    )
    return Coupon(
        id=CouponId("k"),
        template_id=CouponTemplateId("t"),
        customer_id=ME,
        terms=CouponTerms(
            draw(benefits),
            scope=draw(scopes),
            eligibility=eligibility,
            funded_by=draw(st.sampled_from(Funding)),
            excludes_campaign_lines=draw(st.booleans()),
        ),
        valid_from=start,
        valid_until=end,
        issued_at=start,
    )


points_asked = st.integers(0, 20_000)


def price(
    cart: Cart, who: CustomerProfile, rules: PricingRules, points: int, coupon: Coupon | None = None
) -> Quote:
    usable = min(points, who.points_balance) if rules.points is not None else 0
    return quote(cart, who, rules, at=AT, coupon=coupon, points=usable)


def try_price(
    cart: Cart, who: CustomerProfile, rules: PricingRules, points: int, coupon: Coupon
) -> Quote | None:
    try:
        return price(cart, who, rules, points, coupon)
    except CouponNotApplicable:
        return None


# --- I10: every step takes between zero and what the line has left -------------------------


@given(carts, customers, pricing_rules(), coupons(), points_asked)
def test_every_step_takes_between_zero_and_what_is_left_of_the_line(
    cart: Cart, who: CustomerProfile, rules: PricingRules, coupon: Coupon, points: int
) -> None:
    q = try_price(cart, who, rules, points, coupon) or price(cart, who, rules, points)

    for line, cart_line in zip(q.lines, cart.lines, strict=True):
        left = line.base.amount
        assert line.tier.amount == 0 or line.campaign.amount == 0
        assert 0 <= line.tier.amount + line.campaign.amount <= cart_line.service_amount.amount
        for bucket in ("tier", "campaign", "threshold", "coupon", "points"):
            taken = getattr(line, bucket).amount
            assert 0 <= taken <= left, bucket
            left -= taken
        assert line.payable.amount == left >= 0
        assert 0 <= line.platform_funded.amount <= line.discount.amount
    assert q.payable == q.goods_payable + q.travel_fee


# --- I9: splits are exact and each part within one unit of its exact share ----------------


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=6), st.data())
def test_the_pipeline_split_is_largest_remainder_capped_at_what_is_left(
    weights: list[int], data: st.DataObject
) -> None:
    total = data.draw(st.integers(0, sum(weights)))

    parts = split(total, weights)

    assert sum(parts) == total
    assert parts == allocate_units(total, weights, caps=weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert 0 <= part <= weight
        if weight_sum:
            assert abs(part - Fraction(total * weight, weight_sum)) < 1


@given(carts, customers, pricing_rules(), points_asked)
def test_points_are_split_within_one_unit_of_each_lines_share(
    cart: Cart, who: CustomerProfile, rules: PricingRules, points: int
) -> None:
    q = price(cart, who, rules, points)

    before = [ln.payable.amount + ln.points.amount for ln in q.lines]
    total = q.points_discount.amount
    assume(total > 0)
    for line, weight in zip(q.lines, before, strict=True):
        assert abs(line.points.amount - Fraction(total * weight, sum(before))) < 1


# --- I11: pure, and a valid coupon never raises the price ---------------------------------


@given(carts, customers, pricing_rules(), coupons(), points_asked)
def test_a_quote_is_a_pure_function_of_its_inputs(
    cart: Cart, who: CustomerProfile, rules: PricingRules, coupon: Coupon, points: int
) -> None:
    first = try_price(cart, who, rules, points, coupon)
    second = try_price(cart, who, rules, points, coupon)

    assert first == second


# Many random coupons do not apply to a random cart; those draws are discarded on purpose.
@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(carts, customers, pricing_rules(), coupons(), points_asked)
def test_a_valid_coupon_never_raises_the_price_and_removing_it_restores_the_quote(
    cart: Cart, who: CustomerProfile, rules: PricingRules, coupon: Coupon, points: int
) -> None:
    without = price(cart, who, rules, points)

    with_coupon = try_price(cart, who, rules, points, coupon)
    assume(with_coupon is not None)
    assert with_coupon is not None

    assert with_coupon.payable <= without.payable
    assert with_coupon.coupon_discount > Money(0, C)
    assert price(cart, who, rules, points) == without


@given(carts, customers, pricing_rules(), coupons())
def test_an_evaluation_agrees_with_the_quote(
    cart: Cart, who: CustomerProfile, rules: PricingRules, coupon: Coupon
) -> None:
    (evaluation,) = evaluate_coupons(cart, who, rules, at=AT, coupons=[coupon])

    q = try_price(cart, who, rules, 0, coupon)

    assert evaluation.applies == (q is not None)
    assert evaluation.discount == (q.coupon_discount if q is not None else Money(0, C))


@given(carts, customers, pricing_rules(), points_asked)
def test_points_respect_the_balance_the_request_and_the_minimum_payable(
    cart: Cart, who: CustomerProfile, rules: PricingRules, points: int
) -> None:
    asked = min(points, who.points_balance) if rules.points is not None else 0

    q = price(cart, who, rules, points)

    assert 0 <= q.points_redeemed <= asked
    policy = rules.points
    if policy is not None and q.points_redeemed:
        minimum = policy.minimum_payable.amount if policy.minimum_payable else 0
        assert q.goods_payable.amount >= minimum
        per_point = policy.value_per_point.amount
        assert (q.points_redeemed - 1) * per_point < q.points_discount.amount
        assert q.points_discount.amount <= q.points_redeemed * per_point


# --- I12: thresholds are inclusive ---------------------------------------------------------


@given(st.integers(1, 100_000), st.integers(1, 50_000))
def test_exactly_the_minimum_spend_meets_a_threshold_and_one_unit_less_does_not(
    minimum: int, off: int
) -> None:
    offer = ThresholdOffer.of("mj", "满减", [(cny(minimum), cny(off))], starts_at=AT, ends_at=AT)
    rules = PricingRules(C, threshold_offers=(offer,))
    who = CustomerProfile(ME)

    def basket(amount: int) -> Cart:
        return Cart.of(CartLine(SERVICES[0], CATEGORIES[0], cny(amount)))

    exactly = quote(basket(minimum), who, rules, at=AT)
    short = quote(basket(minimum - 1), who, rules, at=AT)

    assert exactly.threshold_discount == cny(min(off, minimum))
    assert short.threshold_discount == cny(0)


@given(st.integers(1, 100_000), st.integers(1, 50_000))
def test_exactly_the_coupon_minimum_qualifies_and_one_unit_less_does_not(
    minimum: int, off: int
) -> None:
    benefit = CouponBenefit.threshold(min_spend=cny(minimum), amount=cny(off))
    coupon = Coupon(CouponId("k"), CouponTemplateId("t"), ME, CouponTerms(benefit), AT, AT, AT)
    who = CustomerProfile(ME)

    def evaluate(amount: int) -> str | None:
        basket = Cart.of(CartLine(SERVICES[0], CATEGORIES[0], cny(amount)))
        (evaluation,) = evaluate_coupons(basket, who, PricingRules(C), at=AT, coupons=[coupon])
        return None if evaluation.rejection is None else evaluation.rejection.reason.value

    assert evaluate(minimum) is None
    assert evaluate(minimum - 1) == "min_spend_not_met"


@given(carts, customers, pricing_rules(), points_asked)
def test_generated_quotes_round_trip_through_the_converter(
    cart: Cart, who: CustomerProfile, rules: PricingRules, points: int
) -> None:
    converter = make_converter()
    q = price(cart, who, rules, points)

    data = converter.unstructure(q)

    assert converter.structure(data, Quote) == q
