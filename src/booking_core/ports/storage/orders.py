"""Storage of orders and what hangs on them: idempotency keys, reviews, positions and
complaints."""

from __future__ import annotations

from typing import Protocol

from pendulum import DateTime

from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.orders.complaint import Complaint
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.orders.order import Order
from booking_core.orders.review import Review
from booking_core.orders.tracking import PositionReport

__all__ = [
    "ComplaintRepository",
    "IdempotencyKeyRepository",
    "OrderRepository",
    "OrderStore",
    "PositionRepository",
    "ReviewRepository",
]


class OrderRepository(Protocol):
    """Orders, saved with optimistic concurrency."""

    def add(self, order: Order) -> None:
        """Store a new order (its version must be 0). Raises DuplicateEntity."""
        ...

    def get(self, order_id: OrderId) -> Order:
        """The order with its timeline. Raises NotFound (code ``order_not_found``)."""
        ...

    def lock(self, order_id: OrderId) -> None:
        """Serialize the money commands of one order until the unit of work ends.

        Call it before reading the order, its payment attempts or its refunds: a second unit
        of work locking the same order waits until the first commits or rolls back, then
        reads what it stored (so two pays never both see the order unpaid, two cancellations
        never both see it open). PostgreSQL: ``SELECT ... FOR UPDATE`` on the order's row; a
        no-op where writers are already serialized for the whole unit of work (SQLite with
        ``BEGIN IMMEDIATE``, the in-memory store).

        Raises:
            NotFound: (code ``order_not_found``) if the order does not exist.
        """
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

    def next_sequence(self) -> int:
        """A positive number never handed out before, for an order number; numbers grow,
        gaps are allowed (a rolled-back transaction may lose one)."""
        ...

    def get_by_number(self, number: str) -> Order:
        """The order with this human-friendly number (canonical form).

        Raises:
            NotFound: (code ``order_not_found``) if no order has it.
        """
        ...


class IdempotencyKeyRepository(Protocol):
    """Idempotency keys of order placement: one live record per (actor, key)."""

    def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Hold ``record``'s (actor, key) for this unit of work by storing ``record``.

        A record that expired by ``record.created_at`` is replaced; committing the unit of
        work keeps the new record, rolling back frees the key again.

        Returns:
            None if ``record`` was stored; otherwise the live record already stored for the
            pair (committed by an earlier unit of work) — its fingerprint tells a retry of
            the same request from a reuse of the key.

        Raises:
            IdempotencyKeyInFlight: another unit of work holds the pair and has not ended
                yet (never raised where whole units of work are serialized: there the claim
                waits for the other to end).
        """
        ...

    def get(self, actor_id: str, key: str, at: DateTime) -> IdempotencyRecord | None:
        """The record of (actor, key) if one is stored and live at ``at``."""
        ...

    def purge_expired(self, at: DateTime) -> int:
        """Delete the records expired by ``at``; how many were deleted."""
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


class PositionRepository(Protocol):
    """Technician positions reported while on the way to an order."""

    def add(self, report: PositionReport) -> None:
        """Store a report."""
        ...

    def latest(self, order_id: OrderId) -> PositionReport | None:
        """The most recently reported position for the order (latest ``reported_at``)."""
        ...


class ComplaintRepository(Protocol):
    """Complaints, saved with optimistic concurrency like orders."""

    def add(self, complaint: Complaint) -> None:
        """Store a new complaint. Raises DuplicateEntity (``complaint_exists``)."""
        ...

    def get(self, complaint_id: str) -> Complaint:
        """The complaint with its timeline. Raises NotFound (``complaint_not_found``)."""
        ...

    def save(self, complaint: Complaint) -> None:
        """Compare-and-set on ``version`` as :meth:`OrderRepository.save`.

        Raises:
            ConcurrentUpdate: if someone saved the complaint since it was loaded.
        """
        ...

    def for_order(self, order_id: OrderId) -> list[Complaint]:
        """The order's complaints, oldest first."""
        ...

    def list_pending(self) -> list[Complaint]:
        """Open and arbitrating complaints, oldest first (the platform's queue)."""
        ...


class OrderStore(Protocol):
    """The orders' part of a unit of work."""

    @property
    def orders(self) -> OrderRepository: ...
    @property
    def idempotency_keys(self) -> IdempotencyKeyRepository: ...
    @property
    def reviews(self) -> ReviewRepository: ...
    @property
    def positions(self) -> PositionRepository: ...
    @property
    def complaints(self) -> ComplaintRepository: ...
