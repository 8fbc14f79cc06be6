"""Bulk import (issue 15): a platform moving to the SDK brings its existing bookings and
busy blocks, and gets a report per row instead of a silent drop.

The policy (docs/calendars.md, "Bulk import"):

* **best effort, in one transaction** — every row is checked; the rows that pass are
  stored together at the end, the others are reported (``conflict`` with what, or
  ``invalid`` why) and stored nowhere. A failure of storage itself stores nothing.
* **idempotent by external id** — a booking's id is derived from its external id, a
  block's uid is its external id (source ``"import"``): importing the same rows again
  reports them ``unchanged``; a booking's external id seen again with other data is a
  ``conflict`` (bookings are not rewritten by an import), a block's is updated.
* **facts, not requests** — an imported booking is not held to hours, notice, window or
  daily cap (it was made elsewhere); it must not overlap another booking, a live hold or a
  busy block of the technician, counting the service's buffers (I1). Rows are checked in
  order, bookings first: a later row conflicts with an earlier one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import StrEnum

import attrs
import pendulum
from pendulum import DateTime

from booking_core.catalog import Service
from booking_core.errors import BookingError, InvalidInput, NotFound, PermissionDenied
from booking_core.ids import BookingId, ServiceId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.busy_block import IMPORT_SOURCE, BusyBlock
from booking_core.services._access import require_permission
from booking_core.staff import Permission
from booking_core.timerange import TimeRange

__all__ = [
    "BulkImportService",
    "ImportReport",
    "ImportRow",
    "ImportedBooking",
    "ImportedBusyBlock",
    "RowStatus",
    "imported_booking_id",
]

#: The most rows one call takes (bookings and blocks together).
MAX_ROWS = 5000
_MAX_EXTERNAL_ID = 200


def imported_booking_id(external_id: str) -> BookingId:
    """The booking id an imported booking gets: derived from its external id, so importing
    it twice finds the first."""
    return BookingId("bkg_imp_" + hashlib.sha256(external_id.encode()).hexdigest()[:24])


@attrs.frozen
class ImportedBooking:
    """One booking made before the platform used the SDK.

    Attributes:
        external_id: Its id on the old platform (unique among bookings).
        technician_id: Whose time it takes.
        service_id: The service booked: its duration (unless ``end`` is given) and buffers.
        start: When the service starts (aware, on a whole minute).
        end: When it ends (None: after the service's duration).
    """

    external_id: str
    technician_id: TechnicianId
    service_id: ServiceId
    start: DateTime
    end: DateTime | None = None


@attrs.frozen
class ImportedBusyBlock:
    """One busy interval of a technician from the old platform (stored as source
    ``"import"``, uid ``external_id``)."""

    external_id: str
    technician_id: TechnicianId
    start: DateTime
    end: DateTime
    summary: str | None = None
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0


class RowStatus(StrEnum):
    """What became of one row."""

    IMPORTED = "imported"
    UNCHANGED = "unchanged"  # imported before with the same data
    CONFLICT = "conflict"  # overlaps what the technician already has
    INVALID = "invalid"  # the row itself is wrong


@attrs.frozen
class ImportRow:
    """The report of one row.

    Attributes:
        kind: ``"booking"`` or ``"busy_block"``.
        index: Its position in its list (from 0).
        external_id: As given.
        status: See :class:`RowStatus`.
        reason: For a conflict, what it conflicts with (``booking <id>``, ``busy block
            <source>/<uid>``); for an invalid row, why.
        booking_id: The booking's id (imported or unchanged bookings).
    """

    kind: str
    index: int
    external_id: str
    status: RowStatus
    reason: str | None = None
    booking_id: BookingId | None = None


@attrs.frozen
class ImportReport:
    """Every row's report, bookings first, each list in the order given."""

    rows: tuple[ImportRow, ...]

    def count(self, status: RowStatus) -> int:
        """How many rows ended with ``status``."""
        return sum(1 for row in self.rows if row.status is status)

    @property
    def problems(self) -> tuple[ImportRow, ...]:
        """The rows not stored: conflicts and invalid ones."""
        return tuple(r for r in self.rows if r.status in (RowStatus.CONFLICT, RowStatus.INVALID))


class _Invalid(Exception):
    pass


def _external_id(value: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_EXTERNAL_ID:
        raise _Invalid(f"the external id is 1 to {_MAX_EXTERNAL_ID} characters")
    if any(ord(c) < 32 for c in value):
        raise _Invalid("the external id has a control character")
    return value


def _span(start: DateTime, end: DateTime) -> TimeRange:
    try:
        return TimeRange(start, end)
    except BookingError as exc:
        raise _Invalid(exc.message) from None


class BulkImportService:
    """Imports bookings and busy blocks of many technicians in one call (platform only)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def run(
        self,
        actor: Actor,
        bookings: Sequence[ImportedBooking] = (),
        busy_blocks: Sequence[ImportedBusyBlock] = (),
    ) -> ImportReport:
        """Import ``bookings`` then ``busy_blocks``; the report has one row for each.

        Raises:
            PermissionDenied: ``actor`` is not the platform (with the technicians
                permission) or the system.
            InvalidInput: more than ``MAX_ROWS`` rows.
        """
        if actor.role is Role.PLATFORM:
            require_permission(actor, Permission.TECHNICIANS, "imports bookings")
        elif actor.role is not Role.SYSTEM:
            raise PermissionDenied(
                f"A {actor.role.value} cannot import bookings; the platform can.",
                details={"role": actor.role.value},
            )
        if len(bookings) + len(busy_blocks) > MAX_ROWS:
            raise InvalidInput(
                f"Import at most {MAX_ROWS} rows a call; got "
                f"{len(bookings) + len(busy_blocks)}. Split the file.",
                details={"max_rows": MAX_ROWS},
            )
        now = self._clock.now()
        technician_ids = sorted(
            {r.technician_id for r in bookings} | {r.technician_id for r in busy_blocks}
        )
        with self._uow() as uow:
            # Every technician's lock, in one call, in id order: imports and reservations
            # of the same technicians wait for each other, never in a cycle.
            if technician_ids:
                uow.locks.take(*(LockKey.technician(t) for t in technician_ids))
            work = _Work(uow, now)
            rows = [work.booking(i, r) for i, r in enumerate(bookings)]
            rows += [work.block(i, r) for i, r in enumerate(busy_blocks)]
            uow.commit()
        return ImportReport(tuple(rows))


class _Work:
    # One import's checks and writes inside its unit of work.

    def __init__(self, uow: UnitOfWork, now: DateTime) -> None:
        self._uow = uow
        self._now = now
        self._technicians: dict[TechnicianId, Technician | None] = {}
        self._services: dict[ServiceId, Service | None] = {}
        self._seen: set[str] = set()
        self._seen_blocks: set[tuple[str, TechnicianId]] = set()

    def _technician(self, technician_id: TechnicianId) -> Technician:
        if technician_id not in self._technicians:
            try:
                self._technicians[technician_id] = self._uow.technicians.get(technician_id)
            except NotFound:
                self._technicians[technician_id] = None
        found = self._technicians[technician_id]
        if found is None:
            raise _Invalid(f"no technician {technician_id!r}")
        return found

    def _service(self, service_id: ServiceId) -> Service:
        if service_id not in self._services:
            try:
                self._services[service_id] = self._uow.services.get(service_id)
            except NotFound:
                self._services[service_id] = None
        found = self._services[service_id]
        if found is None:
            raise _Invalid(f"no service {service_id!r}")
        return found

    def _in_the_way(self, technician_id: TechnicianId, blocked: TimeRange) -> str | None:
        for other in self._uow.bookings.list_active(technician_id, blocked):
            if other.counts_at(self._now):
                return f"booking {other.id}"
        return None

    def booking(self, index: int, row: ImportedBooking) -> ImportRow:
        external = str(row.external_id)
        try:
            external = _external_id(row.external_id)
            if external in self._seen:
                raise _Invalid("the external id is given twice in this import")
            self._seen.add(external)
            self._technician(row.technician_id)
            service = self._service(row.service_id)
            end = row.end
            if end is None:
                end = row.start.add(minutes=service.duration_minutes)
            slot = _span(row.start, end)
            if any(t.second or t.microsecond for t in (slot.start, slot.end)):
                raise _Invalid("a booking starts and ends on whole minutes")
        except _Invalid as exc:
            return ImportRow("booking", index, external, RowStatus.INVALID, str(exc))
        booking_id = imported_booking_id(external)
        blocked = slot.expand(
            pendulum.duration(minutes=service.buffer_before_minutes),
            pendulum.duration(minutes=service.buffer_after_minutes),
        )
        try:
            existing = self._uow.bookings.get(booking_id)
        except NotFound:
            existing = None
        if existing is not None:
            same = (
                existing.technician_id == row.technician_id
                and existing.slot == slot
                and existing.service_id == row.service_id
            )
            if same and existing.active:
                return ImportRow("booking", index, external, RowStatus.UNCHANGED, None, booking_id)
            return ImportRow(
                "booking", index, external, RowStatus.CONFLICT,
                f"booking {booking_id} imported before with other data or since released",
            )  # fmt: skip
        why = self._in_the_way(row.technician_id, blocked) or self._busy_over(
            row.technician_id, blocked
        )
        if why is not None:
            return ImportRow("booking", index, external, RowStatus.CONFLICT, why)
        self._uow.bookings.add(
            Booking(booking_id, row.technician_id, None, slot, blocked, service_id=row.service_id)
        )
        return ImportRow("booking", index, external, RowStatus.IMPORTED, None, booking_id)

    def _busy_over(self, technician_id: TechnicianId, blocked: TimeRange) -> str | None:
        for block in self._uow.busy_blocks.list_for(technician_id, within=blocked):
            return f"busy block {block.source}/{block.uid}"
        return None

    def block(self, index: int, row: ImportedBusyBlock) -> ImportRow:
        external = str(row.external_id)
        try:
            external = _external_id(row.external_id)
            if (external, row.technician_id) in self._seen_blocks:
                raise _Invalid("the external id is given twice in this import")
            self._seen_blocks.add((external, row.technician_id))
            self._technician(row.technician_id)
            block = BusyBlock(
                row.technician_id,
                IMPORT_SOURCE,
                external,
                _span(row.start, row.end),
                row.buffer_before_minutes,
                row.buffer_after_minutes,
                row.summary,
            )
        except _Invalid as exc:
            return ImportRow("busy_block", index, external, RowStatus.INVALID, str(exc))
        except BookingError as exc:
            return ImportRow("busy_block", index, external, RowStatus.INVALID, exc.message)
        stored = self._uow.busy_blocks.list_for(
            row.technician_id, source=IMPORT_SOURCE, within=block.blocked
        )
        if any(b == block for b in stored):
            return ImportRow("busy_block", index, external, RowStatus.UNCHANGED)
        why = self._in_the_way(row.technician_id, block.blocked)
        if why is not None:
            return ImportRow("busy_block", index, external, RowStatus.CONFLICT, why)
        self._uow.busy_blocks.put(block)
        return ImportRow("busy_block", index, external, RowStatus.IMPORTED)
