"""The pricing pipeline: a quote is a pure function of cart, customer, rules and clock.

Order of application (see docs/pricing.md):

1. **Line price** — per line, the better of the member-tier price and the best campaign
   price, never both (a tie keeps the tier price, which spends no campaign budget). Both
   apply to the service price only; add-ons keep their own price.
2. **满减** — of the active threshold offers, the one taking the most off; within it the
   highest tier whose minimum the eligible subtotal meets (inclusive).
3. **Coupon** — at most one.
4. **Points** — as cash, within the per-order caps and above the minimum payable.
5. **Travel fee** — added last, never discounted.

Steps 2–4 split their discount over the lines they touch by largest remainder, weighted by
what is left of each line before the step; a per-unit coupon (Nth free, buy X get Y, amount
off each, special price) gives per line what its touched units save (``unit_step``).
"""

from __future__ import annotations

from collections.abc import Iterable

from pendulum import DateTime

from booking_core.errors import CouponNotApplicable, CurrencyMismatch, PointsNotRedeemable
from booking_core.ids import OrderId
from booking_core.pricing._arith import (
    money_maker,
    split,
    times_rate_floor,
    times_rate_half_up,
    trusted_money,
)
from booking_core.pricing._work import Work
from booking_core.pricing.cart import Cart
from booking_core.pricing.coupon_step import coupon_shares
from booking_core.pricing.customer import CustomerProfile
from booking_core.pricing.explanations import CouponEvaluation, CouponRejection
from booking_core.pricing.quote import Quote, QuoteLine
from booking_core.pricing.rules import PricingRules
from booking_core.promotions import Campaign, Coupon, CouponId, Funding, OfferKind
from booking_core.timerange import ensure_aware

__all__ = ["evaluate_coupons", "quote"]

_PLATFORM = Funding.PLATFORM


def quote(
    cart: Cart,
    customer: CustomerProfile,
    rules: PricingRules,
    *,
    at: DateTime,
    coupon: Coupon | None = None,
    points: int = 0,
    order_id: OrderId | None = None,
) -> Quote:
    """Price ``cart`` for ``customer`` under ``rules`` at ``at``.

    Args:
        cart: What is being bought.
        customer: Tier, new-customer flag and points balance.
        rules: Tier discounts, campaigns, 满减 offers and points policy in force.
        at: The instant to evaluate validity windows at (time is an argument).
        coupon: The one coupon to apply, if any.
        points: The most points to redeem; the quote's ``points_redeemed`` says how many
            the caps allowed.
        order_id: The order being re-priced, so that a coupon it reserved still applies.

    Raises:
        CurrencyMismatch: the rules price in another currency than the cart.
        CouponNotApplicable: ``coupon`` does not apply; ``details["reason"]`` is a
            :class:`RejectionReason` code.
        PointsNotRedeemable: ``points`` is negative, above the balance, or points cannot
            pay under these rules.
    """
    at = ensure_aware(at, "pricing time")
    work = _before_coupon(cart, customer, rules, at)
    coupon_id = None
    if coupon is not None:
        shares = coupon_shares(work, coupon, customer, at=at, order_id=order_id)
        if isinstance(shares, CouponRejection):
            raise CouponNotApplicable(
                shares.message,
                details={"coupon_id": coupon.id, "reason": shares.reason.value},
            )
        work.take(shares, work.coupon, coupon.terms.funded_by is _PLATFORM)
        coupon_id = coupon.id
    redeemed, earned = _points(work, customer, rules, points)
    return _build(work, at, coupon_id, redeemed, earned)


def evaluate_coupons(
    cart: Cart,
    customer: CustomerProfile,
    rules: PricingRules,
    *,
    at: DateTime,
    coupons: Iterable[Coupon],
    order_id: OrderId | None = None,
) -> tuple[CouponEvaluation, ...]:
    """For each coupon, what it would take off this cart, or why it does not apply.

    Each coupon is judged alone, after tier/campaign prices and 满减 (steps 1–2), exactly
    as :func:`quote` would apply it; points do not change a coupon's discount.
    """
    at = ensure_aware(at, "pricing time")
    work = _before_coupon(cart, customer, rules, at)
    currency = cart.currency
    results = []
    for coupon in coupons:
        shares = coupon_shares(work, coupon, customer, at=at, order_id=order_id)
        if isinstance(shares, CouponRejection):
            results.append(CouponEvaluation(coupon.id, trusted_money(0, currency), shares))
        else:
            results.append(CouponEvaluation(coupon.id, trusted_money(sum(shares), currency)))
    return tuple(results)


def _before_coupon(
    cart: Cart, customer: CustomerProfile, rules: PricingRules, at: DateTime
) -> Work:
    if rules.currency != cart.currency:
        raise CurrencyMismatch(
            f"The rules price in {rules.currency}; the cart is in {cart.currency}.",
            details={"currencies": [rules.currency, cart.currency]},
        )
    work = Work(cart)
    _line_prices(work, customer, rules, at)
    _threshold(work, rules, at)
    return work


def _campaign_discount(campaign: Campaign, unit_price: int, quantity: int) -> int:
    offer = campaign.offer
    if offer.kind is OfferKind.PERCENT_OFF:
        assert offer.rate is not None
        # Percentages: half-up on the discount, per line.
        return times_rate_half_up(unit_price * quantity, offer.rate)
    assert offer.unit_price is not None
    return max(0, unit_price - offer.unit_price.amount) * quantity


def _line_prices(work: Work, customer: CustomerProfile, rules: PricingRules, at: DateTime) -> None:
    """Step 1: per line, the better of the tier price and the best campaign price."""
    tier = rules.tier_discount(customer.tier)
    campaigns = [c for c in rules.campaigns if c.is_active(at)]
    # What each campaign's budget has left for this cart; lines take it in cart order.
    budget_left: dict[str, int | None] = {}
    for c in campaigns:
        remaining = c.remaining
        budget_left[c.id] = None if remaining is None else remaining.amount
    store = work.cart.store_id
    for i, line in enumerate(work.cart.lines):
        quantity = line.quantity
        unit = line.unit_price.amount
        service = unit * quantity
        base = service
        if line.add_ons:
            base += sum(a.price.amount for a in line.add_ons) * quantity
        work.base[i] = base
        work.left[i] = base
        tier_off = 0
        if tier is not None and tier.scope.covers(line.service_id, line.category_id, store):
            tier_off = times_rate_half_up(service, tier.rate)
        best: Campaign | None = None
        best_off = 0
        for c in campaigns:
            if c.scope.covers(line.service_id, line.category_id, store):
                off = _campaign_discount(c, unit, quantity)
                budget = budget_left[c.id]
                if off > best_off and (budget is None or off <= budget):
                    best, best_off = c, off
        if best is not None and best_off > tier_off:
            budget = budget_left[best.id]
            if budget is not None:
                budget_left[best.id] = budget - best_off
            work.campaign[i] = best_off
            work.campaign_ids[i] = best.id
            work.left[i] -= best_off
            if best.funded_by is _PLATFORM:
                work.platform[i] += best_off
        elif tier_off:
            assert tier is not None
            work.tier[i] = tier_off
            work.left[i] -= tier_off
            if tier.funded_by is _PLATFORM:
                work.platform[i] += tier_off


def _threshold(work: Work, rules: PricingRules, at: DateTime) -> None:
    """Step 2: the active 满减 offer taking the most off (ties: the earlier offer)."""
    lines = work.cart.lines
    store = work.cart.store_id
    best_off = 0
    best_weights: list[int] | None = None
    best_offer = None
    for offer in rules.threshold_offers:
        if not offer.is_active(at):
            continue
        weights = [
            work.left[i]
            if offer.scope.covers(line.service_id, line.category_id, store)
            and not (offer.excludes_campaign_lines and work.campaign_ids[i] is not None)
            else 0
            for i, line in enumerate(lines)
        ]
        subtotal = sum(weights)
        tier = offer.tier_for(subtotal)
        if tier is None:
            continue
        off = min(tier.amount_off.amount, subtotal)
        if off > best_off:
            best_off, best_weights, best_offer = off, weights, offer
    if best_offer is not None and best_weights is not None:
        work.take(split(best_off, best_weights), work.threshold, best_offer.funded_by is _PLATFORM)
        work.threshold_offer_id = best_offer.id


def _points(
    work: Work, customer: CustomerProfile, rules: PricingRules, points: int
) -> tuple[int, int]:
    """Step 4: points as cash; returns (points redeemed, points earned)."""
    if type(points) is not int or points < 0:
        raise PointsNotRedeemable(
            f"Points to redeem are a whole number of zero or more; got {points!r}.",
            details={"points": repr(points)},
        )
    policy = rules.points
    if points > customer.points_balance:
        raise PointsNotRedeemable(
            f"The customer holds {customer.points_balance} points, not {points}.",
            details={"points": points, "balance": customer.points_balance},
        )
    if policy is None:
        if points:
            raise PointsNotRedeemable("Points cannot pay for orders under these rules.")
        return 0, 0
    redeemed = 0
    if points:
        goods = sum(work.left)
        minimum = policy.minimum_payable.amount if policy.minimum_payable is not None else 0
        allowed = max(0, goods - minimum)
        if policy.max_per_order is not None:
            allowed = min(allowed, policy.max_per_order.amount)
        if policy.max_share is not None:
            # Caps round down: points never take more than the share allows.
            allowed = min(allowed, times_rate_floor(goods, policy.max_share))
        per_point = policy.value_per_point.amount
        value = min(points * per_point, allowed)
        # A point is spent whole: when a cap stops the deduction mid-point, the last point
        # covers what is left. Rounding points down instead would let a coupon raise the
        # price (I11), since a smaller goods amount could then take a whole point less.
        redeemed = -(-value // per_point)
        if value:
            work.take(split(value, work.left), work.points, True)
    earned = times_rate_floor(sum(work.left), policy.earn_rate) if policy.earn_rate else 0
    return redeemed, earned


def _build(
    work: Work, at: DateTime, coupon_id: CouponId | None, redeemed: int, earned: int
) -> Quote:
    currency = work.cart.currency
    zero = trusted_money(0, currency)
    # Hot path: one Money per non-zero bucket of every line; zero buckets share one value.
    money = money_maker(currency)
    lines = []
    for i, line in enumerate(work.cart.lines):
        base, tier, campaign = work.base[i], work.tier[i], work.campaign[i]
        threshold, coupon, points = work.threshold[i], work.coupon[i], work.points[i]
        payable, platform = work.left[i], work.platform[i]
        lines.append(
            QuoteLine(
                i,
                line.service_id,
                line.quantity,
                money(base) if base else zero,
                money(tier) if tier else zero,
                money(campaign) if campaign else zero,
                money(threshold) if threshold else zero,
                money(coupon) if coupon else zero,
                money(points) if points else zero,
                money(payable) if payable else zero,
                money(platform) if platform else zero,
                work.campaign_ids[i],
            )
        )
    fee = work.cart.travel_fee
    return Quote(
        currency,
        at,
        tuple(lines),
        fee if fee is not None else zero,
        work.threshold_offer_id,
        coupon_id,
        redeemed,
        earned,
    )
