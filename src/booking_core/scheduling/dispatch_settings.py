"""A technician's own dispatch settings (FEATURES T5, T6): whether he takes part in grab
broadcasts (抢单), how many orders a day he takes at most, and where he works."""

from __future__ import annotations

import attrs

from booking_core.errors import InvalidInput
from booking_core.scheduling.area import PolygonArea

__all__ = ["DispatchSettings"]

#: The largest daily maximum a technician may set (a day has no room for more).
MAX_ORDERS_PER_DAY = 48


def _flag(_: object, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(
            f"{attribute.name} is true or false; got {value!r}.",
            details={"field": attribute.name},
        )


def _maximum(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MAX_ORDERS_PER_DAY
    ):
        raise InvalidInput(
            f"A daily maximum is a whole number of orders from 1 to {MAX_ORDERS_PER_DAY} "
            f"(or none); got {value!r}.",
            details={"field": attribute.name},
        )


def _polygon(_: object, attribute: attrs.Attribute[PolygonArea | None], value: object) -> None:
    if value is not None and not isinstance(value, PolygonArea):
        raise InvalidInput(
            f"A working area is a polygon (PolygonArea) or none; got {value!r}.",
            details={"field": attribute.name},
        )


@attrs.frozen
class DispatchSettings:
    """What dispatch asks of a technician, set by himself.

    Attributes:
        accepts_grabs: Whether grab broadcasts (抢单) reach him; offers (派单) and manual
            assignments do either way.
        max_orders_per_day: The most orders dispatch gives him in one local day (None: no
            maximum of his own; the platform's daily cap still holds for bookings).
        working_area: Where he takes dispatched orders, drawn on a map (None: his service
            area, the circle customers search him by).
    """

    accepts_grabs: bool = attrs.field(default=True, validator=_flag)
    max_orders_per_day: int | None = attrs.field(default=None, validator=_maximum)
    working_area: PolygonArea | None = attrs.field(default=None, validator=_polygon)
