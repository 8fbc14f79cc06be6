"""Membership tiers: thresholds over a metric, downgrades after a grace period (I20)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import attrs
import pendulum
from pendulum import DateTime, Duration

from booking_core.errors import InvalidPromotion
from booking_core.ids import CustomerId
from booking_core.timerange import ensure_aware

__all__ = ["Tier", "TierChange", "TierLadder", "TierMetric", "TierStatus"]


class TierMetric(StrEnum):
    """What tiers are measured by."""

    LIFETIME_SPEND = "lifetime_spend"  # minor units paid for completed orders, less refunds
    ROLLING_SPEND = "rolling_12_month_spend"  # the same over the last 12 months
    POINTS_EARNED = "points_earned"  # every point ever awarded
    ORDER_COUNT = "order_count"  # completed orders


@attrs.frozen
class Tier:
    """A tier: its name (what pricing and coupons know) and its threshold (inclusive)."""

    name: str
    threshold: int

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 40:
            raise InvalidPromotion(
                f"A tier is named by 1 to 40 characters; got {self.name!r}.",
                details={"field": "name"},
            )
        if type(self.threshold) is not int or self.threshold < 0:
            raise InvalidPromotion(
                f"A tier threshold is a whole number of zero or more; got {self.threshold!r}.",
                details={"field": "threshold"},
            )


def _tiers(value: Iterable[Tier]) -> tuple[Tier, ...]:
    return tuple(value)


@attrs.frozen
class TierLadder:
    """The tiers over one metric, lowest first.

    A customer's tier is the highest whose threshold ≤ his metric (none below the first):
    a larger metric never gives a lower tier (I20). An upgrade takes effect at once; a
    downgrade only after the metric has stayed below the tier's threshold for
    ``downgrade_grace`` (a member does not lose gold the day a year-old order rolls out of
    his 12 months; the grace is counted from the evaluation that first saw him below).

    Attributes:
        metric: What the thresholds measure.
        tiers: Lowest first, thresholds strictly increasing, names unique.
        downgrade_grace: How long a lower metric is tolerated before the tier drops.
    """

    metric: TierMetric
    tiers: tuple[Tier, ...] = attrs.field(converter=_tiers)
    downgrade_grace: Duration = attrs.field(factory=lambda: pendulum.duration(days=30))

    def __attrs_post_init__(self) -> None:
        thresholds = [t.threshold for t in self.tiers]
        names = [t.name for t in self.tiers]
        if not self.tiers or thresholds != sorted(set(thresholds)) or len(set(names)) != len(names):
            raise InvalidPromotion(
                "A ladder has one tier or more, thresholds strictly increasing, names unique.",
                details={"field": "tiers"},
            )
        if self.downgrade_grace < pendulum.duration():
            raise InvalidPromotion("A grace period is zero or more.",
                                   details={"field": "downgrade_grace"})  # fmt: skip

    def tier_for(self, metric: int) -> str | None:
        """The highest tier whose threshold ≤ ``metric`` (None: below every tier)."""
        found = None
        for tier in self.tiers:
            if tier.threshold <= metric:
                found = tier.name
        return found

    def rank(self, name: str | None) -> int:
        """0 for no tier, 1 for the lowest, …; an unknown name (set by hand) ranks 0."""
        for index, tier in enumerate(self.tiers, start=1):
            if tier.name == name:
                return index
        return 0

    def evaluate(
        self, status: TierStatus, metric: int, at: DateTime, *, floor: str | None = None
    ) -> tuple[TierStatus, TierChange | None]:
        """His status after seeing ``metric`` at ``at``, and the change of tier (if any).

        ``floor``: a tier he bought with points and still holds at ``at``; he keeps at least
        it whatever the metric (no grace is counted under it). Once it lapses the caller
        passes none, and the normal rules apply: the grace starts at the first evaluation
        that sees him below."""
        ensure_aware(at, "at")
        earned = self.tier_for(metric)
        if floor is not None and self.rank(floor) > self.rank(earned):
            earned = floor
        current = status.tier
        if self.rank(earned) >= self.rank(current) and earned != current:
            after = TierStatus(status.customer_id, earned, metric, at, since=at)
            return after, TierChange(status.customer_id, current, earned, metric, at, "reached")
        if self.rank(earned) >= self.rank(current):
            return attrs.evolve(status, metric=metric, evaluated_at=at, below_since=None), None
        below = status.below_since or at
        if at - below >= self.downgrade_grace:
            after = TierStatus(status.customer_id, earned, metric, at, since=at)
            return after, TierChange(status.customer_id, current, earned, metric, at, "grace_ended")
        return attrs.evolve(status, metric=metric, evaluated_at=at, below_since=below), None


@attrs.frozen
class TierStatus:
    """A customer's tier as last evaluated.

    Attributes:
        customer_id: Whose.
        tier: His tier (None: none).
        metric: The metric last seen.
        evaluated_at: When.
        since: When he reached this tier (None: never evaluated into one).
        below_since: When the metric was first seen below his tier's threshold (None: not
            below); the downgrade comes ``downgrade_grace`` after it.
    """

    customer_id: CustomerId
    tier: str | None = None
    metric: int = 0
    evaluated_at: DateTime | None = None
    since: DateTime | None = None
    below_since: DateTime | None = None


@attrs.frozen
class TierChange:
    """One entry of a customer's tier history.

    Attributes:
        customer_id: Whose.
        from_tier: Before (None: none).
        to_tier: After (None: none).
        metric: The metric that decided it.
        at: When.
        cause: ``reached`` (the metric rose, or fell with no grace left),
            ``grace_ended`` (a downgrade after the grace period) or ``purchased`` (bought
            with points: docs/loyalty.md, "Spending points").
    """

    customer_id: CustomerId
    from_tier: str | None
    to_tier: str | None
    metric: int
    at: DateTime
    cause: str
