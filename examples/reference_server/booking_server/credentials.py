"""The one helper that gives a client the credentials of an actor.

The demo session, the docs examples, the schemathesis run and the tests all get the headers
that make a request act as someone from :func:`headers_for`, so that how the server
authenticates can change in one place.
"""

from __future__ import annotations

from fastapi import FastAPI

from booking_core.orders import Actor
from booking_server.auth import AccountService

__all__ = ["headers_for"]


def headers_for(app: FastAPI, actor: Actor) -> dict[str, str]:
    """``Authorization: Bearer <access token>`` of a new session of ``actor`` in ``app``.

    The actor's account is created in ``app``'s storage if it has none (no password: this
    is for tests, docs and the demo, which hold the app object — no HTTP door does this).
    The token is real: the server verifies it like any other, and it lives ten years of
    the app's clock, so a test that moves a frozen clock keeps acting.
    """
    accounts = app.state.accounts
    if not isinstance(accounts, AccountService):  # pragma: no cover - a wiring mistake
        raise TypeError("headers_for needs an app made by booking_server.create_app")
    tokens = accounts.session_for(actor)
    return {"Authorization": f"Bearer {tokens.access_token}"}
