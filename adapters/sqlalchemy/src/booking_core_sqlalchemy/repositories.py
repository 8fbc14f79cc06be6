"""The repositories of :class:`~booking_core_sqlalchemy.SqlAlchemyUnitOfWork`, on SQLAlchemy Core.

Every method is one or two Core statements on the unit of work's connection. Duplicate ids
are detected with ``INSERT ... ON CONFLICT DO NOTHING`` (no failed statement, so the
transaction stays usable on PostgreSQL). The no-overlap guarantee of bookings is the
database's on PostgreSQL (an exclusion constraint) and the serialized writer's on SQLite.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

import attrs
from pendulum import DateTime, Duration
from sqlalchemy import (
    BindParameter,
    Connection,
    CursorResult,
    Insert,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from booking_core.catalog import Category, Service
from booking_core.errors import (
    CampaignBudgetExceeded,
    ConcurrentUpdate,
    DuplicateEntity,
    IdempotencyConflict,
    IdempotencyKeyInFlight,
    InvalidInput,
    InvalidLedgerEntry,
    NotFound,
    SlotTaken,
    TransactionAlreadyReversed,
)
from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.ledger import Account, Transaction, TransactionId
from booking_core.money import Money
from booking_core.orders import Order, Review
from booking_core.orders.complaint import Complaint, ComplaintState
from booking_core.orders.hoarding import UnpaidCount
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.orders.order import ACTIVE_STATES
from booking_core.orders.payments import (
    MoneyMovement,
    PaymentAttempt,
    RefundRecord,
    open_attempt_exists,
)
from booking_core.orders.tracking import PositionReport
from booking_core.outbox import OutboxMessage
from booking_core.ports.jobs import Job, JobStatus
from booking_core.promotions import (
    Campaign,
    CampaignId,
    Coupon,
    CouponId,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    IssueChannel,
)
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.tables import (
    UtcDateTime,
    bookings,
    campaigns,
    categories,
    complaints,
    counters,
    coupon_templates,
    coupons,
    idempotency_keys,
    jobs,
    ledger_postings,
    ledger_transactions,
    money_movements,
    order_number_seq,
    order_transitions,
    orders,
    outbox_messages,
    payment_attempts,
    position_reports,
    refunds,
    reviews,
    services,
    technicians,
    webhook_events,
    work_schedules,
)

__all__ = [
    "ConnectionSource",
    "SqlAlchemyBookingRepository",
    "SqlAlchemyCampaignRepository",
    "SqlAlchemyCategoryRepository",
    "SqlAlchemyComplaintRepository",
    "SqlAlchemyCouponRepository",
    "SqlAlchemyCouponTemplateRepository",
    "SqlAlchemyIdempotencyKeyRepository",
    "SqlAlchemyJobRepository",
    "SqlAlchemyLedgerRepository",
    "SqlAlchemyMoneyMovementRepository",
    "SqlAlchemyOrderRepository",
    "SqlAlchemyOutboxRepository",
    "SqlAlchemyPaymentRepository",
    "SqlAlchemyPositionRepository",
    "SqlAlchemyRefundRepository",
    "SqlAlchemyReviewRepository",
    "SqlAlchemyScheduleRepository",
    "SqlAlchemyServiceRepository",
    "SqlAlchemyTechnicianRepository",
    "SqlAlchemyWebhookInbox",
]

#: PostgreSQL SQLSTATEs translated into booking_core errors.
EXCLUSION_VIOLATION = "23P01"
UNIQUE_VIOLATION = "23505"
DEADLOCK_DETECTED = "40P01"

#: First key of the transaction-level advisory locks that queue one technician's booking
#: inserts (the second key is ``hashtext(technician_id)``).
BOOKING_LOCK_CLASS = 0x626B67  # "bkg"
#: First key of the advisory locks that serialize one customer's order placements.
CUSTOMER_LOCK_CLASS = 0x637573  # "cus"
#: First key of the advisory locks held by the unit of work that claimed an idempotency key.
IDEMPOTENCY_LOCK_CLASS = 0x69646B  # "idk"


class ConnectionSource(Protocol):
    """Where a repository finds the connection of its unit of work's open transaction."""

    @property
    def connection(self) -> Connection:
        """The open connection; raises RuntimeError outside ``with uow:``."""
        ...


def _insert_or_nothing(table: Table, postgres: bool) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` on ``table`` (rowcount 0 means a duplicate)."""
    dialect_insert = postgresql.insert if postgres else sqlite.insert
    # SQLAlchemy keeps an INSERT's rowcount only when asked to.
    return dialect_insert(table).on_conflict_do_nothing().execution_options(preserve_rowcount=True)


def _rowcount(result: CursorResult[Any]) -> int:
    return result.rowcount


def _slot_taken(booking: Booking) -> SlotTaken:
    return SlotTaken(
        "The technician already has a booking overlapping this time.",
        details={"technician_id": booking.technician_id},
    )


class _Repository:
    entity = ""

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        self._source = source
        self._postgres = postgres

    @property
    def _conn(self) -> Connection:
        return self._source.connection


class SqlAlchemyCategoryRepository(_Repository):
    """Categories in ``categories``."""

    entity = "category"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(categories, postgres)

    def add(self, category: Category) -> None:
        """Store a new category. Raises DuplicateEntity if the id exists."""
        if not _rowcount(self._conn.execute(self._insert, mapping.category_to_row(category))):
            raise DuplicateEntity(self.entity, category.id)

    def get(self, category_id: CategoryId) -> Category:
        """The category. Raises NotFound (code ``category_not_found``)."""
        row = self._conn.execute(select(categories).where(categories.c.id == category_id)).first()
        if row is None:
            raise NotFound(self.entity, category_id)
        return mapping.category_to_domain(row)

    def list(self) -> list[Category]:
        """All categories, ordered by name then id."""
        rows = self._conn.execute(select(categories).order_by(categories.c.name, categories.c.id))
        return [mapping.category_to_domain(row) for row in rows]


class SqlAlchemyServiceRepository(_Repository):
    """Catalog services in ``services``."""

    entity = "service"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(services, postgres)

    def add(self, service: Service) -> None:
        """Store a new service. Raises DuplicateEntity if the id exists."""
        if not _rowcount(self._conn.execute(self._insert, mapping.service_to_row(service))):
            raise DuplicateEntity(self.entity, service.id)

    def get(self, service_id: ServiceId) -> Service:
        """The service. Raises NotFound (code ``service_not_found``)."""
        row = self._conn.execute(select(services).where(services.c.id == service_id)).first()
        if row is None:
            raise NotFound(self.entity, service_id)
        return mapping.service_to_domain(row)

    def list(self, category_id: CategoryId | None = None) -> list[Service]:
        """Services (of one category if given), ordered by name then id."""
        query = select(services).order_by(services.c.name, services.c.id)
        if category_id is not None:
            query = query.where(services.c.category_id == category_id)
        return [mapping.service_to_domain(row) for row in self._conn.execute(query)]


class SqlAlchemyTechnicianRepository(_Repository):
    """Technicians in ``technicians``."""

    entity = "technician"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(technicians, postgres)

    def add(self, technician: Technician) -> None:
        """Store a new technician. Raises DuplicateEntity if the id exists."""
        values = mapping.technician_to_row(technician)
        if not _rowcount(self._conn.execute(self._insert, values)):
            raise DuplicateEntity(self.entity, technician.id)

    def get(self, technician_id: TechnicianId) -> Technician:
        """The technician. Raises NotFound (code ``technician_not_found``)."""
        query = select(technicians).where(technicians.c.id == technician_id)
        row = self._conn.execute(query).first()
        if row is None:
            raise NotFound(self.entity, technician_id)
        return mapping.technician_to_domain(row)

    def list(self) -> list[Technician]:
        """All technicians, ordered by name then id."""
        query = select(technicians).order_by(technicians.c.name, technicians.c.id)
        return [mapping.technician_to_domain(row) for row in self._conn.execute(query)]

    def save(self, technician: Technician) -> None:
        """Replace the stored technician with the same id (last writer wins).

        Raises:
            NotFound: (code ``technician_not_found``) if no technician has the id.
        """
        values = mapping.technician_to_row(technician)
        del values["id"]
        statement = update(technicians).where(technicians.c.id == technician.id).values(values)
        if not _rowcount(self._conn.execute(statement)):
            raise NotFound(self.entity, technician.id)


# -- bookings: the no-overlap guarantee (I1) ----------------------------------------------

_WITHIN_START = bindparam("within_start", type_=UtcDateTime())
_WITHIN_END = bindparam("within_end", type_=UtcDateTime())
_TECHNICIAN: BindParameter[str] = bindparam("technician_id")

# PostgreSQL: phrased as a range overlap so that the exclusion constraint's GiST index
# (technician_id, tstzrange(blocked_start, blocked_end)) WHERE active answers it.
_PG_ACTIVE_OVERLAPPING = (
    select(bookings)
    .where(
        bookings.c.technician_id == _TECHNICIAN,
        bookings.c.active,
        func.tstzrange(bookings.c.blocked_start, bookings.c.blocked_end, literal_column("'[)'")).op(
            "&&"
        )(func.tstzrange(_WITHIN_START, _WITHIN_END, literal_column("'[)'"))),
    )
    .order_by(bookings.c.blocked_start, bookings.c.id)
)
# SQLite: instants are fixed-width UTC text, so text comparison is time comparison; the
# partial index (technician_id, blocked_start) WHERE active serves it.
_SQLITE_ACTIVE_OVERLAPPING = (
    select(bookings)
    .where(
        bookings.c.technician_id == _TECHNICIAN,
        bookings.c.active,
        bookings.c.blocked_start < _WITHIN_END,
        bookings.c.blocked_end > _WITHIN_START,
    )
    .order_by(bookings.c.blocked_start, bookings.c.id)
)
_TECHNICIANS: BindParameter[list[str]] = bindparam("technician_ids", expanding=True)
_PG_MANY_ACTIVE_OVERLAPPING = (
    select(bookings)
    .where(
        bookings.c.technician_id.in_(_TECHNICIANS),
        bookings.c.active,
        func.tstzrange(bookings.c.blocked_start, bookings.c.blocked_end, literal_column("'[)'")).op(
            "&&"
        )(func.tstzrange(_WITHIN_START, _WITHIN_END, literal_column("'[)'"))),
    )
    .order_by(bookings.c.technician_id, bookings.c.blocked_start, bookings.c.id)
)
_SQLITE_MANY_ACTIVE_OVERLAPPING = (
    select(bookings)
    .where(
        bookings.c.technician_id.in_(_TECHNICIANS),
        bookings.c.active,
        bookings.c.blocked_start < _WITHIN_END,
        bookings.c.blocked_end > _WITHIN_START,
    )
    .order_by(bookings.c.technician_id, bookings.c.blocked_start, bookings.c.id)
)
# Two transactions inserting overlapping rows concurrently can deadlock inside the exclusion
# check (each waits for the other's tuple; PostgreSQL documents this). Queueing one
# technician's inserts on an advisory lock avoids it: the second inserter waits for the
# first to finish, then the constraint refuses it at once. The lock decides nothing.
_PG_QUEUE_FOR_TECHNICIAN: Select[Any] = select(
    func.pg_advisory_xact_lock(
        literal_column(str(BOOKING_LOCK_CLASS)), func.hashtext(bindparam("technician_id"))
    )
)
_SQLITE_ANY_ACTIVE_OVERLAPPING: Select[Any] = (
    select(literal_column("1"))
    .select_from(bookings)
    .where(
        bookings.c.technician_id == _TECHNICIAN,
        bookings.c.active,
        bookings.c.blocked_start < _WITHIN_END,
        bookings.c.blocked_end > _WITHIN_START,
    )
    .limit(1)
)


class SqlAlchemyBookingRepository(_Repository):
    """Bookings in ``bookings``; no two active ones of a technician overlap.

    PostgreSQL: the insert runs in a SAVEPOINT and the exclusion constraint decides; its
    violation (SQLSTATE 23P01) becomes :class:`SlotTaken`. There is deliberately no
    application-level check: under READ COMMITTED it could not see concurrent inserts anyway.
    A transaction-level advisory lock per technician only queues the inserts, so that
    concurrent ones fail fast instead of deadlocking inside the constraint check.

    SQLite: the unit of work holds the write lock (``BEGIN IMMEDIATE``), so checking for an
    overlapping active booking and then inserting cannot interleave with another writer.
    """

    entity = "booking"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert_checked = insert(bookings)
        self._insert_or_nothing = _insert_or_nothing(bookings, postgres)
        self._overlapping = _PG_ACTIVE_OVERLAPPING if postgres else _SQLITE_ACTIVE_OVERLAPPING
        self._overlapping_many = (
            _PG_MANY_ACTIVE_OVERLAPPING if postgres else _SQLITE_MANY_ACTIVE_OVERLAPPING
        )

    def add(self, booking: Booking) -> None:
        """Store a new booking.

        Raises:
            SlotTaken: if an active booking of the technician overlaps ``booking.blocked``.
            DuplicateEntity: if the id exists.
        """
        values = mapping.booking_to_row(booking)
        if self._postgres:
            self._add_postgres(booking, values)
            return
        conn = self._conn
        if booking.active:
            params = self._params(booking.technician_id, booking.blocked)
            if conn.execute(_SQLITE_ANY_ACTIVE_OVERLAPPING, params).first() is not None:
                raise _slot_taken(booking)
        if not _rowcount(conn.execute(self._insert_or_nothing, values)):
            raise DuplicateEntity(self.entity, booking.id)

    def _add_postgres(self, booking: Booking, values: dict[str, Any]) -> None:
        conn = self._conn
        if booking.active:
            conn.execute(_PG_QUEUE_FOR_TECHNICIAN, {"technician_id": booking.technician_id})
        try:
            # A failed statement aborts a PostgreSQL transaction; the savepoint keeps the
            # unit of work usable after SlotTaken.
            with conn.begin_nested():
                conn.execute(self._insert_checked, values)
        except IntegrityError as exc:
            sqlstate = getattr(exc.orig, "sqlstate", None)
            if sqlstate == EXCLUSION_VIOLATION:
                raise _slot_taken(booking) from exc
            if sqlstate == UNIQUE_VIOLATION:
                raise DuplicateEntity(self.entity, booking.id) from exc
            raise
        except OperationalError as exc:
            # Without the queue (rows written by other code) a race can still end in a
            # deadlock inside the exclusion check; its victim lost the race for the slot.
            if getattr(exc.orig, "sqlstate", None) == DEADLOCK_DETECTED:
                raise _slot_taken(booking) from exc
            raise

    def get(self, booking_id: BookingId) -> Booking:
        """The booking. Raises NotFound (code ``booking_not_found``)."""
        row = self._conn.execute(select(bookings).where(bookings.c.id == booking_id)).first()
        if row is None:
            raise NotFound(self.entity, booking_id)
        return mapping.booking_to_domain(row)

    def release(self, booking_id: BookingId) -> None:
        """Make the booking inactive so its time is free again. Raises NotFound."""
        statement = update(bookings).where(bookings.c.id == booking_id).values(active=False)
        if not _rowcount(self._conn.execute(statement)):
            raise NotFound(self.entity, booking_id)

    def list_active(self, technician_id: TechnicianId, within: TimeRange) -> list[Booking]:
        """Active bookings whose blocked range overlaps ``within``, by blocked start."""
        rows = self._conn.execute(self._overlapping, self._params(technician_id, within))
        return [mapping.booking_to_domain(row) for row in rows]

    def lock_technician(self, technician_id: TechnicianId) -> None:
        """Serialize reservations of one technician until the transaction ends.

        PostgreSQL: takes the transaction-level advisory lock that queues the technician's
        booking inserts, so a concurrent reservation waits, then (READ COMMITTED: a new
        snapshot per statement) reads the winner's booking before checking the rules.
        SQLite: nothing to do; the unit of work already holds the database's write lock.
        """
        if self._postgres:
            self._conn.execute(_PG_QUEUE_FOR_TECHNICIAN, {"technician_id": technician_id})

    def list_active_many(
        self, technician_ids: Collection[TechnicianId], within: TimeRange
    ) -> list[Booking]:
        """Active bookings of any of ``technician_ids`` overlapping ``within``, ordered by
        technician id then blocked start (one query)."""
        if not technician_ids:
            return []
        params = {
            "technician_ids": sorted(set(technician_ids)),
            "within_start": within.start,
            "within_end": within.end,
        }
        return [
            mapping.booking_to_domain(row)
            for row in self._conn.execute(self._overlapping_many, params)
        ]

    @staticmethod
    def _params(technician_id: TechnicianId, within: TimeRange) -> dict[str, Any]:
        return {
            "technician_id": technician_id,
            "within_start": within.start,
            "within_end": within.end,
        }


# -- schedules: one document per technician, compare-and-set on version -------------------

_SCHEDULE_CAS = (
    update(work_schedules)
    .where(
        work_schedules.c.technician_id == bindparam("cas_technician_id"),
        work_schedules.c.version == bindparam("cas_version"),
    )
    .values(document=bindparam("new_document"), version=work_schedules.c.version + 1)
)


class SqlAlchemyScheduleRepository(_Repository):
    """Work schedules in ``work_schedules`` (a missing row is an empty schedule, version 0)."""

    entity = "schedule"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(work_schedules, postgres)

    def get(self, technician_id: TechnicianId) -> WorkSchedule:
        """The technician's schedule, or an empty one (version 0) if none was saved."""
        query = select(work_schedules).where(work_schedules.c.technician_id == technician_id)
        row = self._conn.execute(query).first()
        return WorkSchedule.empty(technician_id) if row is None else mapping.schedule_to_domain(row)

    def get_many(
        self, technician_ids: Collection[TechnicianId]
    ) -> dict[TechnicianId, WorkSchedule]:
        """The schedules of ``technician_ids`` (an empty one for each without), one query."""
        wanted = list(dict.fromkeys(technician_ids))
        if not wanted:
            return {}
        query = select(work_schedules).where(work_schedules.c.technician_id.in_(wanted))
        found = {
            TechnicianId(row.technician_id): mapping.schedule_to_domain(row)
            for row in self._conn.execute(query)
        }
        return {tid: found.get(tid) or WorkSchedule.empty(tid) for tid in wanted}

    def save(self, schedule: WorkSchedule) -> WorkSchedule:
        """Store ``schedule`` if the stored version (0 when none) equals its version.

        Raises:
            ConcurrentUpdate: if someone saved the technician's schedule since it was read.
        """
        saved = attrs.evolve(schedule, version=schedule.version + 1)
        values = mapping.schedule_to_row(saved)
        if schedule.version == 0:
            # First save: the insert itself is the compare-and-set (a concurrent first save
            # makes it a no-op).
            stored = _rowcount(self._conn.execute(self._insert, values))
        else:
            stored = _rowcount(
                self._conn.execute(
                    _SCHEDULE_CAS,
                    {
                        "cas_technician_id": schedule.technician_id,
                        "cas_version": schedule.version,
                        "new_document": values["document"],
                    },
                )
            )
        if not stored:
            raise ConcurrentUpdate(
                f"The schedule of {schedule.technician_id} was changed by someone else; "
                "reload it and try again.",
                details={"technician_id": schedule.technician_id},
            )
        return saved


# -- orders: compare-and-set on version, append-only timeline ------------------------------

_ORDER_CAS = (
    update(orders)
    .where(orders.c.id == bindparam("cas_id"), orders.c.version == bindparam("cas_version"))
    .values(
        {
            **{
                column.name: bindparam(f"new_{column.name}", type_=column.type)
                for column in orders.columns
                if column.name not in ("id", "version")
            },
            "version": orders.c.version + 1,
        }
    )
)
_TIMELINE_LENGTH = select(func.coalesce(func.max(order_transitions.c.sequence), 0)).where(
    order_transitions.c.order_id == bindparam("order_id")
)


_SQLITE_NEXT_ORDER_NUMBER = (
    sqlite.insert(counters)
    .values(name="order_number", value=1)
    .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
    .returning(counters.c.value)
)


# SQLite's compiler leaves FOR UPDATE out: there the unit of work's write lock serializes.
_LOCK_ORDER = select(orders.c.id).where(orders.c.id == bindparam("order_id")).with_for_update()


_PG_LOCK_CUSTOMER: Select[Any] = select(
    func.pg_advisory_xact_lock(
        literal_column(str(CUSTOMER_LOCK_CLASS)), func.hashtext(bindparam("customer_id"))
    )
)
_COUNT_UNPAID = select(
    func.count(),
    func.count().filter(orders.c.technician_id == bindparam("technician_id")),
).where(
    orders.c.customer_id == bindparam("customer_id"),
    orders.c.state.in_(sorted(state.value for state in ACTIVE_STATES)),
    or_(orders.c.paid_amount.is_(None), orders.c.paid_amount == 0),
)


class _OrderLimits(_Repository):
    """The anti-hoarding part of the order repository (mixed into it)."""

    def lock_customer(self, customer_id: CustomerId) -> None:
        """Serialize the customer's placements until the transaction ends.

        PostgreSQL: a transaction-level advisory lock per customer; a second placement
        waits, then (READ COMMITTED) counts what the first committed. SQLite: nothing to do,
        the unit of work holds the write lock.
        """
        if self._postgres:
            self._conn.execute(_PG_LOCK_CUSTOMER, {"customer_id": customer_id})

    def count_unpaid(self, customer_id: CustomerId, technician_id: TechnicianId) -> UnpaidCount:
        """Open orders of the customer with nothing captured, in all and with the
        technician: one ``count(*) ... FILTER`` query over the (customer, placed) index."""
        params = {"customer_id": customer_id, "technician_id": technician_id}
        total, mine = self._conn.execute(_COUNT_UNPAID, params).one()
        return UnpaidCount(total=int(total), with_technician=int(mine))


class SqlAlchemyOrderRepository(_OrderLimits):
    """Orders in ``orders``, their timelines in the append-only ``order_transitions``."""

    entity = "order"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(orders, postgres)
        self._insert_transitions = insert(order_transitions)

    def add(self, order: Order) -> None:
        """Store a new order with its timeline. Raises DuplicateEntity if the id exists."""
        conn = self._conn
        if not _rowcount(conn.execute(self._insert, mapping.order_to_row(order))):
            raise DuplicateEntity(self.entity, order.id)
        self._append(order, 0)

    def get(self, order_id: OrderId) -> Order:
        """The order with its timeline. Raises NotFound (code ``order_not_found``)."""
        conn = self._conn
        row = conn.execute(select(orders).where(orders.c.id == order_id)).first()
        if row is None:
            raise NotFound(self.entity, order_id)
        timeline = conn.execute(
            select(order_transitions)
            .where(order_transitions.c.order_id == order_id)
            .order_by(order_transitions.c.sequence)
        ).all()
        return mapping.order_to_domain(row, list(timeline))

    def lock(self, order_id: OrderId) -> None:
        """Hold the order's row until the transaction ends. Raises NotFound.

        PostgreSQL: ``SELECT ... FOR UPDATE`` (a second locker waits, then reads what the
        first committed: READ COMMITTED takes a new snapshot per statement). SQLite: the
        same statement without ``FOR UPDATE``; the unit of work already holds the write lock.
        """
        if self._conn.execute(_LOCK_ORDER, {"order_id": order_id}).first() is None:
            raise NotFound(self.entity, order_id)

    def save(self, order: Order) -> None:
        """``UPDATE ... WHERE id = :id AND version = :v``, then append new timeline records.

        Raises:
            ConcurrentUpdate: if the stored version is not ``order.version`` any more.
            NotFound: if the order was never added.
        """
        conn = self._conn
        values = {f"new_{name}": value for name, value in mapping.order_to_row(order).items()}
        values["cas_id"] = values.pop("new_id")
        values["cas_version"] = values.pop("new_version")
        if not _rowcount(conn.execute(_ORDER_CAS, values)):
            exists = conn.execute(select(orders.c.id).where(orders.c.id == order.id)).first()
            if exists is None:
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
            self._conn.execute(self._insert_transitions, new)

    def next_sequence(self) -> int:
        """A positive number never handed out before, for an order number (gaps allowed).

        PostgreSQL: ``nextval`` of a sequence (never blocks, a rollback loses the number).
        SQLite: a counter row, under the unit of work's write lock.
        """
        if self._postgres:
            value = self._conn.execute(select(order_number_seq.next_value())).scalar_one()
        else:
            value = self._conn.execute(_SQLITE_NEXT_ORDER_NUMBER).scalar_one()
        return int(value)

    def get_by_number(self, number: str) -> Order:
        """The order with this number. Raises NotFound (code ``order_not_found``)."""
        found = self._conn.execute(select(orders.c.id).where(orders.c.number == number)).first()
        if found is None:
            raise NotFound(self.entity, number)
        return self.get(OrderId(found.id))

    def list_for_customer(self, customer_id: CustomerId) -> list[Order]:
        """The customer's orders, newest first (two queries, whatever the count)."""
        conn = self._conn
        rows = conn.execute(
            select(orders)
            .where(orders.c.customer_id == customer_id)
            .order_by(orders.c.placed_at.desc(), orders.c.id.desc())
        ).all()
        if not rows:
            return []
        timelines: dict[str, list[Any]] = {row.id: [] for row in rows}
        for record in conn.execute(
            select(order_transitions)
            .where(order_transitions.c.order_id.in_(list(timelines)))
            .order_by(order_transitions.c.order_id, order_transitions.c.sequence)
        ):
            timelines[record.order_id].append(record)
        return [mapping.order_to_domain(row, timelines[row.id]) for row in rows]


class SqlAlchemyReviewRepository(_Repository):
    """Reviews in ``reviews`` (``order_id`` is unique)."""

    entity = "review"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(reviews, postgres)

    def add(self, review: Review) -> None:
        """Store a review. Raises DuplicateEntity (``review_exists``) if the order has one."""
        if _rowcount(self._conn.execute(self._insert, mapping.review_to_row(review))):
            return
        if self.for_order(review.order_id) is not None:
            raise DuplicateEntity(self.entity, review.order_id)
        raise DuplicateEntity(self.entity, review.id)

    def for_order(self, order_id: OrderId) -> Review | None:
        """The order's review, if any."""
        row = self._conn.execute(select(reviews).where(reviews.c.order_id == order_id)).first()
        return None if row is None else mapping.review_to_domain(row)

    def list_for_technician(self, technician_id: TechnicianId) -> list[Review]:
        """The technician's reviews, newest first."""
        rows = self._conn.execute(
            select(reviews)
            .where(reviews.c.technician_id == technician_id)
            .order_by(reviews.c.created_at.desc(), reviews.c.id.desc())
        )
        return [mapping.review_to_domain(row) for row in rows]


class SqlAlchemyOutboxRepository(_Repository):
    """Outbox messages in ``outbox_messages``."""

    entity = "outbox_message"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(outbox_messages, postgres)

    def add(self, message: OutboxMessage) -> None:
        """Store a message to deliver. Raises DuplicateEntity if the id exists."""
        if not _rowcount(self._conn.execute(self._insert, mapping.outbox_to_row(message))):
            raise DuplicateEntity(self.entity, message.id)

    def pending(self, limit: int) -> list[OutboxMessage]:
        """Undelivered messages, oldest first (at most ``limit``)."""
        rows = self._conn.execute(
            select(outbox_messages)
            .where(outbox_messages.c.delivered_at.is_(None))
            .order_by(outbox_messages.c.created_at, outbox_messages.c.id)
            .limit(limit)
        )
        return [mapping.outbox_to_domain(row) for row in rows]

    def mark_delivered(self, message: OutboxMessage) -> None:
        """Record a successful delivery. Raises NotFound for an unknown message."""
        self._record_attempt(message)

    def mark_failed(self, message: OutboxMessage) -> None:
        """Record a failed attempt. Raises NotFound for an unknown message."""
        self._record_attempt(message)

    def _record_attempt(self, message: OutboxMessage) -> None:
        statement = (
            update(outbox_messages)
            .where(outbox_messages.c.id == message.id)
            .values(
                attempts=message.attempts,
                delivered_at=message.delivered_at,
                last_error=message.last_error,
            )
        )
        if not _rowcount(self._conn.execute(statement)):
            raise NotFound(self.entity, message.id)


# -- jobs: leases claimed with FOR UPDATE SKIP LOCKED (PostgreSQL) ---------------------------

_NOW = bindparam("now", type_=UtcDateTime())
_CLAIMABLE = (
    select(jobs.c.id)
    .where(
        ((jobs.c.status == JobStatus.PENDING.value) & (jobs.c.due_at <= _NOW))
        | ((jobs.c.status == JobStatus.RUNNING.value) & (jobs.c.locked_until <= _NOW))
    )
    .order_by(jobs.c.due_at, jobs.c.id)
    .limit(bindparam("limit"))
    # Rows another transaction is claiming are skipped, not waited for (PostgreSQL only;
    # SQLite has one writer at a time anyway).
    .with_for_update(skip_locked=True)
    .cte("claimable")
)
_CLAIM = (
    update(jobs)
    .where(jobs.c.id == _CLAIMABLE.c.id)
    .values(
        status=JobStatus.RUNNING.value,
        attempts=jobs.c.attempts + 1,
        locked_by=bindparam("worker"),
        locked_until=bindparam("until", type_=UtcDateTime()),
    )
    .returning(*jobs.columns)
)


class SqlAlchemyJobRepository(_Repository):
    """Jobs in ``jobs``; a claim is a lease held by one worker."""

    entity = "job"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(jobs, postgres)

    def schedule(self, job: Job) -> bool:
        """Store a new pending job; False (and no change) if its id exists."""
        return bool(_rowcount(self._conn.execute(self._insert, mapping.job_to_row(job))))

    def get(self, job_id: str) -> Job:
        """The job. Raises NotFound (code ``job_not_found``)."""
        row = self._conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        if row is None:
            raise NotFound(self.entity, job_id)
        return mapping.job_to_domain(row)

    def claim_due(self, now: DateTime, *, worker: str, limit: int, lease: Duration) -> list[Job]:
        """Claim up to ``limit`` due jobs for ``worker`` until ``now + lease`` (one statement)."""
        if limit <= 0:
            return []
        rows = self._conn.execute(
            _CLAIM, {"now": now, "limit": limit, "worker": worker, "until": now + lease}
        )
        claimed = [mapping.job_to_domain(row) for row in rows]
        return sorted(claimed, key=lambda j: (j.due_at, j.id))

    def finish(self, job_id: str, *, worker: str) -> None:
        """Mark the job done. Raises ConcurrentUpdate if ``worker`` lost it."""
        self._release(job_id, worker, status=JobStatus.DONE.value)

    def retry(self, job_id: str, *, worker: str, due_at: DateTime, error: str | None) -> None:
        """Put the job back as pending at ``due_at``. Raises ConcurrentUpdate if lost."""
        self._release(
            job_id, worker, status=JobStatus.PENDING.value, due_at=due_at, last_error=error
        )

    def bury(self, job_id: str, *, worker: str, error: str) -> None:
        """Mark the job dead. Raises ConcurrentUpdate if ``worker`` lost it."""
        self._release(job_id, worker, status=JobStatus.DEAD.value, last_error=error)

    def _release(self, job_id: str, worker: str, **values: Any) -> None:
        statement = (
            update(jobs)
            .where(
                jobs.c.id == job_id,
                jobs.c.status == JobStatus.RUNNING.value,
                jobs.c.locked_by == worker,
            )
            .values(locked_by=None, locked_until=None, **values)
        )
        if _rowcount(self._conn.execute(statement)):
            return
        self.get(job_id)  # NotFound for an unknown job
        raise ConcurrentUpdate(
            f"Job {job_id} is no longer held by {worker}.", details={"job_id": job_id}
        )

    def list_for_subject(self, subject: str) -> list[Job]:
        """The subject's jobs, by due time then id."""
        rows = self._conn.execute(
            select(jobs).where(jobs.c.subject == subject).order_by(jobs.c.due_at, jobs.c.id)
        )
        return [mapping.job_to_domain(row) for row in rows]


# -- payments, refunds, money movements, webhooks ------------------------------------------


class SqlAlchemyPaymentRepository(_Repository):
    """Payment attempts in ``payment_attempts``, one per idempotency key."""

    entity = "payment"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(payment_attempts, postgres)

    def add(self, attempt: PaymentAttempt) -> None:
        """Store a new attempt.

        Raises:
            DuplicateEntity: (``payment_exists``) for a known key.
            ConcurrentUpdate: if another attempt of the order is open (the partial unique
                index ``uq_payment_attempts_one_open`` refused it).
        """
        if _rowcount(self._conn.execute(self._insert, mapping.payment_to_row(attempt))):
            return
        known = select(payment_attempts.c.key).where(payment_attempts.c.key == attempt.key)
        if self._conn.execute(known).first() is not None:
            raise DuplicateEntity(self.entity, attempt.key)
        raise open_attempt_exists(attempt)

    def get(self, key: str) -> PaymentAttempt:
        """The attempt. Raises NotFound (code ``payment_not_found``)."""
        query = select(payment_attempts).where(payment_attempts.c.key == key)
        row = self._conn.execute(query).first()
        if row is None:
            raise NotFound(self.entity, key)
        return mapping.payment_to_domain(row)

    def save(self, attempt: PaymentAttempt) -> None:
        """Replace the stored attempt with the same key. Raises NotFound."""
        values = mapping.payment_to_row(attempt)
        statement = (
            update(payment_attempts).where(payment_attempts.c.key == attempt.key).values(values)
        )
        if not _rowcount(self._conn.execute(statement)):
            raise NotFound(self.entity, attempt.key)

    def for_order(self, order_id: OrderId) -> list[PaymentAttempt]:
        """The order's attempts, oldest first (then by key)."""
        rows = self._conn.execute(
            select(payment_attempts)
            .where(payment_attempts.c.order_id == order_id)
            .order_by(payment_attempts.c.created_at, payment_attempts.c.key)
        )
        return [mapping.payment_to_domain(row) for row in rows]


class SqlAlchemyRefundRepository(_Repository):
    """Refunds in ``refunds``, one per idempotency key."""

    entity = "refund"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(refunds, postgres)

    def add(self, refund: RefundRecord) -> None:
        """Store a new refund. Raises DuplicateEntity (``refund_exists``)."""
        if not _rowcount(self._conn.execute(self._insert, mapping.refund_to_row(refund))):
            raise DuplicateEntity(self.entity, refund.key)

    def get(self, key: str) -> RefundRecord:
        """The refund. Raises NotFound (code ``refund_not_found``)."""
        row = self._conn.execute(select(refunds).where(refunds.c.key == key)).first()
        if row is None:
            raise NotFound(self.entity, key)
        return mapping.refund_to_domain(row)

    def save(self, refund: RefundRecord) -> None:
        """Replace the stored refund with the same key. Raises NotFound."""
        values = mapping.refund_to_row(refund)
        statement = update(refunds).where(refunds.c.key == refund.key).values(values)
        if not _rowcount(self._conn.execute(statement)):
            raise NotFound(self.entity, refund.key)

    def for_order(self, order_id: OrderId) -> list[RefundRecord]:
        """The order's refunds, oldest first (then by key)."""
        rows = self._conn.execute(
            select(refunds)
            .where(refunds.c.order_id == order_id)
            .order_by(refunds.c.requested_at, refunds.c.key)
        )
        return [mapping.refund_to_domain(row) for row in rows]


class SqlAlchemyMoneyMovementRepository(_Repository):
    """The append-only ``money_movements``; the unique ``key`` makes replays no-ops (I15)."""

    entity = "money_movement"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        dialect_insert = postgresql.insert if postgres else sqlite.insert
        # Only the key may conflict here: any other violation must not pass silently.
        self._insert = (
            dialect_insert(money_movements)
            .on_conflict_do_nothing(index_elements=["key"])
            .execution_options(preserve_rowcount=True)
        )

    def append(self, movement: MoneyMovement) -> bool:
        """Store ``movement`` unless its key is known (True if stored, False for a replay).

        A concurrent insert of the same key waits for the other transaction, then does
        nothing if it committed (``ON CONFLICT DO NOTHING``).

        Raises:
            IdempotencyConflict: if the key is stored with another kind or amount.
        """
        conn = self._conn
        if _rowcount(conn.execute(self._insert, mapping.movement_to_row(movement))):
            return True
        row = conn.execute(
            select(money_movements).where(money_movements.c.key == movement.key)
        ).one()
        if mapping.movement_to_domain(row).same_fact(movement):
            return False
        raise IdempotencyConflict(
            f"Money movement {movement.key!r} was applied with another amount; not applied.",
            details={"key": movement.key},
        )

    def for_order(self, order_id: OrderId) -> list[MoneyMovement]:
        """The order's movements, in the order they were applied."""
        rows = self._conn.execute(
            select(money_movements)
            .where(money_movements.c.order_id == order_id)
            .order_by(money_movements.c.position)
        )
        return [mapping.movement_to_domain(row) for row in rows]


class SqlAlchemyWebhookInbox(_Repository):
    """Raw payment notifications in ``webhook_events``, once per (gateway, event id)."""

    entity = "webhook_event"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(webhook_events, postgres)

    def record(self, gateway: str, event_id: str, raw: str, received_at: DateTime) -> bool:
        """Store a notification; True if new, False if seen before (also concurrently)."""
        values = {"gateway": gateway, "event_id": event_id, "raw": raw,
                  "received_at": received_at}  # fmt: skip
        return bool(_rowcount(self._conn.execute(self._insert, values)))


# -- complaints and positions ------------------------------------------------------------

_COMPLAINT_CAS = (
    update(complaints)
    .where(complaints.c.id == bindparam("cas_id"), complaints.c.version == bindparam("cas_version"))
    .values(
        state=bindparam("new_state"),
        document=bindparam("new_document", type_=complaints.c.document.type),
        version=complaints.c.version + 1,
    )
)
_PENDING_COMPLAINT_STATES = [ComplaintState.OPEN.value, ComplaintState.ARBITRATING.value]


class SqlAlchemyComplaintRepository(_Repository):
    """Complaints in ``complaints`` (a converter document), compare-and-set on version."""

    entity = "complaint"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(complaints, postgres)

    def add(self, complaint: Complaint) -> None:
        """Store a new complaint. Raises DuplicateEntity (``complaint_exists``)."""
        values = mapping.complaint_to_row(complaint)
        if not _rowcount(self._conn.execute(self._insert, values)):
            raise DuplicateEntity(self.entity, complaint.id)

    def get(self, complaint_id: str) -> Complaint:
        """The complaint with its timeline. Raises NotFound (``complaint_not_found``)."""
        query = select(complaints).where(complaints.c.id == complaint_id)
        row = self._conn.execute(query).first()
        if row is None:
            raise NotFound(self.entity, complaint_id)
        return mapping.complaint_to_domain(row)

    def save(self, complaint: Complaint) -> None:
        """Compare-and-set on ``version``, then increment ``complaint.version``.

        Raises:
            ConcurrentUpdate: if someone saved the complaint since it was loaded.
            NotFound: if it was never added.
        """
        values = mapping.complaint_to_row(complaint)
        params = {"cas_id": complaint.id, "cas_version": complaint.version,
                  "new_state": values["state"], "new_document": values["document"]}  # fmt: skip
        if not _rowcount(self._conn.execute(_COMPLAINT_CAS, params)):
            self.get(complaint.id)
            raise ConcurrentUpdate(
                f"Complaint {complaint.id} was changed by someone else; reload it and try again.",
                details={"complaint_id": complaint.id},
            )
        complaint.version += 1

    def for_order(self, order_id: OrderId) -> list[Complaint]:
        """The order's complaints, oldest first."""
        query = (
            select(complaints)
            .where(complaints.c.order_id == order_id)
            .order_by(complaints.c.filed_at, complaints.c.id)
        )
        return [mapping.complaint_to_domain(row) for row in self._conn.execute(query)]

    def list_pending(self) -> list[Complaint]:
        """Open and arbitrating complaints, oldest first."""
        query = (
            select(complaints)
            .where(complaints.c.state.in_(_PENDING_COMPLAINT_STATES))
            .order_by(complaints.c.filed_at, complaints.c.id)
        )
        return [mapping.complaint_to_domain(row) for row in self._conn.execute(query)]


class SqlAlchemyPositionRepository(_Repository):
    """Technician positions in ``position_reports``."""

    entity = "position_report"

    def add(self, report: PositionReport) -> None:
        """Store a report."""
        self._conn.execute(insert(position_reports), mapping.position_to_row(report))

    def latest(self, order_id: OrderId) -> PositionReport | None:
        """The most recently reported position for the order (the last stored on ties)."""
        row = self._conn.execute(
            select(position_reports)
            .where(position_reports.c.order_id == order_id)
            .order_by(position_reports.c.reported_at.desc(), position_reports.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else mapping.position_to_domain(row)


# -- promotions: stock, per-customer limit, single use, budgets (I16) ----------------------


class SqlAlchemyCouponTemplateRepository(_Repository):
    """Coupon templates in ``coupon_templates``; coupons are issued into ``coupons``.

    :meth:`issue` reads the template with ``SELECT ... FOR UPDATE`` (PostgreSQL), so issues of
    one template queue on its row and each decides over the counts its predecessor committed;
    on SQLite the unit of work's write lock (``BEGIN IMMEDIATE``) serializes them already.
    """

    entity = "coupon_template"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(coupon_templates, postgres)
        self._insert_coupon = _insert_or_nothing(coupons, postgres)

    def add(self, template: CouponTemplate) -> None:
        """Store a new template. Raises DuplicateEntity (``coupon_template_exists``)."""
        values = mapping.coupon_template_to_row(template)
        if not _rowcount(self._conn.execute(self._insert, values)):
            raise DuplicateEntity(self.entity, template.id)

    def _row(self, template_id: CouponTemplateId, *, lock: bool = False) -> Any:
        query = select(coupon_templates).where(coupon_templates.c.id == template_id)
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(self.entity, template_id)
        return row

    def get(self, template_id: CouponTemplateId) -> CouponTemplate:
        """The template. Raises NotFound (code ``coupon_template_not_found``)."""
        return mapping.coupon_template_to_domain(self._row(template_id))

    def save(self, template: CouponTemplate) -> None:
        """Replace the template's definition (the issue count stays). Raises NotFound."""
        document = mapping.coupon_template_to_row(template)["document"]
        statement = (
            update(coupon_templates)
            .where(coupon_templates.c.id == template.id)
            .values(document=document)
        )
        if not _rowcount(self._conn.execute(statement)):
            raise NotFound(self.entity, template.id)

    def list(self) -> list[CouponTemplate]:
        """All templates, ordered by id."""
        rows = self._conn.execute(select(coupon_templates).order_by(coupon_templates.c.id))
        return [mapping.coupon_template_to_domain(row) for row in rows]

    def issued_count(self, template_id: CouponTemplateId) -> int:
        """How many coupons of the template were issued, ever. Raises NotFound."""
        return int(self._row(template_id).issued)

    def issue(
        self,
        template_id: CouponTemplateId,
        *,
        coupon_id: CouponId,
        customer_id: CustomerId,
        channel: IssueChannel,
        at: DateTime,
    ) -> Coupon:
        """Lock the template, count, decide with :meth:`CouponTemplate.issue`, store the coupon
        and raise the issue count — all in the unit of work's transaction.

        Raises:
            NotFound, CouponNotClaimable, CouponOutOfStock, CouponLimitReached: as the port.
            DuplicateEntity: (``coupon_exists``) if ``coupon_id`` is taken.
        """
        conn = self._conn
        row = self._row(template_id, lock=True)
        held = conn.execute(
            select(func.count())
            .select_from(coupons)
            .where(coupons.c.template_id == template_id, coupons.c.customer_id == customer_id)
        ).scalar_one()
        coupon = mapping.coupon_template_to_domain(row).issue(
            coupon_id=coupon_id,
            customer_id=customer_id,
            channel=channel,
            at=at,
            issued_so_far=int(row.issued),
            held_by_customer=int(held),
        )
        if not _rowcount(conn.execute(self._insert_coupon, mapping.coupon_to_row(coupon))):
            raise DuplicateEntity("coupon", coupon_id)
        conn.execute(
            update(coupon_templates)
            .where(coupon_templates.c.id == template_id)
            .values(issued=coupon_templates.c.issued + 1)
        )
        return coupon


_COUPON_CAS = (
    update(coupons)
    .where(
        coupons.c.id == bindparam("cas_id"),
        coupons.c.status == bindparam("cas_status"),
        coupons.c.order_id.is_not_distinct_from(
            bindparam("cas_order_id", type_=coupons.c.order_id.type)
        ),
    )
    .values(
        status=bindparam("new_status"),
        order_id=bindparam("new_order_id", type_=coupons.c.order_id.type),
        document=bindparam("new_document", type_=coupons.c.document.type),
    )
)
_HELD_BY_ORDER = [CouponStatus.RESERVED.value, CouponStatus.USED.value]


class SqlAlchemyCouponRepository(_Repository):
    """Coupons in ``coupons``; :meth:`replace` is ``UPDATE ... WHERE status = :s AND order_id
    IS NOT DISTINCT FROM :o`` — of concurrent changes of one coupon exactly one matches."""

    entity = "coupon"

    def get(self, coupon_id: CouponId) -> Coupon:
        """The coupon. Raises NotFound (code ``coupon_not_found``)."""
        row = self._conn.execute(select(coupons).where(coupons.c.id == coupon_id)).first()
        if row is None:
            raise NotFound(self.entity, coupon_id)
        return mapping.coupon_to_domain(row)

    def list_for_customer(self, customer_id: CustomerId) -> list[Coupon]:
        """The customer's coupons, ordered by issue time then id."""
        rows = self._conn.execute(
            select(coupons)
            .where(coupons.c.customer_id == customer_id)
            .order_by(coupons.c.issued_at, coupons.c.id)
        )
        return [mapping.coupon_to_domain(row) for row in rows]

    def for_order(self, order_id: OrderId) -> list[Coupon]:
        """The coupons reserved or used by ``order_id``, ordered by id."""
        rows = self._conn.execute(
            select(coupons)
            .where(coupons.c.order_id == order_id, coupons.c.status.in_(_HELD_BY_ORDER))
            .order_by(coupons.c.id)
        )
        return [mapping.coupon_to_domain(row) for row in rows]

    def replace(self, before: Coupon, after: Coupon) -> None:
        """Compare-and-set on ``before``'s status and order.

        Raises:
            NotFound: no such coupon. ConcurrentUpdate: it changed since it was read.
            InvalidInput: ``after`` is another coupon.
        """
        if after.id != before.id:
            raise InvalidInput(f"Coupon {before.id} cannot be replaced by coupon {after.id}.")
        values = mapping.coupon_to_row(after)
        params = {
            "cas_id": before.id,
            "cas_status": before.status.value,
            "cas_order_id": before.order_id,
            "new_status": values["status"],
            "new_order_id": values["order_id"],
            "new_document": values["document"],
        }
        if not _rowcount(self._conn.execute(_COUPON_CAS, params)):
            self.get(before.id)
            raise ConcurrentUpdate(
                f"Coupon {before.id} was changed by someone else; reload it and try again.",
                details={"coupon_id": before.id},
            )


class SqlAlchemyCampaignRepository(_Repository):
    """Campaigns in ``campaigns``; spending locks the campaign's row (``FOR UPDATE`` on
    PostgreSQL, the write lock on SQLite) and decides with :meth:`Campaign.spend`."""

    entity = "campaign"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(campaigns, postgres)

    def add(self, campaign: Campaign) -> None:
        """Store a new campaign. Raises DuplicateEntity (``campaign_exists``)."""
        if not _rowcount(self._conn.execute(self._insert, mapping.campaign_to_row(campaign))):
            raise DuplicateEntity(self.entity, campaign.id)

    def _load(self, campaign_id: CampaignId, *, lock: bool = False) -> Campaign:
        query = select(campaigns).where(campaigns.c.id == campaign_id)
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(self.entity, campaign_id)
        return mapping.campaign_to_domain(row)

    def _store(self, campaign: Campaign) -> Campaign:
        values = mapping.campaign_to_row(campaign)
        self._conn.execute(
            update(campaigns)
            .where(campaigns.c.id == campaign.id)
            .values(starts_at=values["starts_at"], document=values["document"])
        )
        return campaign

    def get(self, campaign_id: CampaignId) -> Campaign:
        """The campaign. Raises NotFound (code ``campaign_not_found``)."""
        return self._load(campaign_id)

    def save(self, campaign: Campaign) -> None:
        """Replace the definition, keeping what was spent.

        Raises:
            NotFound: never added. CampaignBudgetExceeded: the budget is below the spend.
        """
        stored = self._load(campaign.id, lock=True)
        updated = attrs.evolve(campaign, spent=stored.spent)
        remaining = updated.remaining
        if remaining is not None and remaining.is_negative:
            raise CampaignBudgetExceeded(
                f"Campaign {campaign.name!r} has spent {stored.spent}; its budget cannot be "
                f"{campaign.budget}.",
                details={"campaign_id": campaign.id, "remaining": remaining.amount},
            )
        self._store(updated)

    def list(self) -> list[Campaign]:
        """All campaigns, ordered by start then id."""
        rows = self._conn.execute(select(campaigns).order_by(campaigns.c.starts_at, campaigns.c.id))
        return [mapping.campaign_to_domain(row) for row in rows]

    def spend(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        """Charge ``amount`` under the campaign's lock. Raises CampaignBudgetExceeded."""
        return self._store(self._load(campaign_id, lock=True).spend(amount))

    def give_back(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        """Return ``amount`` under the campaign's lock. Raises InvalidPromotion."""
        return self._store(self._load(campaign_id, lock=True).give_back(amount))


# -- the journal ---------------------------------------------------------------------------


class SqlAlchemyLedgerRepository(_Repository):
    """The append-only journal in ``ledger_transactions`` and ``ledger_postings``.

    One ``INSERT ... ON CONFLICT DO NOTHING`` decides: the unique ``id`` makes a replay a
    no-op, the unique ``reverses`` lets a transaction be reversed once, and the unique
    ``(order_id, order_sequence)`` lets only one of two entries built from the same history
    of an order in (PostgreSQL waits for the other transaction, then does nothing).
    Balances are ``SUM(amount)`` over postings.
    """

    entity = "transaction"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._insert = _insert_or_nothing(ledger_transactions, postgres)
        self._insert_postings = insert(ledger_postings)

    def _find(self, transaction_id: str) -> Transaction | None:
        conn = self._conn
        row = conn.execute(
            select(ledger_transactions).where(ledger_transactions.c.id == transaction_id)
        ).first()
        if row is None:
            return None
        postings = conn.execute(
            select(ledger_postings)
            .where(ledger_postings.c.transaction_id == transaction_id)
            .order_by(ledger_postings.c.line)
        ).all()
        return mapping.ledger_transaction_to_domain(row, list(postings))

    def _order_length(self, order_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count())
                .select_from(ledger_transactions)
                .where(ledger_transactions.c.order_id == order_id)
            ).scalar_one()
        )

    def record(self, transaction: Transaction, *, after: int | None = None) -> bool:
        """Append ``transaction`` once (see the port for the contract).

        Raises:
            IdempotencyConflict, ConcurrentUpdate, InvalidLedgerEntry,
            TransactionAlreadyReversed: as the port says.
        """
        known = self._find(transaction.id)
        if known is not None:
            return self._replayed(known, transaction)
        if transaction.reverses is not None:
            self._check_reversal(transaction, transaction.reverses)
        sequence = None
        order_id = transaction.order_id
        if order_id is not None:
            length = self._order_length(order_id)
            if after is not None and after != length:
                raise self._moved_on(order_id, length, after)
            sequence = length + 1
        head, lines = mapping.ledger_transaction_to_rows(transaction, sequence)
        if _rowcount(self._conn.execute(self._insert, head)):
            self._conn.execute(self._insert_postings, lines)
            return True
        # Lost a race: decide which unique key the winner took.
        known = self._find(transaction.id)
        if known is not None:
            return self._replayed(known, transaction)
        if transaction.reverses is not None and self._reversed(transaction.reverses):
            raise self._already_reversed(transaction.reverses)
        assert order_id is not None  # only the order's sequence is left to conflict on
        raise self._moved_on(order_id, self._order_length(order_id), after)

    @staticmethod
    def _replayed(known: Transaction, transaction: Transaction) -> bool:
        if known == transaction:
            return False
        raise IdempotencyConflict(
            f"Transaction {transaction.id!r} was recorded with other content; not recorded.",
            details={"transaction_id": transaction.id},
        )

    def _reversed(self, target: str) -> bool:
        query = select(ledger_transactions.c.id).where(ledger_transactions.c.reverses == target)
        return self._conn.execute(query).first() is not None

    @staticmethod
    def _already_reversed(target: str) -> TransactionAlreadyReversed:
        return TransactionAlreadyReversed(
            f"Transaction {target} is already reversed.", details={"transaction_id": target}
        )

    @staticmethod
    def _moved_on(order_id: str, length: int, after: int | None) -> ConcurrentUpdate:
        return ConcurrentUpdate(
            f"Order {order_id} has {length} journal entries, not {after}; another entry was "
            "recorded meanwhile. Rebuild the entry from the books and try again.",
            details={"order_id": order_id},
        )

    def _check_reversal(self, transaction: Transaction, target: str) -> None:
        original = self._find(target)
        if original is None:
            raise InvalidLedgerEntry(
                f"Transaction {transaction.id} reverses {target}, which is not recorded.",
                details={"transaction_id": transaction.id, "reverses": target},
            )
        if self._reversed(target):
            raise self._already_reversed(target)
        expected = sorted(
            (p.account.sort_key, -p.amount.amount, p.amount.currency) for p in original.postings
        )
        actual = sorted(
            (p.account.sort_key, p.amount.amount, p.amount.currency) for p in transaction.postings
        )
        if expected != actual:
            raise InvalidLedgerEntry(
                f"Transaction {transaction.id} does not mirror {target}.",
                details={"transaction_id": transaction.id, "reverses": target},
            )

    def get(self, transaction_id: TransactionId) -> Transaction:
        """The transaction. Raises NotFound (code ``transaction_not_found``)."""
        found = self._find(transaction_id)
        if found is None:
            raise NotFound(self.entity, transaction_id)
        return found

    def for_order(self, order_id: OrderId) -> list[Transaction]:
        """The order's transactions, in recording order (two queries)."""
        conn = self._conn
        rows = conn.execute(
            select(ledger_transactions)
            .where(ledger_transactions.c.order_id == order_id)
            .order_by(ledger_transactions.c.position)
        ).all()
        if not rows:
            return []
        postings: dict[str, list[Any]] = {row.id: [] for row in rows}
        for posting in conn.execute(
            select(ledger_postings)
            .where(ledger_postings.c.transaction_id.in_(list(postings)))
            .order_by(ledger_postings.c.transaction_id, ledger_postings.c.line)
        ):
            postings[posting.transaction_id].append(posting)
        return [mapping.ledger_transaction_to_domain(row, postings[row.id]) for row in rows]

    def balances(self, currency: str | None = None) -> dict[tuple[Account, str], Money]:
        """``SUM(amount)`` per (account, currency), zero balances left out."""
        p = ledger_postings.c
        total = func.sum(p.amount)
        query = (
            select(p.account_kind, p.account_owner, p.currency, total.label("net"))
            .group_by(p.account_kind, p.account_owner, p.currency)
            .having(total != 0)
        )
        if currency is not None:
            query = query.where(p.currency == currency)
        found = {
            (mapping.account_to_domain(row.account_kind, row.account_owner), row.currency): Money(
                int(row.net), row.currency
            )
            for row in self._conn.execute(query)
        }
        return dict(sorted(found.items(), key=lambda item: (item[0][1], item[0][0].sort_key)))


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


_LIVE_KEY = select(idempotency_keys).where(
    idempotency_keys.c.actor_id == bindparam("actor_id"),
    idempotency_keys.c.key == bindparam("key"),
    idempotency_keys.c.expires_at > bindparam("at", type_=UtcDateTime()),
)


class SqlAlchemyIdempotencyKeyRepository(_Repository):
    """Idempotency records in ``idempotency_keys`` (primary key: actor, key)."""

    entity = "idempotency_key"

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        super().__init__(source, postgres=postgres)
        self._claim = _claim(postgres)

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
        if self._conn.execute(self._claim, values).first() is not None:
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
        if row is None:
            return None
        return IdempotencyRecord(
            actor_id=row.actor_id,
            key=row.key,
            fingerprint=row.fingerprint,
            order_id=OrderId(row.order_id),
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    def purge_expired(self, at: DateTime) -> int:
        """``DELETE`` the records expired by ``at``; how many."""
        statement = delete(idempotency_keys).where(idempotency_keys.c.expires_at <= at)
        return _rowcount(self._conn.execute(statement))
