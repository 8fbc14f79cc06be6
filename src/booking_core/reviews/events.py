"""Events of a review's later life, raised on its order (so the order's unit of work writes
them to the outbox with the change) for notifications and webhooks."""

from __future__ import annotations

import attrs

from booking_core.events import DomainEvent

__all__ = [
    "ReviewAppealDecided",
    "ReviewAppealed",
    "ReviewFollowedUp",
    "ReviewHidden",
    "ReviewReplied",
]


@attrs.frozen
class ReviewReplied(DomainEvent):
    """The technician replied to a review (the customer may want to read it)."""

    review_id: str
    order_id: str
    technician_id: str
    customer_id: str


@attrs.frozen
class ReviewFollowedUp(DomainEvent):
    """The customer added his follow-up (追评) to a review."""

    review_id: str
    order_id: str
    technician_id: str


@attrs.frozen
class ReviewHidden(DomainEvent):
    """Staff hid a review: out of the listing and the star level until an appeal restores it."""

    review_id: str
    order_id: str
    technician_id: str
    reason: str


@attrs.frozen
class ReviewAppealed(DomainEvent):
    """The technician appealed the hiding of a review; staff decide."""

    review_id: str
    order_id: str
    technician_id: str


@attrs.frozen
class ReviewAppealDecided(DomainEvent):
    """Staff decided an appeal: the review restored, or kept hidden for good."""

    review_id: str
    order_id: str
    technician_id: str
    restored: bool
