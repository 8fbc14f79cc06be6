"""A service's own booking rules: what it changes of the platform's booking policy.

A couple's massage may need a day's notice and a coarser grid than a foot massage; a deep
clean may be bookable two weeks out when the rest is bookable for one. Each rule left
``None`` keeps the platform's (``BookingPolicy``); the rest replace it for that service,
in slot listings, searches and bookings alike (one rule engine, I2). Buffers already live
on the service itself.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

import attrs

from booking_core.errors import InvalidSchedule

__all__ = ["BookingRules", "WindowKind"]

_MAX_STEP = 24 * 60


class WindowKind(StrEnum):
    """How a booking window of ``window_days`` is counted."""

    ROLLING = "rolling"
    """``window_days × 24 h`` from now: a start at most that long after now (inclusive)."""
    CALENDAR_DAYS = "calendar_days"
    """Whole local days in the technician's zone: any start up to the end of the local date
    ``window_days`` after today (today + 7 on a Monday: to Monday next week, 23:59)."""
    NONE = "none"
    """No window: any start after the notice (``window_days`` is not read)."""


def _optional_int(
    low: int, high: int | None
) -> Callable[[Any, attrs.Attribute[int | None], int | None], None]:
    def check(_: Any, attribute: attrs.Attribute[int | None], value: int | None) -> None:
        if value is None:
            return
        if type(value) is not int or value < low or (high is not None and value > high):
            limit = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise InvalidSchedule(
                f"A service's {attribute.name} is a whole number {limit} (or none for the "
                f"platform's); got {value!r}.",
                details={"field": attribute.name},
            )

    return check


def _kind(value: object) -> WindowKind | None:
    if value is None or isinstance(value, WindowKind):
        return value
    try:
        return WindowKind(value if isinstance(value, str) else "")
    except ValueError:
        raise InvalidSchedule(
            f"A booking window is counted {', '.join(repr(k.value) for k in WindowKind)}; "
            f"got {value!r}.",
            details={"field": "window_kind"},
        ) from None


@attrs.frozen
class BookingRules:
    """What a service changes of the platform's booking policy (None: the platform's).

    Attributes:
        slot_step_minutes: Minutes between offered starts (1 to 1440).
        notice_minutes: Minimum notice (strict, as the platform's).
        window_days: How far ahead a start may be, counted as ``window_kind`` says.
        window_kind: How the window is counted (:class:`WindowKind`; ``NONE``: no window).
    """

    slot_step_minutes: int | None = attrs.field(default=None, validator=_optional_int(1, _MAX_STEP))
    notice_minutes: int | None = attrs.field(default=None, validator=_optional_int(0, None))
    window_days: int | None = attrs.field(default=None, validator=_optional_int(1, None))
    window_kind: WindowKind | None = attrs.field(default=None, converter=_kind)

    @property
    def is_empty(self) -> bool:
        """Nothing changed: the platform's policy as it is."""
        return self == BookingRules()
