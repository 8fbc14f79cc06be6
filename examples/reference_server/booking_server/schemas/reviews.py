"""Reviews of completed orders (FEATURES C11, C5)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from booking_core.orders import Review
from booking_core.scheduling.profile import average_rating
from booking_server.paging import NextCursor
from booking_server.schemas.common import InModel, OutModel, WholeNumber

__all__ = [
    "ReviewIn",
    "ReviewList",
    "ReviewOut",
]


class ReviewIn(InModel):
    """Review a completed order: 1–5 stars and optional text."""

    stars: WholeNumber = Field(ge=1, le=5, examples=[5])
    text: str = Field(default="", max_length=2000)


class ReviewOut(OutModel):
    """A review as shown on the technician's page."""

    id: str
    order_id: str
    technician_id: str
    stars: int
    text: str
    created_at: AwareDatetime

    @classmethod
    def from_domain(cls, review: Review) -> ReviewOut:
        """From the domain Review."""
        return cls(
            id=review.id,
            order_id=review.order_id,
            technician_id=review.technician_id,
            stars=review.stars,
            text=review.text,
            created_at=review.created_at,
        )


class ReviewList(OutModel):
    """A technician's reviews, newest first, one page; ``count`` and ``average_stars``
    cover all of them."""

    technician_id: str
    count: int
    average_stars: str | None = Field(
        description="Mean stars to one decimal (half up), as a string; null without reviews.",
        examples=["4.8"],
    )
    items: list[ReviewOut]
    next_cursor: NextCursor = None

    @classmethod
    def from_domain(
        cls,
        technician_id: str,
        reviews: list[Review],
        *,
        shown: list[Review],
        next_cursor: str | None,
    ) -> ReviewList:
        """From all the technician's domain reviews, and the page ``shown`` of them."""
        # The core's one rule (one decimal, half up), as the technician's rating.
        rating = average_rating([r.stars for r in reviews])
        average = str(rating) if rating is not None else None
        return cls(
            technician_id=technician_id,
            count=len(reviews),
            average_stars=average,
            items=[ReviewOut.from_domain(r) for r in shown],
            next_cursor=next_cursor,
        )
