"""In-memory technicians' applications."""

from __future__ import annotations

import attrs

from booking_core.errors import ConcurrentUpdate
from booking_core.ids import TechnicianId
from booking_core.onboarding.application import ApplicationState, TechnicianApplication
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryApplications"]


def _copy(application: TechnicianApplication) -> TechnicianApplication:
    # A mutable aggregate: hand out copies so an uncommitted change never leaks.
    return attrs.evolve(application, timeline=list(application.timeline))


def _filing(application: TechnicianApplication) -> tuple[object, str]:
    return (application.submitted_at, application.id)


class InMemoryApplications(Table):
    """:class:`~booking_core.ports.storage.ApplicationRepository` over a snapshot."""

    def add(self, application: TechnicianApplication) -> None:
        self._insert(application.id, _copy(application))

    def get(self, application_id: str) -> TechnicianApplication:
        found: TechnicianApplication = self._get(application_id)
        return _copy(found)

    def save(self, application: TechnicianApplication) -> None:
        stored: TechnicianApplication = self._get(application.id)
        if stored.version != application.version:
            raise ConcurrentUpdate(
                f"Application {application.id} was changed by someone else; reload it and "
                "try again.",
                details={"application_id": application.id},
            )
        application.version += 1
        self.rows[application.id] = _copy(application)

    def list_by_state(self, *states: ApplicationState) -> list[TechnicianApplication]:
        wanted = {s.value for s in states}
        found = [a for a in self.rows.values() if a.state in wanted]
        return [_copy(a) for a in sorted(found, key=_filing)]

    def latest_for(self, technician_id: TechnicianId) -> TechnicianApplication | None:
        found = [a for a in self.rows.values() if a.technician_id == technician_id]
        return _copy(max(found, key=_filing)) if found else None
