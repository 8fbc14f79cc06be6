"""In-memory orders, idempotency keys, reviews, positions and complaints."""

from __future__ import annotations

from typing import TypeVar

import attrs
from pendulum import DateTime

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound
from booking_core.ids import CustomerId, OrderId, ReviewId, StoreId, TechnicianId
from booking_core.orders import Order, Review
from booking_core.orders.complaint import Complaint
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.orders.tracking import PositionReport
from booking_core.ports.storage.orders import OrderQuery
from booking_core.reviews import ModerationState
from booking_core.scheduling import Technician
from booking_core.testing.memory.table import Table

__all__ = [
    "InMemoryComplaints",
    "InMemoryIdempotencyKeys",
    "InMemoryOrders",
    "InMemoryPositions",
    "InMemoryReviews",
]


_Aggregate = TypeVar("_Aggregate", Order, Complaint)


def _copy(aggregate: _Aggregate) -> _Aggregate:
    # Orders and complaints are mutable aggregates: hand out copies so an uncommitted
    # change never leaks.
    return attrs.evolve(aggregate, timeline=list(aggregate.timeline))


class _AggregateTable(Table):
    """Rows that are orders or complaints: copies in and out, saved by compare-and-set."""

    def _save_versioned(self, aggregate: _Aggregate) -> None:
        stored: _Aggregate = self._get(aggregate.id)
        if stored.version != aggregate.version:
            raise ConcurrentUpdate(
                f"{self._entity.capitalize()} {aggregate.id} was changed by someone else; "
                "reload it and try again.",
                details={f"{self._entity}_id": aggregate.id},
            )
        aggregate.version += 1
        self.rows[aggregate.id] = _copy(aggregate)


class InMemoryOrders(_AggregateTable):
    """:class:`~booking_core.ports.storage.OrderRepository` over a snapshot."""

    def add(self, order: Order) -> None:
        self._insert(order.id, _copy(order))

    def get(self, order_id: OrderId) -> Order:
        found: Order = self._get(order_id)
        return _copy(found)

    def lock(self, order_id: OrderId) -> None:
        # The unit of work holds the store's lock for its whole life: checking that the
        # order exists is all there is to do.
        self._get(order_id)

    def save(self, order: Order) -> None:
        self._save_versioned(order)

    def list_for_customer(self, customer_id: CustomerId) -> list[Order]:
        found = [o for o in self.rows.values() if o.customer_id == customer_id]
        return [_copy(o) for o in sorted(found, key=lambda o: (o.placed_at, o.id), reverse=True)]

    def find(self, query: OrderQuery) -> list[Order]:
        technicians: dict[str, Technician] = self.table("technicians")

        def store_of(order: Order) -> StoreId | None:
            found = None if order.technician_id is None else technicians.get(order.technician_id)
            return None if found is None else found.profile.store_id

        sort = query.sort
        found = [o for o in self.rows.values() if query.admits(o, store_of(o))]
        found.sort(key=lambda o: (sort.instant(o), o.id), reverse=sort.descending)
        return [_copy(o) for o in found[: query.limit]]

    def next_sequence(self) -> int:
        counters = self.table("counters")
        counters["order_number"] = counters.get("order_number", 0) + 1
        value: int = counters["order_number"]
        return value

    def get_by_number(self, number: str) -> Order:
        found: Order | None = next((o for o in self.rows.values() if o.number == number), None)
        if found is None:
            raise NotFound("order", number)
        return _copy(found)


class InMemoryIdempotencyKeys(Table):
    """:class:`~booking_core.ports.storage.IdempotencyKeyRepository` over a snapshot."""

    # Units of work are serialized, so a claim never meets one in flight.
    def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        held = self.get(record.actor_id, record.key, record.created_at)
        if held is not None:
            return held
        self.rows[f"{record.actor_id}\x00{record.key}"] = record
        return None

    def get(self, actor_id: str, key: str, at: DateTime) -> IdempotencyRecord | None:
        found: IdempotencyRecord | None = self.rows.get(f"{actor_id}\x00{key}")
        return found if found is not None and found.is_live(at) else None

    def purge_expired(self, at: DateTime) -> int:
        expired = [k for k, record in self.rows.items() if not record.is_live(at)]
        for key in expired:
            del self.rows[key]
        return len(expired)


class InMemoryReviews(Table):
    """:class:`~booking_core.ports.storage.ReviewRepository` over a snapshot."""

    def add(self, review: Review) -> None:
        if any(r.order_id == review.order_id for r in self.rows.values()):
            raise DuplicateEntity("review", review.order_id)
        self._insert(review.id, review)

    def for_order(self, order_id: OrderId) -> Review | None:
        return next((r for r in self.rows.values() if r.order_id == order_id), None)

    def list_for_technician(self, technician_id: TechnicianId) -> list[Review]:
        found = [r for r in self.rows.values() if r.technician_id == technician_id]
        return sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)

    def get(self, review_id: ReviewId) -> Review:
        found: Review = self._get(review_id)
        return found

    def save(self, review: Review) -> Review:
        stored: Review = self._get(review.id)
        if stored.version != review.version:
            raise ConcurrentUpdate(
                f"Review {review.id} was changed by someone else; reload it and try again.",
                details={"review_id": review.id},
            )
        saved = attrs.evolve(review, version=review.version + 1)
        self.rows[review.id] = saved
        return saved

    def list_moderated(self, state: ModerationState) -> list[Review]:
        found = [r for r in self.rows.values() if r.moderation and r.moderation.state == state]
        return sorted(found, key=lambda r: (r.created_at, r.id))


class InMemoryPositions(Table):
    """:class:`~booking_core.ports.storage.PositionRepository` over a snapshot."""

    def add(self, report: PositionReport) -> None:
        self.rows[f"{report.order_id}\x00{len(self.rows):012d}"] = report

    def latest(self, order_id: OrderId) -> PositionReport | None:
        found = [(r.reported_at, n, r) for n, r in self.rows.items() if r.order_id == order_id]
        return max(found)[2] if found else None


class InMemoryComplaints(_AggregateTable):
    """:class:`~booking_core.ports.storage.ComplaintRepository` over a snapshot."""

    def add(self, complaint: Complaint) -> None:
        self._insert(complaint.id, _copy(complaint))

    def get(self, complaint_id: str) -> Complaint:
        found: Complaint = self._get(complaint_id)
        return _copy(found)

    def save(self, complaint: Complaint) -> None:
        self._save_versioned(complaint)

    def for_order(self, order_id: OrderId) -> list[Complaint]:
        found = [c for c in self.rows.values() if c.order_id == order_id]
        return [_copy(c) for c in sorted(found, key=lambda c: (c.filed_at, c.id))]

    def list_pending(self) -> list[Complaint]:
        found = [c for c in self.rows.values() if c.is_pending]
        return [_copy(c) for c in sorted(found, key=lambda c: (c.filed_at, c.id))]
