"""Storage of customers, and their standing at checkout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from booking_core.customers import Customer, CustomerStanding
from booking_core.ids import CustomerId, OrderId, TechnicianId

__all__ = ["CustomerRepository", "CustomerStore"]


class CustomerRepository(Protocol):
    """Registered customers, and what checkout reads about any customer."""

    def add(self, customer: Customer) -> Customer:
        """Store a new customer (version 0); return him at version 1.
        Raises DuplicateEntity (``customer_exists``)."""
        ...

    def get(self, customer_id: CustomerId) -> Customer:
        """The customer. Raises NotFound (``customer_not_found``)."""
        ...

    def save(self, customer: Customer) -> Customer:
        """Store ``customer`` if the stored version still equals ``customer.version``;
        return him with the version incremented.

        Raises:
            NotFound: no such customer.
            ConcurrentUpdate: someone saved him since he was read.
        """
        ...

    def standing(
        self,
        customer_id: CustomerId,
        *,
        technician_id: TechnicianId | None = None,
        excluding_order: OrderId | None = None,
    ) -> CustomerStanding:
        """His standing, in one round trip: his stored tier (none when he is not
        registered), whether an order of his other than ``excluding_order`` has had money
        captured, and how many of his open orders (``ACTIVE_STATES``: from awaiting payment
        to in service) have nothing captured yet (``paid`` none or zero), in all and with
        ``technician_id``. Take the customer's lock first when the count decides a
        placement (:class:`~booking_core.ports.storage.Locks`)."""
        ...

    def born_on(
        self,
        days: Sequence[tuple[int, int]],
        *,
        after: CustomerId | None = None,
        limit: int = 100,
    ) -> list[Customer]:
        """Customers whose birthday falls on one of ``days`` ((month, day) pairs, any
        year), ordered by id, at most ``limit`` with an id after ``after`` (the birthday
        gift job pages with the last id seen)."""
        ...


class CustomerStore(Protocol):
    """The customers part of a unit of work."""

    @property
    def customers(self) -> CustomerRepository: ...
