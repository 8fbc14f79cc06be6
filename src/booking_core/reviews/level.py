"""A technician's star level from his reviews, by the platform's formula — exact fractions,
one rounding (half up, to one decimal) at the end."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from pendulum import DateTime

from booking_core.reviews.policy import STARS, StarLevelFormula
from booking_core.reviews.review import Review

__all__ = ["counted_reviews", "review_score", "round_level", "star_level"]


def review_score(review: Review, formula: StarLevelFormula) -> Fraction:
    """What one review counts for: the weighted mean of its stars and dimension ratings
    (:class:`StarLevelFormula`, step 2), exact."""
    terms = [(STARS, review.stars), *review.ratings.items()]
    total = sum(formula.weight_of(name) for name, _ in terms)
    if total == 0:
        return Fraction(review.stars)
    return Fraction(sum(formula.weight_of(name) * value for name, value in terms), total)


def counted_reviews(
    reviews: Iterable[Review], formula: StarLevelFormula, now: DateTime
) -> list[Review]:
    """The reviews the level counts at ``now`` (:class:`StarLevelFormula`, step 1), newest
    first (ties on the instant: the larger id first)."""
    shown = [r for r in reviews if not r.hidden]
    if formula.window_days is not None:
        # 24-hour days, so a window means the same length across daylight-saving changes.
        since = now - timedelta(days=formula.window_days)
        shown = [r for r in shown if r.created_at >= since]
    shown.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return shown if formula.last_reviews is None else shown[: formula.last_reviews]


def round_level(value: Fraction) -> Decimal:
    """``value`` (≥ 0) to one decimal, halves rounded up: 4.25 → 4.3, 4.249… → 4.2."""
    tenths = math.floor(value * 10 + Fraction(1, 2))
    return Decimal(tenths).scaleb(-1)  # exact: 45 → 4.5, 50 → 5.0


def star_level(
    reviews: Iterable[Review], formula: StarLevelFormula, now: DateTime
) -> Decimal | None:
    """The star level ``reviews`` give at ``now`` (:class:`StarLevelFormula`, step 3): from
    1.0 to 5.0, or None when no review counts."""
    counted = counted_reviews(reviews, formula, now)
    if not counted:
        return None
    prior = formula.prior_weight * Fraction(formula.prior_mean)
    total = prior + sum((review_score(r, formula) for r in counted), Fraction(0))
    return round_level(total / (formula.prior_weight + len(counted)))
