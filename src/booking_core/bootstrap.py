"""The composition root: wires ports into services."""

from __future__ import annotations

import attrs
import cattrs

from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.payments import PaymentGateway
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling.availability import BookingPolicy
from booking_core.serialization import make_converter
from booking_core.services.availability import AvailabilityService
from booking_core.services.catalog import CatalogService
from booking_core.services.ordering import OrderingService
from booking_core.services.reviews import ReviewService
from booking_core.services.technicians import TechnicianService
from booking_core.system import SystemClock, UuidIds

__all__ = ["BookingApp", "build"]


@attrs.frozen
class BookingApp:
    """Every application service, wired to one set of ports."""

    catalog: CatalogService
    technicians: TechnicianService
    availability: AvailabilityService
    ordering: OrderingService
    reviews: ReviewService
    converter: cattrs.Converter


def build(
    *,
    uow: UnitOfWorkFactory,
    payments: PaymentGateway,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    policy: BookingPolicy | None = None,
    converter: cattrs.Converter | None = None,
) -> BookingApp:
    """Build the services over the given ports (system clock and UUID ids by default)."""
    clock = clock or SystemClock()
    ids = ids or UuidIds()
    policy = policy or BookingPolicy()
    converter = converter or make_converter()
    return BookingApp(
        catalog=CatalogService(uow, ids),
        technicians=TechnicianService(uow, ids),
        availability=AvailabilityService(uow, clock, policy),
        ordering=OrderingService(uow, clock, ids, payments, policy, converter),
        reviews=ReviewService(uow, clock, ids, converter),
        converter=converter,
    )
