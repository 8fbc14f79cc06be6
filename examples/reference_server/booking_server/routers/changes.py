"""Changing an order: its time, its service or its technician (FEATURES C9, P5).

The money that moves with a change (a difference charged or refunded) and who may change
what are the core's.
"""

from __future__ import annotations

import pendulum
from fastapi import APIRouter

from booking_core.ids import OrderId, ServiceId, TechnicianId
from booking_core.orders import Actor
from booking_core.services.modification import ModificationResult
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas import (
    LifecycleOrderOut,
    ModificationOut,
    MoneyOut,
    ServiceChangeIn,
    TechnicianChangeIn,
    TimeChangeIn,
)

__all__ = ["router"]

router = APIRouter(tags=["lifecycle"], responses=problem_responses(401, 403, 404, 422))

_CONFLICT = problem_responses(409)


@router.post("/orders/{order_id}/time", summary="Change the time", responses=_CONFLICT)
def change_time(
    order_id: str, body: TimeChangeIn, app: Booking, actor: CurrentActor
) -> LifecycleOrderOut:
    """Move to another offered start; the old time is freed in the same transaction."""
    start = pendulum.instance(body.start)
    order = app.modification.change_time(OrderId(order_id), actor, start)
    return LifecycleOrderOut.from_domain(order, actor)


@router.post("/orders/{order_id}/service", summary="Change the service", responses=_CONFLICT)
def change_service(
    order_id: str, body: ServiceChangeIn, app: Booking, actor: CurrentActor
) -> ModificationOut:
    """Another service at the same start; the price difference is charged or refunded."""
    result = app.modification.change_service(OrderId(order_id), actor, ServiceId(body.service_id))
    return _modification_out(result, actor)


@router.post("/orders/{order_id}/technician", summary="Change the technician", responses=_CONFLICT)
def change_technician(
    order_id: str, body: TechnicianChangeIn, app: Booking, actor: CurrentActor
) -> ModificationOut:
    """Another technician at the same start (also how the platform reassigns a rejected
    order); the new technician must accept."""
    result = app.modification.change_technician(
        OrderId(order_id), actor, TechnicianId(body.technician_id)
    )
    return _modification_out(result, actor)


def _modification_out(result: ModificationResult, actor: Actor) -> ModificationOut:
    return ModificationOut(
        order=LifecycleOrderOut.from_domain(result.order, actor),
        payment_status=result.payment.status.value if result.payment is not None else None,
        refunds=[MoneyOut.from_domain(r.amount) for r in result.refunds],
    )
