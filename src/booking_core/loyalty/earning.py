"""How points are earned: by spending, and by sharing (with a daily cap)."""

from __future__ import annotations

from decimal import Decimal

import attrs

from booking_core.errors import InvalidPromotion
from booking_core.money import Money

__all__ = ["EarningRule", "SharingRule"]


@attrs.frozen
class EarningRule:
    """Points earned by spending: ``points_per_unit`` per whole currency unit (yuan) of what
    the customer actually paid — after every discount and the points he redeemed, less what
    was refunded — rounded down (floor): 199.99 yuan at 1 point per yuan earn 199 points.

    Attributes:
        points_per_unit: Points per major currency unit (a Decimal of zero or more).
        minor_per_unit: Minor units in a major one (100 for CNY: fen per yuan).
    """

    points_per_unit: Decimal = Decimal(1)
    minor_per_unit: int = 100

    def __attrs_post_init__(self) -> None:
        rate = self.points_per_unit
        if not (isinstance(rate, Decimal) and rate.is_finite() and rate >= 0):
            raise InvalidPromotion(
                f"Points per unit is a Decimal of zero or more; got {rate!r}.",
                details={"field": "points_per_unit"},
            )
        if type(self.minor_per_unit) is not int or self.minor_per_unit < 1:
            raise InvalidPromotion(
                "A currency unit holds one minor unit or more.",
                details={"field": "minor_per_unit"},
            )

    def points_for(self, paid: Money) -> int:
        """Points earned by paying ``paid`` (floor; nothing for zero or less)."""
        if paid.amount <= 0:
            return 0
        numerator, denominator = self.points_per_unit.as_integer_ratio()
        # Exact integer arithmetic, rounded down once: no Decimal context involved.
        return (paid.amount * numerator) // (denominator * self.minor_per_unit)


@attrs.frozen
class SharingRule:
    """Points for sharing: ``points`` per share, at most ``max_per_day`` rewarded shares
    per customer per local calendar day (more shares that day earn nothing).

    Attributes:
        points: Per rewarded share (one or more).
        max_per_day: Rewarded shares per local day (zero: sharing earns nothing).
    """

    points: int = 10
    max_per_day: int = 3

    def __attrs_post_init__(self) -> None:
        if type(self.points) is not int or self.points < 1:
            raise InvalidPromotion("A share earns one point or more.", details={"field": "points"})
        if type(self.max_per_day) is not int or self.max_per_day < 0:
            raise InvalidPromotion(
                "The daily cap of rewarded shares is zero or more.",
                details={"field": "max_per_day"},
            )
