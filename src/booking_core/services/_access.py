"""Role and ownership checks shared by the services (INVARIANTS I25).

Every check of who may do what lives in the services, never in an entry point: an
application calling a service directly gets the same protection as the HTTP server.
"""

from __future__ import annotations

from booking_core.errors import PermissionDenied
from booking_core.ids import CustomerId
from booking_core.orders.actor import Actor, Role
from booking_core.staff import Permission


def require_role(actor: Actor, role: Role, doing: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` acts in ``role``."""
    if actor.role is not role:
        raise PermissionDenied(
            f"Only the {role.value} {doing}; you act as a {actor.role.value}.",
            details={"role": actor.role.value, "required_role": role.value},
        )


def require_customer(actor: Actor, customer_id: CustomerId, doing: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` is the customer ``customer_id``.

    For commands that name the customer they act for: a customer acts only for himself.
    """
    require_role(actor, Role.CUSTOMER, doing)
    if actor.id != customer_id:
        raise PermissionDenied(
            f"A customer {doing} only for himself; you act as {actor.id}, not {customer_id}.",
            details={"customer_id": customer_id},
        )


def require_permission(actor: Actor, permission: Permission, doing: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` is platform staff whose sub-role
    grants ``permission`` (:data:`~booking_core.staff.PERMISSIONS`)."""
    if actor.may(permission):
        return
    if actor.role is not Role.PLATFORM:
        require_role(actor, Role.PLATFORM, doing)
    staff = actor.staff.value if actor.staff else "super_admin"
    raise PermissionDenied(
        f"Only platform staff with the {permission.value} permission {doing}; you act as {staff}.",
        details={"staff_role": staff, "required_permission": permission.value},
    )


def check_staff(actor: Actor, permission: Permission, doing: str) -> None:
    """For a platform actor, :func:`require_permission`; any other role passes here (the
    rules of his own role, which follow, decide)."""
    if actor.role is Role.PLATFORM:
        require_permission(actor, permission, doing)
