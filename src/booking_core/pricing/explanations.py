"""Why a coupon does (not) apply (FEATURES C17): stable reason codes and messages."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import attrs

from booking_core.money import Money
from booking_core.promotions import CouponId

__all__ = ["CouponEvaluation", "CouponRejection", "RejectionReason", "best_coupon"]


class RejectionReason(StrEnum):
    """Why a coupon does not apply; the values are stable codes clients may switch on.

    The engine checks in this order and reports the first that fails.
    """

    WRONG_CURRENCY = "wrong_currency"
    NOT_YOURS = "not_yours"
    NOT_AVAILABLE = "not_available"
    NOT_STARTED = "not_started"
    EXPIRED = "expired"
    NEW_CUSTOMERS_ONLY = "new_customers_only"
    TIER_REQUIRED = "tier_required"
    NO_ELIGIBLE_LINES = "no_eligible_lines"
    CAMPAIGN_LINES_EXCLUDED = "campaign_lines_excluded"
    MIN_SPEND_NOT_MET = "min_spend_not_met"
    NOT_ENOUGH_ITEMS = "not_enough_items"
    NO_TRAVEL_FEE = "no_travel_fee"
    NOTHING_TO_DISCOUNT = "nothing_to_discount"


@attrs.frozen
class CouponRejection:
    """A coupon that does not apply, and why.

    Attributes:
        coupon_id: The coupon.
        reason: The stable reason code.
        message: A sentence a customer can act on.
        shortfall: For ``min_spend_not_met``: how much more to spend on eligible lines.
        missing_units: For ``not_enough_items``: how many more eligible units (or, for a
            buy-X-get-Y coupon of another service, units of that service) it needs.
    """

    coupon_id: CouponId
    reason: RejectionReason
    message: str
    shortfall: Money | None = None
    missing_units: int | None = None


@attrs.frozen
class CouponEvaluation:
    """What one coupon would take off the cart, or why it would not apply.

    Attributes:
        coupon_id: The coupon.
        discount: What it would take off, the travel fee's share included (zero when
            rejected).
        rejection: Why it does not apply (None when it does).
    """

    coupon_id: CouponId
    discount: Money
    rejection: CouponRejection | None = None

    @property
    def applies(self) -> bool:
        """Whether the coupon applies to the cart."""
        return self.rejection is None


def best_coupon(evaluations: Iterable[CouponEvaluation]) -> CouponId | None:
    """The applicable coupon taking the most off; ties go to the earliest evaluation.

    Pass the evaluations in the order to prefer on a tie (e.g. soonest to expire first).
    """
    best: CouponEvaluation | None = None
    for evaluation in evaluations:
        if evaluation.applies and (best is None or evaluation.discount > best.discount):
            best = evaluation
    return None if best is None else best.coupon_id
