"""In-memory categories, services and technicians."""

from __future__ import annotations

from booking_core.catalog import Category, Service
from booking_core.ids import CategoryId, ServiceId, TechnicianId
from booking_core.scheduling import Technician
from booking_core.testing.memory.scheduling import bump_agenda_version
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryCategories", "InMemoryServices", "InMemoryTechnicians"]


class InMemoryCategories(Table):
    """:class:`~booking_core.ports.storage.CategoryRepository` over a snapshot."""

    def add(self, category: Category) -> None:
        self._insert(category.id, category)

    def get(self, category_id: CategoryId) -> Category:
        result: Category = self._get(category_id)
        return result

    def list(self) -> list[Category]:
        return sorted(self.rows.values(), key=lambda c: (c.name, c.id))


class InMemoryServices(Table):
    """:class:`~booking_core.ports.storage.ServiceRepository` over a snapshot."""

    def add(self, service: Service) -> None:
        self._insert(service.id, service)

    def get(self, service_id: ServiceId) -> Service:
        result: Service = self._get(service_id)
        return result

    def list(self, category_id: CategoryId | None = None) -> list[Service]:
        found = [s for s in self.rows.values() if category_id in (None, s.category_id)]
        return sorted(found, key=lambda s: (s.name, s.id))

    def save(self, service: Service) -> None:
        self._get(service.id)
        self.rows[service.id] = service


class InMemoryTechnicians(Table):
    """:class:`~booking_core.ports.storage.TechnicianRepository` over a snapshot."""

    def add(self, technician: Technician) -> None:
        self._insert(technician.id, technician)
        bump_agenda_version(self, technician.id)

    def get(self, technician_id: TechnicianId) -> Technician:
        result: Technician = self._get(technician_id)
        return result

    def list(self) -> list[Technician]:
        return sorted(self.rows.values(), key=lambda t: (t.name, t.id))

    def save(self, technician: Technician) -> None:
        self._get(technician.id)
        self.rows[technician.id] = technician
        bump_agenda_version(self, technician.id)
