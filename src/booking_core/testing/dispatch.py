"""A world for dispatch tests: online technicians at known distances from the customer.

``dispatch_world(plan)`` builds on :func:`~booking_core.testing.orders.order_world` (Li and
Wang, with no area and offline, stay out of dispatch) and adds technicians ``T0``, ``T1``,
… standing 0.5 km, 1 km, 1.5 km … north of the customer's home, each serving 10 km around
his spot, online, with every service. Their ratings fall with the distance, so the nearest
is also the best rated: the default ranking asks them in order T0, T1, …
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from pendulum import DateTime

from booking_core.bootstrap import BookingApp
from booking_core.dispatch.plan import DispatchPlan, DispatchPolicy
from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling import TechnicianProfile, WeeklyHours, WorkStatus
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.services.ordering import PlaceOrder
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.orders import HOME, LOCAL_ZONE, OPERATOR, OrderWorld, at, order_world

__all__ = ["DispatchWorld", "dispatch_world", "north_of"]

#: Kilometres per degree of latitude (what ``GeoPoint.distance_km`` measures, near enough
#: for placing technicians; tests read distances back from dispatch).
_KM_PER_DEGREE = 111.195


def north_of(point: GeoPoint, km: float) -> GeoPoint:
    """The point ``km`` kilometres due north of ``point``."""
    return GeoPoint(point.lat + km / _KM_PER_DEGREE, point.lon)


@attrs.define
class DispatchWorld:
    """An :class:`OrderWorld` with technicians dispatch can find."""

    world: OrderWorld
    technicians: list[TechnicianId]

    @property
    def app(self) -> BookingApp:
        """The app."""
        return self.world.app

    def actor(self, technician_id: TechnicianId) -> Actor:
        """``technician_id`` acting."""
        return Actor(technician_id, Role.TECHNICIAN)

    def place(self, start: DateTime | None = None, *, customer: str = "cus_1") -> OrderId:
        """An order of tuina at the customer's home without a technician (Tuesday 10:00
        by default), paid: dispatch is open."""
        order = self.world.app.ordering.place_order(
            PlaceOrder(
                CustomerId(customer), None, self.world.tuina, start or at(3, 10), location=HOME
            ),
            Actor.customer(customer),
        )
        self.world.app.payments.pay(order.id, Actor(customer, Role.CUSTOMER))
        return order.id

    def go_offline(self, technician_id: TechnicianId) -> None:
        """The technician stops taking orders."""
        self.world.app.schedules.set_status(
            self.actor(technician_id), technician_id, WorkStatus.OFFLINE
        )


def dispatch_world(
    plan: DispatchPlan | None = None,
    *,
    technicians: int = 4,
    uow: UnitOfWorkFactory | None = None,
    store: InMemoryStore | None = None,
) -> DispatchWorld:
    """A world dispatching by ``plan`` (default: auto-assign) with ``technicians`` online
    technicians north of the customer's home (see the module)."""
    policy = DispatchPolicy(default=plan or DispatchPlan())
    world = order_world(uow=uow, store=store, dispatch_policy=policy)
    hours = WeeklyHours.every_day("09:00", "21:00")
    offered = frozenset({world.tuina, world.spa, world.foot})
    ids: list[TechnicianId] = []
    for n in range(technicians):
        spot = north_of(HOME, 0.5 * (n + 1))
        profile = TechnicianProfile(
            service_area=ServiceArea(spot, 10.0), rating=Decimal("5.0") - Decimal(n) / 10
        )
        registered = world.app.technicians.register(
            RegisterTechnician(f"T{n}", LOCAL_ZONE, hours, offered, profile), OPERATOR
        )
        world.app.schedules.set_status(OPERATOR, registered.id, WorkStatus.ONLINE)
        ids.append(registered.id)
    return DispatchWorld(world, ids)
