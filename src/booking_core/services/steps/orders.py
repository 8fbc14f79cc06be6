"""Steps every order command repeats."""

from __future__ import annotations

from booking_core.errors import NotFound
from booking_core.ids import OrderId
from booking_core.orders import Actor, Order, Role
from booking_core.ports.storage import UnitOfWork

__all__ = ["may_see", "visible_order"]


def may_see(uow: UnitOfWork, order: Order, actor: Actor) -> bool:
    """Whether ``actor`` may see ``order``: its parties and the platform
    (:meth:`Order.can_be_seen_by`), and the store its technician works for — the store that
    lists it (``find_orders``) opens it too; what it may *do* with it is the order's rules'."""
    if order.can_be_seen_by(actor):
        return True
    if actor.role is not Role.STORE or order.technician_id is None:
        return False
    return uow.technicians.get(order.technician_id).profile.store_id == actor.id


def visible_order(uow: UnitOfWork, order_id: OrderId, actor: Actor) -> Order:
    """The order, if ``actor`` may see it (:func:`may_see`).

    Raises:
        NotFound: the order does not exist or is not visible to ``actor``.
    """
    order = uow.orders.get(order_id)
    if not may_see(uow, order, actor):
        raise NotFound("order", order_id)
    return order
