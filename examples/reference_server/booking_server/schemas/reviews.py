"""Reviews of completed orders (FEATURES C11, C5, T11): stars, dimension ratings, tags,
photos, anonymity, the technician's reply, the customer's follow-up, moderation."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from booking_core.reviews import FollowUp, Moderation, Reply, ReviewListing, ReviewView
from booking_server.paging import NextCursor
from booking_server.schemas.common import InModel, OutModel, WholeNumber

__all__ = [
    "AppealDecisionIn",
    "AppealIn",
    "FollowUpIn",
    "FollowUpOut",
    "HideReviewIn",
    "ModerationOut",
    "ModerationQueue",
    "ReplyIn",
    "ReplyOut",
    "ReviewIn",
    "ReviewList",
    "ReviewOut",
]

Text = Field(min_length=1, max_length=2000)


class ReviewIn(InModel):
    """Review a completed order: 1–5 stars and optional text; optionally every dimension
    of the platform rated 1–5, tags from its list, photo references, anonymity."""

    stars: WholeNumber = Field(ge=1, le=5, examples=[5])
    text: str = Field(default="", max_length=2000)
    ratings: dict[str, WholeNumber] = Field(
        default_factory=dict, examples=[{"skill": 5, "punctuality": 4, "attitude": 5}]
    )
    tags: list[str] = Field(default_factory=list, max_length=20, examples=[["on_time"]])
    photos: list[str] = Field(default_factory=list, max_length=50)
    anonymous: bool = False


class ReplyIn(InModel):
    """The technician's reply."""

    text: str = Text


class FollowUpIn(InModel):
    """The customer's follow-up (追评): text and photo references."""

    text: str = Text
    photos: list[str] = Field(default_factory=list, max_length=50)


class HideReviewIn(InModel):
    """Why staff hide the review (shown to the technician and the customer)."""

    reason: str = Text


class AppealIn(InModel):
    """Why the technician asks for the review back."""

    text: str = Text


class AppealDecisionIn(InModel):
    """Restore the review (``true``) or keep it hidden (``false``); final either way."""

    restore: bool
    note: str = Field(default="", max_length=2000)


class ReplyOut(OutModel):
    """The technician's reply."""

    text: str
    at: AwareDatetime

    @classmethod
    def from_domain(cls, reply: Reply | None) -> ReplyOut | None:
        """From the domain Reply (None stays None)."""
        return None if reply is None else cls(text=reply.text, at=reply.at)


class FollowUpOut(OutModel):
    """The customer's follow-up."""

    text: str
    photos: list[str]
    at: AwareDatetime

    @classmethod
    def from_domain(cls, follow_up: FollowUp | None) -> FollowUpOut | None:
        """From the domain FollowUp (None stays None)."""
        if follow_up is None:
            return None
        return cls(text=follow_up.text, photos=list(follow_up.photos), at=follow_up.at)


class ModerationOut(OutModel):
    """Why and by whom a review was hidden, the appeal and the decision."""

    state: str = Field(examples=["hidden", "appealed", "restored", "kept_hidden"])
    reason: str
    hidden_by: str
    hidden_at: AwareDatetime
    appeal: str | None
    appealed_at: AwareDatetime | None
    decided_by: str | None
    decided_at: AwareDatetime | None
    decision_note: str | None

    @classmethod
    def from_domain(cls, moderation: Moderation | None) -> ModerationOut | None:
        """From the domain Moderation (None stays None)."""
        if moderation is None:
            return None
        return cls(
            state=moderation.state.value,
            reason=moderation.reason,
            hidden_by=moderation.hidden_by,
            hidden_at=moderation.hidden_at,
            appeal=moderation.appeal,
            appealed_at=moderation.appealed_at,
            decided_by=moderation.decided_by,
            decided_at=moderation.decided_at,
            decision_note=moderation.decision_note,
        )


class ReviewOut(OutModel):
    """A review as the caller may see it: ``customer_id`` is null on an anonymous review
    for all but the platform and its author; ``moderation`` only for them and the
    technician."""

    id: str
    order_id: str
    technician_id: str
    customer_id: str | None
    anonymous: bool
    stars: int
    ratings: dict[str, int]
    tags: list[str]
    photos: list[str]
    text: str
    created_at: AwareDatetime
    reply: ReplyOut | None
    follow_up: FollowUpOut | None
    moderation: ModerationOut | None

    @classmethod
    def from_domain(cls, review: ReviewView) -> ReviewOut:
        """From the domain ReviewView."""
        return cls(
            id=review.id,
            order_id=review.order_id,
            technician_id=review.technician_id,
            customer_id=review.customer_id,
            anonymous=review.anonymous,
            stars=review.stars,
            ratings=dict(review.ratings),
            tags=list(review.tags),
            photos=list(review.photos),
            text=review.text,
            created_at=review.created_at,
            reply=ReplyOut.from_domain(review.reply),
            follow_up=FollowUpOut.from_domain(review.follow_up),
            moderation=ModerationOut.from_domain(review.moderation),
        )


class ReviewList(OutModel):
    """A technician's shown reviews, newest first, one page; ``count`` and
    ``average_stars`` cover all of them (hidden ones left out), ``star_level`` is his level
    by the platform's formula."""

    technician_id: str
    count: int
    average_stars: str | None = Field(
        description="Mean stars to one decimal (half up), as a string; null without reviews.",
        examples=["4.8"],
    )
    star_level: str | None = Field(
        description="His star level by the platform's formula (one decimal, half up), as a "
        "string; null while unrated.",
        examples=["4.7"],
    )
    items: list[ReviewOut]
    next_cursor: NextCursor = None

    @classmethod
    def from_domain(
        cls, listing: ReviewListing, *, shown: list[ReviewView], next_cursor: str | None
    ) -> ReviewList:
        """From the core's listing, and the page ``shown`` of it."""
        average, level = listing.average_stars, listing.star_level
        return cls(
            technician_id=listing.technician_id,
            count=len(listing.reviews),
            average_stars=None if average is None else str(average),
            star_level=None if level is None else str(level),
            items=[ReviewOut.from_domain(r) for r in shown],
            next_cursor=next_cursor,
        )


class ModerationQueue(OutModel):
    """Reviews in one moderation state, oldest first, one page."""

    state: str
    items: list[ReviewOut]
    next_cursor: NextCursor = None
