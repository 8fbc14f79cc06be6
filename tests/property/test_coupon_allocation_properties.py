"""Every coupon kind allocates its discount exactly over the lines (I9, I10), and the
per-unit kinds touch the units their rules say: never below zero, never below a special
price, never more than ``max_units``, exactly as many free units as the groups earn.
"""

from __future__ import annotations

from fractions import Fraction

import pendulum
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.money import Money
from booking_core.pricing import Cart, CustomerProfile, PricingRules, Quote, evaluate_coupons, quote
from booking_core.promotions import (
    Coupon,
    CouponBenefit,
    CouponId,
    CouponKind,
    CouponTemplateId,
    CouponTerms,
    Scope,
)
from booking_core.testing import strategies

C = "CNY"
AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
ME = CustomerId("me")
SERVICES = [ServiceId(s) for s in ("tuina", "foot", "facial")]
CATEGORIES = [CategoryId(c) for c in ("massage", "beauty")]

carts = strategies.carts(currency=C, service_ids=SERVICES, category_ids=CATEGORIES)
scopes = strategies.scopes(service_ids=SERVICES, category_ids=CATEGORIES)
pricing_rules = strategies.pricing_rules(
    currency=C, around=AT, service_ids=SERVICES, category_ids=CATEGORIES, tiers=["gold"]
)
customers = strategies.customer_profiles(customer_id=ME, tiers=["gold"])


def money(low: int, high: int) -> st.SearchStrategy[Money]:
    return st.integers(low, high).map(lambda n: Money(n, C))


max_units = st.none() | st.integers(1, 5)
min_units = st.none() | st.integers(1, 4)

# One strategy per kind, so that every kind is exercised on its own.
BENEFITS: dict[CouponKind, st.SearchStrategy[CouponBenefit]] = {
    CouponKind.AMOUNT_OFF: money(1, 80_000).map(CouponBenefit.amount_off),
    CouponKind.THRESHOLD: st.builds(
        lambda spend, units, off: CouponBenefit.threshold(
            min_spend=spend, min_units=units, amount=off
        ),
        st.none() | money(1, 80_000),
        st.integers(1, 4),
        money(1, 80_000),
    ),
    CouponKind.PERCENT_OFF: st.builds(
        lambda r, mx, n: CouponBenefit.percent_off(r, max_discount=mx, min_units=n),
        st.decimals("0.01", "0.99", places=2),
        st.none() | money(1, 30_000),
        min_units,
    ),
    CouponKind.NTH_FREE: st.builds(
        lambda nth, once, mx: CouponBenefit.nth_free(
            nth, once_per_order=once, max_units=None if once else mx
        ),
        st.integers(2, 4),
        st.booleans(),
        max_units,
    ),
    CouponKind.BUY_X_GET_Y: st.builds(
        lambda buy, free, scope, mx: CouponBenefit.buy_x_get_y(
            buy, free, free_scope=scope, max_units=mx
        ),
        st.integers(1, 3),
        st.integers(1, 3),
        st.none() | scopes,
        max_units,
    ),
    CouponKind.AMOUNT_OFF_EACH: st.builds(
        lambda off, mx, n: CouponBenefit.amount_off_each(off, max_units=mx, min_units=n),
        money(1, 20_000),
        max_units,
        min_units,
    ),
    CouponKind.SPECIAL_PRICE: st.builds(
        lambda price, mx: CouponBenefit.special_price(price, max_units=mx),
        money(0, 40_000),
        max_units,
    ),
    CouponKind.FREE_TRAVEL: st.builds(
        lambda most, n: CouponBenefit.free_travel(most, min_units=n),
        st.none() | money(1, 5_000),
        min_units,
    ),
}


def test_every_kind_has_a_strategy() -> None:
    assert set(BENEFITS) == set(CouponKind)


def held(benefit: CouponBenefit, scope: Scope, excludes_campaign_lines: bool) -> Coupon:
    terms = CouponTerms(benefit, scope=scope, excludes_campaign_lines=excludes_campaign_lines)
    return Coupon(CouponId("k"), CouponTemplateId("t"), ME, terms, AT, AT, AT)


def eligible(q: Quote, cart: Cart, scope: Scope, excludes_campaign_lines: bool) -> list[bool]:
    return [
        scope.covers(line.service_id, line.category_id, cart.store_id)
        and not (excludes_campaign_lines and q_line.campaign_id is not None)
        for line, q_line in zip(cart.lines, q.lines, strict=True)
    ]


def free_units_earned(
    benefit: CouponBenefit, quantities: list[int], chosen: list[bool], rewards: list[bool]
) -> int:
    """How many units a Nth-free or buy-X-get-Y coupon gives, by its rules."""
    units = sum(q for q, ok in zip(quantities, chosen, strict=True) if ok)
    if benefit.kind is CouponKind.NTH_FREE:
        assert benefit.nth is not None
        if benefit.once_per_order:
            return 1
        count = units // benefit.nth
    else:
        assert benefit.buy_units is not None
        assert benefit.free_units is not None
        if benefit.free_scope is None:
            count = units // (benefit.buy_units + benefit.free_units) * benefit.free_units
        else:
            bought = sum(
                q for q, ok, r in zip(quantities, chosen, rewards, strict=True) if ok and not r
            )
            given_units = sum(q for q, r in zip(quantities, rewards, strict=True) if r)
            count = min(bought // benefit.buy_units * benefit.free_units, given_units)
    return count if benefit.max_units is None else min(count, benefit.max_units)


@pytest.mark.parametrize("kind", list(CouponKind), ids=lambda k: k.value)
@given(data=st.data())
def test_each_kind_allocates_its_discount_exactly_and_no_line_goes_below_zero(
    kind: CouponKind, data: st.DataObject
) -> None:
    cart = data.draw(carts)
    who: CustomerProfile = data.draw(customers)
    rules: PricingRules = data.draw(pricing_rules)
    benefit = data.draw(BENEFITS[kind])
    scope = data.draw(scopes)
    excludes = data.draw(st.booleans())
    coupon = held(benefit, scope, excludes)
    (evaluation,) = evaluate_coupons(cart, who, rules, at=AT, coupons=[coupon])
    event(f"applies: {evaluation.applies}")
    if not evaluation.applies:
        assert evaluation.discount == Money(0, C)
        return

    q = quote(cart, who, rules, at=AT, coupon=coupon)

    shares = [line.coupon.amount for line in q.lines]
    before = [line.payable.amount + share for line, share in zip(q.lines, shares, strict=True)]
    fee = 0 if q.travel is None else q.travel.coupon.amount
    # Exact: the lines' shares (and the fee's) are the discount, to the fen; none below zero.
    assert sum(shares) + fee == evaluation.discount.amount == q.coupon_discount.amount > 0
    assert q.travel_fee.amount >= 0
    if kind is CouponKind.FREE_TRAVEL:
        assert q.travel is not None
        assert sum(shares) == 0
        assert fee == min(q.travel.base.amount, (benefit.amount or q.travel.base).amount)
    for share, left in zip(shares, before, strict=True):
        assert 0 <= share <= left
    quantities = [line.quantity for line in cart.lines]
    chosen = eligible(q, cart, scope, excludes)
    if kind is CouponKind.AMOUNT_OFF_EACH:
        assert benefit.amount is not None
        off = benefit.amount.amount
        for share, quantity in zip(shares, quantities, strict=True):
            assert share <= off * quantity
        if benefit.max_units is not None:
            assert sum(shares) <= off * benefit.max_units
    elif kind is CouponKind.SPECIAL_PRICE:
        assert benefit.unit_price is not None
        price = benefit.unit_price.amount
        touched = 0
        for line, share, left in zip(cart.lines, shares, before, strict=True):
            keeps = line.quantity * (price + sum(a.price.amount for a in line.add_ons))
            # A touched unit pays the special price and its add-ons, never less.
            assert left - share >= min(left, keeps)
            touched += share > 0
        assert benefit.max_units is None or touched <= benefit.max_units
    elif kind in (CouponKind.NTH_FREE, CouponKind.BUY_X_GET_Y):
        free_scope = benefit.free_scope
        rewards = [
            free_scope is not None
            and free_scope.covers(line.service_id, line.category_id, cart.store_id)
            and not (excludes and q_line.campaign_id is not None)
            for line, q_line in zip(cart.lines, q.lines, strict=True)
        ]
        count = free_units_earned(benefit, quantities, chosen, rewards)
        candidates = rewards if free_scope is not None else chosen
        worths = sorted(
            Fraction(left, quantity)
            for left, quantity, ok in zip(before, quantities, candidates, strict=True)
            if ok
            for _ in range(quantity)
        )
        # Exactly `count` units go free: between the cheapest and the dearest `count`
        # candidates, within the half-up rounding of each line.
        slack = Fraction(len(shares), 2)
        assert sum(worths[:count]) - slack <= sum(shares) <= sum(worths[-count:]) + slack
        assert sum(share > 0 for share in shares) <= count
