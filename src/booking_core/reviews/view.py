"""A review as one viewer may see it: an anonymous customer stays hidden from everyone but
the platform and himself."""

from __future__ import annotations

from decimal import Decimal

import attrs
from pendulum import DateTime

from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId
from booking_core.orders.actor import Actor, Role
from booking_core.reviews.review import FollowUp, Moderation, Reply, Review

__all__ = ["ReviewListing", "ReviewView", "view_of"]


@attrs.frozen
class ReviewView:
    """A review as ``viewer`` sees it (:func:`view_of`).

    Attributes:
        customer_id: The author; None for an anonymous review seen by anyone but the
            platform and the author himself.
        moderation: Shown to the platform, the technician and the author; None for others
            (the public never sees hidden reviews anyway).
    """

    id: ReviewId
    order_id: OrderId
    customer_id: CustomerId | None
    technician_id: TechnicianId
    stars: int
    ratings: dict[str, int] = attrs.field(hash=False)
    tags: tuple[str, ...]
    photos: tuple[str, ...]
    text: str
    anonymous: bool
    created_at: DateTime
    reply: Reply | None
    follow_up: FollowUp | None
    moderation: Moderation | None


def _sees_author(review: Review, viewer: Actor | None) -> bool:
    if not review.anonymous or viewer is None:
        return not review.anonymous
    return viewer.role is Role.PLATFORM or (
        viewer.role is Role.CUSTOMER and viewer.id == review.customer_id
    )


def _party(review: Review, viewer: Actor | None) -> bool:
    if viewer is None:
        return False
    return (
        viewer.role is Role.PLATFORM
        or (viewer.role is Role.CUSTOMER and viewer.id == review.customer_id)
        or (viewer.role is Role.TECHNICIAN and viewer.id == review.technician_id)
    )


def view_of(review: Review, viewer: Actor | None) -> ReviewView:
    """``review`` as ``viewer`` (None: the public) sees it: the customer masked on an
    anonymous review for all but the platform and the author; the moderation record for
    the parties and the platform only."""
    return ReviewView(
        id=review.id,
        order_id=review.order_id,
        customer_id=review.customer_id if _sees_author(review, viewer) else None,
        technician_id=review.technician_id,
        stars=review.stars,
        ratings=dict(review.ratings),
        tags=review.tags,
        photos=review.photos,
        text=review.text,
        anonymous=review.anonymous,
        created_at=review.created_at,
        reply=review.reply,
        follow_up=review.follow_up,
        moderation=review.moderation if _party(review, viewer) else None,
    )


@attrs.frozen
class ReviewListing:
    """A technician's shown reviews, newest first, and what they add up to.

    Attributes:
        reviews: The reviews not hidden, as the viewer sees them.
        average_stars: The mean overall stars of ``reviews`` (one decimal, half up).
        star_level: His stored star level (the formula's, ``TechnicianProfile.rating``).
    """

    technician_id: TechnicianId
    reviews: list[ReviewView] = attrs.field(hash=False)
    average_stars: Decimal | None
    star_level: Decimal | None
