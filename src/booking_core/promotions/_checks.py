"""Small shared checks for promotion definitions (each raises InvalidPromotion)."""

from __future__ import annotations

from decimal import Decimal

from pendulum import DateTime

from booking_core.errors import InvalidPromotion
from booking_core.money import Money
from booking_core.timerange import ensure_aware


def require(condition: bool, message: str, *, field: str) -> None:
    """Raise :class:`InvalidPromotion` naming ``field`` unless ``condition`` holds."""
    if not condition:
        raise InvalidPromotion(message, details={"field": field})


def non_blank(value: object, *, field: str) -> None:
    """A name or id must be a non-blank string."""
    require(
        isinstance(value, str) and bool(value.strip()),
        f"The {field} must not be blank.",
        field=field,
    )


def _money_from(value: object, minimum: int, *, field: str, what: str) -> Money:
    require(
        isinstance(value, Money) and value.amount >= minimum,
        f"The {field} must be {what}; got {value!r}.",
        field=field,
    )
    assert isinstance(value, Money)
    return value


def positive_money(value: object, *, field: str) -> Money:
    """``value`` is Money above zero."""
    return _money_from(value, 1, field=field, what="an amount above zero")


def non_negative_money(value: object, *, field: str) -> Money:
    """``value`` is Money of zero or more."""
    return _money_from(value, 0, field=field, what="an amount of zero or more")


def fraction_rate(value: object, *, field: str) -> Decimal:
    """A rate strictly between 0 and 1 (e.g. ``Decimal("0.15")`` for 15 % off)."""
    require(
        isinstance(value, Decimal) and value.is_finite() and Decimal(0) < value < Decimal(1),
        f"The {field} is a Decimal strictly between 0 and 1 (0.15 = 15 % off); got {value!r}.",
        field=field,
    )
    assert isinstance(value, Decimal)
    return value


def aware(value: object, *, field: str) -> DateTime:
    """An aware instant (naive or non-datetime values raise InvalidTimeRange)."""
    return ensure_aware(value, field)


def same_currency(amounts: list[Money | None], *, what: str) -> None:
    """Every amount given is in one currency."""
    currencies = {m.currency for m in amounts if m is not None}
    require(
        len(currencies) <= 1,
        f"All amounts of a {what} must be in one currency; got {sorted(currencies)}.",
        field="currency",
    )
