"""Reviews (FEATURES C11, T11, S6): the customer's stars, dimension ratings, tags, photos
and text on a completed order, anonymous if he likes; the technician's reply; the
customer's follow-up (追评); the platform's moderation with one appeal; and the
technician's star level from a configurable formula (:class:`StarLevelFormula`).

The rules are told in docs/reviews.md; ``ReviewService`` (``app.reviews``) runs them.
"""

from booking_core.reviews.events import (
    ReviewAppealDecided,
    ReviewAppealed,
    ReviewFollowedUp,
    ReviewHidden,
    ReviewReplied,
)
from booking_core.reviews.level import counted_reviews, review_score, round_level, star_level
from booking_core.reviews.policy import ReviewPolicy, StarLevelFormula
from booking_core.reviews.review import (
    FollowUp,
    Moderation,
    ModerationState,
    Reply,
    Review,
)
from booking_core.reviews.view import ReviewListing, ReviewView, view_of

__all__ = [
    "FollowUp",
    "Moderation",
    "ModerationState",
    "Reply",
    "Review",
    "ReviewAppealDecided",
    "ReviewAppealed",
    "ReviewFollowedUp",
    "ReviewHidden",
    "ReviewListing",
    "ReviewPolicy",
    "ReviewReplied",
    "ReviewView",
    "StarLevelFormula",
    "counted_reviews",
    "review_score",
    "round_level",
    "star_level",
    "view_of",
]
