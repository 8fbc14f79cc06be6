"""What a coupon gives: an amount off, a percentage off, 满减, or the Nth item free."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import attrs

from booking_core.money import Money
from booking_core.promotions._checks import (
    fraction_rate,
    non_negative_money,
    positive_money,
    require,
    same_currency,
)

__all__ = ["CouponBenefit", "CouponKind"]


class CouponKind(StrEnum):
    """The kinds of coupon benefit (stored as these strings)."""

    AMOUNT_OFF = "amount_off"
    """无门槛券: a fixed amount off the eligible lines, no minimum spend."""
    THRESHOLD = "threshold"
    """满减券: a fixed amount off once the eligible lines reach a minimum spend."""
    PERCENT_OFF = "percent_off"
    """折扣券: a percentage off the eligible lines, optionally up to a maximum."""
    NTH_FREE = "nth_free"
    """Buy N−1, get the Nth free (N = 2 is buy-one-get-one); the cheaper units go free."""


@attrs.frozen
class CouponBenefit:
    """The benefit of a coupon; build it with the named constructors.

    Attributes:
        kind: Which benefit this is.
        amount: The amount off (AMOUNT_OFF, THRESHOLD).
        rate: The fraction off, strictly between 0 and 1 (PERCENT_OFF).
        max_discount: The most a PERCENT_OFF coupon takes off (None: no maximum).
        min_spend: The eligible subtotal needed (inclusive: exactly this much qualifies).
        nth: Every nth eligible unit is free (NTH_FREE, at least 2).
    """

    kind: CouponKind
    amount: Money | None = None
    rate: Decimal | None = None
    max_discount: Money | None = None
    min_spend: Money | None = None
    nth: int | None = None

    def __attrs_post_init__(self) -> None:
        require(isinstance(self.kind, CouponKind), "Unknown coupon kind.", field="kind")
        kind = self.kind
        takes_amount = kind in (CouponKind.AMOUNT_OFF, CouponKind.THRESHOLD)
        require(
            (self.amount is not None) == takes_amount,
            f"A {kind.value} coupon {'needs' if takes_amount else 'has no'} an amount.",
            field="amount",
        )
        if self.amount is not None:
            positive_money(self.amount, field="amount")
        require(
            (self.rate is not None) == (kind is CouponKind.PERCENT_OFF),
            "Only a percent_off coupon has a rate, and it must have one.",
            field="rate",
        )
        if self.rate is not None:
            fraction_rate(self.rate, field="rate")
        require(
            self.max_discount is None or kind is CouponKind.PERCENT_OFF,
            "Only a percent_off coupon has a maximum discount.",
            field="max_discount",
        )
        if self.max_discount is not None:
            positive_money(self.max_discount, field="max_discount")
        if self.min_spend is not None:
            non_negative_money(self.min_spend, field="min_spend")
        require(
            kind is not CouponKind.THRESHOLD
            or (self.min_spend is not None and self.min_spend.amount > 0),
            "A threshold (满减) coupon needs a minimum spend above zero.",
            field="min_spend",
        )
        require(
            kind is not CouponKind.AMOUNT_OFF or self.min_spend is None,
            "An amount_off coupon has no minimum spend; use a threshold coupon instead.",
            field="min_spend",
        )
        require(
            (self.nth is not None) == (kind is CouponKind.NTH_FREE),
            "Only an nth_free coupon has an nth, and it must have one.",
            field="nth",
        )
        if self.nth is not None:
            require(
                type(self.nth) is int and self.nth >= 2,
                f"The nth free item is at least the 2nd; got {self.nth!r}.",
                field="nth",
            )
        same_currency([self.amount, self.max_discount, self.min_spend], what="coupon")

    @classmethod
    def amount_off(cls, amount: Money) -> CouponBenefit:
        """无门槛券: ``amount`` off the eligible lines (never more than they cost)."""
        return cls(CouponKind.AMOUNT_OFF, amount=amount)

    @classmethod
    def threshold(cls, *, min_spend: Money, amount: Money) -> CouponBenefit:
        """满减券: ``amount`` off once the eligible lines reach ``min_spend`` (inclusive)."""
        return cls(CouponKind.THRESHOLD, amount=amount, min_spend=min_spend)

    @classmethod
    def percent_off(
        cls,
        rate: Decimal,
        *,
        max_discount: Money | None = None,
        min_spend: Money | None = None,
    ) -> CouponBenefit:
        """折扣券: ``rate`` off the eligible subtotal (half-up), capped at ``max_discount``."""
        return cls(
            CouponKind.PERCENT_OFF, rate=rate, max_discount=max_discount, min_spend=min_spend
        )

    @classmethod
    def nth_free(cls, nth: int = 2, *, min_spend: Money | None = None) -> CouponBenefit:
        """Every ``nth`` eligible unit free (``nth=2``: buy one, get one free)."""
        return cls(CouponKind.NTH_FREE, nth=nth, min_spend=min_spend)

    @property
    def currency(self) -> str | None:
        """The currency of the benefit's amounts (None when it names no amount)."""
        for money in (self.amount, self.max_discount, self.min_spend):
            if money is not None:
                return money.currency
        return None
