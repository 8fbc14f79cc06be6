"""What the area modules share: the default universe of ids, the instant promotions are
drawn around, rates and amounts.

A small default universe is on purpose: carts, scopes and technicians drawn from the same
few service and category ids meet each other often, so a discount actually applies in
most examples instead of almost never.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

import pendulum
from hypothesis import strategies as st
from pendulum import DateTime

from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.money import Money

__all__ = [
    "DEFAULT_AROUND",
    "DEFAULT_CATEGORY_IDS",
    "DEFAULT_CUSTOMER_ID",
    "DEFAULT_SERVICE_IDS",
    "DEFAULT_TIERS",
    "amounts",
    "moneys_of",
    "rates",
    "subsets",
    "windows",
]

T = TypeVar("T")

#: The service ids carts, scopes and technicians are drawn from unless told otherwise.
DEFAULT_SERVICE_IDS: tuple[ServiceId, ...] = tuple(
    ServiceId(s) for s in ("tuina", "foot", "facial", "cleaning")
)
#: The category ids drawn from unless told otherwise.
DEFAULT_CATEGORY_IDS: tuple[CategoryId, ...] = tuple(CategoryId(c) for c in ("massage", "beauty"))
#: The membership tiers drawn from unless told otherwise.
DEFAULT_TIERS: tuple[str, ...] = ("gold", "silver")
#: The customer coupons and profiles belong to unless told otherwise.
DEFAULT_CUSTOMER_ID = CustomerId("cus_1")
#: The instant promotion windows are drawn around unless told otherwise (price at it).
DEFAULT_AROUND: DateTime = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")

# Day offsets of a window around the pricing instant: open, exactly now, future, past.
_WINDOWS = ((-1, 1), (0, 0), (1, 2), (-2, -1))


def amounts(*, max_amount: int = 60_000) -> st.SearchStrategy[int]:
    """Minor units from 0 to ``max_amount``."""
    return st.integers(min_value=0, max_value=max_amount)


def moneys_of(currency: str, low: int, high: int) -> st.SearchStrategy[Money]:
    """Amounts of ``currency`` from ``low`` to ``high`` minor units."""
    return st.integers(min_value=low, max_value=high).map(lambda n: Money(n, currency))


def rates() -> st.SearchStrategy[Decimal]:
    """Fractions strictly between 0 and 1, to the thousandth."""
    return st.integers(min_value=1, max_value=999).map(lambda n: Decimal(n) / 1000)


def windows(around: DateTime) -> st.SearchStrategy[tuple[DateTime, DateTime]]:
    """Inclusive ``(start, end)`` windows open at, exactly at, after or before ``around``."""
    return st.sampled_from(_WINDOWS).map(lambda w: (around.add(days=w[0]), around.add(days=w[1])))


def subsets(items: Sequence[T], *, max_size: int) -> st.SearchStrategy[frozenset[T]]:
    """Sets of up to ``max_size`` of ``items`` (nothing when there are none)."""
    if not items:
        return st.just(frozenset())
    return st.frozensets(st.sampled_from(items), max_size=max_size)
