"""What a coupon gives: an amount off, a percentage off, 满减, a per-unit benefit, or
free travel (the visit fee waived or reduced).

The per-unit kinds (Nth free, buy X get Y, an amount off each unit, a special unit price)
work on units rather than on the eligible subtotal; ``max_units`` limits how many units
one coupon touches. Which units each kind picks is described in ``docs/pricing.md``.
"""

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
from booking_core.promotions.scope import Scope

__all__ = ["CouponBenefit", "CouponKind"]


class CouponKind(StrEnum):
    """The kinds of coupon benefit (stored as these strings)."""

    AMOUNT_OFF = "amount_off"
    """无门槛券: a fixed amount off the eligible lines, no minimum spend."""
    THRESHOLD = "threshold"
    """满减券 / 满N件减: a fixed amount off once the eligible lines reach a minimum spend,
    a minimum number of units, or both."""
    PERCENT_OFF = "percent_off"
    """折扣券: a percentage off the eligible lines, optionally up to a maximum."""
    NTH_FREE = "nth_free"
    """Buy N−1, get the Nth free (N = 2 is buy-one-get-one); the cheaper units go free.
    Every Nth unit, or (``once_per_order``) the cheapest unit once."""
    BUY_X_GET_Y = "buy_x_get_y"
    """买X送Y: each X units bought give Y units free, of the same in-scope services or of
    the services of ``free_scope``; the cheaper units go free."""
    AMOUNT_OFF_EACH = "amount_off_each"
    """每件减: a fixed amount off every eligible unit, never below zero."""
    SPECIAL_PRICE = "special_price"
    """特价券: each eligible unit at a special price (add-ons on top), up to ``max_units``."""
    FREE_TRAVEL = "free_travel"
    """免车费券: the travel fee waived, or at most ``amount`` off it; the lines keep their
    price. ``min_spend`` / ``min_units`` are measured on the eligible lines."""


# The kinds that pick units; only they take max_units.
_PER_UNIT = frozenset(
    {
        CouponKind.NTH_FREE,
        CouponKind.BUY_X_GET_Y,
        CouponKind.AMOUNT_OFF_EACH,
        CouponKind.SPECIAL_PRICE,
    }
)
_TAKES_AMOUNT = frozenset({CouponKind.AMOUNT_OFF, CouponKind.THRESHOLD, CouponKind.AMOUNT_OFF_EACH})


def _count(value: int | None, minimum: int, *, field: str, what: str) -> None:
    if value is not None:
        require(
            type(value) is int and value >= minimum,
            f"The {what} is a whole number of at least {minimum}; got {value!r}.",
            field=field,
        )


def _only(kind: CouponKind, value: object, kinds: frozenset[CouponKind], *, field: str) -> None:
    """``value`` is given exactly when ``kind`` is one of ``kinds``."""
    names = ", ".join(sorted(k.value for k in kinds))
    require(
        (value is not None) == (kind in kinds),
        f"A {kind.value} coupon {'needs' if kind in kinds else 'has no'} {field} "
        f"(only {names} coupons have one).",
        field=field,
    )


@attrs.frozen
class CouponBenefit:
    """The benefit of a coupon; build it with the named constructors.

    Attributes:
        kind: Which benefit this is.
        amount: The amount off (AMOUNT_OFF, THRESHOLD; AMOUNT_OFF_EACH: off each unit;
            FREE_TRAVEL: the most off the travel fee, None: all of it).
        rate: The fraction off, strictly between 0 and 1 (PERCENT_OFF).
        max_discount: The most a PERCENT_OFF coupon takes off (None: no maximum).
        min_spend: The eligible subtotal needed (inclusive: exactly this much qualifies).
        nth: Every nth eligible unit is free (NTH_FREE, at least 2).
        min_units: The eligible units needed (inclusive; 满N件). Every kind but AMOUNT_OFF.
        max_units: The most units the coupon touches — units given free (NTH_FREE,
            BUY_X_GET_Y) or discounted (AMOUNT_OFF_EACH, SPECIAL_PRICE); None: no limit.
        once_per_order: NTH_FREE only: with at least ``nth`` eligible units, the single
            cheapest is free, once (False: every nth unit, as before).
        buy_units: BUY_X_GET_Y: the units bought (X) that earn ``free_units``.
        free_units: BUY_X_GET_Y: the units given free (Y) for each ``buy_units`` bought.
        free_scope: BUY_X_GET_Y: the services given free (None: the same in-scope units,
            grouped X+Y at a time).
        unit_price: SPECIAL_PRICE: what each touched unit costs (its add-ons on top).
    """

    kind: CouponKind
    amount: Money | None = None
    rate: Decimal | None = None
    max_discount: Money | None = None
    min_spend: Money | None = None
    nth: int | None = None
    min_units: int | None = None
    max_units: int | None = None
    once_per_order: bool = False
    buy_units: int | None = None
    free_units: int | None = None
    free_scope: Scope | None = None
    unit_price: Money | None = None

    def __attrs_post_init__(self) -> None:
        require(isinstance(self.kind, CouponKind), "Unknown coupon kind.", field="kind")
        kind = self.kind
        if kind is not CouponKind.FREE_TRAVEL:  # its amount is optional: None waives all
            _only(kind, self.amount, _TAKES_AMOUNT, field="amount")
        if self.amount is not None:
            positive_money(self.amount, field="amount")
        _only(kind, self.rate, frozenset({CouponKind.PERCENT_OFF}), field="rate")
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
        _count(self.min_units, 1, field="min_units", what="minimum number of units")
        require(
            kind is not CouponKind.AMOUNT_OFF
            or (self.min_spend is None and self.min_units is None),
            "An amount_off coupon has no minimum spend or units; use a threshold coupon.",
            field="min_spend" if self.min_spend is not None else "min_units",
        )
        require(
            kind is not CouponKind.THRESHOLD
            or (self.min_spend is not None and self.min_spend.amount > 0)
            or self.min_units is not None,
            "A threshold coupon needs a minimum spend above zero (满减) or a minimum number "
            "of units (满N件减).",
            field="min_spend",
        )
        _only(kind, self.nth, frozenset({CouponKind.NTH_FREE}), field="nth")
        _count(self.nth, 2, field="nth", what="nth free item")
        _count(self.max_units, 1, field="max_units", what="most units a coupon touches")
        require(
            self.max_units is None or kind in _PER_UNIT,
            f"Only a per-unit coupon ({', '.join(sorted(k.value for k in _PER_UNIT))}) "
            "limits the units it touches.",
            field="max_units",
        )
        require(
            type(self.once_per_order) is bool,
            "once_per_order is true or false.",
            field="once_per_order",
        )
        require(
            not self.once_per_order or kind is CouponKind.NTH_FREE,
            "Only an nth_free coupon can apply once per order.",
            field="once_per_order",
        )
        require(
            not (self.once_per_order and self.max_units is not None),
            "A once-per-order coupon frees one unit; it takes no max_units.",
            field="max_units",
        )
        buy_x = frozenset({CouponKind.BUY_X_GET_Y})
        _only(kind, self.buy_units, buy_x, field="buy_units")
        _only(kind, self.free_units, buy_x, field="free_units")
        _count(self.buy_units, 1, field="buy_units", what="number of units to buy")
        _count(self.free_units, 1, field="free_units", what="number of units given free")
        require(
            self.free_scope is None or (kind is CouponKind.BUY_X_GET_Y),
            "Only a buy_x_get_y coupon names the services it gives free.",
            field="free_scope",
        )
        require(
            self.free_scope is None or isinstance(self.free_scope, Scope),
            f"The free_scope is a Scope; got {self.free_scope!r}.",
            field="free_scope",
        )
        _only(kind, self.unit_price, frozenset({CouponKind.SPECIAL_PRICE}), field="unit_price")
        if self.unit_price is not None:
            non_negative_money(self.unit_price, field="unit_price")
        same_currency(
            [self.amount, self.max_discount, self.min_spend, self.unit_price], what="coupon"
        )

    @classmethod
    def amount_off(cls, amount: Money) -> CouponBenefit:
        """无门槛券: ``amount`` off the eligible lines (never more than they cost)."""
        return cls(CouponKind.AMOUNT_OFF, amount=amount)

    @classmethod
    def threshold(
        cls, *, amount: Money, min_spend: Money | None = None, min_units: int | None = None
    ) -> CouponBenefit:
        """满减券: ``amount`` off once the eligible lines reach ``min_spend`` and/or
        ``min_units`` units (满N件减; both inclusive; given both, both must be met)."""
        return cls(CouponKind.THRESHOLD, amount=amount, min_spend=min_spend, min_units=min_units)

    @classmethod
    def percent_off(
        cls,
        rate: Decimal,
        *,
        max_discount: Money | None = None,
        min_spend: Money | None = None,
        min_units: int | None = None,
    ) -> CouponBenefit:
        """折扣券: ``rate`` off the eligible subtotal (half-up), capped at ``max_discount``."""
        return cls(
            CouponKind.PERCENT_OFF,
            rate=rate,
            max_discount=max_discount,
            min_spend=min_spend,
            min_units=min_units,
        )

    @classmethod
    def nth_free(
        cls,
        nth: int = 2,
        *,
        once_per_order: bool = False,
        max_units: int | None = None,
        min_spend: Money | None = None,
        min_units: int | None = None,
    ) -> CouponBenefit:
        """Every ``nth`` eligible unit free (``nth=2``: buy one, get one free), at most
        ``max_units`` of them; ``once_per_order``: the cheapest unit free once there are
        ``nth`` eligible units."""
        return cls(
            CouponKind.NTH_FREE,
            nth=nth,
            once_per_order=once_per_order,
            max_units=max_units,
            min_spend=min_spend,
            min_units=min_units,
        )

    @classmethod
    def buy_x_get_y(
        cls,
        buy: int,
        free: int,
        *,
        free_scope: Scope | None = None,
        max_units: int | None = None,
        min_spend: Money | None = None,
        min_units: int | None = None,
    ) -> CouponBenefit:
        """买X送Y: each ``buy`` eligible units give ``free`` units free — of the same
        eligible units, or of the services of ``free_scope`` — at most ``max_units``."""
        return cls(
            CouponKind.BUY_X_GET_Y,
            buy_units=buy,
            free_units=free,
            free_scope=free_scope,
            max_units=max_units,
            min_spend=min_spend,
            min_units=min_units,
        )

    @classmethod
    def amount_off_each(
        cls,
        amount: Money,
        *,
        max_units: int | None = None,
        min_spend: Money | None = None,
        min_units: int | None = None,
    ) -> CouponBenefit:
        """每件减: ``amount`` off each eligible unit (never below zero), at most
        ``max_units`` units."""
        return cls(
            CouponKind.AMOUNT_OFF_EACH,
            amount=amount,
            max_units=max_units,
            min_spend=min_spend,
            min_units=min_units,
        )

    @classmethod
    def special_price(
        cls,
        unit_price: Money,
        *,
        max_units: int | None = None,
        min_spend: Money | None = None,
        min_units: int | None = None,
    ) -> CouponBenefit:
        """特价券: each eligible unit for ``unit_price`` (add-ons on top; a unit already
        cheaper keeps its price), at most ``max_units`` units."""
        return cls(
            CouponKind.SPECIAL_PRICE,
            unit_price=unit_price,
            max_units=max_units,
            min_spend=min_spend,
            min_units=min_units,
        )

    @classmethod
    def free_travel(
        cls,
        amount: Money | None = None,
        *,
        min_spend: Money | None = None,
        min_units: int | None = None,
    ) -> CouponBenefit:
        """免车费券: the travel fee waived (``amount`` None), or at most ``amount`` off it,
        once the eligible lines reach ``min_spend`` and/or ``min_units`` (inclusive)."""
        return cls(CouponKind.FREE_TRAVEL, amount=amount, min_spend=min_spend, min_units=min_units)

    @property
    def currency(self) -> str | None:
        """The currency of the benefit's amounts (None when it names no amount)."""
        for money in (self.amount, self.max_discount, self.min_spend, self.unit_price):
            if money is not None:
                return money.currency
        return None
