"""The storage port: a unit of work holding one repository per aggregate.

The executable contract is ``booking_core.testing.contracts.StorageContract``; every storage
adapter runs it. Guarantees it proves under concurrency:

* no two active bookings of one technician have overlapping blocked ranges
  (:meth:`BookingRepository.add` raises :class:`~booking_core.errors.SlotTaken`);
* :meth:`OrderRepository.save` is compare-and-set on ``version`` (one winner per version).
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from booking_core.catalog import Category, Service
from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders.order import Order
from booking_core.orders.review import Review
from booking_core.outbox import OutboxMessage
from booking_core.scheduling import Booking, Technician
from booking_core.timerange import TimeRange

__all__ = [
    "BookingRepository",
    "CategoryRepository",
    "OrderRepository",
    "OutboxRepository",
    "ReviewRepository",
    "ServiceRepository",
    "TechnicianRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
]


class CategoryRepository(Protocol):
    """Service categories."""

    def add(self, category: Category) -> None:
        """Store a new category. Raises DuplicateEntity if the id exists."""
        ...

    def get(self, category_id: CategoryId) -> Category:
        """The category. Raises NotFound (code ``category_not_found``)."""
        ...

    def list(self) -> list[Category]:
        """All categories, ordered by name then id."""
        ...


class ServiceRepository(Protocol):
    """Catalog services."""

    def add(self, service: Service) -> None:
        """Store a new service. Raises DuplicateEntity if the id exists."""
        ...

    def get(self, service_id: ServiceId) -> Service:
        """The service. Raises NotFound (code ``service_not_found``)."""
        ...

    def list(self, category_id: CategoryId | None = None) -> list[Service]:
        """Services (of one category if given), ordered by name then id."""
        ...


class TechnicianRepository(Protocol):
    """Technicians."""

    def add(self, technician: Technician) -> None:
        """Store a new technician. Raises DuplicateEntity if the id exists."""
        ...

    def get(self, technician_id: TechnicianId) -> Technician:
        """The technician. Raises NotFound (code ``technician_not_found``)."""
        ...

    def list(self) -> list[Technician]:
        """All technicians, ordered by name then id."""
        ...


class BookingRepository(Protocol):
    """Bookings of technicians' time; the home of the no-overlap guarantee (I1)."""

    def add(self, booking: Booking) -> None:
        """Store a new active booking.

        Raises:
            SlotTaken: if an active booking of the same technician has a blocked range
                overlapping ``booking.blocked`` (half-open: touching is fine) — also when the
                other booking is being added concurrently in another unit of work.
        """
        ...

    def get(self, booking_id: BookingId) -> Booking:
        """The booking. Raises NotFound (code ``booking_not_found``)."""
        ...

    def release(self, booking_id: BookingId) -> None:
        """Make the booking inactive so its time is free again. Raises NotFound."""
        ...

    def list_active(self, technician_id: TechnicianId, within: TimeRange) -> list[Booking]:
        """Active bookings whose blocked range overlaps ``within``, by blocked start."""
        ...


class OrderRepository(Protocol):
    """Orders, saved with optimistic concurrency."""

    def add(self, order: Order) -> None:
        """Store a new order (its version must be 0). Raises DuplicateEntity."""
        ...

    def get(self, order_id: OrderId) -> Order:
        """The order with its timeline. Raises NotFound (code ``order_not_found``)."""
        ...

    def save(self, order: Order) -> None:
        """Store the changed order if its stored version still equals ``order.version``,
        then increment ``order.version``; new timeline records are appended, old ones are
        never rewritten.

        Raises:
            ConcurrentUpdate: if someone saved the order since it was loaded.
        """
        ...

    def list_for_customer(self, customer_id: CustomerId) -> list[Order]:
        """The customer's orders, newest first."""
        ...


class ReviewRepository(Protocol):
    """Reviews of completed orders."""

    def add(self, review: Review) -> None:
        """Store a review. Raises DuplicateEntity (``review_exists``) if the order has one."""
        ...

    def for_order(self, order_id: OrderId) -> Review | None:
        """The order's review, if any."""
        ...

    def list_for_technician(self, technician_id: TechnicianId) -> list[Review]:
        """The technician's reviews, newest first."""
        ...


class OutboxRepository(Protocol):
    """Messages written in a command's transaction, delivered after commit."""

    def add(self, message: OutboxMessage) -> None:
        """Store a message to deliver."""
        ...

    def pending(self, limit: int) -> list[OutboxMessage]:
        """Undelivered messages, oldest first (at most ``limit``)."""
        ...

    def mark_delivered(self, message: OutboxMessage) -> None:
        """Record a successful delivery (``message`` carries the delivery time)."""
        ...

    def mark_failed(self, message: OutboxMessage) -> None:
        """Record a failed attempt (``message`` carries the attempt count and error)."""
        ...


class UnitOfWork(Protocol):
    """One transaction: ``with uow: ...; uow.commit()``. Leaving without commit rolls back."""

    @property
    def categories(self) -> CategoryRepository: ...
    @property
    def services(self) -> ServiceRepository: ...
    @property
    def technicians(self) -> TechnicianRepository: ...
    @property
    def bookings(self) -> BookingRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def reviews(self) -> ReviewRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End it; anything not committed is rolled back."""
        ...

    def commit(self) -> None:
        """Make every change of this unit of work durable, atomically."""
        ...

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per command."""

    def __call__(self) -> UnitOfWork: ...
