"""Fen to Alipay's yuan strings and back, exactly (Decimal, never float)."""

from __future__ import annotations

import re
from typing import Final

from booking_core.errors import InvalidMoney, PaymentError
from booking_core.money import Money

__all__ = ["CURRENCY", "from_yuan", "to_yuan"]

_YUAN: Final = re.compile(r"-?\d+(\.\d{1,2})?")

#: The one currency these Alipay products settle in.
CURRENCY = "CNY"


def to_yuan(amount: Money) -> str:
    """``Money(19900, "CNY")`` as ``"199.00"``.

    Raises:
        PaymentError: for a currency other than CNY, or an amount that is not positive.
    """
    if amount.currency != CURRENCY:
        raise PaymentError(
            f"Alipay takes CNY only; got {amount.currency}.",
            details={"currency": amount.currency},
        )
    if amount.amount <= 0:
        raise PaymentError(f"Alipay takes positive amounts only; got {amount}.")
    return f"{amount.to_decimal():.2f}"


def from_yuan(value: str) -> Money:
    """``"199.00"`` as ``Money(19900, "CNY")``.

    Raises:
        ValueError: if ``value`` is not a decimal with at most two places.
    """
    if not isinstance(value, str) or not _YUAN.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not a yuan amount")
    try:
        return Money.of(value.strip(), CURRENCY)
    except InvalidMoney as exc:
        raise ValueError(f"{value!r} is not a yuan amount") from exc
