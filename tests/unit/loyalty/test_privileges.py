"""Tier privileges: the values, the one lookup, and their rules (FEATURES C15, I20)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking_core.errors import InvalidPromotion
from booking_core.loyalty import (
    EarningRule,
    LoyaltyPolicy,
    Tier,
    TierLadder,
    TierMetric,
    TierPrivilege,
    TierPrivileges,
    celebrates_on,
)
from booking_core.money import Money

LADDER = TierLadder(TierMetric.POINTS_EARNED, [Tier("silver", 100), Tier("gold", 1000)])
GOLD = TierPrivilege(
    extra_window_days=7, points_multiplier=Decimal("1.5"), birthday_points=500,
    birthday_coupon="bday", coupons=["gold-welcome"],
)  # fmt: skip


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def test_the_lookup_gives_the_tiers_privilege_and_the_neutral_one_otherwise() -> None:
    privileges = TierPrivileges({"gold": GOLD})

    assert privileges.for_tier("gold") == GOLD
    neutral = privileges.for_tier(None)
    assert privileges.for_tier("unknown-set-by-hand") == neutral
    assert (neutral.extra_window_days, neutral.points_multiplier) == (0, Decimal(1))
    assert (neutral.birthday_gift, neutral.coupons) == (False, ())
    assert privileges.widens_window
    assert privileges.gives_birthday_gifts
    assert not TierPrivileges().widens_window
    assert not TierPrivileges().gives_birthday_gifts


def test_the_multiplier_applies_before_the_one_floor() -> None:
    # 199.99 yuan × 1 point/yuan × 1.5 = 299.985 → 299; flooring first would give 298.
    assert GOLD.points_for(EarningRule(), cny(19999)) == 299
    # 0.5 points per yuan × 1.5: floor(199.99 × 0.75) = 149 (not floor(floor(99.995) × 1.5)).
    assert GOLD.points_for(EarningRule(Decimal("0.5")), cny(19999)) == 149
    assert TierPrivilege().points_for(EarningRule(), cny(19999)) == 199
    assert GOLD.points_for(EarningRule(), cny(0)) == 0
    assert GOLD.points_for(EarningRule(), cny(-500)) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"extra_window_days": -1}, "extra_window_days"),
        ({"extra_window_days": 1.5}, "extra_window_days"),
        ({"birthday_points": -5}, "birthday_points"),
        ({"points_multiplier": Decimal("0.9")}, "points_multiplier"),
        ({"points_multiplier": Decimal("NaN")}, "points_multiplier"),
        ({"points_multiplier": 2}, "points_multiplier"),
        ({"coupons": ["a", "a"]}, "coupons"),
        ({"coupons": [" "]}, "coupons"),
        ({"birthday_coupon": ""}, "coupons"),
    ],
)
def test_bad_privileges_are_refused_with_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidPromotion) as caught:
        TierPrivilege(**kwargs)  # type: ignore[arg-type]

    assert caught.value.error_code == "invalid_promotion"
    assert caught.value.details["field"] == field


def test_the_policy_refuses_privileges_of_unknown_tiers_or_shrinking_up_the_ladder() -> None:
    with pytest.raises(InvalidPromotion, match="lacks"):
        LoyaltyPolicy(tiers=LADDER, privileges=TierPrivileges({"platinum": GOLD}))
    silver_more_days = TierPrivileges({"silver": TierPrivilege(extra_window_days=10), "gold": GOLD})
    with pytest.raises(InvalidPromotion, match="higher tier"):
        LoyaltyPolicy(tiers=LADDER, privileges=silver_more_days)
    silver_more_points = TierPrivileges(
        {"silver": TierPrivilege(points_multiplier=Decimal(2)), "gold": GOLD}
    )
    with pytest.raises(InvalidPromotion, match="higher tier"):
        LoyaltyPolicy(tiers=LADDER, privileges=silver_more_points)
    with pytest.raises(InvalidPromotion):
        TierPrivileges([("gold", GOLD), ("gold", GOLD)])
    # Without a ladder, tiers set by hand may have privileges under any name.
    assert LoyaltyPolicy(privileges=TierPrivileges({"vip": GOLD})).privileges.for_tier("vip")


@pytest.mark.parametrize(
    ("birthday", "day", "celebrated"),
    [
        ((1990, 3, 5), (2026, 3, 5), True),
        ((1990, 3, 5), (2026, 3, 6), False),
        ((2000, 2, 29), (2026, 2, 28), True),  # no 29th in 2026: the 28th
        ((2000, 2, 29), (2028, 2, 28), False),  # 2028 has a 29th
        ((2000, 2, 29), (2028, 2, 29), True),
        ((2000, 2, 29), (2100, 2, 28), True),  # 2100 is no leap year
        ((1999, 2, 28), (2026, 2, 28), True),
    ],
)
def test_birthdays_and_29_february(
    birthday: tuple[int, int, int], day: tuple[int, int, int], celebrated: bool
) -> None:
    assert celebrates_on(pendulum.date(*birthday), pendulum.date(*day)) is celebrated


_PRIVILEGE = st.builds(
    TierPrivilege,
    extra_window_days=st.integers(0, 60),
    points_multiplier=st.decimals(min_value=1, max_value=5, places=2),
)


@given(st.lists(_PRIVILEGE, min_size=1, max_size=4), st.integers(0, 10**7), st.integers(0, 10**7))
def test_higher_tiers_never_get_less_and_earning_is_monotone_in_paid(
    privileges: list[TierPrivilege], paid: int, more: int
) -> None:
    names = [f"t{n}" for n in range(len(privileges))]
    ladder = TierLadder(TierMetric.ORDER_COUNT, [Tier(n, i) for i, n in enumerate(names)])
    configured = TierPrivileges(dict(zip(names, privileges, strict=True)))
    try:
        policy = LoyaltyPolicy(tiers=ladder, privileges=configured)
    except InvalidPromotion:
        # Refused only when some tier gets less than the one below it.
        assert any(
            b.extra_window_days < a.extra_window_days or b.points_multiplier < a.points_multiplier
            for a, b in itertools.pairwise(privileges)
        )
        return
    ranked = [None, *names]  # no tier first, then up the ladder
    looked_up = [policy.privileges.for_tier(n) for n in ranked]
    for lower, higher in itertools.pairwise(looked_up):
        assert higher.extra_window_days >= lower.extra_window_days
        assert higher.points_multiplier >= lower.points_multiplier
    for name, privilege in zip(names, privileges, strict=True):
        assert policy.privileges.for_tier(name) == privilege  # as configured
    rule = policy.earning
    for privilege in looked_up:
        assert privilege.points_for(rule, cny(paid)) <= privilege.points_for(rule, cny(paid + more))
        exact = Decimal(paid) * privilege.points_multiplier / 100
        assert privilege.points_for(rule, cny(paid)) == int(exact)  # one floor of the exact
