"""Platform settings for orders (FEATURES P10): money up front, time limits, cancellation."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

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


def _positive(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if type(value) is not int or value < 1:
        raise InvalidOrderPolicy(
            f"{attribute.name} is a whole number ≥ 1; got {value!r}.",
            details={"field": attribute.name},
        )


def _limit(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (type(value) is not int or value < 1):
        raise InvalidOrderPolicy(
            f"{attribute.name} is a whole number ≥ 1, or None for no limit; got {value!r}.",
            details={"field": attribute.name},
        )


def _deposit_rate(value: object) -> Decimal:
    if isinstance(value, float) or not isinstance(value, Decimal | str | int):
        raise InvalidOrderPolicy(f"The deposit rate is a Decimal like '0.3'; got {value!r}.")
    rate = Decimal(value)
    if not Decimal(0) < rate < Decimal(1):
        raise InvalidOrderPolicy(f"The deposit rate lies strictly between 0 and 1; got {rate}.")
    return rate


def _share(value: object) -> Decimal:
    if isinstance(value, float | bool) or not isinstance(value, Decimal | str | int):
        raise InvalidOrderPolicy(
            f"min_service_share is a Decimal like '0.5'; got {value!r}.",
            details={"field": "min_service_share"},
        )
    share = Decimal(value)
    if not Decimal(0) <= share <= Decimal(1):
        raise InvalidOrderPolicy(
            f"min_service_share lies between 0 and 1; got {share}.",
            details={"field": "min_service_share"},
        )
    return share


@attrs.frozen
class OrderPolicy:
    """Platform-wide order rules.

    Attributes:
        cancellation: Fee schedules for cancelling.
        deposit_rate: Share of the price paid at checkout in deposit mode.
        unpaid_timeout_minutes: An order still unpaid this long after placing is cancelled.
        idempotency_key_hours: How long an idempotency key of order placement binds: a retry
            within it gets the same order (24 hours, the IETF draft's example).
        max_unpaid_orders_per_customer: Anti-hoarding: how many open orders with nothing
            captured yet (pay-on-arrival ones included) one customer may hold (6: a household
            booking a few services at once; paid orders do not count). None: no limit.
        max_unpaid_orders_per_customer_technician: The same, counted per customer and
            technician (3: a regular's next few visits; more are booked by paying for them).
            None: no limit.
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
        depart_lead_minutes: Time guard: the technician sets off no earlier than this long
            before the start (3 hours: a long drive across a city at rush hour, but not the
            day before).
        start_tolerance_minutes: Time guard: the service starts no earlier than this long
            before the slot (a customer glad to begin a little early).
        min_service_share: Time guard: the service is completed no earlier than this share
            of its duration after its recorded start (0 turns the guard off, 1 means the
            whole duration).
    """

    cancellation: CancellationPolicy = attrs.field(factory=CancellationPolicy)
    deposit_rate: Decimal = attrs.field(default=Decimal("0.3"), converter=_deposit_rate)
    unpaid_timeout_minutes: int = attrs.field(default=15, validator=_minutes)
    idempotency_key_hours: int = attrs.field(default=24, validator=_positive)
    max_unpaid_orders_per_customer: int | None = attrs.field(default=6, validator=_limit)
    max_unpaid_orders_per_customer_technician: int | None = attrs.field(default=3, validator=_limit)
    lateness_grace_minutes: int = attrs.field(default=15, validator=_minutes)
    no_show_wait_minutes: int = attrs.field(default=30, validator=_minutes)
    auto_complete_grace_minutes: int = attrs.field(default=60, validator=_minutes)
    review_window_days: int = attrs.field(default=7, validator=_minutes)
    complaint_window_days: int = attrs.field(default=7, validator=_minutes)
    reconcile_after_minutes: int = attrs.field(default=1, validator=_minutes)
    depart_lead_minutes: int = attrs.field(default=180, validator=_minutes)
    start_tolerance_minutes: int = attrs.field(default=30, validator=_minutes)
    min_service_share: Decimal = attrs.field(default=Decimal("0.5"), converter=_share)

    def upfront(self, mode: PaymentMode, price: Money) -> Money:
        """What is due at checkout for ``price`` in ``mode``."""
        if mode is PaymentMode.FULL:
            return price
        if mode is PaymentMode.DEPOSIT:
            return price.times_rate(self.deposit_rate, rounding=DEPOSIT_ROUNDING)
        return Money.zero(price.currency)
