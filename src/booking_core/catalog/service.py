"""A bookable service: what is done, for how long, for how much."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from booking_core.catalog.booking_rules import BookingRules
from booking_core.catalog.category import _non_blank
from booking_core.errors import InvalidInput
from booking_core.ids import CategoryId, ServiceId
from booking_core.money import Money

__all__ = ["MAX_TECHNICIANS_NEEDED", "Service"]

_MAX_MINUTES = 24 * 60

#: The most technicians one service may need at once (a crew larger than this is a project,
#: not a booking).
MAX_TECHNICIANS_NEEDED = 8


def _minutes(*, minimum: int) -> Callable[[Any, attrs.Attribute[int], int], None]:
    def check(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
        if type(value) is not int or not minimum <= value <= _MAX_MINUTES:
            raise InvalidInput(
                f"The {attribute.name} is a whole number of minutes from {minimum} to "
                f"{_MAX_MINUTES}; got {value!r}.",
                details={"field": attribute.name},
            )

    return check


def _price(_: object, attribute: attrs.Attribute[Money], value: Money) -> None:
    if value.is_negative:
        raise InvalidInput(
            f"A service price cannot be negative; got {value}.",
            details={"field": "price"},
        )


def _technicians_needed(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or not 1 <= value <= MAX_TECHNICIANS_NEEDED:
        raise InvalidInput(
            f"A service needs from 1 to {MAX_TECHNICIANS_NEEDED} technicians at once; "
            f"got {value!r}.",
            details={"field": "technicians_needed"},
        )


def _rules_or_none(value: BookingRules | None) -> BookingRules | None:
    # Rules that change nothing are no rules: one way to say "the platform's".
    return None if value is None or value.is_empty else value


@attrs.frozen
class Service:
    """A service in the catalog (e.g. a 60-minute Chinese tuina at 199.00 CNY).

    Buffers are minutes the technician needs before (preparation, travel set-up) and after
    (clean-up) the service; they block the technician's time but are not sold. ``rules``
    are its own booking rules (step, notice, window) where they differ from the platform's
    (:class:`~booking_core.catalog.BookingRules`; None: the platform's).
    ``technicians_needed`` technicians serve it together, at the same time (2: a couple's
    massage, a two-person cleaning crew): it is booked as a party of that many orders,
    one per technician (docs/availability.md "Services for several technicians").
    """

    id: ServiceId
    category_id: CategoryId
    name: str = attrs.field(validator=_non_blank)
    duration_minutes: int = attrs.field(validator=_minutes(minimum=1))
    price: Money = attrs.field(validator=_price)
    description: str = ""
    buffer_before_minutes: int = attrs.field(default=0, validator=_minutes(minimum=0))
    buffer_after_minutes: int = attrs.field(default=0, validator=_minutes(minimum=0))
    rules: BookingRules | None = attrs.field(default=None, converter=_rules_or_none)
    technicians_needed: int = attrs.field(default=1, validator=_technicians_needed)
