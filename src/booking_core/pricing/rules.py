"""The pricing rules in force: tier discounts, campaigns, 满减 offers and how they stack,
the travel-fee waiver and the points policy."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

import attrs

from booking_core.errors import InvalidPromotion
from booking_core.money import Money
from booking_core.promotions import Campaign, Funding, Scope, ThresholdOffer

__all__ = ["PointsPolicy", "PricingRules", "ThresholdStacking", "TierDiscount", "TravelFeeWaiver"]

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _fail(message: str, field: str) -> InvalidPromotion:
    return InvalidPromotion(message, details={"field": field})


def _check_rate(rate: object, field: str, *, allow_zero: bool, allow_one: bool) -> None:
    ok = isinstance(rate, Decimal) and rate.is_finite()
    if ok:
        assert isinstance(rate, Decimal)
        ok = (rate > 0 or (allow_zero and rate == 0)) and (rate < 1 or (allow_one and rate == 1))
    if not ok:
        raise _fail(f"The {field} is a Decimal in range; got {rate!r}.", field)


@attrs.frozen
class TierDiscount:
    """Members of ``tier`` pay ``rate`` less for the services in ``scope`` (会员折扣).

    Attributes:
        tier: The tier name as in :attr:`CustomerProfile.tier`.
        rate: Fraction off the service price, strictly between 0 and 1 (0.05 = 5 % off).
        scope: The services it applies to.
        funded_by: Who pays for it (by default the seller: a member price is a price).
    """

    tier: str
    rate: Decimal
    scope: Scope = attrs.field(factory=Scope)
    funded_by: Funding = Funding.SELLER

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.tier, str) or not self.tier.strip():
            raise _fail("A tier discount names its tier.", "tier")
        _check_rate(self.rate, "rate", allow_zero=False, allow_one=False)


@attrs.frozen
class PointsPolicy:
    """How points pay for an order (积分抵现) and how many an order earns.

    Attributes:
        value_per_point: What one point is worth (e.g. 1 fen: 100 points = 1 CNY).
        max_per_order: The most points may take off one order (None: no such cap).
        max_share: The most points may take off, as a fraction of the goods amount left
            after the coupon, rounded down (None: no such cap).
        minimum_payable: Points never take the goods amount below this.
        earn_rate: Points earned per minor unit of goods paid, rounded down
            (``Decimal("0.01")``: one point per yuan).
    """

    value_per_point: Money
    max_per_order: Money | None = None
    max_share: Decimal | None = None
    minimum_payable: Money | None = None
    earn_rate: Decimal = Decimal(0)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.value_per_point, Money) or self.value_per_point.amount < 1:
            raise _fail("A point is worth at least one minor unit.", "value_per_point")
        currency = self.value_per_point.currency
        for field, money in (
            ("max_per_order", self.max_per_order),
            ("minimum_payable", self.minimum_payable),
        ):
            if money is not None and (
                not isinstance(money, Money) or money.is_negative or money.currency != currency
            ):
                raise _fail(f"The {field} is Money of zero or more in {currency}.", field)
        if self.max_share is not None:
            _check_rate(self.max_share, "max_share", allow_zero=False, allow_one=True)
        if not (isinstance(self.earn_rate, Decimal) and self.earn_rate.is_finite()) or (
            self.earn_rate < 0
        ):
            raise _fail("The earn rate is a Decimal of zero or more.", "earn_rate")

    @property
    def currency(self) -> str:
        """The policy's currency."""
        return self.value_per_point.currency


class ThresholdStacking(StrEnum):
    """Whether several 满减 offers apply to one order (docs/pricing.md, "Stacking")."""

    BEST_ONE = "best_one"
    """The one offer taking the most off applies (ties: the earlier offer)."""
    DISJOINT_SCOPES = "disjoint_scopes"
    """Offers stack when they touch different amounts: taken most off first (ties: the
    earlier offer), each applies unless a line it counts, or the travel fee, was already
    discounted by an offer taken before it (that one is reported ``scope_overlaps``)."""


@attrs.frozen
class TravelFeeWaiver:
    """满X免车费: the travel fee waived once the lines in ``scope`` reach ``min_spend``.

    The spend is measured on the lines' prices after step 1 (tier or campaign price),
    before any 满减 or coupon, and the waiver applies before them, so an order-level
    discount never spends itself on a fee the waiver takes anyway, and adding a coupon
    never brings the fee back.

    Attributes:
        min_spend: The spend that waives the fee (inclusive).
        max_waived: The most taken off the fee (None: all of it).
        scope: The lines whose prices count.
        funded_by: Who pays for the waived fee (the platform, by default).
    """

    min_spend: Money
    max_waived: Money | None = None
    scope: Scope = attrs.field(factory=Scope)
    funded_by: Funding = Funding.PLATFORM

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.min_spend, Money) or self.min_spend.is_negative:
            raise _fail("A waiver's minimum spend is Money of zero or more.", "min_spend")
        waived = self.max_waived
        if waived is not None and (
            not isinstance(waived, Money)
            or waived.amount < 1
            or waived.currency != self.min_spend.currency
        ):
            raise _fail(
                f"A waiver's max_waived is Money above zero in {self.min_spend.currency}, or "
                f"None; got {waived!r}.",
                "max_waived",
            )


@attrs.frozen
class PricingRules:
    """Every rule in force for one currency; a quote is a pure function of these.

    Attributes:
        currency: The currency the rules price in.
        tier_discounts: At most one per tier.
        campaigns: Time-limited campaigns, with what their budgets have spent so far.
        threshold_offers: 满减 offers; which apply is ``threshold_stacking``'s rule.
        points: How points are redeemed and earned (None: points cannot pay).
        threshold_stacking: One 满减 offer per order (BEST_ONE, the default) or offers on
            disjoint amounts together (DISJOINT_SCOPES).
        travel_fee_waiver: 满X免车费, if the platform offers it.
    """

    currency: str
    tier_discounts: tuple[TierDiscount, ...] = ()
    campaigns: tuple[Campaign, ...] = ()
    threshold_offers: tuple[ThresholdOffer, ...] = ()
    points: PointsPolicy | None = None
    threshold_stacking: ThresholdStacking = ThresholdStacking.BEST_ONE
    travel_fee_waiver: TravelFeeWaiver | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.currency, str) or not _CURRENCY.match(self.currency):
            raise _fail(f"Rules price in an ISO 4217 currency; got {self.currency!r}.", "currency")
        tiers = [t.tier for t in self.tier_discounts]
        if len(tiers) != len(set(tiers)):
            raise _fail("At most one discount per tier.", "tier_discounts")
        for campaign in self.campaigns:
            for money in (campaign.budget, campaign.spent, campaign.offer.unit_price):
                if money is not None and money.currency != self.currency:
                    raise _fail(
                        f"Campaign {campaign.id} is in {money.currency}, the rules in "
                        f"{self.currency}.",
                        "campaigns",
                    )
        for offer in self.threshold_offers:
            if offer.currency != self.currency:
                raise _fail(
                    f"Threshold offer {offer.id} is in {offer.currency}, the rules in "
                    f"{self.currency}.",
                    "threshold_offers",
                )
        if self.points is not None and self.points.currency != self.currency:
            raise _fail("The points policy is in another currency.", "points")
        if not isinstance(self.threshold_stacking, ThresholdStacking):
            raise _fail(
                f"Stacking is a ThresholdStacking; got {self.threshold_stacking!r}.",
                "threshold_stacking",
            )
        waiver = self.travel_fee_waiver
        if waiver is not None and waiver.min_spend.currency != self.currency:
            raise _fail("The travel fee waiver is in another currency.", "travel_fee_waiver")

    def tier_discount(self, tier: str | None) -> TierDiscount | None:
        """The discount for members of ``tier`` (None if there is none)."""
        if tier is None:
            return None
        for discount in self.tier_discounts:
            if discount.tier == tier:
                return discount
        return None
