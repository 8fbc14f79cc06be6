"""Storage of technicians' time: bookings, schedules, the agenda read and the locks.

:class:`BookingRepository` is the home of the no-overlap guarantee (I1);
:class:`AgendaRepository` is the reservation path's one read; :class:`Locks` serialize the
rules that span several bookings or orders.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from typing import Protocol

import attrs

from booking_core.catalog import Service
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.busy_block import BusyBlock
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.timerange import TimeRange

__all__ = [
    "AgendaRepository",
    "BookingRepository",
    "LockKey",
    "LockKind",
    "Locks",
    "ScheduleRepository",
    "SchedulingStore",
    "StoredAgenda",
]


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

    def list_active_many(
        self, technician_ids: Collection[TechnicianId], within: TimeRange
    ) -> list[Booking]:
        """Active bookings of any of ``technician_ids`` whose blocked range overlaps
        ``within``, ordered by technician id then blocked start (one query for a search)."""
        ...


class ScheduleRepository(Protocol):
    """Each technician's work schedule: date overrides, time off, rota shifts, cap, status."""

    def get(self, technician_id: TechnicianId) -> WorkSchedule:
        """The technician's schedule, or ``WorkSchedule.empty(technician_id)`` (version 0)
        if none was saved. Does not check that the technician exists."""
        ...

    def get_many(
        self, technician_ids: Collection[TechnicianId]
    ) -> dict[TechnicianId, WorkSchedule]:
        """The schedules of ``technician_ids`` (an empty one for each without)."""
        ...

    def save(self, schedule: WorkSchedule) -> WorkSchedule:
        """Store ``schedule`` if the stored version (0 when none) equals
        ``schedule.version``; return it with the version incremented.

        Raises:
            ConcurrentUpdate: if someone saved the technician's schedule since it was read.
        """
        ...


@attrs.frozen
class StoredAgenda:
    """What the rule engine needs about one technician, read in one round trip.

    Attributes:
        technician: The technician.
        schedule: His schedule (``WorkSchedule.empty`` at version 0 if none was saved).
        bookings: His active bookings whose blocked range overlaps the range asked for,
            by blocked start.
        service: The service asked for with it, if one was.
        busy_blocks: His busy blocks from outside calendars whose blocked range overlaps
            the range asked for, by blocked start.
    """

    technician: Technician
    schedule: WorkSchedule
    bookings: tuple[Booking, ...]
    service: Service | None = None
    busy_blocks: tuple[BusyBlock, ...] = ()


class AgendaRepository(Protocol):
    """The reservation path's one read, and the version of what it reads."""

    def versions(self, technician_ids: Collection[TechnicianId]) -> dict[TechnicianId, int]:
        """Each technician's *agenda version*: a number that changes whenever one of his
        bookings is added or changed (released, a hold confirmed), his record is saved,
        his schedule is saved or his busy blocks are written — in the same transaction as
        the change, whoever writes it (the SQLAlchemy adapter keeps it with triggers).
        Technicians never written have none in the answer (read it as 0). One round trip.

        A search reads the versions *before* the data it computes from, and may reuse an
        earlier answer computed under the same version
        (:class:`~booking_core.scheduling.offer_memo.OfferMemo`).
        """
        ...

    def load(
        self,
        technician_id: TechnicianId,
        within: TimeRange,
        *,
        service_id: ServiceId | None = None,
    ) -> StoredAgenda:
        """The technician, his schedule, his active bookings overlapping ``within`` (as
        :meth:`BookingRepository.list_active`), his busy blocks overlapping it (as
        ``BusyBlockRepository.list_for``) and, with ``service_id``, that service — in one round
        trip where the storage can.

        Raises:
            NotFound: (``technician_not_found``, ``service_not_found``) no such technician
                or service.
        """
        ...


class LockKind(enum.Enum):
    """What a lock serializes."""

    #: Reservations of one technician's time, and rewrites of his record.
    TECHNICIAN = "technician"
    #: Order placements of one customer (the unpaid-order limits), and the counts his
    #: completed orders add to his distributor record.
    CUSTOMER = "customer"
    #: Who takes one order waiting for dispatch (grabs, offers, assignments).
    ORDER = "order"
    #: Withdrawals of one payee (a technician's or a store's balance).
    PAYEE = "payee"
    #: Bindings of the referral graph (the cycle check reads an upline, then writes).
    REFERRAL = "referral"


@attrs.frozen
class LockKey:
    """One lock: a kind and the id of what it guards."""

    kind: LockKind
    id: str

    @classmethod
    def technician(cls, technician_id: TechnicianId) -> LockKey:
        """The lock serializing reservations of ``technician_id``'s time."""
        return cls(LockKind.TECHNICIAN, technician_id)

    @classmethod
    def customer(cls, customer_id: CustomerId) -> LockKey:
        """The lock serializing placements of ``customer_id``."""
        return cls(LockKind.CUSTOMER, customer_id)

    @classmethod
    def order(cls, order_id: OrderId) -> LockKey:
        """The lock serializing who takes ``order_id`` (grabs, offers, assignments)."""
        return cls(LockKind.ORDER, order_id)

    @classmethod
    def payee(cls, owner: str) -> LockKey:
        """The lock serializing withdrawals of the payee ``owner`` (``Payee.key``)."""
        return cls(LockKind.PAYEE, owner)

    @classmethod
    def referral_graph(cls) -> LockKey:
        """The lock serializing bindings of the whole referral graph: a cycle may join any
        two members, so no narrower key keeps two binds from closing one together."""
        return cls(LockKind.REFERRAL, "graph")


class Locks(Protocol):
    """Named locks held until the unit of work ends."""

    def take(self, *keys: LockKey) -> None:
        """Take ``keys`` in the order given, in one round trip, held until the unit of work
        commits or rolls back.

        Take them before reading what they guard: a second unit of work taking one of the
        same keys waits until the first ends, then reads what it stored. Callers taking
        several keys take them in one call, order before customer before technician, so two units of
        work never wait for each other in a cycle. A no-op where writers are already
        serialized for the whole unit of work (SQLite's ``BEGIN IMMEDIATE``, the in-memory
        store). Checks nothing exists; raises nothing of its own.
        """
        ...


class SchedulingStore(Protocol):
    """The scheduling part of a unit of work."""

    @property
    def bookings(self) -> BookingRepository: ...
    @property
    def schedules(self) -> ScheduleRepository: ...
    @property
    def agendas(self) -> AgendaRepository: ...
    @property
    def locks(self) -> Locks: ...
