"""Promotions (FEATURES C17, P8): coupons, their templates and lifecycle, campaigns, 满减.

Everything here is a frozen value with pure methods; the pricing engine
(:mod:`booking_core.pricing`) decides what they take off a cart, and a later storage port
enforces the limits (stock, per-customer, single use) under concurrency with the pure
decisions made here.
"""

from booking_core.promotions.benefit import CouponBenefit, CouponKind
from booking_core.promotions.campaign import Campaign, CampaignId, CampaignOffer, OfferKind
from booking_core.promotions.coupon import (
    Coupon,
    CouponId,
    CouponStatus,
    CouponTemplateId,
    IssueChannel,
)
from booking_core.promotions.funding import Funding
from booking_core.promotions.scope import Scope
from booking_core.promotions.template import CouponTemplate, registration_templates
from booking_core.promotions.terms import CouponTerms, Eligibility
from booking_core.promotions.threshold import ThresholdOffer, ThresholdOfferId, ThresholdTier
from booking_core.promotions.validity import Validity

__all__ = [
    "Campaign",
    "CampaignId",
    "CampaignOffer",
    "Coupon",
    "CouponBenefit",
    "CouponId",
    "CouponKind",
    "CouponStatus",
    "CouponTemplate",
    "CouponTemplateId",
    "CouponTerms",
    "Eligibility",
    "Funding",
    "IssueChannel",
    "OfferKind",
    "Scope",
    "ThresholdOffer",
    "ThresholdOfferId",
    "ThresholdTier",
    "Validity",
    "registration_templates",
]
