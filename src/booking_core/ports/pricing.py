"""The pricing-rules port: where the rules in force come from.

Tier discounts, 满减 offers and the points policy change rarely and are configuration, so
they come from a :class:`PricingRulesSource` (a fixed mapping by default,
:class:`booking_core.services.pricing.StaticPricingRules`). Campaigns are not part of it:
their budgets change with every order, so they live in storage
(:class:`~booking_core.ports.storage.CampaignRepository`) and the quote service adds the
stored campaigns to the rules this source gives.
"""

from __future__ import annotations

from typing import Protocol

from pendulum import DateTime

from booking_core.pricing import PricingRules

__all__ = ["PricingRulesSource"]


class PricingRulesSource(Protocol):
    """Gives the pricing rules in force."""

    def rules_for(self, currency: str, at: DateTime) -> PricingRules:
        """The rules pricing a cart in ``currency`` at ``at`` (no campaigns needed: the
        stored ones are added by the caller). Never raises for an unknown currency: it
        returns rules without discounts (``PricingRules(currency)``)."""
        ...
