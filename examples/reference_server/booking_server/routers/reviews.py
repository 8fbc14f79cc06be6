"""Reviews of completed orders, shown on the technician's page (FEATURES C11, C5)."""

from __future__ import annotations

from fastapi import APIRouter, status

from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.orders import Review
from booking_core.services.reviews import SubmitReview
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, micros
from booking_server.problems import problem_responses
from booking_server.schemas import ReviewIn, ReviewList, ReviewOut

__all__ = ["router"]

router = APIRouter(tags=["reviews"], responses=problem_responses(404, 422))


@router.post(
    "/orders/{order_id}/review",
    status_code=status.HTTP_201_CREATED,
    summary="Review a completed order (customer)",
    responses=problem_responses(401, 403, 409),
)
def review_order(order_id: str, body: ReviewIn, app: Booking, actor: CurrentActor) -> ReviewOut:
    """1–5 stars and optional text, once per completed order.

    409 ``review_not_allowed`` before completion, 409 ``review_exists`` the second time.
    """
    review = app.reviews.submit(
        SubmitReview(
            order_id=OrderId(order_id),
            customer_id=CustomerId(actor.id),
            stars=body.stars,
            text=body.text,
        ),
        actor,
    )
    return ReviewOut.from_domain(review)


@router.get("/technicians/{technician_id}/reviews", summary="A technician's reviews")
def technician_reviews(technician_id: str, app: Booking, page: Page) -> ReviewList:
    """The technician's reviews, newest first, a page at a time, with their count and
    average stars over all of them (public)."""
    technician = app.technicians.get(TechnicianId(technician_id))
    reviews = app.reviews.for_technician(technician.id)
    shown, next_cursor = page.of(reviews, _newest_first, descending=True)
    return ReviewList.from_domain(technician.id, reviews, shown=shown, next_cursor=next_cursor)


def _newest_first(review: Review) -> SortKey:
    return (micros(review.created_at), review.id)
