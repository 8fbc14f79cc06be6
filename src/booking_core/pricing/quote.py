"""The itemized result of pricing a cart."""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.ids import ServiceId
from booking_core.money import Money
from booking_core.promotions import CampaignId, CouponId, ThresholdOfferId

__all__ = ["Quote", "QuoteLine"]


@attrs.frozen
class QuoteLine:
    """One cart line, with each discount in its own bucket.

    ``base − tier − campaign − threshold − coupon − points = payable``; at most one of
    ``tier`` and ``campaign`` is non-zero. A partial refund of the line refunds at most
    ``payable``.

    Attributes:
        index: Position of the line in the cart.
        service_id: The service sold.
        quantity: Units sold.
        base: Service and add-ons before any discount.
        tier: Member-tier discount.
        campaign: Time-limited campaign discount.
        threshold: This line's share of the 满减 offer.
        coupon: This line's share of the coupon.
        points: This line's share of the points redeemed.
        payable: What the customer pays for the line.
        platform_funded: The part of the line's discounts the platform pays for (points
            always; the others as their ``funded_by`` says).
        campaign_id: The campaign that priced the line, if any.
    """

    index: int
    service_id: ServiceId
    quantity: int
    base: Money
    tier: Money
    campaign: Money
    threshold: Money
    coupon: Money
    points: Money
    payable: Money
    platform_funded: Money
    campaign_id: CampaignId | None = None

    @property
    def discount(self) -> Money:
        """Every discount on the line together (``base − payable``)."""
        return self.base - self.payable


@attrs.frozen
class Quote:
    """A priced cart: lines, travel fee, what applied, and the payable amount.

    Attributes:
        currency: The currency of every amount.
        priced_at: The instant the rules were evaluated at.
        lines: One per cart line, in cart order.
        travel_fee: The visit fee, added after discounts and never discounted.
        threshold_offer_id: The 满减 offer that applied, if any.
        coupon_id: The coupon that applied, if any.
        points_redeemed: Points spent on this order.
        points_earned: Points the order earns when paid (goods payable × earn rate, floor).
    """

    currency: str
    priced_at: DateTime
    lines: tuple[QuoteLine, ...]
    travel_fee: Money
    threshold_offer_id: ThresholdOfferId | None = None
    coupon_id: CouponId | None = None
    points_redeemed: int = 0
    points_earned: int = 0

    def _total(self, bucket: str) -> Money:
        return Money(sum(getattr(line, bucket).amount for line in self.lines), self.currency)

    @property
    def subtotal(self) -> Money:
        """The lines before any discount."""
        return self._total("base")

    @property
    def tier_discount(self) -> Money:
        """Member-tier discounts over all lines."""
        return self._total("tier")

    @property
    def campaign_discount(self) -> Money:
        """Campaign discounts over all lines."""
        return self._total("campaign")

    @property
    def threshold_discount(self) -> Money:
        """The 满减 discount."""
        return self._total("threshold")

    @property
    def coupon_discount(self) -> Money:
        """The coupon discount."""
        return self._total("coupon")

    @property
    def points_discount(self) -> Money:
        """What the redeemed points paid."""
        return self._total("points")

    @property
    def discount(self) -> Money:
        """Every discount together."""
        return self.subtotal - self.goods_payable

    @property
    def goods_payable(self) -> Money:
        """What the customer pays for the lines (without the travel fee)."""
        return self._total("payable")

    @property
    def platform_funded(self) -> Money:
        """The discounts the platform pays for (a promotion expense when settled)."""
        return self._total("platform_funded")

    @property
    def payable(self) -> Money:
        """What the customer pays: the lines after discounts plus the travel fee."""
        return self.goods_payable + self.travel_fee
