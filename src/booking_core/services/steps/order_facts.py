"""Reading an order's facts for its notifications."""

from __future__ import annotations

from booking_core.ids import OrderId
from booking_core.notifications.facts import OrderFacts, local_start
from booking_core.orders.order import Order
from booking_core.ports.storage import UnitOfWork

__all__ = ["facts_of", "read_facts"]


def read_facts(uow: UnitOfWork, order_id: str) -> OrderFacts:
    """The facts of order ``order_id`` as stored now. Raises NotFound for an unknown one."""
    return facts_of(uow, uow.orders.get(OrderId(order_id)))


def facts_of(uow: UnitOfWork, order: Order) -> OrderFacts:
    """The facts of ``order`` (its service's and technician's names read from ``uow``)."""
    service = uow.services.get(order.service_id)
    technician = (
        uow.technicians.get(order.technician_id) if order.technician_id is not None else None
    )
    return OrderFacts(
        order_id=order.id,
        number=order.number,
        service=service.name,
        start=local_start(order.slot.start, order.time_zone),
        customer_id=order.customer_id,
        technician_id=technician.id if technician is not None else None,
        technician=technician.name if technician is not None else "",
        store_id=technician.profile.store_id if technician is not None else None,
        time_zone=order.time_zone,
    )
