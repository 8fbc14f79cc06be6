"""Exact money: integer minor units plus an ISO 4217 currency, and exact splitting."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Final

import attrs

from booking_core.errors import CurrencyMismatch, InvalidMoney

__all__ = ["Money", "allocate_units"]

_CURRENCY = re.compile(r"^[A-Z]{3}$")

# Minor-unit exponents of the currencies whose exponent is not 2 (ISO 4217).
_EXPONENTS: Final = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}

# The rounding modes this library names; anything else is refused so that no rounding
# happens by accident (Decimal's default is HALF_EVEN).
ROUNDINGS: Final = frozenset({ROUND_HALF_UP, ROUND_FLOOR})


def _check_amount(_: Any, attribute: attrs.Attribute[int], value: object) -> None:
    if type(value) is not int:
        raise InvalidMoney(
            f"Money amounts are whole numbers of minor units (e.g. fen); got {value!r}.",
            details={"amount": repr(value)},
        )


def _check_currency(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise InvalidMoney(
            f"A currency is a three-letter ISO 4217 code such as 'CNY'; got {value!r}.",
            details={"currency": repr(value)},
        )


@attrs.frozen(order=False)
class Money:
    """An exact amount of one currency, in integer minor units (fen for CNY).

    Floats are refused; combining two currencies raises :class:`CurrencyMismatch`.
    """

    amount: int = attrs.field(validator=_check_amount)
    currency: str = attrs.field(validator=_check_currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``."""
        return cls(0, currency)

    @classmethod
    def of(cls, major: str | Decimal, currency: str) -> Money:
        """Money from a decimal string of major units (``Money.of("199.00", "CNY")``).

        Raises:
            InvalidMoney: if the value has more decimals than the currency's minor unit.
        """
        exponent = cls.exponent_of(currency)
        try:
            value = Decimal(major)
        except ArithmeticError as exc:  # decimal.InvalidOperation
            raise InvalidMoney(f"{major!r} is not a decimal amount.") from exc
        minor = value.scaleb(exponent)
        if minor != minor.to_integral_value():
            raise InvalidMoney(f"{major!r} has more decimals than {currency} allows ({exponent}).")
        return cls(int(minor), currency)

    @staticmethod
    def exponent_of(currency: str) -> int:
        """Number of decimal places of ``currency``'s minor unit."""
        return _EXPONENTS.get(currency, 2)

    def to_decimal(self) -> Decimal:
        """The amount in major units, exact (for display and adapters' edges)."""
        return Decimal(self.amount).scaleb(-self.exponent_of(self.currency))

    def __str__(self) -> str:
        exponent = self.exponent_of(self.currency)
        return f"{self.to_decimal():.{exponent}f} {self.currency}"

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"Cannot combine {self.currency} with {other.currency}; convert first.",
                details={"currencies": [self.currency, other.currency]},
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise InvalidMoney("Money multiplies by whole numbers only; use times_rate().")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def __bool__(self) -> bool:
        return self.amount != 0

    @property
    def is_negative(self) -> bool:
        """True below zero."""
        return self.amount < 0

    def min(self, other: Money) -> Money:
        """The smaller of two amounts of one currency."""
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        """The larger of two amounts of one currency."""
        return self if self >= other else other

    def times_rate(self, rate: Decimal, *, rounding: str) -> Money:
        """``self × rate`` rounded to a minor unit with the named ``rounding``.

        Args:
            rate: An exact rate such as ``Decimal("0.3")``; floats are refused.
            rounding: ``decimal.ROUND_HALF_UP`` or ``decimal.ROUND_FLOOR``, named on purpose.
        """
        if not isinstance(rate, Decimal):
            raise InvalidMoney(f"Rates are Decimal, never float; got {rate!r}.")
        if rounding not in ROUNDINGS:
            raise ValueError(f"unsupported rounding {rounding!r}")
        exact = Decimal(self.amount) * rate
        return Money(int(exact.quantize(Decimal(1), rounding=rounding)), self.currency)

    def allocate(
        self, weights: Sequence[int], *, caps: Sequence[Money | None] | None = None
    ) -> list[Money]:
        """Split this amount over ``weights`` by largest remainder.

        The parts sum exactly to ``self``; each is within one minor unit of its exact share;
        leftover units go to the largest remainders, ties to the lower index. With ``caps``
        no part exceeds its cap (None = no cap); what a capped part cannot take is shared
        among the others by their weights.

        Raises:
            InvalidMoney: if weights are negative or all zero while the amount is not, or the
                caps together are smaller than the amount.
        """
        cap_units: list[int | None] | None = None
        if caps is not None:
            if len(caps) != len(weights):
                raise InvalidMoney("allocate() needs exactly one cap per weight.")
            cap_units = [None if c is None else abs(self._same(c).amount) for c in caps]
        sign = -1 if self.amount < 0 else 1
        units = allocate_units(abs(self.amount), weights, caps=cap_units)
        return [Money(sign * u, self.currency) for u in units]


def allocate_units(
    total: int, weights: Sequence[int], *, caps: Sequence[int | None] | None = None
) -> list[int]:
    """Largest-remainder split of a non-negative integer ``total`` (see Money.allocate)."""
    if total < 0:
        raise InvalidMoney("allocate_units() splits a non-negative total.")
    if any(type(w) is not int or w < 0 for w in weights):
        raise InvalidMoney("Allocation weights are non-negative whole numbers.")
    n = len(weights)
    limits: list[int | None] = list(caps) if caps is not None else [None] * n
    if any(c is not None and c < 0 for c in limits):
        raise InvalidMoney("Allocation caps are non-negative.")
    if total == 0:
        return [0] * n
    if all(c is not None for c in limits) and sum(c for c in limits if c is not None) < total:
        raise InvalidMoney(f"Cannot allocate {total}: the caps add up to less.")

    # Water-filling: parts whose exact share exceeds their cap are pinned at the cap and the
    # rest is shared again among the others, until no exact share exceeds its cap.
    shares: list[Fraction] = [Fraction(0)] * n
    pinned = [False] * n
    remaining = Fraction(total)
    while True:
        free = [i for i in range(n) if not pinned[i]]
        weight_sum = sum(weights[i] for i in free)
        if weight_sum == 0:
            if remaining == 0:
                break
            raise InvalidMoney(
                f"Cannot allocate {total}: the parts that can still take more have zero weight."
            )
        for i in free:
            shares[i] = remaining * weights[i] / weight_sum
        over = [i for i in free if (c := limits[i]) is not None and shares[i] > c]
        if not over:
            break
        for i in over:
            cap = limits[i]
            assert cap is not None
            shares[i] = Fraction(cap)
            pinned[i] = True
            remaining -= cap
    floors = [s.numerator // s.denominator for s in shares]
    leftover = total - sum(floors)
    # Ties go to the lower index: sort by remainder descending, then index ascending.
    order = sorted(range(n), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return floors
