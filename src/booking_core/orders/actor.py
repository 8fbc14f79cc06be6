"""Who acts on an order, and in which role."""

from __future__ import annotations

from enum import StrEnum

import attrs

__all__ = ["Actor", "Role"]


class Role(StrEnum):
    """The roles of the platform (FEATURES: roles)."""

    CUSTOMER = "customer"
    TECHNICIAN = "technician"
    STORE = "store"
    PLATFORM = "platform"
    SYSTEM = "system"


@attrs.frozen
class Actor:
    """An authenticated actor: an id within a role (``system`` for jobs and webhooks)."""

    id: str
    role: Role

    @classmethod
    def customer(cls, customer_id: str) -> Actor:
        """The customer ``customer_id`` acting for himself."""
        return cls(customer_id, Role.CUSTOMER)

    @classmethod
    def platform(cls, name: str = "platform") -> Actor:
        """A platform operator (manages the catalog, technicians, promotions, the books)."""
        return cls(name, Role.PLATFORM)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The platform itself acting automatically (a job, a payment callback)."""
        return cls(name, Role.SYSTEM)
