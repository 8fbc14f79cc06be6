"""Commission plans (P9): levels, a rate per level with overrides per service or category,
and a cap on the total over levels."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

import attrs

from booking_core.errors import InvalidReferral
from booking_core.ids import CategoryId, ServiceId
from booking_core.money import ROUNDINGS

__all__ = ["CommissionBase", "CommissionPlan", "RateOverride"]


class CommissionBase(StrEnum):
    """What a plan's rates apply to, line by line."""

    #: What the customer paid for the line (a customer's referrers).
    PAID = "paid"
    #: The platform's share of the line under the rate table (a technician's recruiters
    #: earn a share of the platform's take).
    PLATFORM_SHARE = "platform_share"


def _rates(value: object) -> tuple[Decimal, ...]:
    if not isinstance(value, tuple | list):
        raise InvalidReferral("Level rates are a sequence of Decimals.")
    rates = tuple(value)
    for rate in rates:
        if not isinstance(rate, Decimal) or not Decimal(0) <= rate <= Decimal(1):
            raise InvalidReferral(f"A level rate is a Decimal from 0 to 1; got {rate!r}.")
    return rates


@attrs.frozen
class RateOverride:
    """Level rates for one service or one category instead of the plan's.

    Attributes:
        rates: One rate per level (as many as the plan has levels).
        service_id: The service it applies to, or
        category_id: the category (a service's override beats its category's).
    """

    rates: tuple[Decimal, ...] = attrs.field(converter=_rates)
    service_id: ServiceId | None = None
    category_id: CategoryId | None = None

    def __attrs_post_init__(self) -> None:
        if (self.service_id is None) == (self.category_id is None):
            raise InvalidReferral("An override names a service or a category (one of them).")


@attrs.frozen
class CommissionPlan:
    """How much each level of referrers earns on a line.

    Attributes:
        rates: One rate per level, level 1 (the direct referrer) first; ``len(rates)`` is the
            number of levels (1–3 typical).
        cap: The most all levels together may take of a line's base; the rates of one line
            (after overrides) are cut from the deepest level up to fit under it.
        overrides: Rates per service or category.
        base: What the rates apply to (see :class:`CommissionBase`).
        rounding: How a line's total commission is rounded to a minor unit
            (``ROUND_FLOOR`` by default: never more than the rates say).
    """

    rates: tuple[Decimal, ...] = attrs.field(converter=_rates)
    cap: Decimal = Decimal(1)
    overrides: tuple[RateOverride, ...] = ()
    base: CommissionBase = CommissionBase.PAID
    rounding: str = ROUND_FLOOR

    def __attrs_post_init__(self) -> None:
        if not 1 <= len(self.rates) <= 10:
            raise InvalidReferral(f"A plan has 1 to 10 levels; got {len(self.rates)}.")
        if not isinstance(self.cap, Decimal) or not Decimal(0) <= self.cap <= Decimal(1):
            raise InvalidReferral(f"The cap is a Decimal from 0 to 1; got {self.cap!r}.")
        if self.rounding not in ROUNDINGS:
            raise InvalidReferral(f"Name the rounding: one of {sorted(ROUNDINGS)}.")
        for override in self.overrides:
            if len(override.rates) != len(self.rates):
                raise InvalidReferral(
                    f"An override has one rate per level ({len(self.rates)}); "
                    f"got {len(override.rates)}."
                )

    @property
    def levels(self) -> int:
        """How many levels of referrers earn."""
        return len(self.rates)

    def rates_for(
        self, service_id: ServiceId, category_id: CategoryId | None = None
    ) -> tuple[Decimal, ...]:
        """The level rates of a line of ``service_id`` (in ``category_id``), capped: the
        service's override, else the category's, else the plan's; then each level takes at
        most what the cap leaves after the levels above it."""
        chosen = self.rates
        by_category = None
        for override in self.overrides:
            if override.service_id == service_id:
                chosen = override.rates
                break
            if (
                by_category is None
                and category_id is not None
                and override.category_id == category_id
            ):
                by_category = override.rates
        else:
            if by_category is not None:
                chosen = by_category
        left = self.cap
        capped = []
        for rate in chosen:
            taken = min(rate, left)
            capped.append(taken)
            left -= taken
        return tuple(capped)
