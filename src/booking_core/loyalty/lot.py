"""A points lot: one award, spent and expired on its own (INVARIANTS I17)."""

from __future__ import annotations

from enum import StrEnum

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, OrderId
from booking_core.timerange import ensure_aware

__all__ = ["PointsLot", "PointsSource"]


class PointsSource(StrEnum):
    """Where a lot's points came from."""

    ORDER = "order"  # earned by spending, credited when the order completes
    CHECK_IN = "check_in"  # the daily check-in (with its streak bonus)
    SHARING = "sharing"  # sharing a service or a technician
    CAMPAIGN = "campaign"  # a campaign's award
    ADJUSTMENT = "adjustment"  # a manual award by staff (always with a reason)
    BIRTHDAY = "birthday"  # his tier's birthday gift, once a year


def _aware(_: object, attribute: attrs.Attribute[DateTime], value: DateTime) -> None:
    ensure_aware(value, attribute.name)


@attrs.frozen
class PointsLot:
    """Points awarded together: spent and expired as one, apart from every other award.

    Attributes:
        id: The lot's id (the award's movement id: a replayed award finds its lot).
        customer_id: Whose points.
        source: Where they came from.
        points: How many were awarded (one or more).
        remaining: How many are left (0 ≤ remaining ≤ points).
        earned_at: When they were awarded.
        expires_at: The first instant they are no longer usable (None: never).
        reason: Why (required for a manual adjustment; a campaign's id or name).
        order_id: The order that earned them (source ``order``): a refund claws back
            from this lot first.
    """

    id: str
    customer_id: CustomerId
    source: PointsSource
    points: int
    remaining: int
    earned_at: DateTime = attrs.field(validator=_aware)
    expires_at: DateTime | None = None
    reason: str | None = None
    order_id: OrderId | None = None

    def __attrs_post_init__(self) -> None:
        if type(self.points) is not int or self.points < 1:
            raise InvalidInput(
                f"A lot holds one point or more; got {self.points!r}.", details={"field": "points"}
            )
        if type(self.remaining) is not int or not 0 <= self.remaining <= self.points:
            raise InvalidInput(
                f"A lot's remaining points are 0 to {self.points}; got {self.remaining!r}.",
                details={"field": "remaining"},
            )
        if self.expires_at is not None:
            ensure_aware(self.expires_at, "expires_at")
        if self.source is PointsSource.ADJUSTMENT and not (self.reason or "").strip():
            raise InvalidInput("A manual adjustment says why.", details={"field": "reason"})

    def expired_at(self, at: DateTime) -> bool:
        """Whether the lot can no longer be used at ``at`` (its expiry is exclusive)."""
        return self.expires_at is not None and at >= self.expires_at

    def spend_order(self) -> tuple[int, int, DateTime, str]:
        """The order spending takes lots in: soonest expiry first (never-expiring last),
        ties by ``earned_at``, then by id. The expiry counts in whole microseconds since
        the epoch: exact, whatever the zones the instants are written in."""
        if self.expires_at is None:
            return (1, 0, self.earned_at, self.id)
        expiry = self.expires_at.int_timestamp * 1_000_000 + self.expires_at.microsecond
        return (0, expiry, self.earned_at, self.id)

    def taking(self, points: int) -> PointsLot:
        """The lot with ``points`` fewer remaining (negative: given back)."""
        return attrs.evolve(self, remaining=self.remaining - points)
