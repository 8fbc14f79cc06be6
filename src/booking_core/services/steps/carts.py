"""The one cart builder: what checkout charges for and what a quote prices are the same cart.

Checkout (:class:`~booking_core.services.steps.books.OrderBooks`) and quotes
(:class:`~booking_core.services.pricing.QuoteService`) both build their cart here, so a
technician's own price, his store (promotion scopes match on it) and the travel fee enter
the quote exactly as they enter the order.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from booking_core.catalog import Service
from booking_core.ids import ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.ports.storage import UnitOfWork
from booking_core.pricing import Cart, CartLine
from booking_core.scheduling import Technician
from booking_core.services.steps.reservations import ensure_offers

__all__ = ["CartItem", "CartRequest", "build_cart", "load_cart"]


@attrs.frozen
class CartItem:
    """One service wanted, and how many units of it."""

    service_id: ServiceId
    quantity: int = 1


@attrs.frozen
class CartRequest:
    """A cart to price: services, the technician who would serve them (his prices and
    store apply; None: the catalog prices) and the at-home visit fee."""

    items: tuple[CartItem, ...]
    technician_id: TechnicianId | None = None
    travel_fee: Money | None = None


def build_cart(
    items: Sequence[tuple[Service, int]],
    technician: Technician | None = None,
    *,
    travel_fee: Money | None = None,
) -> Cart:
    """The cart of ``(service, quantity)`` items served by ``technician``: each line at his
    price for the service (the catalog price when he has none, or without a technician),
    sold by his store."""
    lines = [
        CartLine(
            service.id,
            service.category_id,
            service.price
            if technician is None
            else technician.profile.price_for(service.id, service.price),
            quantity,
        )
        for service, quantity in items
    ]
    store = None if technician is None else technician.profile.store_id
    return Cart.of(*lines, travel_fee=travel_fee, store_id=store)


def load_cart(uow: UnitOfWork, request: CartRequest) -> Cart:
    """Step: the cart of ``request`` with the stored services and technician.

    Raises:
        NotFound: no such service or technician.
        ServiceNotOffered: the technician does not perform one of the services.
    """
    technician = (
        None if request.technician_id is None else uow.technicians.get(request.technician_id)
    )
    items = []
    for item in request.items:
        service = uow.services.get(item.service_id)
        if technician is not None:
            ensure_offers(technician, service)
        items.append((service, item.quantity))
    return build_cart(items, technician, travel_fee=request.travel_fee)
