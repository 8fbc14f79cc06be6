"""Technician use cases: registration and weekly hours (FEATURES T2, T4)."""

from __future__ import annotations

import attrs

from booking_core.ids import ServiceId, TechnicianId
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling import Technician, WeeklyHours

__all__ = ["RegisterTechnician", "TechnicianService"]


@attrs.frozen
class RegisterTechnician:
    """Register a technician with weekly hours in his IANA zone."""

    name: str
    time_zone: str
    weekly_hours: WeeklyHours
    service_ids: frozenset[ServiceId] = frozenset()


class TechnicianService:
    """Registers and reads technicians."""

    def __init__(self, uow: UnitOfWorkFactory, ids: IdSource) -> None:
        self._uow = uow
        self._ids = ids

    def register(self, command: RegisterTechnician) -> Technician:
        """Register a technician. Raises NotFound for an unknown service id."""
        technician = Technician(
            id=TechnicianId(self._ids.new_id("tec")),
            name=command.name,
            time_zone=command.time_zone,
            weekly_hours=command.weekly_hours,
            service_ids=command.service_ids,
        )
        with self._uow() as uow:
            for service_id in sorted(command.service_ids):
                uow.services.get(service_id)
            uow.technicians.add(technician)
            uow.commit()
        return technician

    def get(self, technician_id: TechnicianId) -> Technician:
        """One technician. Raises NotFound."""
        with self._uow() as uow:
            return uow.technicians.get(technician_id)

    def list(self) -> list[Technician]:
        """All technicians."""
        with self._uow() as uow:
            return uow.technicians.list()
