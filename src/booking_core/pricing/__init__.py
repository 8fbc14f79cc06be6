"""Pricing (FEATURES C15–C17, P8, M1, M4): carts, rules, quotes and coupon explanations.

:func:`quote` is a pure function of the cart, the customer, the rules in force and the
clock (INVARIANTS I11); it returns an itemized :class:`Quote` with each discount in its own
bucket per line (and the travel fee as a line of its own). :func:`evaluate_coupons` says,
for each coupon a customer holds, what it would take off or why it does not apply;
:func:`explain_promotions` says the same of every 满减 offer, campaign and the travel fee
waiver; :func:`coupon_usable` whether a coupon may be used now, whatever the cart. The
pipeline and every rounding rule are described in ``docs/pricing.md``.
"""

from booking_core.pricing.cart import AddOn, Cart, CartLine
from booking_core.pricing.coupon_step import coupon_usable
from booking_core.pricing.customer import CustomerProfile
from booking_core.pricing.engine import evaluate_coupons, explain_promotions, quote
from booking_core.pricing.explanations import (
    CouponEvaluation,
    CouponRejection,
    RejectionReason,
    best_coupon,
)
from booking_core.pricing.quote import Quote, QuoteLine, TravelFeeLine
from booking_core.pricing.report import (
    CampaignEvaluation,
    PromotionReason,
    PromotionRejection,
    PromotionReport,
    ThresholdEvaluation,
    WaiverEvaluation,
)
from booking_core.pricing.rules import (
    PointsPolicy,
    PricingRules,
    ThresholdStacking,
    TierDiscount,
    TravelFeeWaiver,
)

__all__ = [
    "AddOn",
    "CampaignEvaluation",
    "Cart",
    "CartLine",
    "CouponEvaluation",
    "CouponRejection",
    "CustomerProfile",
    "PointsPolicy",
    "PricingRules",
    "PromotionReason",
    "PromotionRejection",
    "PromotionReport",
    "Quote",
    "QuoteLine",
    "RejectionReason",
    "ThresholdEvaluation",
    "ThresholdStacking",
    "TierDiscount",
    "TravelFeeLine",
    "TravelFeeWaiver",
    "WaiverEvaluation",
    "best_coupon",
    "coupon_usable",
    "evaluate_coupons",
    "explain_promotions",
    "quote",
]
