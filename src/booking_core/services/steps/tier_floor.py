"""The tier floor step: the tier a customer bought with points and still holds, which the
tier evaluation keeps him at (docs/loyalty.md, "Spending points")."""

from __future__ import annotations

from pendulum import DateTime

from booking_core.ids import CustomerId
from booking_core.loyalty import LoyaltyPolicy
from booking_core.ports.storage import UnitOfWork

__all__ = ["held_tier"]


def held_tier(
    uow: UnitOfWork, policy: LoyaltyPolicy, customer_id: CustomerId, at: DateTime
) -> str | None:
    """The highest tier he bought that still holds at ``at`` (None: none): the floor the
    tier evaluation keeps him at until the purchase's ``until``."""
    ladder = policy.tiers
    held = [r.item_id for r in uow.rewards.tiers_held(customer_id, at)]
    if ladder is None or not held:
        return None
    return max(held, key=ladder.rank)
