"""The platform's review settings: dimensions, tags, photo limits, the follow-up window and
the star-level formula (given to ``bootstrap.build(review_policy=...)``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs

from booking_core.errors import InvalidInput

__all__ = ["DEFAULT_DIMENSIONS", "DEFAULT_TAGS", "ReviewPolicy", "StarLevelFormula", "STARS"]  # noqa: RUF022 (the public-API test's order)

#: The dimensions customers rate by default.
DEFAULT_DIMENSIONS: Final = ("skill", "punctuality", "attitude")
#: The tags customers pick from by default.
DEFAULT_TAGS: Final = (
    "clean_and_tidy",
    "friendly",
    "good_pressure",
    "on_time",
    "professional",
    "would_book_again",
)
#: The key of the overall stars in :attr:`StarLevelFormula.weights`.
STARS: Final = "stars"

_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _names(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise InvalidInput(
            f"Give a list of names, not the string {value!r}.", details={"field": "names"}
        )
    return tuple(value)


def _check_names(_: object, attribute: attrs.Attribute[tuple[str, ...]], value: object) -> None:
    assert isinstance(value, tuple)
    for name in value:
        if not isinstance(name, str) or _NAME.fullmatch(name) is None or name == STARS:
            raise InvalidInput(
                f"A {attribute.name[:-1]} name is lower-case letters, digits and '_' "
                f"(at most 40, not {STARS!r}); got {name!r}.",
                details={"field": attribute.name},
            )
    if len(set(value)) != len(value):
        raise InvalidInput(
            f"The {attribute.name} are listed once each; got {list(value)}.",
            details={"field": attribute.name},
        )


def _at_least(low: int, *, optional: bool = False) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if type(value) is not int or value < low:
            none = ", or None for no limit" if optional else ""
            raise InvalidInput(
                f"{attribute.name} is a whole number ≥ {low}{none}; got {value!r}.",
                details={"field": attribute.name},
            )

    return check


def _weights(value: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(dict(value).items()))


def _check_weights(_: object, attribute: attrs.Attribute[dict[str, int]], value: object) -> None:
    assert isinstance(value, dict)
    for name, weight in value.items():
        if type(weight) is not int or weight < 0:
            raise InvalidInput(
                f"The weight of {name!r} is a whole number ≥ 0; got {weight!r}.",
                details={"field": "weights", "name": name},
            )


def _prior_mean(value: object) -> Decimal:
    if isinstance(value, float) or not isinstance(value, Decimal | str | int):
        raise InvalidInput(
            f"The prior mean is a Decimal like '4.6'; got {value!r}.",
            details={"field": "prior_mean"},
        )
    mean = Decimal(value)
    if not Decimal(1) <= mean <= Decimal(5):
        raise InvalidInput(
            f"The prior mean lies from 1 to 5; got {mean}.", details={"field": "prior_mean"}
        )
    return mean


@attrs.frozen
class StarLevelFormula:
    """How a technician's star level (``TechnicianProfile.rating``) is computed from his
    reviews (:func:`~booking_core.reviews.star_level`).

    1. Counted reviews: those not hidden, created at most ``window_days`` × 24 hours
       before the moment of computing (boundary included), and of those the newest
       ``last_reviews``; None lifts either limit.
    2. Each counted review scores the weighted mean of its overall stars and its dimension
       ratings: ``Σ weight × value / Σ weight`` over the stars (key :data:`STARS`) and each
       dimension it rates; a name not in ``weights`` weighs 1. A review whose weights sum
       to 0 scores its stars.
    3. The level is ``(prior_weight × prior_mean + Σ scores) / (prior_weight + n)`` for n
       counted reviews — a Bayesian pull toward the platform's mean, worth
       ``prior_weight`` reviews — computed exactly (fractions) and rounded half up to one
       decimal. No counted review: None (unrated), whatever the prior.

    The default (no window, no prior, every weight 1) is the mean over all reviews of
    what each customer rated; for reviews with stars only, the mean of the stars.
    """

    window_days: int | None = attrs.field(default=None, validator=_at_least(1, optional=True))
    last_reviews: int | None = attrs.field(default=None, validator=_at_least(1, optional=True))
    weights: dict[str, int] = attrs.field(
        factory=dict, converter=_weights, validator=_check_weights, hash=False
    )
    prior_weight: int = attrs.field(default=0, validator=_at_least(0))
    prior_mean: Decimal = attrs.field(default=Decimal("4.5"), converter=_prior_mean)

    def weight_of(self, name: str) -> int:
        """The weight of the stars (:data:`STARS`) or a dimension in a review's score."""
        return self.weights.get(name, 1)


def _formula_fits(policy: ReviewPolicy, _: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, StarLevelFormula):
        raise InvalidInput(
            f"star_level is a StarLevelFormula; got {value!r}.", details={"field": "star_level"}
        )
    unknown = sorted(set(value.weights) - {STARS, *policy.dimensions})
    if unknown:
        raise InvalidInput(
            f"The star-level weights name {unknown}, which are neither {STARS!r} nor a "
            f"dimension ({list(policy.dimensions)}).",
            details={"field": "star_level.weights", "unknown": unknown},
        )


@attrs.frozen
class ReviewPolicy:
    """What a review may hold, and how long the customer may follow it up.

    Attributes:
        dimensions: What customers rate 1–5 beside the overall stars (all or none of
            them in one review); empty: the stars only.
        tags: The tags a review may carry (each at most once).
        max_tags: How many tags one review carries at most.
        max_photos: How many photo references one review (or one follow-up) carries.
        max_photo_length: The longest photo reference (an id or URL), in characters.
        follow_up_days: The follow-up (追评) is taken until this many 24-hour days after
            the review (the end excluded).
        star_level: The formula of the technician's star level.
    """

    dimensions: tuple[str, ...] = attrs.field(
        default=DEFAULT_DIMENSIONS, converter=_names, validator=_check_names
    )
    tags: tuple[str, ...] = attrs.field(
        default=DEFAULT_TAGS, converter=_names, validator=_check_names
    )
    max_tags: int = attrs.field(default=5, validator=_at_least(0))
    max_photos: int = attrs.field(default=9, validator=_at_least(0))
    max_photo_length: int = attrs.field(default=500, validator=_at_least(1))
    follow_up_days: int = attrs.field(default=30, validator=_at_least(1))
    star_level: StarLevelFormula = attrs.field(factory=StarLevelFormula, validator=_formula_fits)
