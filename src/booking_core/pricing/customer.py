"""What pricing needs to know about the customer."""

from __future__ import annotations

import attrs

from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId

__all__ = ["CustomerProfile"]


@attrs.frozen
class CustomerProfile:
    """The facts about a customer that a price may depend on.

    Attributes:
        id: The customer (a coupon is usable only by its holder).
        tier: Membership tier name, e.g. ``"gold"`` (None: not a member).
        is_new: Whether the caller counts this customer as new (e.g. no completed order);
            new-customer coupons need it.
        points_balance: Points the customer holds and may redeem.
    """

    id: CustomerId
    tier: str | None = None
    is_new: bool = False
    points_balance: int = 0

    def __attrs_post_init__(self) -> None:
        if type(self.points_balance) is not int or self.points_balance < 0:
            raise InvalidInput(
                f"A points balance is a whole number of zero or more; got {self.points_balance!r}.",
                details={"field": "points_balance"},
            )
