"""Who is acting: the actor of a request's access token.

Every endpoint that needs an actor asks for an :class:`~booking_core.orders.Actor` through
:data:`CurrentActor`. The reference server finds it from the request's
``Authorization: Bearer <access token>``: the token's signature, expiry, issuer and
audience are verified with the server's secret, then its session must still be live in
storage and its account enabled (:mod:`booking_server.auth`). The actor is the account's:
its id, role and, for platform staff, sub-role.

Establishing who is calling is all this module does: what that actor may do — its role,
whether the order, hold or complaint is its own — is checked by the core services, so an
application calling them directly gets the same protection (DESIGN: "who may do what is
the core's; who someone is, is the edge's"). An embedding application with its own
identity provider overrides :func:`current_actor` (``app.dependency_overrides``) with a
dependency that builds the Actor from its own tokens (docs/accounts.md).

A missing, forged, expired or foreign token, an ended session or a disabled account is a
401 problem (code ``unauthenticated``, ``WWW-Authenticate: Bearer``). The ``system`` role
belongs to jobs and payment callbacks and no account has it.

**Test setting**: ``create_app(..., trust_actor_headers=True)`` also believes the old
stand-in headers ``X-Actor-Id``/``X-Actor-Role``/``X-Actor-Staff`` when a request sends
them, which lets anyone act as anyone. It is off by default and never read from the
environment; tests act through :func:`booking_server.credentials.headers_for` instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Final

from fastapi import Depends, Request, Security

from booking_core.orders import Actor, Role
from booking_core.staff import StaffRole
from booking_server.auth.current import BEARER, Accounts
from booking_server.problems import Unauthenticated

__all__ = ["HTTP_ROLES", "CurrentActor", "OptionalActor", "current_actor", "optional_actor"]

#: The roles a request may act in.
HTTP_ROLES: Final = (Role.CUSTOMER, Role.TECHNICIAN, Role.STORE, Role.PLATFORM)

_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")


def current_actor(
    request: Request, accounts: Accounts, token: Annotated[str | None, Security(BEARER)]
) -> Actor:
    """The actor of the request's access token.

    A plain ``def``: it reads the session from storage, so FastAPI runs it in the thread
    pool like the endpoints.

    Raises:
        Unauthenticated: no valid token of a live session of an enabled account.
    """
    if request.app.state.trust_actor_headers and "X-Actor-Id" in request.headers:
        return _stand_in(request.headers)
    if not token:
        raise Unauthenticated(
            "Sign in first: POST /auth/token (or /auth/code-login, /auth/wechat-login) and "
            "send the access token as 'Authorization: Bearer <token>'."
        )
    return accounts.authenticate(token).actor


def _stand_in(headers: Mapping[str, str]) -> Actor:
    # The test setting only (trust_actor_headers): the actor the headers name.
    actor_id = headers.get("X-Actor-Id", "")
    actor_role = headers.get("X-Actor-Role", "")
    actor_staff = headers.get("X-Actor-Staff")
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


def optional_actor(
    request: Request, accounts: Accounts, token: Annotated[str | None, Security(BEARER)]
) -> Actor | None:
    """The actor of the request's credentials, or None when it sends none (a public read
    whose answer depends on who asks, such as anonymous reviews).

    Raises:
        Unauthenticated: credentials were sent but are not valid.
    """
    if request.app.state.trust_actor_headers and "X-Actor-Id" in request.headers:
        return _stand_in(request.headers)
    if not token:
        return None
    return accounts.authenticate(token).actor


OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
