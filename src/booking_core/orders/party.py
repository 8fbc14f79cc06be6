"""A party: the orders of one booking of a service that needs several technicians at once.

A couple's massage (双人按摩) or a two-person cleaning crew is booked as one party of
``size`` orders, one per technician ("seat"), placed in one transaction: every seat's
booking is reserved, or none is. After placement each order lives on its own (payment,
acceptance, arrival, earnings); the party id ties them together for the customer.
"""

from __future__ import annotations

import attrs

from booking_core.errors import InvalidInput

__all__ = ["Party"]


@attrs.frozen
class Party:
    """Which party an order belongs to: its id, how many seats it has and which one this
    order fills (0 to ``size - 1``)."""

    id: str
    size: int
    seat: int

    def __attrs_post_init__(self) -> None:
        if not self.id:
            raise InvalidInput("A party needs an id.", details={"field": "party"})
        if type(self.size) is not int or self.size < 2:
            raise InvalidInput(
                f"A party has two seats or more; got {self.size!r}.",
                details={"field": "party"},
            )
        if type(self.seat) is not int or not 0 <= self.seat < self.size:
            raise InvalidInput(
                f"Party {self.id} has seats 0 to {self.size - 1}; got {self.seat!r}.",
                details={"field": "party"},
            )
