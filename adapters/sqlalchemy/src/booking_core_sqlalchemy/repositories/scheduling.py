"""Scheduling: bookings (the no-overlap guarantee, I1), schedules, agendas and locks.

Locks (PostgreSQL): transaction-level advisory locks, ``pg_advisory_xact_lock(space,
hashtext(id))``, one key space per :class:`~booking_core.ports.storage.LockKind`; all the keys
of one :meth:`SqlAlchemyLocks.take` go in one ``SELECT``. SQLite: the unit of work holds the
database's write lock from ``BEGIN IMMEDIATE`` on, so taking a lock is a no-op there.

The booking insert on PostgreSQL: the exclusion constraint decides, its violation (SQLSTATE
23P01) becomes :class:`SlotTaken`. Two inserts of one technician racing inside the constraint
check can deadlock (PostgreSQL documents it), so an insert is queued on the technician's lock
— taken only if this unit of work does not hold it already. When the caller took it with
``locks.take`` before the insert, it checked the rules under it (the services always do), the
constraint is a backstop that fires only for rows written around the lock, and the insert runs
without a SAVEPOINT (two statements fewer per order): a violation then leaves the transaction
aborted, which is fine because SlotTaken ends the command anyway. Otherwise (a caller adding
without checking first) the insert queues on the lock and keeps its SAVEPOINT, so the unit of
work stays usable after SlotTaken, as it always was
(``test_errors_leave_the_unit_of_work_usable`` holds the adapter to it).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Collection, Iterable
from types import MappingProxyType
from typing import Any, Final

import attrs
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound, SlotTaken
from booking_core.ids import BookingId, ServiceId, TechnicianId
from booking_core.ports.storage import LockKey, LockKind, StoredAgenda
from booking_core.scheduling import Booking
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import (
    DEADLOCK_DETECTED,
    EXCLUSION_VIOLATION,
    UNIQUE_VIOLATION,
    ConnectionSource,
    PerDialect,
    Repository,
    insert_or_nothing,
    json_as_text,
    rowcount,
)
from booking_core_sqlalchemy.repositories.calendars import busy_block_from_values
from booking_core_sqlalchemy.repositories.catalog import TECHNICIAN_JSON
from booking_core_sqlalchemy.tables import (
    UtcDateTime,
    agenda_versions,
    bookings,
    busy_blocks,
    services,
    technicians,
    work_schedules,
)

__all__ = [
    "BOOKING_LOCK_CLASS",
    "CUSTOMER_LOCK_CLASS",
    "ORDER_LOCK_CLASS",
    "PAYEE_LOCK_CLASS",
    "REFERRAL_LOCK_CLASS",
    "SqlAlchemyAgendaRepository",
    "SqlAlchemyBookingRepository",
    "SqlAlchemyLocks",
    "SqlAlchemyScheduleRepository",
]

#: First key of the advisory locks serializing one technician's reservations (the second
#: key is ``hashtext(technician_id)``).
BOOKING_LOCK_CLASS: Final = 0x626B67  # "bkg"
#: First key of the advisory locks serializing one customer's order placements.
CUSTOMER_LOCK_CLASS: Final = 0x637573  # "cus"
#: First key of the advisory locks serializing who takes one order waiting for dispatch.
ORDER_LOCK_CLASS: Final = 0x6F7264  # "ord"
#: First key of the advisory locks serializing one payee's withdrawals.
PAYEE_LOCK_CLASS: Final = 0x706179  # "pay"
#: First key of the advisory lock serializing bindings of the referral graph.
REFERRAL_LOCK_CLASS: Final = 0x726566  # "ref"
_LOCK_SPACES: Final = MappingProxyType(
    {
        LockKind.TECHNICIAN: BOOKING_LOCK_CLASS,
        LockKind.CUSTOMER: CUSTOMER_LOCK_CLASS,
        LockKind.ORDER: ORDER_LOCK_CLASS,
        LockKind.PAYEE: PAYEE_LOCK_CLASS,
        LockKind.REFERRAL: REFERRAL_LOCK_CLASS,
    }
)

_ID: BindParameter[str] = bindparam("by_id")
_TECHNICIAN: BindParameter[str] = bindparam("technician_id")
_TECHNICIANS: BindParameter[list[str]] = bindparam("technician_ids", expanding=True)
_WITHIN_START = bindparam("within_start", type_=UtcDateTime())
_WITHIN_END = bindparam("within_end", type_=UtcDateTime())


def _blocked_overlaps_within(postgres: bool) -> ColumnElement[bool]:
    """An active booking's blocked range overlaps ``[within_start, within_end)``.

    PostgreSQL: phrased as a range overlap, so that the exclusion constraint's GiST index
    (technician_id, tstzrange(blocked_start, blocked_end)) WHERE active answers it. SQLite:
    instants are fixed-width UTC text, so text comparison is time comparison; the partial
    index (technician_id, blocked_start) WHERE active serves it.
    """
    if postgres:
        half_open: ColumnElement[Any] = literal_column("'[)'")
        blocked = func.tstzrange(bookings.c.blocked_start, bookings.c.blocked_end, half_open)
        within = func.tstzrange(_WITHIN_START, _WITHIN_END, half_open)
        return and_(bookings.c.active, blocked.op("&&")(within))
    return and_(
        bookings.c.active,
        bookings.c.blocked_start < _WITHIN_END,
        bookings.c.blocked_end > _WITHIN_START,
    )


def _per_dialect(build: Any) -> PerDialect[Any]:
    return PerDialect(sqlite=build(False), postgres=build(True))


_ACTIVE_OVERLAPPING: Final = _per_dialect(
    lambda pg: (
        select(bookings)
        .where(bookings.c.technician_id == _TECHNICIAN, _blocked_overlaps_within(pg))
        .order_by(bookings.c.blocked_start, bookings.c.id)
    )
)
_MANY_ACTIVE_OVERLAPPING: Final = _per_dialect(
    lambda pg: (
        select(bookings)
        .where(bookings.c.technician_id.in_(_TECHNICIANS), _blocked_overlaps_within(pg))
        .order_by(bookings.c.technician_id, bookings.c.blocked_start, bookings.c.id)
    )
)
_SQLITE_ANY_ACTIVE_OVERLAPPING: Final[Select[Any]] = (
    select(literal_column("1"))
    .select_from(bookings)
    .where(bookings.c.technician_id == _TECHNICIAN, _blocked_overlaps_within(False))
    .limit(1)
)
_INSERT_BOOKING: Final = insert(bookings)
_INSERT_BOOKING_OR_NOTHING: Final = insert_or_nothing(bookings)
# SQLite: the overlap check and the insert in one statement, ``INSERT ... SELECT <values>
# WHERE NOT EXISTS (<an active booking of the technician overlapping>) ON CONFLICT DO
# NOTHING`` (the WHERE also keeps SQLite from reading ON CONFLICT as a join's). It inserts
# nothing on an overlap or a taken id; only then a second statement tells which.
_SQLITE_INSERT_BOOKING_IF_FREE: Final = (
    sqlite.insert(bookings)
    .from_select(
        [c.name for c in bookings.c],
        select(*(bindparam(c.name, type_=c.type) for c in bookings.c)).where(
            ~exists().where(
                bookings.c.technician_id == bindparam("technician_id"),
                bookings.c.active,
                bookings.c.blocked_start < bindparam("blocked_end", type_=UtcDateTime()),
                bookings.c.blocked_end > bindparam("blocked_start", type_=UtcDateTime()),
            )
        ),
    )
    .on_conflict_do_nothing()
    .execution_options(preserve_rowcount=True)
)
_BOOKING: Final = select(bookings).where(bookings.c.id == _ID)
_RELEASE_BOOKING: Final = update(bookings).where(bookings.c.id == _ID).values(active=False)


def _take_locks(count: int) -> Select[Any]:
    """``SELECT pg_advisory_xact_lock(:space0, hashtext(:id0)), ...`` for ``count`` keys,
    taken left to right."""
    return select(
        *(
            func.pg_advisory_xact_lock(
                cast(bindparam(f"space{i}"), Integer), func.hashtext(bindparam(f"id{i}"))
            )
            for i in range(count)
        )
    )


#: The lock statements of the common arities (one key; a customer and a technician).
_TAKE_LOCKS: Final = (_take_locks(1), _take_locks(2))


class SqlAlchemyLocks(Repository):
    """Named locks held until the transaction ends (see the module docstring).

    ``held`` is the unit of work's record of the keys taken in its open transaction (it
    clears it when the transaction ends); a key already held is not taken again.
    """

    entity = "lock"

    def __init__(
        self, source: ConnectionSource, *, postgres: bool, held: set[LockKey] | None = None
    ) -> None:
        super().__init__(source, postgres=postgres)
        self._held: set[LockKey] = set() if held is None else held

    def take(self, *keys: LockKey) -> None:
        """Take ``keys`` in the order given, in one statement (none where all are held)."""
        wanted = [key for key in dict.fromkeys(keys) if key not in self._held]
        if wanted:
            self.queue_behind(*wanted)
            self._held.update(wanted)

    def holds(self, key: LockKey) -> bool:
        """True if this unit of work took ``key`` with :meth:`take` in its open transaction."""
        return key in self._held

    def queue_behind(self, *keys: LockKey) -> None:
        """Take ``keys`` without recording them as taken (the booking insert's queue: no
        rule was checked under it). PostgreSQL only; SQLite needs no lock."""
        if not self._postgres:
            return
        params: dict[str, Any] = {}
        for i, key in enumerate(keys):
            params[f"space{i}"] = _LOCK_SPACES[key.kind]
            params[f"id{i}"] = key.id
        count = len(keys)
        statement = _TAKE_LOCKS[count - 1] if count <= len(_TAKE_LOCKS) else _take_locks(count)
        self._conn.execute(statement, params)


def _slot_taken(booking: Booking) -> SlotTaken:
    return SlotTaken(
        "The technician already has a booking overlapping this time.",
        details={"technician_id": booking.technician_id},
    )


def _bookings(rows: Iterable[Any]) -> list[Booking]:
    return [mapping.booking_to_domain(row) for row in rows]


def _within(technician_id: TechnicianId, within: TimeRange) -> dict[str, Any]:
    return {"technician_id": technician_id, "within_start": within.start, "within_end": within.end}


class SqlAlchemyBookingRepository(Repository):
    """Bookings in ``bookings``; no two active ones of a technician overlap.

    PostgreSQL: the exclusion constraint decides (see the module docstring for the lock and
    the SAVEPOINT). There is deliberately no application-level check: under READ COMMITTED
    it could not see concurrent inserts anyway.

    SQLite: the unit of work holds the write lock (``BEGIN IMMEDIATE``), so checking for an
    overlapping active booking and then inserting cannot interleave with another writer.
    """

    entity = "booking"

    def __init__(
        self, source: ConnectionSource, *, postgres: bool, locks: SqlAlchemyLocks | None = None
    ) -> None:
        super().__init__(source, postgres=postgres)
        self._locks = SqlAlchemyLocks(source, postgres=postgres) if locks is None else locks

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
        if not booking.active:
            self._insert_new(_INSERT_BOOKING_OR_NOTHING, values, booking.id)
            return
        conn = self._conn
        if rowcount(conn.execute(_SQLITE_INSERT_BOOKING_IF_FREE, values)):
            return
        params = _within(booking.technician_id, booking.blocked)
        if conn.execute(_SQLITE_ANY_ACTIVE_OVERLAPPING, params).first() is not None:
            raise _slot_taken(booking)
        raise DuplicateEntity(self.entity, booking.id)

    def _add_postgres(self, booking: Booking, values: dict[str, Any]) -> None:
        conn = self._conn
        key = LockKey.technician(booking.technician_id)
        try:
            if booking.active and self._locks.holds(key):
                conn.execute(_INSERT_BOOKING, values)  # checked under the lock: no savepoint
                return
            if booking.active:
                self._locks.queue_behind(key)
            with conn.begin_nested():  # keeps the unit of work usable after SlotTaken
                conn.execute(_INSERT_BOOKING, values)
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
        return mapping.booking_to_domain(self._one(_BOOKING, {"by_id": booking_id}, booking_id))

    def release(self, booking_id: BookingId) -> None:
        """Make the booking inactive so its time is free again. Raises NotFound."""
        self._update_one(_RELEASE_BOOKING, {"by_id": booking_id}, booking_id)

    def list_active(self, technician_id: TechnicianId, within: TimeRange) -> list[Booking]:
        """Active bookings whose blocked range overlaps ``within``, by blocked start."""
        statement = _ACTIVE_OVERLAPPING.on(self._postgres)
        return _bookings(self._conn.execute(statement, _within(technician_id, within)))

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
        statement = _MANY_ACTIVE_OVERLAPPING.on(self._postgres)
        return _bookings(self._conn.execute(statement, params))


# -- schedules: one document per technician, compare-and-set on version -------------------

_INSERT_SCHEDULE: Final = insert_or_nothing(work_schedules)
_SCHEDULE: Final = select(work_schedules).where(work_schedules.c.technician_id == _TECHNICIAN)
_SCHEDULES: Final = select(work_schedules).where(work_schedules.c.technician_id.in_(_TECHNICIANS))
_SCHEDULE_CAS: Final = (
    update(work_schedules)
    .where(
        work_schedules.c.technician_id == bindparam("cas_technician_id"),
        work_schedules.c.version == bindparam("cas_version"),
    )
    .values(document=bindparam("new_document"), version=work_schedules.c.version + 1)
)


class SqlAlchemyScheduleRepository(Repository):
    """Work schedules in ``work_schedules`` (a missing row is an empty schedule, version 0)."""

    entity = "schedule"

    def get(self, technician_id: TechnicianId) -> WorkSchedule:
        """The technician's schedule, or an empty one (version 0) if none was saved."""
        row = self._conn.execute(_SCHEDULE, {"technician_id": technician_id}).first()
        return WorkSchedule.empty(technician_id) if row is None else mapping.schedule_to_domain(row)

    def get_many(
        self, technician_ids: Collection[TechnicianId]
    ) -> dict[TechnicianId, WorkSchedule]:
        """The schedules of ``technician_ids`` (an empty one for each without), one query."""
        wanted = list(dict.fromkeys(technician_ids))
        if not wanted:
            return {}
        found = {
            TechnicianId(row.technician_id): mapping.schedule_to_domain(row)
            for row in self._conn.execute(_SCHEDULES, {"technician_ids": wanted})
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
            insert_first = _INSERT_SCHEDULE.on(self._postgres)
            stored = rowcount(self._conn.execute(insert_first, values))
        else:
            params = {
                "cas_technician_id": schedule.technician_id,
                "cas_version": schedule.version,
                "new_document": values["document"],
            }
            stored = rowcount(self._conn.execute(_SCHEDULE_CAS, params))
        if not stored:
            raise ConcurrentUpdate(
                f"The schedule of {schedule.technician_id} was changed by someone else; "
                "reload it and try again.",
                details={"technician_id": schedule.technician_id},
            )
        return saved


# -- agendas: the reservation path's one read ------------------------------------------------

# ``head UNION ALL bookings``, ordered by part then blocked start. The head row (part 0):
# the technician's columns, his schedule document, the service asked for (NULL columns when
# none was asked or it does not exist), NULL booking columns. Then one row per overlapping
# booking (part 1) with NULL head columns — so the technician's JSON columns are decoded
# once, not once per booking as a three-way join would repeat them. The parts are sliced
# back into rows of their own tables. The technician's JSON columns come as their text and
# the bookings' instants as the driver's values: ReadCache builds values from them, once per
# distinct row.
_TechnicianRow = namedtuple("_TechnicianRow", technicians.c.keys())  # type: ignore[misc]
_ServiceRow = namedtuple("_ServiceRow", services.c.keys())  # type: ignore[misc]
_T_START = 1  # after the part
_S_START = _T_START + len(technicians.c) + 2
_B_START = _S_START + len(services.c)
_K_START = _B_START + len(bookings.c)  # the busy block's columns (part 2)


def _labeled(
    prefix: str, columns: Iterable[ColumnElement[Any]], *, empty: bool, postgres: bool = False
) -> list[Any]:
    # A compound SELECT takes its column names and result types from its first SELECT:
    # there, NULL placeholders keep the type of the column they stand for (for an instant,
    # the driver's: mapping.booking_from_raw reads it).
    return [
        (type_coerce(null(), _driver_type(c.type, postgres)) if empty else c).label(
            f"{prefix}{c.key}"
        )
        for c in columns
    ]


def _driver_type(type_: Any, postgres: bool) -> Any:
    if not isinstance(type_, UtcDateTime):
        return type_
    return postgresql.TIMESTAMP(timezone=True) if postgres else String()


def _agenda_query(postgres: bool) -> CompoundSelect[Any]:
    technician_columns = [
        json_as_text(c, postgres).label(c.key) if c.key in TECHNICIAN_JSON else c
        for c in technicians.c
    ]
    head: Select[Any] = (
        select(
            literal_column("0").label("part"),
            *_labeled("t_", technician_columns, empty=False),
            *_labeled(
                "w_",
                [
                    json_as_text(work_schedules.c.document, postgres).label("document"),
                    work_schedules.c.version,
                ],
                empty=False,
            ),
            *_labeled("s_", services.c, empty=False),
            *_labeled("b_", bookings.c, empty=True, postgres=postgres),
            # Typed NULLs: with three parts, PostgreSQL would resolve two untyped NULLs as text.
            *(
                cast(null(), _driver_type(c.type, postgres)).label(f"k_{c.key}")
                for c in busy_blocks.c
            ),
        )
        .select_from(
            technicians.outerjoin(
                work_schedules, work_schedules.c.technician_id == technicians.c.id
            ).outerjoin(services, services.c.id == bindparam("service_id"))
        )
        .where(technicians.c.id == _TECHNICIAN)
    )
    # The head's columns, NULL; then the booking's (and NULL busy-block columns).
    placeholders: list[Any] = [null()] * (_B_START - _T_START)
    no_block: list[Any] = [null()] * len(busy_blocks.c)
    blocking: Select[Any] = select(
        literal_column("1"), *placeholders, *bookings.c, *no_block
    ).where(bookings.c.technician_id == _TECHNICIAN, _blocked_overlaps_within(postgres))
    # Part 2: his busy blocks from outside calendars overlapping the range (revision 0025),
    # in the same statement: the agenda stays one round trip.
    no_booking: list[Any] = [null()] * (_K_START - _T_START)
    busy: Select[Any] = select(literal_column("2"), *no_booking, *busy_blocks.c).where(
        busy_blocks.c.technician_id == _TECHNICIAN,
        busy_blocks.c.blocked_start < _WITHIN_END,
        busy_blocks.c.blocked_end > _WITHIN_START,
    )
    return union_all(head, blocking, busy).order_by(
        literal_column("part"), literal_column("b_blocked_start"), literal_column("b_id")
    )


_AGENDA: Final = _per_dialect(_agenda_query)
_ALL_VERSIONS: Final = select(agenda_versions.c.technician_id, agenda_versions.c.version)
_VERSIONS: Final = _ALL_VERSIONS.where(agenda_versions.c.technician_id.in_(_TECHNICIANS))
#: Above this many ids the whole (narrow) table is cheaper to read than a long IN list.
_READ_ALL_VERSIONS_FROM = 1000


class SqlAlchemyAgendaRepository(Repository):
    """What the rule engine needs about one technician, in one statement (the technician
    with his schedule and the service, ``UNION ALL`` his overlapping active bookings)."""

    entity = "technician"

    def __init__(
        self,
        source: ConnectionSource,
        *,
        postgres: bool,
        cache: mapping.ReadCache | None = None,
    ) -> None:
        super().__init__(source, postgres=postgres)
        # The storage's cache (shared by its units of work), else one of our own.
        self._cache = mapping.ReadCache() if cache is None else cache

    def versions(self, technician_ids: Collection[TechnicianId]) -> dict[TechnicianId, int]:
        """Each technician's agenda version (kept by triggers, revision 0005); technicians
        without a row are left out (version 0)."""
        if not technician_ids:
            return {}
        if len(technician_ids) < _READ_ALL_VERSIONS_FROM:
            rows = self._conn.execute(_VERSIONS, {"technician_ids": list(technician_ids)})
            return {TechnicianId(tid): version for tid, version in rows}
        wanted = set(technician_ids)
        rows = self._conn.execute(_ALL_VERSIONS)
        return {TechnicianId(tid): version for tid, version in rows if tid in wanted}

    def load(
        self,
        technician_id: TechnicianId,
        within: TimeRange,
        *,
        service_id: ServiceId | None = None,
    ) -> StoredAgenda:
        """The technician, his schedule, his active bookings overlapping ``within`` (by
        blocked start) and, with ``service_id``, that service.

        Raises:
            NotFound: (``technician_not_found``, ``service_not_found``).
        """
        params = _within(technician_id, within)
        params["service_id"] = service_id
        rows = self._conn.execute(_AGENDA.on(self._postgres), params).all()
        if not rows or rows[0].part != 0:
            raise NotFound("technician", technician_id)
        head = rows[0]
        service = None
        if service_id is not None:
            if head[_S_START] is None:
                raise NotFound("service", service_id)
            service = mapping.service_to_domain(_ServiceRow._make(head[_S_START:_B_START]))
        document, version = head[_S_START - 2], head[_S_START - 1]
        cache = self._cache
        booking = cache.booking
        return StoredAgenda(
            technician=mapping.technician_from_text(
                _TechnicianRow._make(head[_T_START : _S_START - 2]), cache
            ),
            schedule=(
                cache.empty_schedule(technician_id)
                if document is None
                else mapping.schedule_from_text(document, version, cache)
            ),
            bookings=tuple(
                booking(tuple(row[_B_START:_K_START])) for row in rows[1:] if row.part == 1
            ),
            service=service,
            busy_blocks=tuple(
                sorted(
                    (busy_block_from_values(row[_K_START:]) for row in rows if row.part == 2),
                    key=lambda b: (b.blocked.start, b.source, b.uid),
                )
            ),
        )
