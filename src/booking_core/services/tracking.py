"""Tracking the technician on the way (FEATURES C10).

While an order is ``departed`` its technician's app reports positions; each is stored. The
customer sees the last known position and an estimated arrival: the report's time plus the
travel time from there to the order's address (the :class:`TravelTime` port; straight-line
by default).
"""

from __future__ import annotations

import pendulum

from booking_core.errors import NotFound, PermissionDenied, TrackingUnavailable
from booking_core.ids import OrderId
from booking_core.orders import Actor, OrderState, Role
from booking_core.orders.tracking import PositionReport, TrackingView
from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.ports.travel import TravelTime
from booking_core.scheduling.geo import GeoPoint, StraightLineTravel
from booking_core.services.steps.locator import TechnicianLocator
from booking_core.services.steps.orders import visible_order

__all__ = ["TrackingService"]

_SHOWN = frozenset({OrderState.ACCEPTED, OrderState.DEPARTED, OrderState.ARRIVED})


class TrackingService:
    """Takes technicians' positions and shows customers where they are."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        travel: TravelTime | None = None,
        *,
        locator: TechnicianLocator | None = None,
    ) -> None:
        self._locator = locator  # told where technicians are (dispatch's index)
        self._uow = uow
        self._clock = clock
        self._travel: TravelTime = travel if travel is not None else StraightLineTravel()

    def report_position(self, order_id: OrderId, actor: Actor, point: GeoPoint) -> PositionReport:
        """Store the assigned technician's position for an order he is on the way to.

        Raises:
            NotFound: the order is not his.
            PermissionDenied: only the assigned technician reports positions.
            TrackingUnavailable: the order is not ``departed``.
        """
        if actor.role is not Role.TECHNICIAN:
            raise PermissionDenied("Only the technician on the way reports positions.")
        now = self._clock.now()
        with self._uow() as uow:
            order = uow.orders.get(order_id)
            if not order.can_be_seen_by(actor) or order.technician_id is None:
                raise NotFound("order", order_id)
            if order.state != OrderState.DEPARTED:
                raise TrackingUnavailable(
                    f"Order {order.id} is {order.state.replace('_', ' ')}; positions are taken "
                    "only while the technician is on the way.",
                    details={"state": order.state},
                )
            report = PositionReport(order.id, order.technician_id, point, now)
            uow.positions.add(report)
            uow.commit()
        if self._locator is not None:
            self._locator.moved(report.technician_id, point)
        return report

    def track(self, order_id: OrderId, actor: Actor) -> TrackingView:
        """The last known position and the estimated arrival, for whoever may see the order.

        Raises:
            NotFound: the order is not visible to the actor.
            TrackingUnavailable: the order is not accepted, departed or arrived.
        """
        with self._uow() as uow:
            order = visible_order(uow, order_id, actor)
            if order.state not in _SHOWN:
                raise TrackingUnavailable(
                    f"Order {order.id} is {order.state.replace('_', ' ')}; there is nothing to "
                    "track.",
                    details={"state": order.state},
                )
            report = uow.positions.latest(order.id)
        if order.state == OrderState.ARRIVED:
            return TrackingView(order.id, order.state, report, 0.0, order.entered_at("arrived"))
        if report is None or order.destination is None or order.state != OrderState.DEPARTED:
            return TrackingView(order.id, order.state, report, None, None)
        minutes = self._travel.minutes(report.point, order.destination)
        distance = report.point.distance_km(order.destination)
        eta = report.reported_at + pendulum.duration(minutes=minutes)
        return TrackingView(order.id, order.state, report, distance, eta)
