"""Pricing (FEATURES C15–C17, P8, M1, M4): carts, rules, quotes and coupon explanations.

:func:`quote` is a pure function of the cart, the customer, the rules in force and the
clock (INVARIANTS I11); it returns an itemized :class:`Quote` with each discount in its own
bucket per line. :func:`evaluate_coupons` says, for each coupon a customer holds, what it
would take off or why it does not apply. The pipeline and every rounding rule are
described in ``docs/pricing.md``.
"""

from booking_core.pricing.cart import AddOn, Cart, CartLine
from booking_core.pricing.customer import CustomerProfile
from booking_core.pricing.engine import evaluate_coupons, quote
from booking_core.pricing.explanations import (
    CouponEvaluation,
    CouponRejection,
    RejectionReason,
    best_coupon,
)
from booking_core.pricing.quote import Quote, QuoteLine
from booking_core.pricing.rules import PointsPolicy, PricingRules, TierDiscount

__all__ = [
    "AddOn",
    "Cart",
    "CartLine",
    "CouponEvaluation",
    "CouponRejection",
    "CustomerProfile",
    "PointsPolicy",
    "PricingRules",
    "Quote",
    "QuoteLine",
    "RejectionReason",
    "TierDiscount",
    "best_coupon",
    "evaluate_coupons",
    "quote",
]
