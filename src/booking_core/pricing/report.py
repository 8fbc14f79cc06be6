"""Why each 满减 offer, campaign and the travel-fee waiver did (not) apply (FEATURES C17).

:func:`~booking_core.pricing.explain_promotions` fills these while running the very steps
:func:`~booking_core.pricing.quote` runs, so an explanation never disagrees with the quote:
a promotion is reported applied exactly when it took something off.
"""

from __future__ import annotations

from enum import StrEnum

import attrs

from booking_core.money import Money
from booking_core.promotions import CampaignId, ThresholdOfferId, ThresholdTier

__all__ = [
    "CampaignEvaluation",
    "PromotionReason",
    "PromotionRejection",
    "PromotionReport",
    "ThresholdEvaluation",
    "WaiverEvaluation",
]


class PromotionReason(StrEnum):
    """Why a 满减 offer, a campaign or the travel-fee waiver took nothing off; stable codes."""

    NOT_STARTED = "not_started"
    """Offers and campaigns: it starts after the pricing instant."""
    ENDED = "ended"
    """Offers and campaigns: it ended before the pricing instant."""
    NO_ELIGIBLE_LINES = "no_eligible_lines"
    """No line of the cart is in its scope."""
    CAMPAIGN_LINES_EXCLUDED = "campaign_lines_excluded"
    """Offers: the lines in scope are all campaign-priced and it excludes them."""
    MIN_SPEND_NOT_MET = "min_spend_not_met"
    """Offers, waiver: the lines in scope come to less than the lowest tier (``shortfall``)."""
    NOT_ENOUGH_ITEMS = "not_enough_items"
    """Offers: too few units in scope for the lowest tier (``missing_units``)."""
    NO_TRAVEL_FEE = "no_travel_fee"
    """Waiver: the order has no travel fee."""
    NOTHING_TO_DISCOUNT = "nothing_to_discount"
    """What it could touch is already free (a campaign: its price is not lower)."""
    ANOTHER_OFFER_BETTER = "another_offer_better"
    """Offers under BEST_ONE stacking: another offer took more (or as much, and comes first)."""
    SCOPE_OVERLAPS = "scope_overlaps"
    """Offers under DISJOINT_SCOPES: a line it counts, or the fee, went to an offer before it."""
    BUDGET_EXHAUSTED = "budget_exhausted"
    """Campaigns: what its budget has left cannot cover its discount on a line."""
    TIER_PRICE_BETTER = "tier_price_better"
    """Campaigns: the member-tier price is as low or lower (a tie keeps the tier price)."""
    ANOTHER_CAMPAIGN_BETTER = "another_campaign_better"
    """Campaigns: another campaign prices the line lower (or as low, and comes first)."""


@attrs.frozen
class PromotionRejection:
    """Why a promotion took nothing off.

    Attributes:
        reason: The stable reason code.
        message: A sentence a customer can act on.
        shortfall: For ``min_spend_not_met``: how much more to spend on the lines in scope.
        missing_units: For ``not_enough_items``: how many more units in scope.
    """

    reason: PromotionReason
    message: str
    shortfall: Money | None = None
    missing_units: int | None = None


@attrs.frozen
class ThresholdEvaluation:
    """What one 满减 offer took off the cart, or why nothing.

    Attributes:
        offer_id: The offer.
        discount: What it took off (lines and travel fee together; zero when rejected).
        subtotal: What the lines it counts came to after step 1 (zero when inactive).
        units: The units of those lines.
        tier: The highest tier they meet (None: none).
        rejection: Why it took nothing off (None when it applied).
    """

    offer_id: ThresholdOfferId
    discount: Money
    subtotal: Money
    units: int
    tier: ThresholdTier | None = None
    rejection: PromotionRejection | None = None

    @property
    def applies(self) -> bool:
        """Whether the offer took something off."""
        return self.rejection is None


@attrs.frozen
class CampaignEvaluation:
    """What one campaign took off the cart, or why nothing.

    Attributes:
        campaign_id: The campaign.
        discount: What it took off over every line it priced.
        lines: The indexes of the lines it priced.
        rejection: Why it priced no line (None when it priced one).
        budget_short_lines: Lines it would have priced but its budget could not cover.
    """

    campaign_id: CampaignId
    discount: Money
    lines: tuple[int, ...] = ()
    rejection: PromotionRejection | None = None
    budget_short_lines: tuple[int, ...] = ()

    @property
    def applies(self) -> bool:
        """Whether the campaign priced some line."""
        return self.rejection is None


@attrs.frozen
class WaiverEvaluation:
    """Whether the rules' travel-fee waiver (满X免车费) took the fee off.

    Attributes:
        waived: What it took off the fee.
        subtotal: What the lines in its scope came to after step 1.
        rejection: Why it took nothing off (None when it did).
    """

    waived: Money
    subtotal: Money
    rejection: PromotionRejection | None = None

    @property
    def applies(self) -> bool:
        """Whether the waiver took something off the fee."""
        return self.rejection is None


@attrs.frozen
class PromotionReport:
    """Every promotion of the rules, judged against one cart.

    Attributes:
        offers: One per 满减 offer of the rules, in the rules' order.
        campaigns: One per campaign of the rules, in the rules' order.
        travel_fee_waiver: The waiver's outcome (None: the rules have no waiver).
    """

    offers: tuple[ThresholdEvaluation, ...]
    campaigns: tuple[CampaignEvaluation, ...]
    travel_fee_waiver: WaiverEvaluation | None = None
