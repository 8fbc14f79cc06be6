"""Integer arithmetic of the pricing pipeline: named roundings and largest remainder.

The pipeline runs on integer minor units and builds Money only for the result, so these
helpers take and return ints. Each rounding is named; nothing rounds by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from booking_core.money import Money

_RATIOS: dict[Decimal, tuple[int, int]] = {}


def ratio(rate: Decimal) -> tuple[int, int]:
    """``rate`` as an exact ``(numerator, denominator)`` pair (cached; rates are few)."""
    pair = _RATIOS.get(rate)
    if pair is None:
        pair = rate.as_integer_ratio()
        if len(_RATIOS) < 4096:  # bounded: rules come from configuration, not from users
            _RATIOS[rate] = pair
    return pair


def times_rate_half_up(amount: int, rate: Decimal) -> int:
    """``amount × rate`` rounded half-up (for non-negative amounts and rates)."""
    num, den = ratio(rate)
    return (2 * amount * num + den) // (2 * den)


def times_rate_floor(amount: int, rate: Decimal) -> int:
    """``amount × rate`` rounded down (for non-negative amounts and rates)."""
    num, den = ratio(rate)
    return (amount * num) // den


def half_up_fraction(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-up (non-negative numerator)."""
    return (2 * numerator + denominator) // (2 * denominator)


def split(total: int, weights: Sequence[int]) -> list[int]:
    """Largest-remainder split of ``total`` over ``weights``; ties go to the lower index.

    Callers pass each line's amount left before the step as its weight and a ``total`` no
    larger than their sum, so each part is at most its weight: the cap "never more than is
    left of the line" (INVARIANTS I10) holds by construction. The result equals
    :func:`booking_core.money.allocate_units` with ``caps=weights`` (a property test holds
    the two together); this version stays on ints because it runs once per step per quote.
    """
    weight_sum = sum(weights)
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    assert 0 < total <= weight_sum, "a step never takes more than is left"
    parts = [total * w // weight_sum for w in weights]
    leftover = total - sum(parts)
    if leftover:
        # All remainders share the denominator weight_sum, so comparing numerators is exact.
        ranked = sorted([(-(total * w % weight_sum), i) for i, w in enumerate(weights)])
        for _, i in ranked[:leftover]:
            parts[i] += 1
    return parts


_new = object.__new__
# The slots' own setters: they bypass the frozen __setattr__ without a name lookup.
_set_amount = Money.__dict__["amount"].__set__
_set_currency = Money.__dict__["currency"].__set__


def trusted_money(amount: int, currency: str) -> Money:
    """Money from an int the engine computed and a currency already validated.

    Building Money through its validators is most of a quote's cost (a quote holds some
    thirty amounts); every amount here comes from validated Money of one currency by
    integer arithmetic, so the checks would only repeat themselves. Equal to
    ``Money(amount, currency)`` in every way (a unit test holds the two together).
    """
    money: Money = _new(Money)
    _set_amount(money, amount)
    _set_currency(money, currency)
    return money


def money_maker(currency: str) -> Callable[[int], Money]:
    """:func:`trusted_money` with ``currency`` bound, one call deep (for the result loop)."""

    def make(amount: int) -> Money:
        money: Money = _new(Money)
        _set_amount(money, amount)
        _set_currency(money, currency)
        return money

    return make
