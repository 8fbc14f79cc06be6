"""The one helper that gives a client the credentials of an actor.

The demo session, the docs examples, the schemathesis run and the tests all get the headers
that make a request act as someone from :func:`headers_for`, so that how the server
authenticates can change in one place.
"""

from __future__ import annotations

from fastapi import FastAPI

from booking_core.orders import Actor

__all__ = ["headers_for"]


def headers_for(app: FastAPI, actor: Actor) -> dict[str, str]:
    """Request headers that make a request to ``app`` act as ``actor``."""
    # Stand-in until token authentication lands: the actor headers.
    headers = {"X-Actor-Id": actor.id, "X-Actor-Role": actor.role.value}
    if actor.staff is not None:
        headers["X-Actor-Staff"] = actor.staff.value
    return headers
