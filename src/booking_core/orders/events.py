"""Events raised by orders and reviews."""

from __future__ import annotations

import attrs

from booking_core.events import DomainEvent
from booking_core.money import Money

__all__ = ["OrderPlaced", "OrderReviewed", "OrderStateChanged"]


@attrs.frozen
class OrderPlaced(DomainEvent):
    """A customer placed an order; it awaits payment."""

    order_id: str
    customer_id: str
    technician_id: str
    price: Money


@attrs.frozen
class OrderStateChanged(DomainEvent):
    """An order moved from one state to another."""

    order_id: str
    event: str
    from_state: str
    to_state: str
    actor_id: str
    actor_role: str
    reason: str


@attrs.frozen
class OrderReviewed(DomainEvent):
    """A customer reviewed a completed order."""

    order_id: str
    technician_id: str
    stars: int
