"""In-memory storage: a unit of work over dicts, serialized by one lock.

Each unit of work takes the store's lock for its whole life, so commands run one at a
time — the same guarantee SQLite gives by serializing writers — and works on a snapshot
that :meth:`InMemoryUnitOfWork.commit` swaps in atomically.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Self

import attrs

from booking_core.catalog import Category, Service
from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound, SlotTaken
from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders import Order, Review
from booking_core.outbox import OutboxMessage
from booking_core.scheduling import Booking, Technician
from booking_core.timerange import TimeRange

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]

Tables = dict[str, dict[str, Any]]
_TABLES = ("categories", "services", "technicians", "bookings", "orders", "reviews", "outbox")


class InMemoryStore:
    """The data, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: Tables = {name: {} for name in _TABLES}

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new unit of work over this store (use as the services' factory)."""
        return InMemoryUnitOfWork(self)


def _copy_order(order: Order) -> Order:
    # Orders are mutable aggregates: hand out copies so an uncommitted change never leaks.
    return attrs.evolve(order, timeline=list(order.timeline))


class _Table:
    def __init__(self, uow: InMemoryUnitOfWork, name: str, entity: str) -> None:
        self._uow = uow
        self._name = name
        self._entity = entity

    @property
    def rows(self) -> dict[str, Any]:
        return self._uow.tables[self._name]

    def _insert(self, key: str, value: Any) -> None:
        if key in self.rows:
            raise DuplicateEntity(self._entity, key)
        self.rows[key] = value

    def _get(self, key: str) -> Any:
        try:
            return self.rows[key]
        except KeyError:
            raise NotFound(self._entity, key) from None


class _Categories(_Table):
    def add(self, category: Category) -> None:
        self._insert(category.id, category)

    def get(self, category_id: CategoryId) -> Category:
        result: Category = self._get(category_id)
        return result

    def list(self) -> list[Category]:
        return sorted(self.rows.values(), key=lambda c: (c.name, c.id))


class _Services(_Table):
    def add(self, service: Service) -> None:
        self._insert(service.id, service)

    def get(self, service_id: ServiceId) -> Service:
        result: Service = self._get(service_id)
        return result

    def list(self, category_id: CategoryId | None = None) -> list[Service]:
        found = [s for s in self.rows.values() if category_id in (None, s.category_id)]
        return sorted(found, key=lambda s: (s.name, s.id))


class _Technicians(_Table):
    def add(self, technician: Technician) -> None:
        self._insert(technician.id, technician)

    def get(self, technician_id: TechnicianId) -> Technician:
        result: Technician = self._get(technician_id)
        return result

    def list(self) -> list[Technician]:
        return sorted(self.rows.values(), key=lambda t: (t.name, t.id))


class _Bookings(_Table):
    def add(self, booking: Booking) -> None:
        if booking.active and self.list_active(booking.technician_id, booking.blocked):
            raise SlotTaken(
                "The technician already has a booking overlapping this time.",
                details={"technician_id": booking.technician_id},
            )
        self._insert(booking.id, booking)

    def get(self, booking_id: BookingId) -> Booking:
        result: Booking = self._get(booking_id)
        return result

    def release(self, booking_id: BookingId) -> None:
        self.rows[booking_id] = self.get(booking_id).release()

    def list_active(self, technician_id: TechnicianId, within: TimeRange) -> list[Booking]:
        found = [
            b
            for b in self.rows.values()
            if b.active and b.technician_id == technician_id and b.blocked.overlaps(within)
        ]
        return sorted(found, key=lambda b: (b.blocked.start, b.id))


class _Orders(_Table):
    def add(self, order: Order) -> None:
        self._insert(order.id, _copy_order(order))

    def get(self, order_id: OrderId) -> Order:
        return _copy_order(self._get(order_id))

    def save(self, order: Order) -> None:
        stored: Order = self._get(order.id)
        if stored.version != order.version:
            raise ConcurrentUpdate(
                f"Order {order.id} was changed by someone else; reload it and try again.",
                details={"order_id": order.id},
            )
        order.version += 1
        self.rows[order.id] = _copy_order(order)

    def list_for_customer(self, customer_id: CustomerId) -> list[Order]:
        found = [o for o in self.rows.values() if o.customer_id == customer_id]
        return [_copy_order(o) for o in sorted(found, key=lambda o: (o.placed_at, o.id), reverse=True)]


class _Reviews(_Table):
    def add(self, review: Review) -> None:
        if any(r.order_id == review.order_id for r in self.rows.values()):
            raise DuplicateEntity("review", review.order_id)
        self._insert(review.id, review)

    def for_order(self, order_id: OrderId) -> Review | None:
        return next((r for r in self.rows.values() if r.order_id == order_id), None)

    def list_for_technician(self, technician_id: TechnicianId) -> list[Review]:
        found = [r for r in self.rows.values() if r.technician_id == technician_id]
        return sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)


class _Outbox(_Table):
    def add(self, message: OutboxMessage) -> None:
        self._insert(message.id, message)

    def pending(self, limit: int) -> list[OutboxMessage]:
        waiting = [m for m in self.rows.values() if m.delivered_at is None]
        return sorted(waiting, key=lambda m: (m.created_at, m.id))[:limit]

    def mark_delivered(self, message: OutboxMessage) -> None:
        self._get(message.id)
        self.rows[message.id] = message

    def mark_failed(self, message: OutboxMessage) -> None:
        self._get(message.id)
        self.rows[message.id] = message


class InMemoryUnitOfWork:
    """A unit of work over an :class:`InMemoryStore`."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.tables: Tables = {}
        self.categories = _Categories(self, "categories", "category")
        self.services = _Services(self, "services", "service")
        self.technicians = _Technicians(self, "technicians", "technician")
        self.bookings = _Bookings(self, "bookings", "booking")
        self.orders = _Orders(self, "orders", "order")
        self.reviews = _Reviews(self, "reviews", "review")
        self.outbox = _Outbox(self, "outbox", "outbox_message")

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.tables = {}
        self._store.lock.release()

    def _snapshot(self) -> None:
        self.tables = {name: dict(rows) for name, rows in self._store.tables.items()}

    def commit(self) -> None:
        """Swap the snapshot in as the store's data."""
        self._store.tables = self.tables
        self._snapshot()

    def rollback(self) -> None:
        """Drop every change since the last commit."""
        self._snapshot()
