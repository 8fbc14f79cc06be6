"""An order's lifecycle facts and its versioned transitions (FEATURES C7, T5, T7).

Who may fire which event is the core's (a customer acts on his own orders, a technician on
those assigned to him, the platform on all); orders the actor may not see answer 404
(INVARIANTS I25).
"""

from __future__ import annotations

from fastapi import APIRouter

from booking_core.ids import OrderId
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas import ActionIn, LifecycleOrderOut

__all__ = ["router"]

router = APIRouter(tags=["lifecycle"], responses=problem_responses(401, 403, 404, 422))

_CONFLICT = problem_responses(409)


@router.get("/orders/by-number/{number}", summary="Find an order by its number")
def find_by_number(number: str, app: Booking, actor: CurrentActor) -> LifecycleOrderOut:
    """The order with this human-friendly number (``260302-000127-4``, dashes optional).

    422 ``invalid_input`` when it is not an order number (a typo fails the check digit).
    """
    return LifecycleOrderOut.from_domain(app.ordering.find_by_number(number, actor), actor)


@router.get("/orders/{order_id}/lifecycle", summary="An order with its lifecycle facts")
def get_lifecycle(order_id: str, app: Booking, actor: CurrentActor) -> LifecycleOrderOut:
    """Number, version, payment mode, amounts due and refunded, cancellation facts."""
    return LifecycleOrderOut.from_domain(app.ordering.get_order(OrderId(order_id), actor), actor)


@router.post(
    "/orders/{order_id}/reject", summary="Reject an order (technician)", responses=_CONFLICT
)
def reject(order_id: str, body: ActionIn, app: Booking, actor: CurrentActor) -> LifecycleOrderOut:
    """The technician turns the order down; it waits for another technician, his time is
    freed, the refusal and its reason stay on the timeline."""
    order = app.ordering.transition(
        OrderId(order_id),
        "reject",
        actor,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return LifecycleOrderOut.from_domain(order, actor)


@router.post(
    "/orders/{order_id}/transitions/{event}",
    summary="Fire a lifecycle event with an expected version",
    responses=_CONFLICT,
)
def fire(
    order_id: str, event: str, body: ActionIn, app: Booking, actor: CurrentActor
) -> LifecycleOrderOut:
    """Any lifecycle event (``accept``, ``depart``, ``arrive``, ``start_service``,
    ``complete``, ``reject``, ``cancel``, ``no_show``), refused with 409
    ``concurrent_update`` when ``expected_version`` is stale — so of a cancel and an accept
    sent from the same view exactly one wins."""
    order = app.ordering.transition(
        OrderId(order_id),
        event,
        actor,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return LifecycleOrderOut.from_domain(order, actor)
