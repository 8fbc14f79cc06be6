"""Cancellation under the policy: preview, cancel, and the customer's no-show (FEATURES C7,
T7).

The policy, and who may cancel which order, are the core's; this router only says who is
calling.
"""

from __future__ import annotations

from fastapi import APIRouter

from booking_core.ids import OrderId
from booking_core.orders import Actor
from booking_core.services.cancellation import CancellationResult
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas import ActionIn, CancellationOut, CancellationQuoteOut, OrderOut

__all__ = ["router"]

router = APIRouter(tags=["lifecycle"], responses=problem_responses(401, 403, 404, 422))

_CONFLICT = problem_responses(409)


@router.get(
    "/orders/{order_id}/cancellation", summary="Preview a cancellation", responses=_CONFLICT
)
def preview_cancellation(order_id: str, app: Booking, actor: CurrentActor) -> CancellationQuoteOut:
    """The rule and the amounts if the actor cancelled now; nothing changes."""
    return CancellationQuoteOut.from_domain(app.cancellation.preview(OrderId(order_id), actor))


@router.post("/orders/{order_id}/cancellation", summary="Cancel", responses=_CONFLICT)
def cancel(order_id: str, body: ActionIn, app: Booking, actor: CurrentActor) -> CancellationOut:
    """Cancel under the policy, free the technician's time and refund what the quote says."""
    result = app.cancellation.cancel(
        OrderId(order_id), actor, reason=body.reason, expected_version=body.expected_version
    )
    return _cancellation_out(result, actor)


@router.post(
    "/orders/{order_id}/no-show",
    summary="Record a customer no-show (technician)",
    responses=_CONFLICT,
)
def no_show(order_id: str, body: ActionIn, app: Booking, actor: CurrentActor) -> CancellationOut:
    """After waiting the policy's minutes past the start, the technician records that the
    customer was not there; charged as a cancellation at the start."""
    result = app.cancellation.record_no_show(
        OrderId(order_id), actor, reason=body.reason, expected_version=body.expected_version
    )
    return _cancellation_out(result, actor)


def _cancellation_out(result: CancellationResult, actor: Actor) -> CancellationOut:
    return CancellationOut(
        order=OrderOut.from_domain(result.order, actor),
        quote=CancellationQuoteOut.from_domain(result.quote),
        refund_statuses=[r.status.value for r in result.refunds],
    )
