"""Orders and what hangs off them: idempotency keys, reviews, positions, complaints."""

from __future__ import annotations

from typing import Any, Final

import attrs
from pendulum import DateTime
from sqlalchemy import (
    BindParameter,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from booking_core.errors import (
    ConcurrentUpdate,
    DuplicateEntity,
    IdempotencyKeyInFlight,
    NotFound,
)
from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId
from booking_core.orders import Order, Review
from booking_core.orders.complaint import Complaint, ComplaintState
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.orders.tracking import PositionReport
from booking_core.ports.storage.orders import OrderQuery, OrderSort
from booking_core.reviews import ModerationState
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import (
    IDEMPOTENCY_LOCK_CLASS,
    PerDialect,
    Repository,
    insert_or_nothing,
    new_values,
    rowcount,
    update_columns,
)
from booking_core_sqlalchemy.tables import (
    UtcDateTime,
    complaints,
    counters,
    idempotency_keys,
    order_number_seq,
    order_transitions,
    orders,
    position_reports,
    reviews,
    technicians,
)

__all__ = [
    "SqlAlchemyComplaintRepository",
    "SqlAlchemyIdempotencyKeyRepository",
    "SqlAlchemyOrderRepository",
    "SqlAlchemyPositionRepository",
    "SqlAlchemyReviewRepository",
]

_ORDER_ID: BindParameter[str] = bindparam("order_id")

# -- orders: compare-and-set on version, append-only timeline ------------------------------

_INSERT_ORDER: Final = insert_or_nothing(orders)
_INSERT_TRANSITIONS: Final = insert(order_transitions)
_ORDER: Final = select(orders).where(orders.c.id == _ORDER_ID)
_ORDER_EXISTS: Final = select(orders.c.id).where(orders.c.id == _ORDER_ID)
_ORDER_BY_NUMBER: Final = select(orders.c.id).where(orders.c.number == bindparam("number"))
_TIMELINE: Final = (
    select(order_transitions)
    .where(order_transitions.c.order_id == _ORDER_ID)
    .order_by(order_transitions.c.sequence)
)
_CUSTOMER_ORDERS: Final = (
    select(orders)
    .where(orders.c.customer_id == bindparam("customer_id"))
    .order_by(orders.c.placed_at.desc(), orders.c.id.desc())
)
_TIMELINES: Final = (
    select(order_transitions)
    .where(order_transitions.c.order_id.in_(bindparam("parent_ids", expanding=True)))
    .order_by(order_transitions.c.order_id, order_transitions.c.sequence)
)
_ORDER_CAS: Final = update_columns(
    orders,
    and_(orders.c.id == bindparam("cas_id"), orders.c.version == bindparam("cas_version")),
    keep=["id", "version"],
).values(version=orders.c.version + 1)
_TIMELINE_LENGTH: Final = select(func.coalesce(func.max(order_transitions.c.sequence), 0)).where(
    order_transitions.c.order_id == _ORDER_ID
)
_NEXT_ORDER_NUMBER: Final = PerDialect(
    sqlite=sqlite.insert(counters)
    .values(name="order_number", value=1)
    .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
    .returning(counters.c.value),
    postgres=select(order_number_seq.next_value()),
)
_STORE_TECHNICIANS: Final = select(technicians.c.id).where(
    technicians.c.profile["store_id"].as_string() == bindparam("store_id")
)
# Waiting for dispatch: placed without a technician, none assigned yet (OrderQuery.admits).
_WAITING: Final = and_(orders.c.technician_id.is_(None), orders.c.dispatch.is_not(None))
_SORT_COLUMN: Final = {
    OrderSort.NEWEST_PLACED: orders.c.placed_at,
    OrderSort.SOONEST_SLOT: orders.c.slot_start,
    OrderSort.LATEST_SLOT: orders.c.slot_start,
}


def _find(query: OrderQuery) -> tuple[Any, dict[str, Any]]:
    """One ``SELECT`` of the orders ``query`` asks for, with its parameters.

    Only the filters that are set become conditions, so each shape of query is its own
    (cached) statement; the store filter is a subquery over the technicians' profiles, and
    the cursor a row comparison ``(instant, id) < (:at, :id)`` that an index on the sort
    column can serve. ``waiting=True`` is spelled as the predicate of the partial index
    ``ix_orders_waiting``, so the dispatcher's board reads that index alone.
    """
    c = orders.c
    conditions: list[Any] = []
    params: dict[str, Any] = {}
    for name, column in (
        ("customer_id", c.customer_id),
        ("technician_id", c.technician_id),
        ("party_id", c.party_id),
    ):
        if getattr(query, name) is not None:
            conditions.append(column == bindparam(name))
            params[name] = getattr(query, name)
    if query.store_id is not None:
        conditions.append(c.technician_id.in_(_STORE_TECHNICIANS.scalar_subquery()))
        params["store_id"] = query.store_id
    if query.states is not None:
        conditions.append(c.state.in_(bindparam("states", expanding=True)))
        params["states"] = sorted(state.value for state in query.states)
    for name, column, low in (
        ("placed_from", c.placed_at, True),
        ("placed_until", c.placed_at, False),
        ("slot_from", c.slot_start, True),
        ("slot_until", c.slot_start, False),
    ):
        if getattr(query, name) is not None:
            bound = bindparam(name, type_=UtcDateTime())
            conditions.append(column >= bound if low else column < bound)
            params[name] = getattr(query, name)
    if query.waiting is not None:
        conditions.append(_WAITING if query.waiting else ~_WAITING)
    sort_column = _SORT_COLUMN[query.sort]
    descending = query.sort.descending
    if query.after is not None:
        key = tuple_(sort_column, c.id)
        edge = tuple_(bindparam("after_at", type_=UtcDateTime()), bindparam("after_id"))
        conditions.append(key < edge if descending else key > edge)
        params["after_at"], params["after_id"] = query.after.at, query.after.order_id
    order_by = (sort_column.desc(), c.id.desc()) if descending else (sort_column, c.id)
    statement = select(orders).where(*conditions).order_by(*order_by).limit(bindparam("limit"))
    params["limit"] = query.limit
    return statement, params


# SQLite's compiler leaves FOR UPDATE out: there the unit of work's write lock serializes.
_LOCK_ORDER: Final = _ORDER_EXISTS.with_for_update()


class SqlAlchemyOrderRepository(Repository):
    """Orders in ``orders``, their timelines in the append-only ``order_transitions``."""

    entity = "order"

    def add(self, order: Order) -> None:
        """Store a new order with its timeline. Raises DuplicateEntity if the id exists."""
        self._insert_new(_INSERT_ORDER, mapping.order_to_row(order), order.id)
        self._append(order, 0)

    def get(self, order_id: OrderId) -> Order:
        """The order with its timeline. Raises NotFound (code ``order_not_found``)."""
        row = self._one(_ORDER, {"order_id": order_id}, order_id)
        timeline = self._conn.execute(_TIMELINE, {"order_id": order_id}).all()
        return mapping.order_to_domain(row, list(timeline))

    def lock(self, order_id: OrderId) -> None:
        """Hold the order's row until the transaction ends. Raises NotFound.

        PostgreSQL: ``SELECT ... FOR UPDATE`` (a second locker waits, then reads what the
        first committed: READ COMMITTED takes a new snapshot per statement). SQLite: the
        same statement without ``FOR UPDATE``; the unit of work already holds the write lock.
        """
        self._one(_LOCK_ORDER, {"order_id": order_id}, order_id)

    def save(self, order: Order) -> None:
        """``UPDATE ... WHERE id = :id AND version = :v``, then append new timeline records.

        Raises:
            ConcurrentUpdate: if the stored version is not ``order.version`` any more.
            NotFound: if the order was never added.
        """
        conn = self._conn
        values = new_values(mapping.order_to_row(order), cas_id=order.id, cas_version=order.version)
        if not rowcount(conn.execute(_ORDER_CAS, values)):
            if conn.execute(_ORDER_EXISTS, {"order_id": order.id}).first() is None:
                raise NotFound(self.entity, order.id)
            raise ConcurrentUpdate(
                f"Order {order.id} was changed by someone else; reload it and try again.",
                details={"order_id": order.id},
            )
        # The row is now locked by this transaction: the stored timeline cannot grow under us.
        stored = conn.execute(_TIMELINE_LENGTH, {"order_id": order.id}).scalar_one()
        self._append(order, int(stored))
        order.version += 1

    def _append(self, order: Order, stored_length: int) -> None:
        new = [
            mapping.transition_to_row(order.id, record)
            for record in order.timeline
            if record.sequence > stored_length
        ]
        if new:
            self._conn.execute(_INSERT_TRANSITIONS, new)

    def next_sequence(self) -> int:
        """A positive number never handed out before, for an order number (gaps allowed).

        PostgreSQL: ``nextval`` of a sequence (never blocks, a rollback loses the number).
        SQLite: a counter row, under the unit of work's write lock.
        """
        return int(self._conn.execute(_NEXT_ORDER_NUMBER.on(self._postgres)).scalar_one())

    def get_by_number(self, number: str) -> Order:
        """The order with this number. Raises NotFound (code ``order_not_found``)."""
        found = self._one(_ORDER_BY_NUMBER, {"number": number}, number)
        return self.get(OrderId(found.id))

    def list_for_customer(self, customer_id: CustomerId) -> list[Order]:
        """The customer's orders, newest first (two queries, whatever the count)."""
        found = self._with_children(
            _CUSTOMER_ORDERS, {"customer_id": customer_id}, _TIMELINES, "order_id"
        )
        return [mapping.order_to_domain(row, timeline) for row, timeline in found]

    def find(self, query: OrderQuery) -> list[Order]:
        """The orders ``query`` asks for: one ``SELECT`` (store filter, cursor and limit
        included), then one read of their timelines."""
        statement, params = _find(query)
        found = self._with_children(statement, params, _TIMELINES, "order_id")
        return [mapping.order_to_domain(row, timeline) for row, timeline in found]


# -- idempotency keys: the primary key (actor, key) decides ----------------------------------

_KEY_COLUMNS = ("actor_id", "key", "fingerprint", "order_id", "created_at", "expires_at")


def _claim(postgres: bool) -> Any:
    """``INSERT ... ON CONFLICT (actor_id, key) DO UPDATE ... WHERE expired RETURNING``:
    stores a new record or replaces an expired one, and returns nothing when a live record
    holds the pair — one statement on the common path.

    PostgreSQL: the row is inserted only if ``pg_try_advisory_xact_lock`` on the pair
    succeeds, so a claim never waits behind another transaction's uncommitted row (which
    would hold it until that transaction ends): the caller finds out at once that the key
    is in flight. The primary key still decides; the lock only keeps the loser from waiting.
    """
    table = idempotency_keys
    params = [bindparam(name, type_=table.c[name].type) for name in _KEY_COLUMNS]
    keys = [table.c.actor_id, table.c.key]
    if postgres:
        got_lock = func.pg_try_advisory_xact_lock(
            literal_column(str(IDEMPOTENCY_LOCK_CLASS)), func.hashtext(bindparam("lock_key"))
        )
        on_pg = postgresql.insert(table).from_select(
            list(_KEY_COLUMNS), select(*params).where(got_lock)
        )
        return on_pg.on_conflict_do_update(
            index_elements=keys,
            set_={name: on_pg.excluded[name] for name in _KEY_COLUMNS[2:]},
            where=table.c.expires_at <= on_pg.excluded.created_at,
        ).returning(table.c.order_id)
    on_sqlite = sqlite.insert(table).values(dict(zip(_KEY_COLUMNS, params, strict=True)))
    return on_sqlite.on_conflict_do_update(
        index_elements=keys,
        set_={name: on_sqlite.excluded[name] for name in _KEY_COLUMNS[2:]},
        where=table.c.expires_at <= on_sqlite.excluded.created_at,
    ).returning(table.c.order_id)


_CLAIM: Final = PerDialect(sqlite=_claim(False), postgres=_claim(True))
_LIVE_KEY: Final = select(idempotency_keys).where(
    idempotency_keys.c.actor_id == bindparam("actor_id"),
    idempotency_keys.c.key == bindparam("key"),
    idempotency_keys.c.expires_at > bindparam("at", type_=UtcDateTime()),
)
_PURGE_KEYS: Final = delete(idempotency_keys).where(
    idempotency_keys.c.expires_at <= bindparam("at", type_=UtcDateTime())
)


class SqlAlchemyIdempotencyKeyRepository(Repository):
    """Idempotency records in ``idempotency_keys`` (primary key: actor, key)."""

    entity = "idempotency_key"

    def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Store ``record`` unless a live record holds its pair (an expired one is replaced).

        Returns:
            None if stored; else the live record stored before.

        Raises:
            IdempotencyKeyInFlight: (PostgreSQL) another transaction claimed the pair and
                has not ended. SQLite serializes writers, so there a claim waits instead.
        """
        values: dict[str, Any] = {name: getattr(record, name) for name in _KEY_COLUMNS}
        values["lock_key"] = f"{record.actor_id} {record.key}"
        if self._conn.execute(_CLAIM.on(self._postgres), values).first() is not None:
            return None
        held = self.get(record.actor_id, record.key, record.created_at)
        if held is not None:
            return held
        raise IdempotencyKeyInFlight(
            f"A request with the idempotency key {record.key!r} is still being processed; "
            "retry in a moment to get its result.",
            details={"idempotency_key": record.key},
        )

    def get(self, actor_id: str, key: str, at: DateTime) -> IdempotencyRecord | None:
        """The live record of (actor, key), if any."""
        row = self._conn.execute(_LIVE_KEY, {"actor_id": actor_id, "key": key, "at": at}).first()
        return None if row is None else mapping.idempotency_record_to_domain(row)

    def purge_expired(self, at: DateTime) -> int:
        """``DELETE`` the records expired by ``at``; how many."""
        return rowcount(self._conn.execute(_PURGE_KEYS, {"at": at}))


# -- reviews -------------------------------------------------------------------------------

_INSERT_REVIEW: Final = insert_or_nothing(reviews)
_ORDER_REVIEW: Final = select(reviews).where(reviews.c.order_id == _ORDER_ID)
_TECHNICIAN_REVIEWS: Final = (
    select(reviews)
    .where(reviews.c.technician_id == bindparam("technician_id"))
    .order_by(reviews.c.created_at.desc(), reviews.c.id.desc())
)


_REVIEW: Final = select(reviews).where(reviews.c.id == bindparam("review_id"))
_MODERATED_REVIEWS: Final = (
    select(reviews)
    .where(reviews.c.moderation_state == bindparam("state"))
    .order_by(reviews.c.created_at, reviews.c.id)
)
_SAVE_REVIEW: Final = (
    update(reviews)
    .where(reviews.c.id == bindparam("cas_id"), reviews.c.version == bindparam("cas_version"))
    .values(
        document=bindparam("new_document", type_=reviews.c.document.type),
        moderation_state=bindparam("new_moderation_state"),
        version=reviews.c.version + 1,
    )
)


class SqlAlchemyReviewRepository(Repository):
    """Reviews in ``reviews`` (``order_id`` is unique); compare-and-set on ``version``. The
    stars, text and parties never change after the insert: a save writes the document."""

    entity = "review"

    def add(self, review: Review) -> None:
        """Store a review. Raises DuplicateEntity (``review_exists``) if the order has one."""
        values = mapping.review_to_row(review)
        if rowcount(self._conn.execute(_INSERT_REVIEW.on(self._postgres), values)):
            return
        if self.for_order(review.order_id) is not None:
            raise DuplicateEntity(self.entity, review.order_id)
        raise DuplicateEntity(self.entity, review.id)

    def for_order(self, order_id: OrderId) -> Review | None:
        """The order's review, if any."""
        row = self._conn.execute(_ORDER_REVIEW, {"order_id": order_id}).first()
        return None if row is None else mapping.review_to_domain(row)

    def list_for_technician(self, technician_id: TechnicianId) -> list[Review]:
        """The technician's reviews, newest first."""
        rows = self._conn.execute(_TECHNICIAN_REVIEWS, {"technician_id": technician_id})
        return [mapping.review_to_domain(row) for row in rows]

    def get(self, review_id: ReviewId) -> Review:
        """The review. Raises NotFound (``review_not_found``)."""
        return mapping.review_to_domain(self._one(_REVIEW, {"review_id": review_id}, review_id))

    def save(self, review: Review) -> Review:
        """Compare-and-set on ``version``; it at the next version.

        Raises:
            NotFound: no such review.
            ConcurrentUpdate: someone saved it since it was read.
        """
        values = mapping.review_to_row(review)
        params = {"cas_id": review.id, "cas_version": review.version,
                  "new_document": values["document"],
                  "new_moderation_state": values["moderation_state"]}  # fmt: skip
        self._compare_and_set(_SAVE_REVIEW, params, review.id, self.get)
        return attrs.evolve(review, version=review.version + 1)

    def list_moderated(self, state: ModerationState) -> list[Review]:
        """The reviews whose moderation is in ``state``, oldest first (creation, then id)."""
        rows = self._conn.execute(_MODERATED_REVIEWS, {"state": state.value})
        return [mapping.review_to_domain(row) for row in rows]


# -- positions -----------------------------------------------------------------------------

_INSERT_POSITION: Final = insert(position_reports)
_LATEST_POSITION: Final = (
    select(position_reports)
    .where(position_reports.c.order_id == _ORDER_ID)
    .order_by(position_reports.c.reported_at.desc(), position_reports.c.id.desc())
    .limit(1)
)


class SqlAlchemyPositionRepository(Repository):
    """Technician positions in ``position_reports``."""

    entity = "position_report"

    def add(self, report: PositionReport) -> None:
        """Store a report."""
        self._conn.execute(_INSERT_POSITION, mapping.position_to_row(report))

    def latest(self, order_id: OrderId) -> PositionReport | None:
        """The most recently reported position for the order (the last stored on ties)."""
        row = self._conn.execute(_LATEST_POSITION, {"order_id": order_id}).first()
        return None if row is None else mapping.position_to_domain(row)


# -- complaints ----------------------------------------------------------------------------

_INSERT_COMPLAINT: Final = insert_or_nothing(complaints)
_COMPLAINT: Final = select(complaints).where(complaints.c.id == bindparam("complaint_id"))
_COMPLAINTS_BY_FILING: Final = select(complaints).order_by(complaints.c.filed_at, complaints.c.id)
_ORDER_COMPLAINTS: Final = _COMPLAINTS_BY_FILING.where(complaints.c.order_id == _ORDER_ID)
_PENDING_COMPLAINTS: Final = _COMPLAINTS_BY_FILING.where(
    complaints.c.state.in_([ComplaintState.OPEN.value, ComplaintState.ARBITRATING.value])
)
_COMPLAINT_CAS: Final = (
    update(complaints)
    .where(complaints.c.id == bindparam("cas_id"), complaints.c.version == bindparam("cas_version"))
    .values(
        state=bindparam("new_state"),
        document=bindparam("new_document", type_=complaints.c.document.type),
        version=complaints.c.version + 1,
    )
)


class SqlAlchemyComplaintRepository(Repository):
    """Complaints in ``complaints`` (a converter document), compare-and-set on version."""

    entity = "complaint"

    def add(self, complaint: Complaint) -> None:
        """Store a new complaint. Raises DuplicateEntity (``complaint_exists``)."""
        self._insert_new(_INSERT_COMPLAINT, mapping.complaint_to_row(complaint), complaint.id)

    def get(self, complaint_id: str) -> Complaint:
        """The complaint with its timeline. Raises NotFound (``complaint_not_found``)."""
        return mapping.complaint_to_domain(
            self._one(_COMPLAINT, {"complaint_id": complaint_id}, complaint_id)
        )

    def save(self, complaint: Complaint) -> None:
        """Compare-and-set on ``version``, then increment ``complaint.version``.

        Raises:
            ConcurrentUpdate: if someone saved the complaint since it was loaded.
            NotFound: if it was never added.
        """
        values = mapping.complaint_to_row(complaint)
        params = {"cas_id": complaint.id, "cas_version": complaint.version,
                  "new_state": values["state"], "new_document": values["document"]}  # fmt: skip
        self._compare_and_set(_COMPLAINT_CAS, params, complaint.id, self.get)
        complaint.version += 1

    def for_order(self, order_id: OrderId) -> list[Complaint]:
        """The order's complaints, oldest first."""
        rows = self._conn.execute(_ORDER_COMPLAINTS, {"order_id": order_id})
        return [mapping.complaint_to_domain(row) for row in rows]

    def list_pending(self) -> list[Complaint]:
        """Open and arbitrating complaints, oldest first."""
        rows = self._conn.execute(_PENDING_COMPLAINTS)
        return [mapping.complaint_to_domain(row) for row in rows]
