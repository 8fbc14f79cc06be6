"""How many quotes per second the pricing engine computes in-process.

The cart is the one of FEATURES' typical at-home order: three lines (one with an add-on,
one of two units), a member tier, a 满减 offer with two tiers, a 满减 coupon and points
redeemed as cash, plus a travel fee; each quote also works out the loyalty points the order
would earn with the gold tier's ×1.5 multiplier (``PricedCart.points_to_earn``). Prints one
line: ``quotes_per_second: <n> 1/s``.
"""

from __future__ import annotations

import time
from decimal import Decimal

import attrs
import pendulum
from pendulum import DateTime

from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.loyalty import EarningRule, TierPrivilege, TierPrivileges
from booking_core.money import Money
from booking_core.pricing import (
    AddOn,
    Cart,
    CartLine,
    CustomerProfile,
    PointsPolicy,
    PricingRules,
    Quote,
    TierDiscount,
    quote,
)
from booking_core.promotions import (
    Coupon,
    CouponBenefit,
    CouponId,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    IssueChannel,
    ThresholdOffer,
    Validity,
)

ROUNDS = 5
SECONDS_PER_ROUND = 0.4


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


@attrs.frozen
class Scenario:
    """The arguments of the benchmark quote."""

    cart: Cart
    customer: CustomerProfile
    rules: PricingRules
    at: DateTime
    coupon: Coupon
    points: int
    privileges: TierPrivileges = attrs.field(
        factory=lambda: TierPrivileges({"gold": TierPrivilege(points_multiplier=Decimal("1.5"))})
    )
    earning: EarningRule = attrs.field(factory=EarningRule)

    def quote(self) -> Quote:
        """Price the cart once."""
        return quote(
            self.cart, self.customer, self.rules, at=self.at, coupon=self.coupon, points=self.points
        )

    def points_to_earn(self, priced: Quote) -> int:
        """What the quote's order would earn (as ``QuoteService.price`` works it out)."""
        privilege = self.privileges.for_tier(self.customer.tier)
        return privilege.points_for(self.earning, priced.payable)


def scenario() -> Scenario:
    """The benchmark's cart, customer, rules, clock, coupon and points."""
    at = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
    cart = Cart.of(
        CartLine(
            ServiceId("tuina"), CategoryId("massage"), cny(19900), 1, (AddOn("oil", cny(3000)),)
        ),
        CartLine(ServiceId("foot"), CategoryId("massage"), cny(12800), 2),
        CartLine(ServiceId("facial"), CategoryId("beauty"), cny(26800), 1),
        travel_fee=cny(2000),
    )
    customer = CustomerProfile(CustomerId("c-1"), tier="gold", points_balance=5000)
    rules = PricingRules(
        "CNY",
        tier_discounts=(TierDiscount("gold", Decimal("0.05")),),
        threshold_offers=(
            ThresholdOffer.of(
                "mj",
                "满300减20, 满600减50",
                [(cny(30000), cny(2000)), (cny(60000), cny(5000))],
                starts_at=at.subtract(days=1),
                ends_at=at.add(days=1),
            ),
        ),
        points=PointsPolicy(cny(1), max_per_order=cny(5000), earn_rate=Decimal("0.01")),
    )
    template = CouponTemplate(
        CouponTemplateId("t"),
        "满200减30",
        CouponTerms(CouponBenefit.threshold(min_spend=cny(20000), amount=cny(3000))),
        Validity.days_after_issue(7),
    )
    coupon = template.issue(
        coupon_id=CouponId("k"),
        customer_id=customer.id,
        channel=IssueChannel.CLAIM,
        at=at.subtract(hours=1),
        issued_so_far=0,
        held_by_customer=0,
    )
    return Scenario(cart, customer, rules, at, coupon, points=3000)


def measure() -> float:
    """Quotes per CPU-second of this process: the best of a few timed rounds.

    CPU time rather than wall time, so that other work on a shared machine does not count
    against the engine; the best round is the least disturbed one.
    """
    s = scenario()
    cart, customer, rules, at, coupon, points = (
        s.cart,
        s.customer,
        s.rules,
        s.at,
        s.coupon,
        s.points,
    )
    first = s.quote()
    assert first.payable == cny(62685), first.payable  # the benchmark prices what it should
    assert s.points_to_earn(first) == 940  # floor(626.85 yuan × 1 × 1.5)
    privileges, earning = s.privileges, s.earning
    best = 0.0
    for _ in range(ROUNDS):
        count = 0
        start = time.process_time()
        deadline = start + SECONDS_PER_ROUND
        while (now := time.process_time()) < deadline:
            for _ in range(200):
                priced = quote(cart, customer, rules, at=at, coupon=coupon, points=points)
                privileges.for_tier(customer.tier).points_for(earning, priced.payable)
            count += 200
        best = max(best, count / (now - start))
    return best


def main() -> None:
    """Print ``quotes_per_second: <n> 1/s``."""
    print(f"quotes_per_second: {measure():.0f} 1/s")


if __name__ == "__main__":
    main()
