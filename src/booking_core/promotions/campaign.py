"""Time-limited campaigns (限时折扣): a campaign price for services, with a budget."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import NewType

import attrs
from pendulum import DateTime

from booking_core.errors import CampaignBudgetExceeded, InvalidPromotion
from booking_core.money import Money
from booking_core.promotions._checks import (
    aware,
    fraction_rate,
    non_blank,
    non_negative_money,
    positive_money,
    require,
)
from booking_core.promotions.funding import Funding
from booking_core.promotions.scope import Scope

__all__ = ["Campaign", "CampaignId", "CampaignOffer", "OfferKind"]

CampaignId = NewType("CampaignId", str)


class OfferKind(StrEnum):
    """How a campaign prices a service."""

    PERCENT_OFF = "percent_off"
    """A fraction off the service price (half-up on the discount, per line)."""
    SPECIAL_PRICE = "special_price"
    """A special unit price for the service (no discount where it is not lower)."""


@attrs.frozen
class CampaignOffer:
    """A campaign's price rule; build it with a named constructor."""

    kind: OfferKind
    rate: Decimal | None = None
    unit_price: Money | None = None

    def __attrs_post_init__(self) -> None:
        require(isinstance(self.kind, OfferKind), "Unknown offer kind.", field="kind")
        if self.kind is OfferKind.PERCENT_OFF:
            require(
                self.unit_price is None, "A percent-off offer has no price.", field="unit_price"
            )
            fraction_rate(self.rate, field="rate")
        else:
            require(self.rate is None, "A special-price offer has no rate.", field="rate")
            non_negative_money(self.unit_price, field="unit_price")

    @classmethod
    def percent_off(cls, rate: Decimal) -> CampaignOffer:
        """``rate`` off the service price (``Decimal("0.2")`` = 20 % off, 8折)."""
        return cls(OfferKind.PERCENT_OFF, rate=rate)

    @classmethod
    def special_price(cls, unit_price: Money) -> CampaignOffer:
        """The service at ``unit_price`` a unit."""
        return cls(OfferKind.SPECIAL_PRICE, unit_price=unit_price)


@attrs.frozen
class Campaign:
    """A time-limited discount on the services in its scope, paid from a budget.

    Attributes:
        id: The campaign's id.
        name: What customers see ("周末限时8折").
        offer: How it prices a service.
        starts_at: First instant it applies (inclusive).
        ends_at: Last instant it applies (inclusive).
        scope: The lines it may price.
        budget: The most its discounts may add up to (None: unlimited).
        spent: What its confirmed orders have taken so far (None: nothing yet).
        funded_by: Who pays for its discounts.
    """

    id: CampaignId
    name: str
    offer: CampaignOffer
    starts_at: DateTime
    ends_at: DateTime
    scope: Scope = attrs.field(factory=Scope)
    budget: Money | None = None
    spent: Money | None = None
    funded_by: Funding = Funding.PLATFORM

    def __attrs_post_init__(self) -> None:
        non_blank(self.id, field="id")
        non_blank(self.name, field="name")
        aware(self.starts_at, field="starts_at")
        aware(self.ends_at, field="ends_at")
        require(
            self.starts_at <= self.ends_at,
            f"A campaign ends after it starts; got {self.starts_at} → {self.ends_at}.",
            field="ends_at",
        )
        if self.budget is not None:
            positive_money(self.budget, field="budget")
        if self.spent is not None:
            non_negative_money(self.spent, field="spent")
        currencies = {
            m.currency for m in (self.budget, self.spent, self.offer.unit_price) if m is not None
        }
        require(len(currencies) <= 1, "A campaign's amounts share one currency.", field="currency")

    def is_active(self, at: DateTime) -> bool:
        """Whether the campaign applies at ``at`` (both bounds inclusive)."""
        return self.starts_at <= at <= self.ends_at

    @property
    def remaining(self) -> Money | None:
        """What is left of the budget (None: unlimited)."""
        if self.budget is None:
            return None
        return self.budget - self.spent if self.spent is not None else self.budget

    def spend(self, amount: Money) -> Campaign:
        """Charge a paid order's campaign discount to the budget.

        Raises:
            CampaignBudgetExceeded: if what is left of the budget is less than ``amount``.
            InvalidPromotion: if ``amount`` is negative.
        """
        non_negative_money(amount, field="amount")
        remaining = self.remaining
        if remaining is not None and amount > remaining:
            raise CampaignBudgetExceeded(
                f"Campaign {self.name!r} has {remaining} left, not {amount}.",
                details={"campaign_id": self.id, "remaining": remaining.amount},
            )
        spent = amount if self.spent is None else self.spent + amount
        return attrs.evolve(self, spent=spent)

    def give_back(self, amount: Money) -> Campaign:
        """Return a cancelled order's campaign discount to the budget.

        Raises:
            InvalidPromotion: if ``amount`` is negative or more than was spent.
        """
        non_negative_money(amount, field="amount")
        spent = self.spent if self.spent is not None else Money.zero(amount.currency)
        if amount > spent:
            raise InvalidPromotion(
                f"Campaign {self.name!r} has spent {spent}; it cannot get {amount} back.",
                details={"campaign_id": self.id, "field": "amount"},
            )
        return attrs.evolve(self, spent=spent - amount)
