"""How many decimals Stripe gives each currency, and the currencies this adapter refuses.

Stripe takes every amount as an integer in the currency's smallest unit, which is what
:class:`~booking_core.money.Money` holds, *as long as both agree on the decimals*. They do
not always: Stripe keeps ISK in a two-decimal representation (ISO says none), and knows
zero-decimal currencies the core's table does not list (UGX, XOF …). A currency where the
two differ is refused when the gateway is configured, never converted silently.
See https://docs.stripe.com/currencies#zero-decimal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from booking_core.money import Money

__all__ = ["STRIPE_THREE_DECIMAL", "STRIPE_ZERO_DECIMAL", "check_currencies", "stripe_exponent"]

#: Currencies Stripe charges in whole units (¥100 is ``amount=100``).
STRIPE_ZERO_DECIMAL: Final = frozenset(
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
        "VUV", "XAF", "XOF", "XPF",
    }
)  # fmt: skip

#: Three-decimal currencies; Stripe wants their amounts to end in 0.
STRIPE_THREE_DECIMAL: Final = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def stripe_exponent(currency: str) -> int:
    """The decimals of ``currency``'s smallest unit as Stripe counts them."""
    if currency in STRIPE_ZERO_DECIMAL:
        return 0
    if currency in STRIPE_THREE_DECIMAL:
        return 3
    return 2  # ISK included: Stripe's special case, two decimals that must be 00


def check_currencies(currencies: Iterable[str]) -> None:
    """Refuse currencies whose decimals the core and Stripe count differently.

    Raises:
        ValueError: naming each such currency and both counts.
    """
    wrong = sorted(
        f"{c} (booking_core {Money.exponent_of(c)}, Stripe {stripe_exponent(c)})"
        for c in currencies
        if Money.exponent_of(c) != stripe_exponent(c)
    )
    if wrong:
        raise ValueError(
            "Stripe and booking_core count these currencies' decimals differently, so their "
            "amounts cannot pass unconverted: " + ", ".join(wrong)
        )
