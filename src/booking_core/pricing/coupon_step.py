"""Step 3 of the pipeline: whether a coupon applies, and what it takes off each line.

The checks run in the order of :class:`RejectionReason`; the first that fails is reported.
"""

from __future__ import annotations

from pendulum import DateTime

from booking_core.ids import OrderId
from booking_core.money import Money
from booking_core.pricing._arith import split, times_rate_half_up
from booking_core.pricing._work import Work
from booking_core.pricing.customer import CustomerProfile
from booking_core.pricing.explanations import CouponRejection, RejectionReason
from booking_core.pricing.unit_step import Shortage, more_items, per_unit_shares
from booking_core.promotions import Coupon, CouponKind, CouponStatus

__all__ = ["coupon_shares"]

_PER_UNIT = frozenset(
    {
        CouponKind.NTH_FREE,
        CouponKind.BUY_X_GET_Y,
        CouponKind.AMOUNT_OFF_EACH,
        CouponKind.SPECIAL_PRICE,
    }
)


def coupon_shares(
    work: Work,
    coupon: Coupon,
    customer: CustomerProfile,
    *,
    at: DateTime,
    order_id: OrderId | None,
) -> list[int] | CouponRejection:
    """Per-line coupon discounts on the amounts ``work`` has left, or why there are none."""
    terms = coupon.terms
    benefit = terms.benefit
    currency = work.cart.currency

    def reject(
        reason: RejectionReason,
        message: str,
        shortfall: Money | None = None,
        *,
        missing_units: int | None = None,
    ) -> CouponRejection:
        return CouponRejection(coupon.id, reason, message, shortfall, missing_units)

    if benefit.currency is not None and benefit.currency != currency:
        return reject(
            RejectionReason.WRONG_CURRENCY,
            f"This coupon is in {benefit.currency}; the order is in {currency}.",
        )
    if coupon.customer_id != customer.id:
        return reject(RejectionReason.NOT_YOURS, "This coupon belongs to another customer.")
    if not coupon.is_usable_by(order_id, at):
        if coupon.status is CouponStatus.EXPIRED or (
            coupon.status is CouponStatus.AVAILABLE and at > coupon.valid_until
        ):
            return reject(RejectionReason.EXPIRED, f"This coupon expired at {coupon.valid_until}.")
        if coupon.status is CouponStatus.AVAILABLE:
            return reject(
                RejectionReason.NOT_STARTED,
                f"This coupon can be used from {coupon.valid_from}.",
            )
        return reject(
            RejectionReason.NOT_AVAILABLE,
            "This coupon is already used."
            if coupon.status is CouponStatus.USED
            else "This coupon is held by another order.",
        )
    eligibility = terms.eligibility
    if eligibility.new_customers_only and not customer.is_new:
        return reject(RejectionReason.NEW_CUSTOMERS_ONLY, "This coupon is for new customers only.")
    if eligibility.tiers and customer.tier not in eligibility.tiers:
        tiers = ", ".join(sorted(eligibility.tiers))
        return reject(RejectionReason.TIER_REQUIRED, f"This coupon is for members of: {tiers}.")

    cart = work.cart
    store = cart.store_id
    in_scope = [terms.scope.covers(line.service_id, line.category_id, store) for line in cart.lines]
    if not any(in_scope):
        return reject(
            RejectionReason.NO_ELIGIBLE_LINES, "None of the services in the order qualify."
        )
    eligible = [
        covered and not (terms.excludes_campaign_lines and work.campaign_ids[i] is not None)
        for i, covered in enumerate(in_scope)
    ]
    if not any(eligible):
        return reject(
            RejectionReason.CAMPAIGN_LINES_EXCLUDED,
            "This coupon cannot be combined with the campaign prices in the order.",
        )
    left = work.left
    weights = [left[i] if ok else 0 for i, ok in enumerate(eligible)]
    subtotal = sum(weights)
    if benefit.min_spend is not None and subtotal < benefit.min_spend.amount:
        # Inclusive threshold (I12): exactly the minimum qualifies.
        shortfall = Money(benefit.min_spend.amount - subtotal, currency)
        return reject(
            RejectionReason.MIN_SPEND_NOT_MET,
            f"Spend {shortfall} more on eligible services to use this coupon (it needs "
            f"{benefit.min_spend}; they come to {Money(subtotal, currency)}).",
            shortfall,
        )
    if benefit.min_units is not None:
        units = sum(line.quantity for line, ok in zip(cart.lines, eligible, strict=True) if ok)
        if units < benefit.min_units:
            # Inclusive like the minimum spend: exactly min_units qualifies (满N件).
            return reject(
                RejectionReason.NOT_ENOUGH_ITEMS,
                f"Add {more_items(benefit.min_units - units)} to use this coupon (it "
                f"needs {benefit.min_units}; the order has {units}).",
                missing_units=benefit.min_units - units,
            )

    kind = benefit.kind
    if kind in _PER_UNIT:
        found = per_unit_shares(work, benefit, eligible, terms.excludes_campaign_lines)
        if isinstance(found, Shortage):
            return reject(
                RejectionReason.NOT_ENOUGH_ITEMS, found.message, missing_units=found.missing
            )
        shares = found
    else:
        if kind is CouponKind.PERCENT_OFF:
            assert benefit.rate is not None
            # Percentage coupons round half-up once, on the eligible subtotal (per order).
            total = times_rate_half_up(subtotal, benefit.rate)
            if benefit.max_discount is not None:
                total = min(total, benefit.max_discount.amount)
        else:
            assert benefit.amount is not None
            total = min(benefit.amount.amount, subtotal)
        shares = split(total, weights)
    if not any(shares):
        if kind is CouponKind.SPECIAL_PRICE:
            assert benefit.unit_price is not None
            return reject(
                RejectionReason.NOTHING_TO_DISCOUNT,
                f"The eligible services already cost {benefit.unit_price} a unit or less.",
            )
        return reject(
            RejectionReason.NOTHING_TO_DISCOUNT, "The eligible services are already free."
        )
    return shares
