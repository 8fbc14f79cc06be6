"""Request-scoped access to what :func:`booking_server.app.create_app` got: the BookingApp
and the renderer of notifications' texts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from booking_core.bootstrap import BookingApp
from booking_core_notifications import Renderer

__all__ = ["Booking", "Texts", "get_booking_app", "get_renderer"]


async def get_booking_app(request: Request) -> BookingApp:
    """The BookingApp injected into this server (kept on ``app.state``, never a global)."""
    # ``async`` though it awaits nothing: a plain ``def`` dependency costs a thread-pool
    # round trip per request.
    booking_app = request.app.state.booking_app
    if not isinstance(booking_app, BookingApp):  # pragma: no cover - a wiring mistake
        raise TypeError("create_app() stores a BookingApp on app.state.booking_app")
    return booking_app


Booking = Annotated[BookingApp, Depends(get_booking_app)]


async def get_renderer(request: Request) -> Renderer:
    """The renderer of notifications' texts (kept on ``app.state``, made once)."""
    renderer = request.app.state.renderer
    if not isinstance(renderer, Renderer):  # pragma: no cover - a wiring mistake
        raise TypeError("create_app() stores a Renderer on app.state.renderer")
    return renderer


Texts = Annotated[Renderer, Depends(get_renderer)]
