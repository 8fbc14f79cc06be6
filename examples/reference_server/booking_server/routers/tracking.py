"""Where the technician is: positions he reports on the way, and the customer's view with
an estimated arrival (FEATURES C8, T5)."""

from __future__ import annotations

from fastapi import APIRouter, status

from booking_core.ids import OrderId
from booking_core.scheduling.geo import GeoPoint
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas import PositionIn, PositionOut, TrackingOut

__all__ = ["router"]

router = APIRouter(tags=["lifecycle"], responses=problem_responses(401, 403, 404, 422))

_CONFLICT = problem_responses(409)


@router.post(
    "/orders/{order_id}/positions",
    status_code=status.HTTP_201_CREATED,
    summary="Report a position (technician on the way)",
    responses=_CONFLICT,
)
def report_position(
    order_id: str, body: PositionIn, app: Booking, actor: CurrentActor
) -> PositionOut:
    """Store the technician's position; only while the order is ``departed``."""
    report = app.tracking.report_position(OrderId(order_id), actor, GeoPoint(body.lat, body.lon))
    return PositionOut(lat=report.point.lat, lon=report.point.lon, reported_at=report.reported_at)


@router.get("/orders/{order_id}/tracking", summary="Where is my technician", responses=_CONFLICT)
def track(order_id: str, app: Booking, actor: CurrentActor) -> TrackingOut:
    """The last known position and the estimated arrival."""
    return TrackingOut.from_domain(app.tracking.track(OrderId(order_id), actor))
