"""What the rules know about an order when they write a notification."""

from __future__ import annotations

import attrs
from pendulum import DateTime

__all__ = ["OrderFacts", "local_start"]


def local_start(instant: DateTime, time_zone: str) -> str:
    """``instant`` as people read it where the service happens: ``YYYY-MM-DD HH:mm``."""
    return instant.in_timezone(time_zone).format("YYYY-MM-DD HH:mm")


@attrs.frozen
class OrderFacts:
    """An order's parties and the words its notifications use.

    Attributes:
        order_id: The order.
        number: Its human-friendly number.
        service: The service's name.
        start: The slot's start, local (:func:`local_start`).
        customer_id: Who booked.
        technician_id: Who serves (None until someone is assigned).
        technician: His name ("" when none).
        store_id: The store employing him, if any.
        time_zone: The order's zone (where the service happens): other instants a
            notification names are written in it too.
    """

    order_id: str
    number: str
    service: str
    start: str
    customer_id: str
    technician_id: str | None
    technician: str
    store_id: str | None
    time_zone: str

    def params(self, **extra: str) -> dict[str, str]:
        """The order parameters every order template takes, plus ``extra``."""
        return {
            "order_id": self.order_id,
            "order_number": self.number,
            "service": self.service,
            "start": self.start,
            **extra,
        }
