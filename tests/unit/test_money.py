"""Money: exact amounts, one currency at a time, named roundings, largest remainder."""

from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest

from booking_core import Money
from booking_core.errors import CurrencyMismatch, InvalidMoney


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


@pytest.mark.parametrize("amount", [1.5, 1.0, "100", Decimal(1), True, None])
def test_amounts_other_than_int_are_refused(amount: object) -> None:
    with pytest.raises(InvalidMoney) as caught:
        Money(amount, "CNY")  # type: ignore[arg-type]

    assert caught.value.code == "invalid_money"


@pytest.mark.parametrize("currency", ["cny", "CN", "RMB1", "", 156])
def test_currency_must_be_an_iso_code(currency: object) -> None:
    with pytest.raises(InvalidMoney):
        Money(1, currency)  # type: ignore[arg-type]


def test_arithmetic_refuses_mixed_currencies() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        _ = cny(100) + Money(100, "USD")

    assert caught.value.code == "currency_mismatch"
    with pytest.raises(CurrencyMismatch):
        _ = cny(1) < Money(2, "USD")


def test_arithmetic_and_comparison_within_a_currency() -> None:
    assert cny(150) + cny(50) == cny(200)
    assert cny(150) - cny(200) == cny(-50)
    assert cny(150) * 3 == 3 * cny(150) == cny(450)
    assert -cny(5) == cny(-5)
    assert cny(1) < cny(2) <= cny(2)
    assert cny(1).max(cny(2)) == cny(2)
    assert cny(1).min(cny(2)) == cny(1)
    assert not cny(0)


def test_multiplying_by_a_float_is_refused() -> None:
    with pytest.raises(InvalidMoney):
        _ = cny(100) * 1.5  # type: ignore[operator]


def test_of_parses_major_units_exactly() -> None:
    assert Money.of("199.00", "CNY") == cny(19900)
    assert Money.of("0.01", "CNY") == cny(1)
    assert Money.of("500", "JPY") == Money(500, "JPY")
    assert str(cny(19900)) == "199.00 CNY"
    with pytest.raises(InvalidMoney):
        Money.of("1.001", "CNY")
    with pytest.raises(InvalidMoney):
        Money.of("1.5", "JPY")
    with pytest.raises(InvalidMoney):
        Money.of("abc", "CNY")


def test_times_rate_names_its_rounding() -> None:
    assert cny(105).times_rate(Decimal("0.1"), rounding=ROUND_HALF_UP) == cny(11)
    assert cny(105).times_rate(Decimal("0.1"), rounding=ROUND_FLOOR) == cny(10)
    assert cny(125).times_rate(Decimal("0.1"), rounding=ROUND_HALF_UP) == cny(13)
    with pytest.raises(ValueError, match="unsupported rounding"):
        cny(125).times_rate(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    with pytest.raises(InvalidMoney):
        cny(125).times_rate(0.1, rounding=ROUND_HALF_UP)  # type: ignore[arg-type]


def test_allocate_gives_leftover_to_largest_remainder_ties_to_lower_index() -> None:
    assert cny(100).allocate([1, 1, 1]) == [cny(34), cny(33), cny(33)]
    assert cny(5).allocate([3, 7]) == [cny(2), cny(3)]  # 1.5 / 3.5: a tie; index 0 wins
    assert cny(10).allocate([1, 2]) == [cny(3), cny(7)]  # 3.33 / 6.67: 6.67 has the larger rest
    assert cny(-100).allocate([1, 1, 1]) == [cny(-34), cny(-33), cny(-33)]
    assert cny(0).allocate([1, 0]) == [cny(0), cny(0)]


def test_allocate_with_caps_redistributes_what_a_capped_part_cannot_take() -> None:
    parts = cny(100).allocate([1, 2, 3], caps=[cny(10), None, cny(20)])

    assert parts == [cny(10), cny(70), cny(20)]


def test_allocate_refuses_impossible_splits() -> None:
    with pytest.raises(InvalidMoney):
        cny(100).allocate([0, 0])
    with pytest.raises(InvalidMoney):
        cny(100).allocate([1, 1], caps=[cny(10), cny(20)])
    with pytest.raises(InvalidMoney):
        cny(100).allocate([1, -1])
    with pytest.raises(InvalidMoney):
        cny(100).allocate([1, 1], caps=[cny(10)])
