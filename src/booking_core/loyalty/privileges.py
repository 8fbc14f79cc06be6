"""Membership tier privileges: what each tier gives, looked up in one place (FEATURES C15).

The tier discount stays a pricing rule (``CustomerProfile.tier`` read from the stored tier);
every other privilege of a tier is a field of its :class:`TierPrivilege`, and every service
that applies one asks :meth:`TierPrivileges.for_tier` with the tier stored on the customer
record — no tier, or a tier the platform gave no privileges, gets the neutral privilege
(nothing extra, ×1 points).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs
from pendulum import Date

from booking_core.errors import InvalidPromotion
from booking_core.loyalty.earning import EarningRule
from booking_core.money import Money
from booking_core.promotions.coupon import CouponTemplateId

__all__ = ["TierPrivilege", "TierPrivileges", "celebrates_on"]


def _templates(value: Iterable[str]) -> tuple[CouponTemplateId, ...]:
    return tuple(CouponTemplateId(v) for v in value)


@attrs.frozen
class TierPrivilege:
    """What one tier gives its members.

    Attributes:
        extra_window_days: Days added to whichever booking window applies
            (``BookingPolicy.window_days``) when he lists slots or books (0 or more).
        points_multiplier: Points earned by spending are multiplied by it (a Decimal of 1
            or more: a privilege never earns less than no tier).
        birthday_points: Points awarded on his birthday (0: none), once a year.
        birthday_coupon: A coupon template issued on his birthday (None: none), once a year.
        coupons: Exclusive coupon templates issued to him when he reaches the tier (once
            per customer, tier and template).
    """

    extra_window_days: int = 0
    points_multiplier: Decimal = Decimal(1)
    birthday_points: int = 0
    birthday_coupon: CouponTemplateId | None = None
    coupons: tuple[CouponTemplateId, ...] = attrs.field(default=(), converter=_templates)
    # The multiplier as an exact fraction, worked out once (every quote asks for it).
    _factor: tuple[int, int] = attrs.field(init=False, eq=False, repr=False, default=(1, 1))

    def __attrs_post_init__(self) -> None:
        for name in ("extra_window_days", "birthday_points"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise InvalidPromotion(
                    f"{name} is a whole number of zero or more; got {value!r}.",
                    details={"field": name},
                )
        factor = self.points_multiplier
        if not (isinstance(factor, Decimal) and factor.is_finite() and factor >= 1):
            raise InvalidPromotion(
                f"A points multiplier is a Decimal of 1 or more; got {factor!r}.",
                details={"field": "points_multiplier"},
            )
        object.__setattr__(self, "_factor", factor.as_integer_ratio())
        named = [*self.coupons, *([] if self.birthday_coupon is None else [self.birthday_coupon])]
        if any(not isinstance(t, str) or not t.strip() for t in named):
            raise InvalidPromotion("A coupon template is named by its id.",
                                   details={"field": "coupons"})  # fmt: skip
        if len(set(self.coupons)) != len(self.coupons):
            raise InvalidPromotion("A tier lists each exclusive template once.",
                                   details={"field": "coupons"})  # fmt: skip

    @property
    def birthday_gift(self) -> bool:
        """Whether the tier gives anything on a birthday."""
        return self.birthday_points > 0 or self.birthday_coupon is not None

    def points_for(self, rule: EarningRule, paid: Money) -> int:
        """Points an order paying ``paid`` earns with this privilege:
        ``floor(paid × points_per_unit × points_multiplier / minor_per_unit)`` — exact
        integer arithmetic, rounded down (floor) once, after the multiplier: 199.99 yuan at
        1 point per yuan ×1.5 earn 299 points (not floor(199) × 1.5 = 298). Nothing for
        zero or less."""
        if paid.amount <= 0:
            return 0
        rate_n, rate_d = rule.points_per_unit.as_integer_ratio()
        factor_n, factor_d = self._factor
        return (paid.amount * rate_n * factor_n) // (rate_d * factor_d * rule.minor_per_unit)


#: What a customer with no tier, or a tier without privileges, gets.
NEUTRAL = TierPrivilege()


def _pairs(
    value: Mapping[str, TierPrivilege] | Iterable[tuple[str, TierPrivilege]],
) -> tuple[tuple[str, TierPrivilege], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((name, privilege) for name, privilege in items)


@attrs.frozen
class TierPrivileges:
    """The privileges of each tier, by tier name: THE place a privilege is looked up.

    Built from a mapping (``TierPrivileges({"gold": TierPrivilege(...)})``); kept as
    (name, privilege) pairs so the settings stay a hashable value.

    Attributes:
        by_tier: (tier name, its privilege) pairs, names unique.
    """

    by_tier: tuple[tuple[str, TierPrivilege], ...] = attrs.field(default=(), converter=_pairs)

    def __attrs_post_init__(self) -> None:
        names = [name for name, _ in self.by_tier]
        if any(not isinstance(n, str) or not n.strip() for n in names) or len(set(names)) != len(
            names
        ):
            raise InvalidPromotion("Privileges name each tier once.", details={"field": "tiers"})
        if any(not isinstance(p, TierPrivilege) for _, p in self.by_tier):
            raise InvalidPromotion("Each tier's privileges are a TierPrivilege.",
                                   details={"field": "tiers"})  # fmt: skip

    def for_tier(self, name: str | None) -> TierPrivilege:
        """The privileges of tier ``name``; the neutral one for no tier or an unknown tier."""
        for tier, privilege in self.by_tier:
            if tier == name:
                return privilege
        return NEUTRAL

    @property
    def widens_window(self) -> bool:
        """Whether some tier adds booking days (else nobody's tier need be read for it)."""
        return any(p.extra_window_days for _, p in self.by_tier)

    @property
    def gives_birthday_gifts(self) -> bool:
        """Whether some tier has a birthday gift (else the birthday job has nothing to do)."""
        return any(p.birthday_gift for _, p in self.by_tier)


def celebrates_on(birthday: Date, day: Date) -> bool:
    """Whether someone born on ``birthday`` celebrates on ``day``: the same month and day;
    a 29 February birthday is celebrated on 28 February in a year without a 29th."""
    if (birthday.month, birthday.day) == (day.month, day.day):
        return True
    leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
    return (
        (birthday.month, birthday.day) == (2, 29) and (day.month, day.day) == (2, 28) and (not leap)
    )
