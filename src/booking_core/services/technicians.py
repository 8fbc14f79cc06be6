"""Technician use cases: registration, profile, weekly hours (FEATURES T2, T4).

Who may change a technician (INVARIANTS I25): the technician himself, the platform, or
the store named in his current profile. Three facts are the platform's alone: the rating
(earned from reviews, see :class:`~booking_core.services.reviews.ReviewService`), which
store employs him, and his verification (see
:class:`~booking_core.services.onboarding.OnboardingService`).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from booking_core.errors import CurrencyMismatch, NotFound, PermissionDenied
from booking_core.ids import ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.services._access import check_staff, require_permission
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.locator import TechnicianLocator
from booking_core.staff import Permission

__all__ = ["RegisterTechnician", "TechnicianService"]


@attrs.frozen
class RegisterTechnician:
    """Register a technician with weekly hours in his IANA zone, and his profile."""

    name: str
    time_zone: str
    weekly_hours: WeeklyHours
    service_ids: frozenset[ServiceId] = frozenset()
    profile: TechnicianProfile = attrs.field(factory=TechnicianProfile)


def _check_services(uow: UnitOfWork, service_ids: Iterable[ServiceId]) -> None:
    for service_id in sorted(service_ids):
        uow.services.get(service_id)


def _check_prices(uow: UnitOfWork, profile: TechnicianProfile) -> None:
    for service_id, price in profile.prices.items():
        catalog = uow.services.get(service_id).price
        if price.currency != catalog.currency:
            # The price filters compare amounts: a price in another currency cannot be ranked.
            raise CurrencyMismatch(
                f"The price for {service_id} is in {price.currency}; the service sells in "
                f"{catalog.currency}.",
                details={"field": "prices", "service_id": service_id},
            )


def _store_prices(uow: UnitOfWork, store_id: StoreId | None) -> dict[ServiceId, Money]:
    # A store id without a store record (an app keeping its stores elsewhere) has no prices.
    if store_id is None:
        return {}
    try:
        return uow.stores.get(store_id).prices
    except NotFound:
        return {}


def _may_edit(actor: Actor, technician: Technician) -> None:
    if actor.role is Role.PLATFORM:
        return
    if actor.role is Role.TECHNICIAN and actor.id == technician.id:
        return
    store_id = technician.profile.store_id
    if actor.role is Role.STORE and store_id is not None and actor.id == store_id:
        return
    raise PermissionDenied(
        f"A {actor.role.value} cannot change {technician.name}'s profile or hours; only he, "
        "his store or the platform can.",
        details={"technician_id": technician.id, "role": actor.role.value},
    )


class TechnicianService:
    """Registers, reads and edits technicians."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        ids: IdSource,
        *,
        audit: AuditTrail,
        locator: TechnicianLocator | None = None,
    ) -> None:
        self._uow = uow
        self._ids = ids
        self._audit = audit
        self._locator = locator  # told of changed records (dispatch's index)

    def register(self, command: RegisterTechnician, actor: Actor) -> Technician:
        """Register a technician (the platform only).

        Raises:
            PermissionDenied: the actor is not platform staff with the technicians permission.
            NotFound: an unknown service id (offered or priced).
            CurrencyMismatch: an own price is not in the service's currency.
        """
        require_permission(actor, Permission.TECHNICIANS, "registers technicians")
        technician = Technician(
            id=TechnicianId(self._ids.new_id("tec")),
            name=command.name,
            time_zone=command.time_zone,
            weekly_hours=command.weekly_hours,
            service_ids=command.service_ids,
            profile=command.profile,
        )
        with self._uow() as uow:
            _check_services(uow, command.service_ids)
            _check_prices(uow, command.profile)
            technician = attrs.evolve(
                technician,
                profile=attrs.evolve(
                    technician.profile, store_prices=_store_prices(uow, command.profile.store_id)
                ),
            )
            uow.technicians.add(technician)
            self._audit.record(
                uow, actor, "technician.register", ("technician", technician.id), after=technician
            )
            uow.commit()
        self._tell(technician)
        return technician

    def _tell(self, technician: Technician) -> None:
        if self._locator is not None:
            self._locator.profile_changed(technician)

    def get(self, technician_id: TechnicianId) -> Technician:
        """One technician. Raises NotFound."""
        with self._uow() as uow:
            return uow.technicians.get(technician_id)

    def list(self) -> list[Technician]:
        """All technicians."""
        with self._uow() as uow:
            return uow.technicians.list()

    def update_profile(
        self, technician_id: TechnicianId, profile: TechnicianProfile, actor: Actor
    ) -> Technician:
        """Replace the technician's profile (FEATURES T2): gender, skills, own prices,
        service area — and, for the platform only, his rating, store and verification.

        The technician himself and his store cannot set the rating: their ``profile.rating``
        is ignored and the stored rating kept (it is earned from reviews; a platform-set
        rating lasts until the next review recomputes it). Likewise their
        ``profile.verification`` is ignored and the stored one kept (it comes from the
        platform's review, ``OnboardingService``). Neither can they move him to another
        store.

        Raises:
            NotFound: unknown technician or a priced service that does not exist.
            PermissionDenied: the actor is not the technician, the store named in his
                current profile, or platform staff with the technicians permission; or a
                non-platform actor changes his store.
            CurrencyMismatch: an own price is not in the service's currency.
        """
        check_staff(actor, Permission.TECHNICIANS, "edits technicians' profiles")
        with self._uow() as uow:
            # Edits, rating updates and reservations of one technician queue here, so a
            # review's new rating and this edit never overwrite each other.
            uow.locks.take(LockKey.technician(technician_id))
            technician = uow.technicians.get(technician_id)
            _may_edit(actor, technician)
            if actor.role is not Role.PLATFORM:
                if profile.store_id != technician.profile.store_id:
                    raise PermissionDenied(
                        f"Only the platform moves {technician.name} to another store.",
                        details={"technician_id": technician.id, "field": "store_id"},
                    )
                profile = attrs.evolve(
                    profile,
                    rating=technician.profile.rating,
                    verification=technician.profile.verification,
                )
            _check_prices(uow, profile)
            # His copy of the store's prices is StoreService's to keep: the stored one
            # stays, unless the platform moved him, when it is his new store's.
            store_prices = (
                technician.profile.store_prices
                if profile.store_id == technician.profile.store_id
                else _store_prices(uow, profile.store_id)
            )
            profile = attrs.evolve(profile, store_prices=store_prices)
            changed = attrs.evolve(technician, profile=profile)
            uow.technicians.save(changed)
            self._audit.record(
                uow, actor, "technician.update_profile", ("technician", technician_id),
                before=technician.profile, after=changed.profile,
            )  # fmt: skip
            uow.commit()
        self._tell(changed)
        return changed

    def update_hours(
        self,
        technician_id: TechnicianId,
        weekly_hours: WeeklyHours,
        service_ids: frozenset[ServiceId],
        actor: Actor,
    ) -> Technician:
        """Replace the technician's weekly hours and the services he performs (FEATURES T4).

        Existing bookings stay as they are (cancel or move them explicitly); new ones follow
        the new hours at once. Day-by-day changes go through ``ScheduleService`` instead.

        Raises:
            NotFound: unknown technician or service id.
            PermissionDenied: the actor is not the technician, his store or platform staff
                with the technicians permission.
        """
        check_staff(actor, Permission.TECHNICIANS, "edits technicians' hours")
        with self._uow() as uow:
            # Queued behind his reservations in flight, like every change to him.
            uow.locks.take(LockKey.technician(technician_id))
            technician = uow.technicians.get(technician_id)
            _may_edit(actor, technician)
            _check_services(uow, service_ids)
            changed = attrs.evolve(
                technician, weekly_hours=weekly_hours, service_ids=frozenset(service_ids)
            )
            uow.technicians.save(changed)
            self._audit.record(
                uow, actor, "technician.update_hours", ("technician", technician_id),
                before=technician, after=changed,
            )  # fmt: skip
            uow.commit()
        self._tell(changed)
        return changed
