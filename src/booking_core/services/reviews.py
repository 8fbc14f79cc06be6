"""Review use cases (FEATURES C11)."""

from __future__ import annotations

import attrs

from booking_core.errors import NotFound, ReviewNotAllowed
from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId
from booking_core.orders import Actor, OrderState, Review
from booking_core.orders.events import OrderReviewed
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling.profile import average_rating
from booking_core.services._access import require_customer

__all__ = ["ReviewService", "SubmitReview"]


@attrs.frozen
class SubmitReview:
    """A customer reviews one of his completed orders."""

    order_id: OrderId
    customer_id: CustomerId
    stars: int
    text: str = ""


def _update_rating(uow: UnitOfWork, technician_id: TechnicianId) -> None:
    # Under the technician's lock a concurrent review waits, then counts this one: no
    # review is ever left out of the average (and profile edits cannot undo the rating).
    uow.locks.take(LockKey.technician(technician_id))
    technician = uow.technicians.get(technician_id)
    stars = [r.stars for r in uow.reviews.list_for_technician(technician_id)]
    profile = attrs.evolve(technician.profile, rating=average_rating(stars))
    uow.technicians.save(attrs.evolve(technician, profile=profile))


class ReviewService:
    """Takes and lists reviews."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdSource) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    def submit(self, command: SubmitReview, actor: Actor) -> Review:
        """Store the review and, in the same transaction, the technician's new rating.

        The rating is the mean of the stars of all his reviews, kept to one decimal and
        rounded half up (:func:`~booking_core.scheduling.profile.average_rating`); the
        "minimum rating" search filter sees it at once.

        Raises:
            NotFound: the order does not exist or is not the customer's.
            ReviewNotAllowed: the order is not completed, or its review window closed.
            DuplicateEntity: the order was reviewed already (``review_exists``).
            InvalidInput: stars outside 1–5 or text too long.
            PermissionDenied: ``actor`` is not the customer ``command.customer_id``.
        """
        require_customer(actor, command.customer_id, "reviews orders")
        now = self._clock.now()
        with self._uow() as uow:
            order = uow.orders.get(command.order_id)
            if order.customer_id != command.customer_id:
                raise NotFound("order", command.order_id)
            if order.state != OrderState.COMPLETED or order.technician_id is None:
                raise ReviewNotAllowed(
                    f"Order {order.id} is {order.state.replace('_', ' ')}; only completed "
                    "orders can be reviewed.",
                    details={"state": order.state},
                )
            if order.review_closed:
                raise ReviewNotAllowed(
                    f"The review window of order {order.id} has closed.",
                    details={"state": order.state, "review_closed": True},
                )
            review = Review(
                id=ReviewId(self._ids.new_id("rev")),
                order_id=order.id,
                customer_id=order.customer_id,
                technician_id=order.technician_id,
                stars=command.stars,
                text=command.text,
                created_at=now,
            )
            uow.reviews.add(review)
            _update_rating(uow, order.technician_id)
            order.raise_event(
                OrderReviewed(
                    occurred_at=now,
                    order_id=order.id,
                    technician_id=order.technician_id,
                    stars=review.stars,
                )
            )
            uow.commit()
        return review

    def for_technician(self, technician_id: TechnicianId) -> list[Review]:
        """The technician's reviews, newest first."""
        with self._uow() as uow:
            return uow.reviews.list_for_technician(technician_id)
