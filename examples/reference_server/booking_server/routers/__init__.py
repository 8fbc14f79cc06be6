"""One router per area; :data:`ROUTERS` is what :func:`booking_server.app.create_app` mounts.

A new area is one module here with a ``router`` and one line in :data:`ROUTERS`.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter

from booking_server.routers import (
    audit,
    auth,
    availability,
    calendars,
    cancellation,
    catalog,
    changes,
    complaints,
    contacts,
    customers,
    dead_letters,
    dispatch,
    earnings,
    loyalty,
    money,
    notifications,
    onboarding,
    orders,
    packages,
    payments,
    referrals,
    reviews,
    rewards,
    schedules,
    statements,
    stores,
    technicians,
    tracking,
    transitions,
)

__all__ = ["ROUTERS"]

ROUTERS: Final[tuple[APIRouter, ...]] = (
    auth.router,
    catalog.router,
    packages.router,
    technicians.router,
    schedules.router,
    calendars.router,
    onboarding.router,
    customers.router,
    stores.router,
    orders.router,
    reviews.router,
    availability.router,
    # The order's life after placing, one router per topic. Order matters: the by-number
    # lookup comes first, or GET /orders/{order_id}/money would catch /orders/by-number/money.
    transitions.router,
    cancellation.router,
    payments.router,
    changes.router,
    tracking.router,
    contacts.router,
    complaints.router,
    money.router,
    statements.router,
    audit.router,
    notifications.router,
    dead_letters.router,
    dispatch.router,
    earnings.router,
    loyalty.router,
    rewards.router,
    referrals.router,
)
