"""The pipeline's integer helpers agree with Money and its allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_core.money import Money, allocate_units
from booking_core.pricing._arith import (
    half_up_fraction,
    split,
    times_rate_floor,
    times_rate_half_up,
    trusted_money,
)


def test_trusted_money_is_indistinguishable_from_validated_money() -> None:
    fast = trusted_money(19900, "CNY")
    slow = Money(19900, "CNY")

    assert fast == slow
    assert hash(fast) == hash(slow)
    assert type(fast) is Money
    assert str(fast) == "199.00 CNY"
    assert fast + slow == Money(39800, "CNY")


@pytest.mark.parametrize(
    ("amount", "rate", "half_up", "floor"),
    [(1990, "0.05", 100, 99), (1989, "0.05", 99, 99), (0, "0.3", 0, 0), (3, "0.5", 2, 1)],
)
def test_rate_roundings_are_named_and_exact(
    amount: int, rate: str, half_up: int, floor: int
) -> None:
    assert times_rate_half_up(amount, Decimal(rate)) == half_up
    assert times_rate_floor(amount, Decimal(rate)) == floor
    assert (
        Money(amount, "CNY").times_rate(Decimal(rate), rounding="ROUND_HALF_UP").amount == half_up
    )


def test_half_up_fraction_rounds_halves_up() -> None:
    assert [half_up_fraction(n, 2) for n in (0, 1, 2, 3)] == [0, 1, 1, 2]


@pytest.mark.parametrize(
    ("total", "weights"),
    [(5000, [22900, 25600, 26800]), (2, [1, 1, 1]), (3, [0, 5, 5]), (0, [1, 2]), (7, [7])],
)
def test_split_matches_allocate_units_capped_at_the_weights(total: int, weights: list[int]) -> None:
    assert split(total, weights) == allocate_units(total, weights, caps=weights)


def test_split_gives_ties_to_the_lower_index() -> None:
    assert split(2, [1, 1, 1]) == [1, 1, 0]


def test_split_of_nothing_over_nothing_is_zeros() -> None:
    assert split(0, [0, 0]) == [0, 0]
