"""Platform settings for orders (FEATURES P10): money up front, time limits, cancellation."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import attrs

from booking_core.errors import InvalidOrderPolicy
from booking_core.money import Money
from booking_core.orders.cancellation import CancellationPolicy

__all__ = ["DEPOSIT_ROUNDING", "OrderPolicy", "PaymentMode"]

DEPOSIT_ROUNDING = ROUND_HALF_UP
"""A deposit is ``price × deposit_rate`` rounded half-up to the minor unit."""


class PaymentMode(StrEnum):
    """How an order is paid (FEATURES C7)."""

    FULL = "full"  # the whole price at checkout
    DEPOSIT = "deposit"  # a deposit at checkout, the balance before completion
    ON_ARRIVAL = "on_arrival"  # nothing at checkout, everything once the technician is there


def _minutes(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if type(value) is not int or value < 0:
        raise InvalidOrderPolicy(
            f"{attribute.name} is a whole number ≥ 0; got {value!r}.",
            details={"field": attribute.name},
        )


def _deposit_rate(value: object) -> Decimal:
    if isinstance(value, float) or not isinstance(value, Decimal | str | int):
        raise InvalidOrderPolicy(f"The deposit rate is a Decimal like '0.3'; got {value!r}.")
    rate = Decimal(value)
    if not Decimal(0) < rate < Decimal(1):
        raise InvalidOrderPolicy(f"The deposit rate lies strictly between 0 and 1; got {rate}.")
    return rate


@attrs.frozen
class OrderPolicy:
    """Platform-wide order rules.

    Attributes:
        cancellation: Fee schedules for cancelling.
        deposit_rate: Share of the price paid at checkout in deposit mode.
        unpaid_timeout_minutes: An order still unpaid this long after placing is cancelled.
        lateness_grace_minutes: A technician not there this long after the start is late: the
            customer may then cancel as if the technician had (full refund).
        no_show_wait_minutes: How long a technician waits past the start (or his arrival, if
            later) before he may record a customer no-show.
        auto_complete_grace_minutes: An order still in service this long after its end is
            completed by the system.
        review_window_days: Days after completion during which the customer may review.
        complaint_window_days: Days after an order ends during which a complaint is taken.
        reconcile_after_minutes: First wait before asking the gateway about an unknown
            outcome (doubling on each retry).
    """

    cancellation: CancellationPolicy = attrs.field(factory=CancellationPolicy)
    deposit_rate: Decimal = attrs.field(default=Decimal("0.3"), converter=_deposit_rate)
    unpaid_timeout_minutes: int = attrs.field(default=15, validator=_minutes)
    lateness_grace_minutes: int = attrs.field(default=15, validator=_minutes)
    no_show_wait_minutes: int = attrs.field(default=30, validator=_minutes)
    auto_complete_grace_minutes: int = attrs.field(default=60, validator=_minutes)
    review_window_days: int = attrs.field(default=7, validator=_minutes)
    complaint_window_days: int = attrs.field(default=7, validator=_minutes)
    reconcile_after_minutes: int = attrs.field(default=1, validator=_minutes)

    def upfront(self, mode: PaymentMode, price: Money) -> Money:
        """What is due at checkout for ``price`` in ``mode``."""
        if mode is PaymentMode.FULL:
            return price
        if mode is PaymentMode.DEPOSIT:
            return price.times_rate(self.deposit_rate, rounding=DEPOSIT_ROUNDING)
        return Money.zero(price.currency)
