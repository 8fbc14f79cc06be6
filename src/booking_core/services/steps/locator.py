"""Where the online technicians are: the app's spatial index, kept current.

One per app (like the :class:`~booking_core.scheduling.offer_memo.OfferMemo`): dispatch asks
it for everyone within an order's radius. It holds the online technicians at their last
reported position (else the centre of their service area) and their records, and is kept
current by the services that change them — a status change, a profile change, a position
report in this process — and rebuilt from storage when older than ``max_age`` (what other
processes changed). Whatever it answers is checked again where it matters: the reservation
that gives a technician an order re-reads his record and his agenda.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pendulum
from pendulum import DateTime

from booking_core.dispatch import GridIndex
from booking_core.ids import TechnicianId
from booking_core.ports.clock import Clock
from booking_core.ports.spatial import SpatialIndex
from booking_core.ports.storage import UnitOfWork
from booking_core.scheduling import Technician, WorkStatus
from booking_core.scheduling.geo import GeoPoint

__all__ = ["TechnicianLocator"]


class TechnicianLocator:
    """The online technicians, by position (thread-safe: one lock guards a rebuild)."""

    def __init__(
        self,
        clock: Clock,
        *,
        index: Callable[[], SpatialIndex] = GridIndex,
        max_age_seconds: int = 30,
    ) -> None:
        self._clock = clock
        self._new_index = index
        self._max_age = pendulum.duration(seconds=max_age_seconds)
        self._lock = threading.Lock()
        self._index: SpatialIndex = index()
        self._technicians: dict[TechnicianId, Technician] = {}
        self._statuses: dict[TechnicianId, WorkStatus] = {}
        self._positions: dict[TechnicianId, GeoPoint] = {}
        self._built_at: DateTime | None = None

    def near(
        self, uow: UnitOfWork, center: GeoPoint, radius_km: float
    ) -> list[tuple[TechnicianId, float]]:
        """The online technicians within ``radius_km`` of ``center``, nearest first."""
        self._refresh(uow)
        return self._index.near(center, radius_km)

    def technician(self, technician_id: TechnicianId) -> Technician | None:
        """His record as last loaded (None: unknown)."""
        return self._technicians.get(technician_id)

    def status(self, technician_id: TechnicianId) -> WorkStatus:
        """His work status as last known (offline if unknown)."""
        return self._statuses.get(technician_id, WorkStatus.OFFLINE)

    def position(self, uow: UnitOfWork, technician_id: TechnicianId) -> GeoPoint | None:
        """Where he is as far as dispatch knows (None: nowhere known)."""
        self._refresh(uow)
        with self._lock:
            return self._point(technician_id)

    def invalidate(self) -> None:
        """Rebuild from storage on the next question."""
        with self._lock:
            self._built_at = None

    def status_changed(self, technician_id: TechnicianId, status: WorkStatus) -> None:
        """He set his work status: in or out of the index."""
        with self._lock:
            self._statuses[technician_id] = status
            self._place(technician_id)

    def profile_changed(self, technician: Technician) -> None:
        """His record changed (services, area, dispatch settings, verification)."""
        with self._lock:
            self._technicians[technician.id] = technician
            self._place(technician.id)

    def moved(self, technician_id: TechnicianId, point: GeoPoint) -> None:
        """He reported where he is."""
        with self._lock:
            self._positions[technician_id] = point
            self._place(technician_id)

    def _place(self, technician_id: TechnicianId) -> None:
        point = self._point(technician_id)
        online = self._statuses.get(technician_id) is WorkStatus.ONLINE
        if online and point is not None:
            self._index.put(technician_id, point)
        else:
            self._index.remove(technician_id)

    def _point(self, technician_id: TechnicianId) -> GeoPoint | None:
        reported = self._positions.get(technician_id)
        if reported is not None:
            return reported
        technician = self._technicians.get(technician_id)
        area = technician.profile.service_area if technician is not None else None
        return area.center if area is not None else None

    def _refresh(self, uow: UnitOfWork) -> None:
        now = self._clock.now()
        with self._lock:
            if self._built_at is not None and now - self._built_at < self._max_age:
                return
            technicians = {t.id: t for t in uow.technicians.list()}
            schedules = uow.schedules.get_many(list(technicians))
            self._technicians = technicians
            self._statuses = {tid: s.status for tid, s in schedules.items()}
            self._index = self._new_index()
            for technician_id in technicians:
                self._place(technician_id)
            self._built_at = now
