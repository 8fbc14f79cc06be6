"""When the technician may set off, start and complete: the chart's time guards.

Each guard holds from one instant on, computed here from the order's slot, the recorded
start of service and the :class:`~booking_core.orders.policy.OrderPolicy` in force:

* ``lead_time_reached`` — ``depart`` from ``depart_lead_minutes`` before the start;
* ``start_tolerance_reached`` — ``start_service`` from ``start_tolerance_minutes`` before the
  start;
* ``minimum_service_time_reached`` — ``complete`` from ``min_service_share`` of the slot's
  duration after the service started (rounded up to the second).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Final

import pendulum
from pendulum import DateTime

from booking_core.orders.policy import OrderPolicy
from booking_core.timerange import TimeRange

__all__ = ["TIME_GUARDS", "explain", "minimum_service_time", "not_before"]

#: The time guard of each event that has one.
TIME_GUARDS: Final[dict[str, str]] = {
    "depart": "lead_time_reached",
    "start_service": "start_tolerance_reached",
    "complete": "minimum_service_time_reached",
}


def not_before(
    event: str, *, slot: TimeRange, started: DateTime | None, policy: OrderPolicy
) -> DateTime | None:
    """The earliest instant ``event`` is allowed (None: it has no time guard).

    ``started`` is when the service was recorded as started; an order without one (stored
    before it was recorded) counts from the slot's start.
    """
    if event == "depart":
        return slot.start - pendulum.duration(minutes=policy.depart_lead_minutes)
    if event == "start_service":
        return slot.start - pendulum.duration(minutes=policy.start_tolerance_minutes)
    if event == "complete":
        return (started or slot.start) + minimum_service_time(slot, policy)
    return None


def minimum_service_time(slot: TimeRange, policy: OrderPolicy) -> pendulum.Duration:
    """``min_service_share`` of the slot's duration, rounded up to a whole second."""
    return pendulum.duration(seconds=_minimum_seconds(slot, policy))


def _minimum_seconds(slot: TimeRange, policy: OrderPolicy) -> int:
    seconds = Decimal(int((slot.end - slot.start).total_seconds())) * policy.min_service_share
    return int(seconds.to_integral_value(rounding=ROUND_CEILING))


def _plain(value: Decimal) -> str:
    # For messages: at most two decimals (rounded up, as the guard itself rounds up), no
    # exponent, no trailing zeros — 50, 45.5, 1.67.
    text = format(value.quantize(Decimal("0.01"), rounding=ROUND_CEILING), "f")
    return text.rstrip("0").rstrip(".")


def explain(guard: str, policy: OrderPolicy, slot: TimeRange) -> str:
    """What a failed time guard means, in words a person can act on."""
    if guard == "lead_time_reached":
        return (
            f"the technician sets off no earlier than {policy.depart_lead_minutes} minutes "
            "before the start"
        )
    if guard == "start_tolerance_reached":
        return (
            f"the service starts no earlier than {policy.start_tolerance_minutes} minutes "
            "before the start"
        )
    minutes = _plain(Decimal(_minimum_seconds(slot, policy)) / 60)
    percent = _plain(policy.min_service_share * 100)
    return (
        f"the service is completed at least {percent}% of the service ({minutes} minutes) "
        "after it started"
    )
