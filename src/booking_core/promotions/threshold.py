"""Threshold offers (满减活动): spend at least X on the lines in scope, get Y off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NewType

import attrs
from pendulum import DateTime

from booking_core.money import Money
from booking_core.promotions._checks import (
    aware,
    non_blank,
    non_negative_money,
    positive_money,
    require,
)
from booking_core.promotions.funding import Funding
from booking_core.promotions.scope import Scope

__all__ = ["ThresholdOffer", "ThresholdOfferId", "ThresholdTier"]

ThresholdOfferId = NewType("ThresholdOfferId", str)


@attrs.frozen
class ThresholdTier:
    """One step of a threshold offer: at least ``min_spend`` (inclusive) gets ``amount_off``."""

    min_spend: Money
    amount_off: Money

    def __attrs_post_init__(self) -> None:
        non_negative_money(self.min_spend, field="min_spend")
        positive_money(self.amount_off, field="amount_off")
        require(
            self.min_spend.currency == self.amount_off.currency,
            "A threshold tier's amounts share one currency.",
            field="currency",
        )


@attrs.frozen
class ThresholdOffer:
    """满减 with tiers, e.g. 满200减20, 满300减40: the highest tier met wins.

    Attributes:
        id: The offer's id.
        name: What customers see.
        tiers: Steps in strictly increasing ``min_spend`` and non-decreasing ``amount_off``.
        starts_at: First instant it applies (inclusive).
        ends_at: Last instant it applies (inclusive).
        scope: The lines whose subtotal counts toward, and shares, the discount.
        funded_by: Who pays for the discount.
        excludes_campaign_lines: Lines priced by a campaign neither count nor share.
    """

    id: ThresholdOfferId
    name: str
    tiers: tuple[ThresholdTier, ...]
    starts_at: DateTime
    ends_at: DateTime
    scope: Scope = attrs.field(factory=Scope)
    funded_by: Funding = Funding.PLATFORM
    excludes_campaign_lines: bool = False

    def __attrs_post_init__(self) -> None:
        non_blank(self.id, field="id")
        non_blank(self.name, field="name")
        aware(self.starts_at, field="starts_at")
        aware(self.ends_at, field="ends_at")
        require(self.starts_at <= self.ends_at, "An offer ends after it starts.", field="ends_at")
        require(bool(self.tiers), "A threshold offer has at least one tier.", field="tiers")
        require(
            len({t.min_spend.currency for t in self.tiers}) == 1,
            "All tiers of a threshold offer share one currency.",
            field="currency",
        )
        for lower, upper in zip(self.tiers, self.tiers[1:], strict=False):
            require(
                lower.min_spend < upper.min_spend and lower.amount_off <= upper.amount_off,
                "Tiers go up: each needs a higher minimum spend and gives at least as much off.",
                field="tiers",
            )

    @classmethod
    def of(
        cls,
        offer_id: str,
        name: str,
        tiers: Sequence[tuple[Money, Money]],
        *,
        starts_at: DateTime,
        ends_at: DateTime,
        scope: Scope | None = None,
        funded_by: Funding = Funding.PLATFORM,
        excludes_campaign_lines: bool = False,
    ) -> ThresholdOffer:
        """An offer from ``(min_spend, amount_off)`` pairs."""
        return cls(
            id=ThresholdOfferId(offer_id),
            name=name,
            tiers=tuple(ThresholdTier(m, a) for m, a in tiers),
            starts_at=starts_at,
            ends_at=ends_at,
            scope=scope if scope is not None else Scope(),
            funded_by=funded_by,
            excludes_campaign_lines=excludes_campaign_lines,
        )

    @property
    def currency(self) -> str:
        """The currency of the tiers."""
        return self.tiers[0].min_spend.currency

    def is_active(self, at: DateTime) -> bool:
        """Whether the offer applies at ``at`` (both bounds inclusive)."""
        return self.starts_at <= at <= self.ends_at

    def tier_for(self, subtotal: int) -> ThresholdTier | None:
        """The highest tier whose minimum ``subtotal`` (minor units) meets, inclusive."""
        best = None
        for tier in self.tiers:
            if tier.min_spend.amount <= subtotal:
                best = tier
        return best
