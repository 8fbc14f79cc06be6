"""Steps every order command repeats: load what the actor may see, save and record."""

from __future__ import annotations

import cattrs

from booking_core.errors import NotFound
from booking_core.ids import OrderId
from booking_core.orders import Actor, Order
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWork
from booking_core.services.outbox import record_events

__all__ = ["save_order", "visible_order"]


def visible_order(uow: UnitOfWork, order_id: OrderId, actor: Actor) -> Order:
    """The order, if ``actor`` may see it.

    Raises:
        NotFound: the order does not exist or is not visible to ``actor``.
    """
    order = uow.orders.get(order_id)
    if not order.can_be_seen_by(actor):
        raise NotFound("order", order_id)
    return order


def save_order(
    uow: UnitOfWork, order: Order, *, converter: cattrs.Converter, ids: IdSource
) -> None:
    """Save the order and add its new events to the outbox, in the caller's transaction."""
    uow.orders.save(order)
    record_events(uow, order.pull_events(), converter=converter, ids=ids)
