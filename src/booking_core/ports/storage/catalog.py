"""Storage of the catalog: categories, services and technicians."""

from __future__ import annotations

from typing import Protocol

from booking_core.catalog import Category, Service
from booking_core.ids import CategoryId, ServiceId, TechnicianId
from booking_core.scheduling import Technician

__all__ = ["CatalogStore", "CategoryRepository", "ServiceRepository", "TechnicianRepository"]


class CategoryRepository(Protocol):
    """Service categories."""

    def add(self, category: Category) -> None:
        """Store a new category. Raises DuplicateEntity if the id exists."""
        ...

    def get(self, category_id: CategoryId) -> Category:
        """The category. Raises NotFound (code ``category_not_found``)."""
        ...

    def list(self) -> list[Category]:
        """All categories, ordered by name then id."""
        ...


class ServiceRepository(Protocol):
    """Catalog services."""

    def add(self, service: Service) -> None:
        """Store a new service. Raises DuplicateEntity if the id exists."""
        ...

    def get(self, service_id: ServiceId) -> Service:
        """The service. Raises NotFound (code ``service_not_found``)."""
        ...

    def list(self, category_id: CategoryId | None = None) -> list[Service]:
        """Services (of one category if given), ordered by name then id."""
        ...

    def save(self, service: Service) -> None:
        """Replace the stored service with the same id (last writer wins).

        Raises:
            NotFound: (code ``service_not_found``) if no service has the id.
        """
        ...


class TechnicianRepository(Protocol):
    """Technicians."""

    def add(self, technician: Technician) -> None:
        """Store a new technician. Raises DuplicateEntity if the id exists."""
        ...

    def get(self, technician_id: TechnicianId) -> Technician:
        """The technician. Raises NotFound (code ``technician_not_found``)."""
        ...

    def list(self) -> list[Technician]:
        """All technicians, ordered by name then id."""
        ...

    def save(self, technician: Technician) -> None:
        """Replace the stored technician with the same id (name, zone, hours, services,
        profile); last writer wins.

        Raises:
            NotFound: (code ``technician_not_found``) if no technician has the id.
        """
        ...


class CatalogStore(Protocol):
    """The catalog's part of a unit of work."""

    @property
    def categories(self) -> CategoryRepository: ...
    @property
    def services(self) -> ServiceRepository: ...
    @property
    def technicians(self) -> TechnicianRepository: ...
