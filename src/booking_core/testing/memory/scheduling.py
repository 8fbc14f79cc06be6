"""In-memory bookings, schedules, agendas and locks."""

from __future__ import annotations

from collections.abc import Collection

import attrs

from booking_core.errors import ConcurrentUpdate, SlotTaken
from booking_core.ids import BookingId, ServiceId, TechnicianId
from booking_core.ports.storage import (
    BookingRepository,
    LockKey,
    ScheduleRepository,
    ServiceRepository,
    StoredAgenda,
    TechnicianRepository,
)
from booking_core.scheduling import Booking
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.testing.memory.table import Snapshot, Table
from booking_core.timerange import TimeRange

__all__ = [
    "InMemoryAgendas",
    "InMemoryBookings",
    "InMemoryLocks",
    "InMemorySchedules",
    "bump_agenda_version",
]


def bump_agenda_version(table: Table, technician_id: TechnicianId) -> None:
    """Change ``technician_id``'s agenda version in ``table``'s snapshot (what the SQL
    adapter's triggers do on every write of his bookings, record or schedule)."""
    versions = table.table("agenda_versions")
    versions[technician_id] = versions.get(technician_id, 0) + 1


class InMemoryBookings(Table):
    """:class:`~booking_core.ports.storage.BookingRepository` over a snapshot."""

    def add(self, booking: Booking) -> None:
        if booking.active and self.list_active(booking.technician_id, booking.blocked):
            raise SlotTaken(
                "The technician already has a booking overlapping this time.",
                details={"technician_id": booking.technician_id},
            )
        self._insert(booking.id, booking)
        bump_agenda_version(self, booking.technician_id)

    def get(self, booking_id: BookingId) -> Booking:
        result: Booking = self._get(booking_id)
        return result

    def release(self, booking_id: BookingId) -> None:
        released = self.get(booking_id).release()
        self.rows[booking_id] = released
        bump_agenda_version(self, released.technician_id)

    def list_active(self, technician_id: TechnicianId, within: TimeRange) -> list[Booking]:
        found = [
            b
            for b in self.rows.values()
            if b.active and b.technician_id == technician_id and b.blocked.overlaps(within)
        ]
        return sorted(found, key=lambda b: (b.blocked.start, b.id))

    def list_active_many(
        self, technician_ids: Collection[TechnicianId], within: TimeRange
    ) -> list[Booking]:
        wanted = set(technician_ids)
        found = [
            b
            for b in self.rows.values()
            if b.active and b.technician_id in wanted and b.blocked.overlaps(within)
        ]
        return sorted(found, key=lambda b: (b.technician_id, b.blocked.start, b.id))


class InMemorySchedules(Table):
    """:class:`~booking_core.ports.storage.ScheduleRepository` over a snapshot."""

    def get(self, technician_id: TechnicianId) -> WorkSchedule:
        found: WorkSchedule | None = self.rows.get(technician_id)
        return found if found is not None else WorkSchedule.empty(technician_id)

    def get_many(
        self, technician_ids: Collection[TechnicianId]
    ) -> dict[TechnicianId, WorkSchedule]:
        return {tid: self.get(tid) for tid in technician_ids}

    def save(self, schedule: WorkSchedule) -> WorkSchedule:
        if self.get(schedule.technician_id).version != schedule.version:
            raise ConcurrentUpdate(
                f"The schedule of {schedule.technician_id} was changed by someone else; "
                "reload it and try again.",
                details={"technician_id": schedule.technician_id},
            )
        saved = attrs.evolve(schedule, version=schedule.version + 1)
        self.rows[schedule.technician_id] = saved
        bump_agenda_version(self, schedule.technician_id)
        return saved


class InMemoryAgendas(Table):
    """:class:`~booking_core.ports.storage.AgendaRepository` composed of the unit of work's
    other repositories (a dict lookup is its own round trip); its own rows are the agenda
    versions."""

    def __init__(
        self,
        snapshot: Snapshot,
        technicians: TechnicianRepository,
        services: ServiceRepository,
        schedules: ScheduleRepository,
        bookings: BookingRepository,
    ) -> None:
        super().__init__(snapshot, "agenda_versions", "agenda_version")
        self._technicians = technicians
        self._services = services
        self._schedules = schedules
        self._bookings = bookings

    def versions(self, technician_ids: Collection[TechnicianId]) -> dict[TechnicianId, int]:
        rows = self.rows
        return {tid: rows[tid] for tid in technician_ids if tid in rows}

    def load(
        self,
        technician_id: TechnicianId,
        within: TimeRange,
        *,
        service_id: ServiceId | None = None,
    ) -> StoredAgenda:
        technician = self._technicians.get(technician_id)
        service = None if service_id is None else self._services.get(service_id)
        blocks = self.table("busy_blocks")
        return StoredAgenda(
            technician=technician,
            schedule=self._schedules.get(technician_id),
            bookings=tuple(self._bookings.list_active(technician_id, within)),
            service=service,
            busy_blocks=tuple(
                sorted(
                    (
                        b
                        for b in blocks.values()
                        if b.technician_id == technician_id and b.blocked.overlaps(within)
                    ),
                    key=lambda b: (b.blocked.start, b.source, b.uid),
                )
            ),
        )


class InMemoryLocks:
    """:class:`~booking_core.ports.storage.Locks` where they are already held.

    A unit of work holds the store's lock from ``__enter__`` to ``__exit__``, so every key
    is held from the start to the end of it and taking one has nothing left to do; it
    still refuses what is not a key, and a take outside the unit of work, as a real
    adapter's would fail.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    def take(self, *keys: LockKey) -> None:
        wrong = [key for key in keys if not isinstance(key, LockKey)]
        if wrong:
            raise TypeError(f"Locks.take wants LockKey values, not {wrong!r}.")
        if not self._snapshot.tables:
            raise RuntimeError("Take locks inside the unit of work: `with uow: ...`.")
