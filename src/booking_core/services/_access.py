"""Role checks shared by the money services (INVARIANTS I25)."""

from __future__ import annotations

from booking_core.errors import PermissionDenied
from booking_core.orders.actor import Actor, Role


def require_role(actor: Actor, role: Role, doing: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` acts in ``role``."""
    if actor.role is not role:
        raise PermissionDenied(
            f"Only the {role.value} {doing}; you act as a {actor.role.value}.",
            details={"role": actor.role.value, "required_role": role.value},
        )
