"""Step 3 of the pipeline: whether a coupon applies, and what it takes off each line and
the travel fee.

The checks run in the order of :class:`RejectionReason`; the first that fails is reported.
The holder and eligibility checks (:func:`coupon_usable`) need no cart; a discount given
as data (the light path) skips the holder checks: it belongs to no one.
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
from booking_core.promotions import Coupon, CouponId, CouponKind, CouponStatus, CouponTerms

__all__ = ["CouponShares", "coupon_shares", "coupon_usable", "discount_shares", "terms_shares"]

# Per line, then the travel fee's share.
CouponShares = tuple[list[int], int]

_FREE_TRAVEL = CouponKind.FREE_TRAVEL

_PER_UNIT = frozenset(
    {
        CouponKind.NTH_FREE,
        CouponKind.BUY_X_GET_Y,
        CouponKind.AMOUNT_OFF_EACH,
        CouponKind.SPECIAL_PRICE,
    }
)


def coupon_usable(
    coupon: Coupon, customer: CustomerProfile, at: DateTime, order_id: OrderId | None = None
) -> CouponRejection | None:
    """Whether ``customer`` may use ``coupon`` at ``at``, whatever the cart: held by him,
    available (or held by ``order_id``) and within validity, and he is eligible. None: yes."""

    def reject(reason: RejectionReason, message: str) -> CouponRejection:
        return CouponRejection(coupon.id, reason, message)

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
    return _eligibility(coupon.terms, customer, coupon.id)


def _eligibility(
    terms: CouponTerms, customer: CustomerProfile, coupon_id: CouponId
) -> CouponRejection | None:
    eligibility = terms.eligibility
    if eligibility.new_customers_only and not customer.is_new:
        return CouponRejection(
            coupon_id, RejectionReason.NEW_CUSTOMERS_ONLY, "This coupon is for new customers only."
        )
    if eligibility.tiers and customer.tier not in eligibility.tiers:
        tiers = ", ".join(sorted(eligibility.tiers))
        return CouponRejection(
            coupon_id, RejectionReason.TIER_REQUIRED, f"This coupon is for members of: {tiers}."
        )
    return None


def _wrong_currency(
    terms: CouponTerms, currency: str, coupon_id: CouponId
) -> CouponRejection | None:
    benefit_currency = terms.benefit.currency
    if benefit_currency is not None and benefit_currency != currency:
        return CouponRejection(
            coupon_id,
            RejectionReason.WRONG_CURRENCY,
            f"This coupon is in {benefit_currency}; the order is in {currency}.",
        )
    return None


def coupon_shares(
    work: Work,
    coupon: Coupon,
    customer: CustomerProfile,
    *,
    at: DateTime,
    order_id: OrderId | None,
) -> CouponShares | CouponRejection:
    """Per-line and travel-fee coupon discounts on what ``work`` has left, or why none."""
    rejection = _wrong_currency(coupon.terms, work.cart.currency, coupon.id) or coupon_usable(
        coupon, customer, at, order_id
    )
    if rejection is not None:
        return rejection
    return terms_shares(work, coupon.terms, coupon.id)


def discount_shares(
    work: Work, terms: CouponTerms, customer: CustomerProfile, coupon_id: CouponId
) -> CouponShares | CouponRejection:
    """The light path: a discount given as data, held by no one and valid whenever."""
    rejection = _wrong_currency(terms, work.cart.currency, coupon_id) or _eligibility(
        terms, customer, coupon_id
    )
    if rejection is not None:
        return rejection
    return terms_shares(work, terms, coupon_id)


def terms_shares(
    work: Work, terms: CouponTerms, coupon_id: CouponId
) -> CouponShares | CouponRejection:
    """What ``terms`` take off the lines ``work`` has left and the travel fee, or why
    nothing (the checks from ``no_eligible_lines`` on)."""
    benefit = terms.benefit
    currency = work.cart.currency

    def reject(
        reason: RejectionReason,
        message: str,
        shortfall: Money | None = None,
        *,
        missing_units: int | None = None,
    ) -> CouponRejection:
        return CouponRejection(coupon_id, reason, message, shortfall, missing_units)

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
    if kind is _FREE_TRAVEL:
        if not work.fee_base:
            return reject(RejectionReason.NO_TRAVEL_FEE, "This order has no travel fee.")
        fee = work.fee_left
        if benefit.amount is not None:
            fee = min(fee, benefit.amount.amount)
        shares = [0] * len(weights)
    elif kind in _PER_UNIT:
        found = per_unit_shares(work, benefit, eligible, terms.excludes_campaign_lines)
        if isinstance(found, Shortage):
            return reject(
                RejectionReason.NOT_ENOUGH_ITEMS, found.message, missing_units=found.missing
            )
        shares, fee = found, 0
    else:
        shares, fee = _amount_shares(work, terms, weights, subtotal)
    if not fee and not any(shares):
        if kind is _FREE_TRAVEL:
            return reject(RejectionReason.NOTHING_TO_DISCOUNT, "The travel fee is already free.")
        if kind is CouponKind.SPECIAL_PRICE:
            assert benefit.unit_price is not None
            return reject(
                RejectionReason.NOTHING_TO_DISCOUNT,
                f"The eligible services already cost {benefit.unit_price} a unit or less.",
            )
        return reject(
            RejectionReason.NOTHING_TO_DISCOUNT, "The eligible services are already free."
        )
    return shares, fee


def _amount_shares(
    work: Work, terms: CouponTerms, weights: list[int], subtotal: int
) -> CouponShares:
    """An amount or a percentage off the eligible lines (and the fee, when covered)."""
    benefit = terms.benefit
    # Covering the fee: it is shared like one more eligible line, never counted toward
    # the minimum spend.
    fee_weight = work.fee_left if terms.covers_travel_fee else 0
    room = subtotal + fee_weight
    if benefit.kind is CouponKind.PERCENT_OFF:
        assert benefit.rate is not None
        # Percentage coupons round half-up once, on the eligible subtotal (per order).
        total = times_rate_half_up(room, benefit.rate)
        if benefit.max_discount is not None:
            total = min(total, benefit.max_discount.amount)
    else:
        assert benefit.amount is not None
        total = min(benefit.amount.amount, room)
    if not fee_weight:
        return split(total, weights), 0
    shares = split(total, [*weights, fee_weight])
    fee = shares.pop()
    return shares, fee
