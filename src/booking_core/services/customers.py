"""Customer use cases: registration, profile, address book, favourites, membership tier.

A customer manages his own record; the platform reads any record and alone sets the tier
(the loyalty rules will set it later). Checkout and quotes read a customer's *standing*
(tier, new or not, unpaid orders) from storage, never from the caller
(:meth:`~booking_core.ports.storage.CustomerRepository.standing`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from booking_core.customers import Address, Customer, CustomerDetails, CustomerStanding
from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling.geo import GeoPoint
from booking_core.services._access import require_customer, require_permission, require_role
from booking_core.services.steps.audit import AuditTrail
from booking_core.staff import Permission

__all__ = ["CustomerService", "NewAddress"]


@attrs.frozen
class NewAddress:
    """An address to add to a customer's book (its id is minted by the service)."""

    label: str
    city: str
    district: str
    detail: str
    point: GeoPoint
    province: str = ""
    contact_name: str | None = None
    contact_phone: str | None = None


def _may_read(actor: Actor, customer_id: CustomerId) -> None:
    if actor.role is Role.PLATFORM:
        return
    require_customer(actor, customer_id, "reads his customer record")


def _tier(value: str | None) -> str | None:
    if value is not None and (not value.strip() or len(value) > 40):
        raise InvalidInput(
            f"A tier is a name of 1 to 40 characters (or none); got {value!r}.",
            details={"field": "tier"},
        )
    return value


class CustomerService:
    """Registers customers and keeps their records."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdSource, *, audit: AuditTrail
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._audit = audit

    def register(self, details: CustomerDetails, actor: Actor) -> Customer:
        """Register the acting customer (his id is the account layer's).

        Raises:
            PermissionDenied: the actor is not a customer.
            DuplicateEntity: (``customer_exists``) he is registered already.
        """
        require_role(actor, Role.CUSTOMER, "registers himself")
        customer = Customer(CustomerId(actor.id), details, self._clock.now())
        with self._uow() as uow:
            stored = uow.customers.add(customer)
            uow.commit()
        return stored

    def get(self, customer_id: CustomerId, actor: Actor) -> Customer:
        """His record: for himself and the platform.

        Raises:
            PermissionDenied: anyone else.
            NotFound: (``customer_not_found``) he is not registered.
        """
        _may_read(actor, customer_id)
        with self._uow() as uow:
            return uow.customers.get(customer_id)

    def standing(self, customer_id: CustomerId, actor: Actor) -> CustomerStanding:
        """What his prices depend on now (tier, new or not) and his unpaid orders."""
        _may_read(actor, customer_id)
        with self._uow() as uow:
            return uow.customers.standing(customer_id)

    def update_details(
        self, customer_id: CustomerId, details: CustomerDetails, actor: Actor
    ) -> Customer:
        """Replace what he says about himself (himself only)."""
        require_customer(actor, customer_id, "edits his profile")
        return self._change(customer_id, lambda c: attrs.evolve(c, details=details))

    def add_address(
        self, customer_id: CustomerId, address: NewAddress, actor: Actor, *, default: bool = False
    ) -> Customer:
        """Add an address to his book (the first one, or one marked ``default``, becomes the
        default).

        Raises:
            InvalidInput: a field breaks its rule, or the book is full.
        """
        require_customer(actor, customer_id, "edits his address book")
        saved = Address(self._ids.new_id("addr"), **attrs.asdict(address, recurse=False))
        return self._change(customer_id, lambda c: c.with_address(saved, default=default))

    def remove_address(self, customer_id: CustomerId, address_id: str, actor: Actor) -> Customer:
        """Remove an address (the default passes to the first one left). Raises NotFound."""
        require_customer(actor, customer_id, "edits his address book")
        return self._change(customer_id, lambda c: c.without_address(address_id))

    def set_default_address(
        self, customer_id: CustomerId, address_id: str, actor: Actor
    ) -> Customer:
        """Make ``address_id`` his default. Raises NotFound."""
        require_customer(actor, customer_id, "edits his address book")
        return self._change(customer_id, lambda c: c.with_default_address(address_id))

    def update_favourites(
        self,
        customer_id: CustomerId,
        actor: Actor,
        *,
        add_technicians: Iterable[TechnicianId] = (),
        remove_technicians: Iterable[TechnicianId] = (),
        add_services: Iterable[ServiceId] = (),
        remove_services: Iterable[ServiceId] = (),
    ) -> Customer:
        """Mark and unmark favourite technicians and services (existing ones only).

        Raises:
            NotFound: a technician or service to add does not exist.
        """
        require_customer(actor, customer_id, "edits his favourites")
        added_technicians, added_services = list(add_technicians), list(add_services)
        with self._uow() as uow:
            for technician_id in added_technicians:
                uow.technicians.get(technician_id)
            for service_id in added_services:
                uow.services.get(service_id)
            customer = uow.customers.get(customer_id).with_favourites(
                add_technicians=added_technicians,
                remove_technicians=remove_technicians,
                add_services=added_services,
                remove_services=remove_services,
            )
            stored = uow.customers.save(customer)
            uow.commit()
        return stored

    def set_tier(self, customer_id: CustomerId, tier: str | None, actor: Actor) -> Customer:
        """Set his membership tier (the platform only; None: not a member).

        Raises:
            PermissionDenied: the actor is not platform staff with the customers permission.
            InvalidInput: a blank or over-long tier name.
        """
        require_permission(actor, Permission.CUSTOMERS, "sets membership tiers")
        chosen = _tier(tier)
        with self._uow() as uow:
            before = uow.customers.get(customer_id)
            stored = uow.customers.save(attrs.evolve(before, tier=chosen))
            self._audit.record(
                uow, actor, "customer.set_tier", ("customer", customer_id),
                before={"tier": before.tier}, after={"tier": stored.tier},
            )  # fmt: skip
            uow.commit()
        return stored

    def _change(self, customer_id: CustomerId, change: Callable[[Customer], Customer]) -> Customer:
        with self._uow() as uow:
            stored = uow.customers.save(change(uow.customers.get(customer_id)))
            uow.commit()
        return stored
