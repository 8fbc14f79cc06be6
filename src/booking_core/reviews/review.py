"""A customer's review of a completed order, and what later hangs off it: the technician's
reply, the customer's follow-up (追评) and the platform's moderation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Final

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId

__all__ = ["FollowUp", "MAX_REVIEW_TEXT", "Moderation", "ModerationState", "Reply", "Review"]  # noqa: RUF022 (the public-API test's order)

#: The longest review, reply, follow-up, appeal or moderation reason, in characters.
MAX_REVIEW_TEXT: Final = 2000


def _stars(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if type(value) is not int or not 1 <= value <= 5:
        raise InvalidInput(
            f"Stars are a whole number from 1 to 5; got {value!r}.", details={"field": "stars"}
        )


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or len(value) > MAX_REVIEW_TEXT:
        raise InvalidInput(
            f"Review text is at most {MAX_REVIEW_TEXT} characters.",
            details={"field": attribute.name},
        )


def _said(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    # A reply, an appeal or a reason that says nothing is no answer at all.
    _text(_, attribute, value)
    assert isinstance(value, str)
    if not value.strip():
        raise InvalidInput(
            f"The {attribute.name} cannot be blank.", details={"field": attribute.name}
        )


def _ratings(value: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(dict(value).items()))


def _each_rating(_: object, attribute: attrs.Attribute[dict[str, int]], value: object) -> None:
    assert isinstance(value, dict)
    for dimension, stars in value.items():
        if type(stars) is not int or not 1 <= stars <= 5:
            raise InvalidInput(
                f"A rating of {dimension!r} is a whole number from 1 to 5; got {stars!r}.",
                details={"field": "ratings", "dimension": dimension},
            )


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise InvalidInput(
            f"Tags and photos are lists of strings; got the string {value!r}.",
            details={"field": "tags/photos"},
        )
    return tuple(value)


class ModerationState(StrEnum):
    """Where a moderated review stands (FEATURES C11, P-side moderation)."""

    HIDDEN = "hidden"  # staff hid it; the technician may appeal once
    APPEALED = "appealed"  # the technician appealed; staff decide
    RESTORED = "restored"  # staff restored it on appeal: shown again, for good
    KEPT_HIDDEN = "kept_hidden"  # staff kept it hidden on appeal: final

    @property
    def hides(self) -> bool:
        """Whether a review in this state is out of the listing and the star level."""
        return self is not ModerationState.RESTORED


@attrs.frozen
class Reply:
    """The technician's one public answer to a review (never edited: see docs/reviews.md)."""

    text: str = attrs.field(validator=_said)
    at: DateTime


@attrs.frozen
class FollowUp:
    """The customer's one follow-up review (追评): more text and photos, no new stars."""

    text: str = attrs.field(validator=_said)
    photos: tuple[str, ...] = attrs.field(converter=_strings)
    at: DateTime


@attrs.frozen
class Moderation:
    """A review's moderation: who hid it and why, the technician's appeal, the decision.

    Attributes:
        state: Where it stands.
        reason: Why staff hid it (shown to the technician and the customer).
        hidden_by: The staff member who hid it.
        hidden_at: When.
        appeal: The technician's appeal (None: not appealed).
        appealed_at: When he appealed.
        decided_by: The staff member who decided the appeal (None: undecided).
        decided_at: When.
        decision_note: What the decision says.
    """

    state: ModerationState
    reason: str = attrs.field(validator=_said)
    hidden_by: str
    hidden_at: DateTime
    appeal: str | None = None
    appealed_at: DateTime | None = None
    decided_by: str | None = None
    decided_at: DateTime | None = None
    decision_note: str | None = None


@attrs.frozen
class Review:
    """A customer's review of one completed order; shown on the technician's page.

    The overall ``stars`` are the customer's own answer; the per-dimension ``ratings`` come
    beside them (all the platform's dimensions, or none). Which tags, how many photos and
    which dimensions are allowed is the platform's :class:`~booking_core.reviews.ReviewPolicy`,
    checked by ``ReviewService.submit``; this class checks only the shapes.

    Attributes:
        ratings: Dimension name → 1–5 (empty: only the overall stars were given).
        tags: Tags from the platform's list.
        photos: File references (ids or URLs of the embedder's file store), never bytes.
        anonymous: Hide the customer from the technician and the public (never from the
            platform).
        reply: The technician's reply, once.
        follow_up: The customer's follow-up, once.
        moderation: Set once staff hid it.
        version: Bumped by each save (compare-and-set).
    """

    id: ReviewId
    order_id: OrderId
    customer_id: CustomerId
    technician_id: TechnicianId
    stars: int = attrs.field(validator=_stars)
    text: str = attrs.field(validator=_text)
    created_at: DateTime
    ratings: dict[str, int] = attrs.field(
        factory=dict, converter=_ratings, validator=_each_rating, kw_only=True, hash=False
    )
    tags: tuple[str, ...] = attrs.field(default=(), converter=_strings, kw_only=True)
    photos: tuple[str, ...] = attrs.field(default=(), converter=_strings, kw_only=True)
    anonymous: bool = attrs.field(default=False, kw_only=True)
    reply: Reply | None = attrs.field(default=None, kw_only=True)
    follow_up: FollowUp | None = attrs.field(default=None, kw_only=True)
    moderation: Moderation | None = attrs.field(default=None, kw_only=True)
    version: int = attrs.field(default=0, kw_only=True)

    @property
    def hidden(self) -> bool:
        """Out of the public listing and the star level (hidden, appealed or kept hidden)."""
        return self.moderation is not None and self.moderation.state.hides
