"""One router per area; :data:`ROUTERS` is what :func:`booking_server.app.create_app` mounts.

A new area is one module here with a ``router`` and one line in :data:`ROUTERS`.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter

from booking_server.routers import (
    availability,
    catalog,
    lifecycle,
    money,
    orders,
    reviews,
    technicians,
)

__all__ = ["ROUTERS"]

ROUTERS: Final[tuple[APIRouter, ...]] = (
    catalog.router,
    technicians.router,
    orders.router,
    reviews.router,
    availability.router,
    lifecycle.router,
    money.router,
)
