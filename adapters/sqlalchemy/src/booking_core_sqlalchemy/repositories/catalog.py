"""Catalog: categories, services and technicians."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import BindParameter, Select, bindparam, select

from booking_core.catalog import Category, Service
from booking_core.ids import CategoryId, ServiceId, TechnicianId
from booking_core.scheduling import Technician
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import (
    ConnectionSource,
    PerDialect,
    Repository,
    insert_or_nothing,
    json_as_text,
    new_values,
    update_columns,
)
from booking_core_sqlalchemy.tables import categories, services, technicians

__all__ = [
    "SqlAlchemyCategoryRepository",
    "SqlAlchemyServiceRepository",
    "SqlAlchemyTechnicianRepository",
]

_ID: BindParameter[str] = bindparam("by_id")

_INSERT_CATEGORY: Final = insert_or_nothing(categories)
_CATEGORY: Final = select(categories).where(categories.c.id == _ID)
_CATEGORIES: Final = select(categories).order_by(categories.c.name, categories.c.id)

_INSERT_SERVICE: Final = insert_or_nothing(services)
_SERVICE: Final = select(services).where(services.c.id == _ID)
_SERVICES: Final = select(services).order_by(services.c.name, services.c.id)
_SERVICES_OF: Final = _SERVICES.where(services.c.category_id == bindparam("category_id"))

_INSERT_TECHNICIAN: Final = insert_or_nothing(technicians)
_TECHNICIAN: Final = select(technicians).where(technicians.c.id == _ID)
#: The JSON columns of ``technicians``, read as text where technicians are parsed through
#: the ReadCache.
TECHNICIAN_JSON: Final = frozenset({"weekly_hours", "service_ids", "profile"})


def _technicians_as_text(postgres: bool) -> Select[Any]:
    # JSON columns as their text: the storage's ReadCache remembers technicians by it.
    columns = [
        json_as_text(c, postgres).label(c.key) if c.key in TECHNICIAN_JSON else c
        for c in technicians.c
    ]
    return select(*columns).order_by(technicians.c.name, technicians.c.id)


_TECHNICIANS: Final = PerDialect(
    sqlite=_technicians_as_text(postgres=False), postgres=_technicians_as_text(postgres=True)
)
_SAVE_SERVICE: Final = update_columns(
    services, services.c.id == bindparam("service_id"), keep=["id"]
)
_SAVE_TECHNICIAN: Final = update_columns(
    technicians, technicians.c.id == bindparam("technician_id"), keep=["id"]
)


class SqlAlchemyCategoryRepository(Repository):
    """Categories in ``categories``."""

    entity = "category"

    def add(self, category: Category) -> None:
        """Store a new category. Raises DuplicateEntity if the id exists."""
        self._insert_new(_INSERT_CATEGORY, mapping.category_to_row(category), category.id)

    def get(self, category_id: CategoryId) -> Category:
        """The category. Raises NotFound (code ``category_not_found``)."""
        return mapping.category_to_domain(self._one(_CATEGORY, {"by_id": category_id}, category_id))

    def list(self) -> list[Category]:
        """All categories, ordered by name then id."""
        return [mapping.category_to_domain(row) for row in self._conn.execute(_CATEGORIES)]


class SqlAlchemyServiceRepository(Repository):
    """Catalog services in ``services``."""

    entity = "service"

    def add(self, service: Service) -> None:
        """Store a new service. Raises DuplicateEntity if the id exists."""
        self._insert_new(_INSERT_SERVICE, mapping.service_to_row(service), service.id)

    def get(self, service_id: ServiceId) -> Service:
        """The service. Raises NotFound (code ``service_not_found``)."""
        return mapping.service_to_domain(self._one(_SERVICE, {"by_id": service_id}, service_id))

    def list(self, category_id: CategoryId | None = None) -> list[Service]:
        """Services (of one category if given), ordered by name then id."""
        if category_id is None:
            rows = self._conn.execute(_SERVICES)
        else:
            rows = self._conn.execute(_SERVICES_OF, {"category_id": category_id})
        return [mapping.service_to_domain(row) for row in rows]

    def save(self, service: Service) -> None:
        """Replace the stored service with the same id (last writer wins).

        Raises:
            NotFound: (code ``service_not_found``) if no service has the id.
        """
        params = new_values(mapping.service_to_row(service), service_id=service.id)
        self._update_one(_SAVE_SERVICE, params, service.id)


class SqlAlchemyTechnicianRepository(Repository):
    """Technicians in ``technicians``."""

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

    def add(self, technician: Technician) -> None:
        """Store a new technician. Raises DuplicateEntity if the id exists."""
        self._insert_new(_INSERT_TECHNICIAN, mapping.technician_to_row(technician), technician.id)

    def get(self, technician_id: TechnicianId) -> Technician:
        """The technician. Raises NotFound (code ``technician_not_found``)."""
        return mapping.technician_to_domain(
            self._one(_TECHNICIAN, {"by_id": technician_id}, technician_id)
        )

    def list(self) -> list[Technician]:
        """All technicians, ordered by name then id (each parsed once while unchanged:
        every "any technician" search lists them all)."""
        rows = self._conn.execute(_TECHNICIANS.on(self._postgres))
        cache = self._cache
        return [mapping.technician_from_text(row, cache) for row in rows]

    def save(self, technician: Technician) -> None:
        """Replace the stored technician with the same id (last writer wins).

        Raises:
            NotFound: (code ``technician_not_found``) if no technician has the id.
        """
        values = mapping.technician_to_row(technician)
        params = new_values(values, technician_id=technician.id)
        self._update_one(_SAVE_TECHNICIAN, params, technician.id)
