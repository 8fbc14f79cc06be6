"""Request-scoped access to the BookingApp that :func:`booking_server.app.create_app` got."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from booking_core.bootstrap import BookingApp

__all__ = ["Booking", "get_booking_app"]


async def get_booking_app(request: Request) -> BookingApp:
    """The BookingApp injected into this server (kept on ``app.state``, never a global)."""
    # ``async`` though it awaits nothing: a plain ``def`` dependency costs a thread-pool
    # round trip per request.
    booking_app = request.app.state.booking_app
    if not isinstance(booking_app, BookingApp):  # pragma: no cover - a wiring mistake
        raise TypeError("create_app() stores a BookingApp on app.state.booking_app")
    return booking_app


Booking = Annotated[BookingApp, Depends(get_booking_app)]
