"""Pricing invariants I9–I12 over generated carts, customers, rules and coupons."""

from __future__ import annotations

from fractions import Fraction

import pendulum
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from booking_core.errors import CouponNotApplicable
from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.money import Money, allocate_units
from booking_core.pricing import (
    Cart,
    CartLine,
    CustomerProfile,
    PricingRules,
    Quote,
    evaluate_coupons,
    quote,
)
from booking_core.pricing._arith import split
from booking_core.promotions import (
    Coupon,
    CouponBenefit,
    CouponId,
    CouponTemplateId,
    CouponTerms,
    ThresholdOffer,
)
from booking_core.serialization import make_converter
from booking_core.testing import strategies

C = "CNY"
AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
ME = CustomerId("me")
SERVICES = [ServiceId(s) for s in ("tuina", "foot", "facial", "cleaning")]
CATEGORIES = [CategoryId(c) for c in ("massage", "beauty")]
TIERS = ["gold", "silver"]


def cny(amount: int) -> Money:
    return Money(amount, C)


# The shipped strategies, over this module's universe: the services and categories carts
# and scopes share (so discounts meet lines), windows around AT, the customer ME.
carts = strategies.carts(currency=C, service_ids=SERVICES, category_ids=CATEGORIES)
customers = strategies.customer_profiles(customer_id=ME, tiers=TIERS)


def pricing_rules() -> st.SearchStrategy[PricingRules]:
    return strategies.pricing_rules(
        currency=C, around=AT, service_ids=SERVICES, category_ids=CATEGORIES, tiers=TIERS
    )


def coupons() -> st.SearchStrategy[Coupon]:
    return strategies.coupons(
        customer_id=ME,
        around=AT,
        currency=C,
        service_ids=SERVICES,
        category_ids=CATEGORIES,
        tiers=TIERS,
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
