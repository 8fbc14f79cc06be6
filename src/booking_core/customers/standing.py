"""What pricing and the unpaid-order limits know about a customer at checkout."""

from __future__ import annotations

import attrs

from booking_core.ids import CustomerId
from booking_core.orders.hoarding import UnpaidCount
from booking_core.pricing import CustomerProfile

__all__ = ["CustomerStanding"]


@attrs.frozen
class CustomerStanding:
    """A customer's standing, read in one round trip at checkout and for quotes.

    Attributes:
        customer_id: Whose.
        tier: His stored membership tier (None: not a member, or not registered).
        has_paid_order: Whether any of his orders (other than the one being priced) has had
            money captured. A customer is *new* until then: a paid order makes him a
            customer, even if it was refunded later; placed-but-unpaid or cancelled-unpaid
            orders do not.
        unpaid: His open orders with nothing captured (the anti-hoarding limits).
        points_balance: Points he may redeem — 0 until the loyalty rules keep a balance.
    """

    customer_id: CustomerId
    tier: str | None = None
    has_paid_order: bool = False
    unpaid: UnpaidCount = attrs.field(factory=lambda: UnpaidCount(total=0, with_technician=0))
    points_balance: int = 0

    @property
    def is_new(self) -> bool:
        """New until one of his orders is paid (derived, never stored)."""
        return not self.has_paid_order

    def pricing_profile(self) -> CustomerProfile:
        """The facts a price depends on."""
        return CustomerProfile(
            self.customer_id,
            tier=self.tier,
            is_new=self.is_new,
            points_balance=self.points_balance,
        )
