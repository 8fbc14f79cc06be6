"""Who is acting: the reference server's stand-in for authentication.

**This is not authentication.** The reference server believes two request headers:

* ``X-Actor-Id`` — the id of the acting customer, technician, store or platform admin;
* ``X-Actor-Role`` — one of ``customer``, ``technician``, ``store``, ``platform``.

That keeps the examples and the demo short, and lets anyone act as anyone. A real
deployment replaces :func:`current_actor` with its own dependency that verifies a session
or a token (OAuth2/OIDC, a WeChat mini-program login …) and derives the id and role from
it; accounts and roles come in a later issue. Nothing else in the server changes: every
endpoint asks for an :class:`~booking_core.orders.Actor` through :data:`CurrentActor`.

Establishing who is calling is all this module does: what that actor may do — its role,
whether the order, hold or complaint is its own — is checked by the core services, so an
application calling them directly gets the same protection (DESIGN: "who may do what is
the core's; who someone is, is the edge's").

A missing or malformed header is a 401 problem (code ``unauthenticated``). The ``system``
role belongs to jobs and payment callbacks and is never accepted from a request.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader

from booking_core.orders import Actor, Role
from booking_core.staff import StaffRole
from booking_server.problems import Unauthenticated

__all__ = ["HTTP_ROLES", "CurrentActor", "current_actor"]

#: The roles a request may claim.
HTTP_ROLES: Final = (Role.CUSTOMER, Role.TECHNICIAN, Role.STORE, Role.PLATFORM)

_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")

_actor_id = APIKeyHeader(
    name="X-Actor-Id",
    scheme_name="ActorId",
    description="Id of the acting person (reference server only; not authentication).",
    auto_error=False,
)
_actor_role = APIKeyHeader(
    name="X-Actor-Role",
    scheme_name="ActorRole",
    description="Role of the acting person: customer, technician, store or platform.",
    auto_error=False,
)
_actor_staff = APIKeyHeader(
    name="X-Actor-Staff",
    scheme_name="ActorStaff",
    description="Staff sub-role of a platform actor (reference server only; not authentication).",
    auto_error=False,
)


async def current_actor(
    actor_id: Annotated[str | None, Security(_actor_id)],
    actor_role: Annotated[str | None, Security(_actor_role)],
    actor_staff: Annotated[str | None, Security(_actor_staff)],
) -> Actor:
    """The actor named by the ``X-Actor-Id`` and ``X-Actor-Role`` headers.

    Raises:
        Unauthenticated: a header is missing, the id is malformed or the role unknown.
    """
    # ``async`` though it awaits nothing: it only reads headers, and a plain ``def``
    # dependency costs a thread-pool round trip per request.
    if not actor_id or not actor_role:
        raise Unauthenticated(
            "Say who is acting with the X-Actor-Id and X-Actor-Role headers "
            "(role: customer, technician, store or platform)."
        )
    if not _ID.match(actor_id):
        raise Unauthenticated(
            "X-Actor-Id must be 1–128 letters, digits or '_.:@-', starting with a letter or digit."
        )
    role = next((r for r in HTTP_ROLES if r.value == actor_role.strip().lower()), None)
    if role is None:
        raise Unauthenticated(
            f"X-Actor-Role {actor_role!r} is not one of {', '.join(r.value for r in HTTP_ROLES)}."
        )
    if actor_staff is None or role is not Role.PLATFORM:
        return Actor(actor_id, role)
    staff = next((s for s in StaffRole if s.value == actor_staff.strip().lower()), None)
    if staff is None:
        raise Unauthenticated(
            f"X-Actor-Staff {actor_staff!r} is not one of {', '.join(s.value for s in StaffRole)}."
        )
    return Actor(actor_id, role, staff=staff)


CurrentActor = Annotated[Actor, Depends(current_actor)]
