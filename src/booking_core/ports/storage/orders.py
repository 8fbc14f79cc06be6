"""Storage of orders and what hangs on them: idempotency keys, reviews, positions and
complaints."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Protocol

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, OrderId, ReviewId, StoreId, TechnicianId
from booking_core.orders.complaint import Complaint
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.orders.order import Order, OrderState
from booking_core.orders.review import Review
from booking_core.orders.tracking import PositionReport
from booking_core.reviews.review import ModerationState
from booking_core.timerange import ensure_aware

__all__ = [
    "ComplaintRepository",
    "IdempotencyKeyRepository",
    "OrderCursor",
    "OrderQuery",
    "OrderRepository",
    "OrderSort",
    "OrderStore",
    "PositionRepository",
    "ReviewRepository",
]


class OrderSort(StrEnum):
    """The order a listing comes in; ties on the instant are broken by the order id, in the
    same direction, so the key ``(instant, id)`` is unique and a cursor can follow it."""

    NEWEST_PLACED = "newest_placed"  # placed_at descending
    SOONEST_SLOT = "soonest_slot"  # slot start ascending
    LATEST_SLOT = "latest_slot"  # slot start descending

    @property
    def descending(self) -> bool:
        """Whether later instants come first."""
        return self is not OrderSort.SOONEST_SLOT

    def instant(self, order: Order) -> DateTime:
        """The instant of ``order`` this sort orders by."""
        return order.placed_at if self is OrderSort.NEWEST_PLACED else order.slot.start


def _aware_or_none(value: object) -> DateTime | None:
    return None if value is None else ensure_aware(value, "bound")


def _aware(value: object) -> DateTime:
    return ensure_aware(value, "cursor instant")


@attrs.frozen
class OrderCursor:
    """Where a page ended: the sort key ``(instant, id)`` of its last order.

    The next page holds the orders strictly after this key in the query's sort, so orders
    added or changed between pages cause neither gaps nor repeats among the others.
    """

    at: DateTime = attrs.field(converter=_aware)
    order_id: OrderId

    @classmethod
    def after(cls, order: Order, sort: OrderSort) -> OrderCursor:
        """The cursor that continues after ``order`` in ``sort``."""
        return cls(sort.instant(order), order.id)


def _states(value: object) -> frozenset[OrderState] | None:
    if value is None:
        return None
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise InvalidInput("The states must be a collection of order states.")
    try:
        return frozenset(OrderState(state) for state in value)
    except ValueError as exc:
        raise InvalidInput(f"Not an order state: {exc}.") from exc


def _check_limit(_: object, __: object, limit: int) -> None:
    if isinstance(limit, bool) or not 1 <= limit <= OrderQuery.MAX_LIMIT:
        raise InvalidInput(
            f"An order query returns 1 to {OrderQuery.MAX_LIMIT} orders; got {limit!r}.",
            details={"limit": limit},
        )


@attrs.frozen(kw_only=True)
class OrderQuery:
    """Which orders :meth:`OrderRepository.find` returns, in which order, from where.

    Every filter that is set must hold (None: no filter). Ranges are half-open
    ``[from, until)`` over the order's ``placed_at`` or its slot's start.

    Attributes:
        customer_id: Only this customer's orders.
        technician_id: Only orders assigned to this technician.
        store_id: Only orders assigned to technicians whose profile names this store (as
            stored now: a technician who moves takes his orders along).
        states: Only orders in one of these states (empty: none at all).
        placed_from: Placed at or after this instant.
        placed_until: Placed before this instant.
        slot_from: The slot starts at or after this instant.
        slot_until: The slot starts before this instant.
        sort: The order of the result.
        after: Only orders after this cursor in ``sort`` (the next page).
        limit: At most this many orders (1 to :attr:`MAX_LIMIT`).
        waiting: True: only orders waiting for dispatch to find a technician (placed
            without one, and none assigned now); False: only the others; None: both.
        party_id: Only the orders of this party (the seats of one booking of a service
            for several technicians).
    """

    #: The most orders one query returns.
    MAX_LIMIT: ClassVar[int] = 1000

    customer_id: CustomerId | None = None
    technician_id: TechnicianId | None = None
    store_id: StoreId | None = None
    states: frozenset[OrderState] | None = attrs.field(default=None, converter=_states)
    placed_from: DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    placed_until: DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    slot_from: DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    slot_until: DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    sort: OrderSort = OrderSort.NEWEST_PLACED
    after: OrderCursor | None = None
    limit: int = attrs.field(default=100, validator=_check_limit)
    waiting: bool | None = None
    party_id: str | None = None

    def admits(self, order: Order, technician_store: StoreId | None) -> bool:
        """Whether ``order`` passes every filter and lies after the cursor (the reference
        semantics adapters implement; ``technician_store`` is the store of the order's
        technician, None without one)."""
        return (
            (self.customer_id is None or order.customer_id == self.customer_id)
            and (self.technician_id is None or order.technician_id == self.technician_id)
            and (self.store_id is None or technician_store == self.store_id)
            and (self.states is None or order.state in self.states)
            and _within(order.placed_at, self.placed_from, self.placed_until)
            and _within(order.slot.start, self.slot_from, self.slot_until)
            and (self.after is None or self._beyond(order, self.after))
            and (self.waiting is None or self.waiting == _waits(order))
            and (self.party_id is None or _party_id(order) == self.party_id)
        )

    def _beyond(self, order: Order, cursor: OrderCursor) -> bool:
        key = (self.sort.instant(order), order.id)
        edge = (cursor.at, cursor.order_id)
        return key < edge if self.sort.descending else key > edge


def _party_id(order: Order) -> str | None:
    return None if order.party is None else order.party.id


def _waits(order: Order) -> bool:
    return order.dispatch is not None and order.technician_id is None


def _within(at: DateTime, start: DateTime | None, end: DateTime | None) -> bool:
    return (start is None or at >= start) and (end is None or at < end)


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

    def find(self, query: OrderQuery) -> list[Order]:
        """The first ``query.limit`` orders that :meth:`OrderQuery.admits`, in
        ``query.sort``, each with its timeline.

        One read of the orders (the store filter included) plus one of their timelines,
        whatever the count.
        """
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
        """The technician's reviews, newest first (ties on the instant: the larger id
        first), hidden ones included."""
        ...

    def get(self, review_id: ReviewId) -> Review:
        """The review. Raises NotFound (``review_not_found``)."""
        ...

    def save(self, review: Review) -> Review:
        """Compare-and-set on ``version``: store ``review`` if the stored one still has its
        version; returns it at the next version.

        Raises:
            NotFound: no such review.
            ConcurrentUpdate: someone saved it since it was read.
        """
        ...

    def list_moderated(self, state: ModerationState) -> list[Review]:
        """The reviews whose moderation is in ``state``, oldest first (by creation, then
        id)."""
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
