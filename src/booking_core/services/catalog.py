"""Catalog use cases: categories and services (FEATURES C3, P4).

Anyone may read the catalog; only the platform changes it (INVARIANTS I25).
"""

from __future__ import annotations

import attrs

from booking_core.catalog import BookingRules, Category, Service
from booking_core.ids import CategoryId, ServiceId
from booking_core.money import Money
from booking_core.orders.actor import Actor
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling.availability import BookingPolicy
from booking_core.services._access import require_permission
from booking_core.services.steps.audit import AuditTrail
from booking_core.staff import Permission

__all__ = ["CatalogService", "CreateCategory", "CreateService"]


@attrs.frozen
class CreateCategory:
    """Create a catalog category."""

    name: str
    parent_id: CategoryId | None = None


@attrs.frozen
class CreateService:
    """Create a service in a category."""

    category_id: CategoryId
    name: str
    duration_minutes: int
    price: Money
    description: str = ""
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    rules: BookingRules | None = None
    technicians_needed: int = 1


class CatalogService:
    """Creates and reads categories and services."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        ids: IdSource,
        *,
        audit: AuditTrail,
        booking_policy: BookingPolicy | None = None,
    ) -> None:
        # ``booking_policy``: the platform's, which a service's own rules must combine with.
        self._uow = uow
        self._ids = ids
        self._audit = audit
        self._booking_policy = booking_policy or BookingPolicy()

    def create_category(self, command: CreateCategory, actor: Actor) -> Category:
        """Create a category.

        Raises:
            PermissionDenied: the actor is not platform staff with the catalog permission.
            NotFound: the parent does not exist.
        """
        require_permission(actor, Permission.CATALOG, "manages the catalog")
        category = Category(CategoryId(self._ids.new_id("cat")), command.name, command.parent_id)
        with self._uow() as uow:
            if command.parent_id is not None:
                uow.categories.get(command.parent_id)
            uow.categories.add(category)
            self._audit.record(
                uow, actor, "catalog.category.create", ("category", category.id), after=category
            )
            uow.commit()
        return category

    def create_service(self, command: CreateService, actor: Actor) -> Service:
        """Create a service.

        Raises:
            PermissionDenied: the actor is not platform staff with the catalog permission.
            NotFound: the category does not exist.
            InvalidSchedule: its booking rules with the platform's book nothing (a notice
                as long as the window).
        """
        require_permission(actor, Permission.CATALOG, "manages the catalog")
        self._booking_policy.with_rules(command.rules)  # refused now, not at the first query
        service = Service(
            id=ServiceId(self._ids.new_id("svc")),
            category_id=command.category_id,
            name=command.name,
            duration_minutes=command.duration_minutes,
            price=command.price,
            description=command.description,
            buffer_before_minutes=command.buffer_before_minutes,
            buffer_after_minutes=command.buffer_after_minutes,
            rules=command.rules,
            technicians_needed=command.technicians_needed,
        )
        with self._uow() as uow:
            uow.categories.get(command.category_id)
            uow.services.add(service)
            self._audit.record(
                uow, actor, "catalog.service.create", ("service", service.id), after=service
            )
            uow.commit()
        return service

    def set_rules(self, service_id: ServiceId, rules: BookingRules | None, actor: Actor) -> Service:
        """Give a service booking rules of its own (step, notice, window), or the
        platform's again (None). From the next question on, its slots, holds and bookings
        follow them; bookings already made keep their times.

        Raises:
            PermissionDenied: the actor is not platform staff with the catalog permission.
            NotFound: no such service.
            InvalidSchedule: the rules with the platform's book nothing; nothing changes.
        """
        require_permission(actor, Permission.CATALOG, "manages the catalog")
        self._booking_policy.with_rules(rules)  # refused before anything is read
        with self._uow() as uow:
            before = uow.services.get(service_id)
            after = attrs.evolve(before, rules=rules)
            uow.services.save(after)
            self._audit.record(
                uow, actor, "catalog.service.rules", ("service", service_id),
                before=before.rules, after=after.rules,
            )  # fmt: skip
            uow.commit()
        return after

    def get_service(self, service_id: ServiceId) -> Service:
        """One service. Raises NotFound."""
        with self._uow() as uow:
            return uow.services.get(service_id)

    def list_categories(self) -> list[Category]:
        """All categories."""
        with self._uow() as uow:
            return uow.categories.list()

    def list_services(self, category_id: CategoryId | None = None) -> list[Service]:
        """All services, or those of one category."""
        with self._uow() as uow:
            return uow.services.list(category_id)
