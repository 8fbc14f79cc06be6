"""Steps every order command repeats."""

from __future__ import annotations

from booking_core.errors import NotFound
from booking_core.ids import OrderId
from booking_core.orders import Actor, Order
from booking_core.ports.storage import UnitOfWork

__all__ = ["visible_order"]


def visible_order(uow: UnitOfWork, order_id: OrderId, actor: Actor) -> Order:
    """The order, if ``actor`` may see it.

    Raises:
        NotFound: the order does not exist or is not visible to ``actor``.
    """
    order = uow.orders.get(order_id)
    if not order.can_be_seen_by(actor):
        raise NotFound("order", order_id)
    return order
