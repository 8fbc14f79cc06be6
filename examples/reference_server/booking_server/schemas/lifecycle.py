"""The lifecycle beyond the plain transitions: versioned actions, changes and tracking
(FEATURES C7–C9, T5, T7).
"""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from booking_core.orders import Actor, Order
from booking_core.orders.tracking import TrackingView
from booking_server.schemas.common import InModel, Instant, MoneyOut, OutModel
from booking_server.schemas.orders import OrderOut

__all__ = [
    "ActionIn",
    "LifecycleOrderOut",
    "ModificationOut",
    "PositionIn",
    "PositionOut",
    "ServiceChangeIn",
    "TechnicianChangeIn",
    "TimeChangeIn",
    "TrackingOut",
]


class ActionIn(InModel):
    """A reason for the timeline and, optionally, the order version the caller last saw
    (the command fails with 409 ``concurrent_update`` if the order changed since)."""

    reason: str = Field(default="", max_length=500)
    expected_version: int | None = Field(default=None, ge=0)


class LifecycleOrderOut(OutModel):
    """An order with the lifecycle facts the core view leaves out."""

    order: OrderOut
    number: str
    version: int
    payment_mode: str
    upfront: MoneyOut
    refunded: MoneyOut
    due_now: MoneyOut
    cancel_cause: str | None
    cancellation_fee: MoneyOut | None
    late_minutes: int | None

    @classmethod
    def from_domain(cls, order: Order, viewer: Actor) -> LifecycleOrderOut:
        """From the domain Order, as ``viewer`` may see it."""
        fee = order.cancellation_fee
        return cls(
            order=OrderOut.from_domain(order, viewer),
            number=order.number,
            version=order.version,
            payment_mode=order.payment_mode.value,
            upfront=MoneyOut.from_domain(order.upfront),
            refunded=MoneyOut.from_domain(order.refunded_amount),
            due_now=MoneyOut.from_domain(order.due_now()),
            cancel_cause=order.cancel_cause,
            cancellation_fee=MoneyOut.from_domain(fee) if fee is not None else None,
            late_minutes=order.late_minutes,
        )


class TimeChangeIn(InModel):
    """A new start, one of the offered slots."""

    start: Instant


class ServiceChangeIn(InModel):
    """Another service at the same start."""

    service_id: str = Field(min_length=1, max_length=128)


class TechnicianChangeIn(InModel):
    """Another technician at the same start."""

    technician_id: str = Field(min_length=1, max_length=128)


class ModificationOut(OutModel):
    """The changed order and the money that moved because of the change."""

    order: LifecycleOrderOut
    payment_status: str | None
    refunds: list[MoneyOut]


class PositionIn(InModel):
    """The technician's position (WGS 84 decimal degrees)."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PositionOut(OutModel):
    """A reported position."""

    lat: float
    lon: float
    reported_at: AwareDatetime


class TrackingOut(OutModel):
    """The last known position and the estimated arrival."""

    order_id: str
    state: str
    position: PositionOut | None
    distance_km: float | None
    eta: AwareDatetime | None

    @classmethod
    def from_domain(cls, view: TrackingView) -> TrackingOut:
        """From the domain view."""
        report = view.position
        return cls(
            order_id=view.order_id,
            state=view.state,
            position=PositionOut(
                lat=report.point.lat, lon=report.point.lon, reported_at=report.reported_at
            )
            if report is not None
            else None,
            distance_km=view.distance_km,
            eta=view.eta,
        )
