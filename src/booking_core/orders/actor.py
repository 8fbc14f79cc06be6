"""Who acts on an order, and in which role."""

from __future__ import annotations

from enum import StrEnum

import attrs

from booking_core.staff.roles import Permission, StaffRole, permissions_of

__all__ = ["Actor", "Role"]


class Role(StrEnum):
    """The roles of the platform (FEATURES: roles)."""

    CUSTOMER = "customer"
    TECHNICIAN = "technician"
    STORE = "store"
    PLATFORM = "platform"
    SYSTEM = "system"


def _staff_only_on_platform(
    actor: Actor, _: attrs.Attribute[StaffRole | None], staff: StaffRole | None
) -> None:
    if staff is not None and actor.role is not Role.PLATFORM:
        raise ValueError(f"Only a platform actor has a staff role; {actor.id} is a {actor.role}.")


@attrs.frozen
class Actor:
    """An authenticated actor: an id within a role (``system`` for jobs and webhooks).

    A platform actor acts in a staff sub-role (:class:`StaffRole`); one built without it
    (``staff=None``) is a super admin, as every platform actor was before sub-roles.
    """

    id: str
    role: Role
    staff: StaffRole | None = attrs.field(
        default=None, kw_only=True, validator=_staff_only_on_platform
    )

    def may(self, permission: Permission) -> bool:
        """True when this actor is platform staff whose sub-role grants ``permission``."""
        if self.role is not Role.PLATFORM:
            return False
        return permission in permissions_of(self.staff or StaffRole.SUPER_ADMIN)

    @classmethod
    def customer(cls, customer_id: str) -> Actor:
        """The customer ``customer_id`` acting for himself."""
        return cls(customer_id, Role.CUSTOMER)

    @classmethod
    def platform(cls, name: str = "platform", staff: StaffRole | None = None) -> Actor:
        """A platform staff member acting in ``staff`` (a super admin when not given)."""
        return cls(name, Role.PLATFORM, staff=staff)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The platform itself acting automatically (a job, a payment callback)."""
        return cls(name, Role.SYSTEM)
