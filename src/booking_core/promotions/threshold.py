"""Threshold offers (满减活动): spend at least X (or buy N units) in scope, get Y off."""

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
    """One step of a threshold offer: at least ``min_spend`` and at least ``min_units``
    eligible units (both inclusive) get ``amount_off``.

    Attributes:
        min_spend: The eligible subtotal needed (zero for a tier on units alone).
        amount_off: What the tier takes off.
        min_units: The eligible units needed (满N件; None: no unit condition).
    """

    min_spend: Money
    amount_off: Money
    min_units: int | None = None

    def __attrs_post_init__(self) -> None:
        non_negative_money(self.min_spend, field="min_spend")
        positive_money(self.amount_off, field="amount_off")
        require(
            self.min_spend.currency == self.amount_off.currency,
            "A threshold tier's amounts share one currency.",
            field="currency",
        )
        require(
            self.min_units is None or (type(self.min_units) is int and self.min_units >= 1),
            f"A tier's minimum number of units is a whole number of at least 1, or None; got "
            f"{self.min_units!r}.",
            field="min_units",
        )

    @classmethod
    def units(
        cls, min_units: int, amount_off: Money, *, min_spend: Money | None = None
    ) -> ThresholdTier:
        """满N件减: ``min_units`` eligible units (and ``min_spend``, if given) get
        ``amount_off``."""
        spend = min_spend if min_spend is not None else Money.zero(amount_off.currency)
        return cls(spend, amount_off, min_units)

    def is_met(self, subtotal: int, units: int) -> bool:
        """Whether ``subtotal`` (minor units) and ``units`` meet the tier (inclusive)."""
        return self.min_spend.amount <= subtotal and (
            self.min_units is None or self.min_units <= units
        )


@attrs.frozen
class ThresholdOffer:
    """满减 with tiers, e.g. 满200减20, 满300减40 (or 满2件减10, 满3件减20): the highest
    tier met wins.

    Attributes:
        id: The offer's id.
        name: What customers see.
        tiers: Steps going up: each needs at least the ``min_spend`` and ``min_units`` of
            the one before, more of one of them, and gives at least as much off (so a tier
            met means every tier before it is met too).
        starts_at: First instant it applies (inclusive).
        ends_at: Last instant it applies (inclusive).
        scope: The lines whose subtotal counts toward, and shares, the discount.
        funded_by: Who pays for the discount.
        excludes_campaign_lines: Lines priced by a campaign neither count nor share.
        covers_travel_fee: The discount may take off the travel fee too, shared like one
            more line (the fee never counts toward a minimum); default off.
    """

    id: ThresholdOfferId
    name: str
    tiers: tuple[ThresholdTier, ...]
    starts_at: DateTime
    ends_at: DateTime
    scope: Scope = attrs.field(factory=Scope)
    funded_by: Funding = Funding.PLATFORM
    excludes_campaign_lines: bool = False
    covers_travel_fee: bool = False

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
            low_units, up_units = lower.min_units or 0, upper.min_units or 0
            require(
                lower.min_spend <= upper.min_spend
                and low_units <= up_units
                and (lower.min_spend < upper.min_spend or low_units < up_units)
                and lower.amount_off <= upper.amount_off,
                "Tiers go up: each needs at least the minimum spend and units of the one "
                "before, more of one of them, and gives at least as much off.",
                field="tiers",
            )
        require(
            type(self.covers_travel_fee) is bool,
            "covers_travel_fee is true or false.",
            field="covers_travel_fee",
        )

    @classmethod
    def of(
        cls,
        offer_id: str,
        name: str,
        tiers: Sequence[tuple[Money, Money] | ThresholdTier],
        *,
        starts_at: DateTime,
        ends_at: DateTime,
        scope: Scope | None = None,
        funded_by: Funding = Funding.PLATFORM,
        excludes_campaign_lines: bool = False,
        covers_travel_fee: bool = False,
    ) -> ThresholdOffer:
        """An offer from ``(min_spend, amount_off)`` pairs or :class:`ThresholdTier` values
        (``ThresholdTier.units(n, amount_off)`` for 满N件减)."""
        return cls(
            id=ThresholdOfferId(offer_id),
            name=name,
            tiers=tuple(t if isinstance(t, ThresholdTier) else ThresholdTier(*t) for t in tiers),
            starts_at=starts_at,
            ends_at=ends_at,
            scope=scope if scope is not None else Scope(),
            funded_by=funded_by,
            excludes_campaign_lines=excludes_campaign_lines,
            covers_travel_fee=covers_travel_fee,
        )

    @property
    def currency(self) -> str:
        """The currency of the tiers."""
        return self.tiers[0].min_spend.currency

    def is_active(self, at: DateTime) -> bool:
        """Whether the offer applies at ``at`` (both bounds inclusive)."""
        return self.starts_at <= at <= self.ends_at

    def tier_for(self, subtotal: int, units: int = 0) -> ThresholdTier | None:
        """The highest tier ``subtotal`` (minor units) and ``units`` meet, inclusive."""
        best = None
        for tier in self.tiers:  # is_met, inlined: this runs once per offer per quote
            if tier.min_spend.amount <= subtotal and (
                tier.min_units is None or tier.min_units <= units
            ):
                best = tier
        return best
