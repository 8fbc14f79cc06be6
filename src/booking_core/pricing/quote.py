"""The itemized result of pricing a cart."""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.ids import ServiceId
from booking_core.money import Money
from booking_core.promotions import CampaignId, CouponId, ThresholdOfferId

__all__ = ["Quote", "QuoteLine", "TravelFeeLine"]


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
        line_id: The caller's id of the cart line (:attr:`CartLine.line_id`), echoed.
        threshold_offer_id: The 满减 offer whose share ``threshold`` is, if any.
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
    line_id: str | None = None
    threshold_offer_id: ThresholdOfferId | None = None

    @property
    def discount(self) -> Money:
        """Every discount on the line together (``base − payable``)."""
        return self.base - self.payable


@attrs.frozen
class TravelFeeLine:
    """The travel fee (上门费) as a line of its own: ``base − waived − threshold − coupon =
    payable``, each discount in its own bucket.

    Attributes:
        base: The fee of the cart.
        waived: Taken off by the rules' waiver (满X免车费).
        threshold: The fee's share of a 满减 offer that covers it.
        coupon: A free-travel coupon, or the fee's share of a coupon that covers it.
        payable: What the customer pays for the visit.
        platform_funded: The part of those discounts the platform pays for.
        threshold_offer_id: The 满减 offer whose share ``threshold`` is, if any.
    """

    base: Money
    waived: Money
    threshold: Money
    coupon: Money
    payable: Money
    platform_funded: Money
    threshold_offer_id: ThresholdOfferId | None = None

    @property
    def discount(self) -> Money:
        """Every discount on the fee together (``base − payable``)."""
        return self.base - self.payable


@attrs.frozen
class Quote:
    """A priced cart: lines, travel fee, what applied, and the payable amount.

    Attributes:
        currency: The currency of every amount.
        priced_at: The instant the rules were evaluated at.
        lines: One per cart line, in cart order.
        travel_fee: What the customer pays for the visit, after the fee's own discounts
            (``travel.payable``; zero without a fee).
        threshold_offer_id: The 满减 offer that applied (stacked offers: the one taking the
            most), if any.
        coupon_id: The coupon that applied, if any.
        points_redeemed: Points spent on this order.
        points_earned: Points the order earns when paid (goods payable × earn rate, floor).
        travel: The fee line with its buckets (None when the cart has no fee).
        threshold_offer_ids: Every 满减 offer that applied, most off first.
    """

    currency: str
    priced_at: DateTime
    lines: tuple[QuoteLine, ...]
    travel_fee: Money
    threshold_offer_id: ThresholdOfferId | None = None
    coupon_id: CouponId | None = None
    points_redeemed: int = 0
    points_earned: int = 0
    travel: TravelFeeLine | None = None
    threshold_offer_ids: tuple[ThresholdOfferId, ...] = ()

    def _total(self, bucket: str) -> Money:
        return Money(sum(getattr(line, bucket).amount for line in self.lines), self.currency)

    def _with_fee(self, bucket: str) -> Money:
        total = self._total(bucket)
        return total if self.travel is None else total + getattr(self.travel, bucket)

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
        """The 满减 discount (the travel fee's share included)."""
        return self._with_fee("threshold")

    @property
    def coupon_discount(self) -> Money:
        """The coupon discount (the travel fee's share included)."""
        return self._with_fee("coupon")

    @property
    def travel_fee_discount(self) -> Money:
        """Every discount on the travel fee together."""
        return Money.zero(self.currency) if self.travel is None else self.travel.discount

    @property
    def points_discount(self) -> Money:
        """What the redeemed points paid."""
        return self._total("points")

    @property
    def discount(self) -> Money:
        """Every discount together, the travel fee's included."""
        return self.subtotal - self.goods_payable + self.travel_fee_discount

    @property
    def goods_payable(self) -> Money:
        """What the customer pays for the lines (without the travel fee)."""
        return self._total("payable")

    @property
    def platform_funded(self) -> Money:
        """The discounts the platform pays for (a promotion expense when settled), the
        travel fee's included."""
        return self._with_fee("platform_funded")

    @property
    def travel_fee_platform_funded(self) -> Money:
        """The part of the travel fee's discounts the platform pays for."""
        fee = self.travel
        return Money.zero(self.currency) if fee is None else fee.platform_funded

    @property
    def payable(self) -> Money:
        """What the customer pays: the lines after discounts plus the travel fee."""
        return self.goods_payable + self.travel_fee
