"""Reviews of completed orders, shown on the technician's page (FEATURES C11, C5, T11):
the review, the technician's reply, the customer's follow-up, and the platform's
moderation with one appeal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId
from booking_core.reviews import ModerationState, ReviewView
from booking_core.services.reviews import (
    AppealReview,
    DecideAppeal,
    FollowUpReview,
    HideReview,
    ReplyToReview,
    SubmitReview,
)
from booking_server.actors import CurrentActor, OptionalActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, micros
from booking_server.problems import problem_responses
from booking_server.schemas.reviews import (
    AppealDecisionIn,
    AppealIn,
    FollowUpIn,
    HideReviewIn,
    ModerationQueue,
    ReplyIn,
    ReviewIn,
    ReviewList,
    ReviewOut,
)

__all__ = ["router"]

router = APIRouter(tags=["reviews"], responses=problem_responses(404, 422))


@router.post(
    "/orders/{order_id}/review",
    status_code=status.HTTP_201_CREATED,
    summary="Review a completed order (customer)",
    responses=problem_responses(401, 403, 409),
)
def review_order(order_id: str, body: ReviewIn, app: Booking, actor: CurrentActor) -> ReviewOut:
    """1–5 stars and optional text, once per completed order; every dimension rated or
    none, tags from the platform's list, photo references, anonymity.

    409 ``review_not_allowed`` before completion, 409 ``review_exists`` the second time.
    """
    review = app.reviews.submit(
        SubmitReview(
            order_id=OrderId(order_id),
            customer_id=CustomerId(actor.id),
            stars=body.stars,
            text=body.text,
            ratings=body.ratings,
            tags=body.tags,
            photos=body.photos,
            anonymous=body.anonymous,
        ),
        actor,
    )
    return _as_seen(app, review.id, actor)


@router.get("/technicians/{technician_id}/reviews", summary="A technician's reviews")
def technician_reviews(
    technician_id: str, app: Booking, page: Page, viewer: OptionalActor
) -> ReviewList:
    """His shown reviews, newest first, a page at a time, with their count, average stars
    and his star level (public; an anonymous customer is named only to the platform and to
    himself)."""
    listing = app.reviews.listing(TechnicianId(technician_id), viewer)
    shown, next_cursor = page.of(listing.reviews, _by_creation, descending=True)
    return ReviewList.from_domain(listing, shown=shown, next_cursor=next_cursor)


@router.post(
    "/reviews/{review_id}/reply",
    summary="Reply to a review (its technician)",
    responses=problem_responses(401, 403, 409),
)
def reply(review_id: str, body: ReplyIn, app: Booking, actor: CurrentActor) -> ReviewOut:
    """Once, and final; 409 ``review_not_allowed`` (``details.rule`` ``reply_once``) the
    second time."""
    review = app.reviews.reply(ReplyToReview(ReviewId(review_id), body.text), actor)
    return _as_seen(app, review.id, actor)


@router.post(
    "/reviews/{review_id}/follow-up",
    summary="Follow up a review (its customer)",
    responses=problem_responses(401, 403, 409),
)
def follow_up(review_id: str, body: FollowUpIn, app: Booking, actor: CurrentActor) -> ReviewOut:
    """追评: once, within the platform's days after the review; 409 ``review_not_allowed``
    (``follow_up_once``, ``follow_up_window``)."""
    command = FollowUpReview(ReviewId(review_id), CustomerId(actor.id), body.text, body.photos)
    review = app.reviews.follow_up(command, actor)
    return _as_seen(app, review.id, actor)


@router.post(
    "/reviews/{review_id}/hide",
    summary="Hide a review (platform)",
    responses=problem_responses(401, 403, 409),
)
def hide(review_id: str, body: HideReviewIn, app: Booking, actor: CurrentActor) -> ReviewOut:
    """Staff with the ``technicians`` permission; out of the listing and the star level at
    once; audited (``review.hide``)."""
    review = app.reviews.hide(HideReview(ReviewId(review_id), body.reason), actor)
    return _as_seen(app, review.id, actor)


@router.post(
    "/reviews/{review_id}/appeal",
    summary="Appeal a hidden review (its technician)",
    responses=problem_responses(401, 403, 409),
)
def appeal(review_id: str, body: AppealIn, app: Booking, actor: CurrentActor) -> ReviewOut:
    """Once; 409 ``review_not_allowed`` on a shown review (``appeal_hidden``) or the second
    time (``appeal_once``)."""
    review = app.reviews.appeal(AppealReview(ReviewId(review_id), body.text), actor)
    return _as_seen(app, review.id, actor)


@router.post(
    "/reviews/{review_id}/decision",
    summary="Decide an appeal (platform)",
    responses=problem_responses(401, 403, 409),
)
def decide(review_id: str, body: AppealDecisionIn, app: Booking, actor: CurrentActor) -> ReviewOut:
    """Restore the review or keep it hidden, for good; 409 ``review_not_allowed``
    (``no_appeal``) without an appeal waiting."""
    command = DecideAppeal(ReviewId(review_id), body.restore, body.note)
    review = app.reviews.decide_appeal(command, actor)
    return _as_seen(app, review.id, actor)


@router.get(
    "/reviews/moderation",
    summary="Reviews in a moderation state (platform)",
    responses=problem_responses(401, 403),
)
def moderation_queue(
    app: Booking,
    actor: CurrentActor,
    page: Page,
    state: Annotated[
        ModerationState,
        Query(description="`hidden`, `appealed` (the default), `restored` or `kept_hidden`."),
    ] = ModerationState.APPEALED,
) -> ModerationQueue:
    """Oldest first, a page at a time; ``appealed`` (the default) is the appeals to decide."""
    reviews = app.reviews.moderated(state, actor)
    shown, next_cursor = page.of(reviews, _by_creation)
    return ModerationQueue(
        state=state.value, items=[ReviewOut.from_domain(r) for r in shown], next_cursor=next_cursor
    )


def _as_seen(app: Booking, review_id: ReviewId, actor: CurrentActor) -> ReviewOut:
    return ReviewOut.from_domain(app.reviews.get(review_id, actor))


def _by_creation(review: ReviewView) -> SortKey:
    return (micros(review.created_at), review.id)
