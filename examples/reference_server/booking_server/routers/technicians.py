"""Technicians, their profiles and their free slots (FEATURES C5, C6, T2, T4)."""

from __future__ import annotations

from typing import Annotated

import pendulum
from fastapi import APIRouter, Query, status

from booking_core.ids import ServiceId, TechnicianId
from booking_core.scheduling import Technician
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, by_start
from booking_server.problems import problem_responses
from booking_server.schemas import (
    Day,
    ProfileIn,
    SlotOut,
    SlotsOut,
    TechnicianIn,
    TechnicianList,
    TechnicianOut,
)

__all__ = ["router"]

router = APIRouter(tags=["technicians"], responses=problem_responses(422))


@router.post(
    "/technicians",
    status_code=status.HTTP_201_CREATED,
    summary="Register a technician (platform)",
    responses=problem_responses(401, 403, 404),
)
def register_technician(body: TechnicianIn, app: Booking, actor: CurrentActor) -> TechnicianOut:
    """Register a technician with weekly hours (local wall-clock) in his IANA time zone and,
    optionally, his profile (gender, skills, own prices, store, service area, rating)."""
    return TechnicianOut.from_domain(app.technicians.register(body.to_command(), actor))


@router.get("/technicians", summary="List technicians")
def list_technicians(app: Booking, page: Page) -> TechnicianList:
    """Every technician, by name then id, a page at a time (public)."""
    shown, next_cursor = page.of(app.technicians.list(), _by_name)
    return TechnicianList(
        items=[TechnicianOut.from_domain(t) for t in shown], next_cursor=next_cursor
    )


def _by_name(technician: Technician) -> SortKey:
    return (technician.name, technician.id)


@router.get(
    "/technicians/{technician_id}",
    summary="Get a technician",
    responses=problem_responses(404),
)
def get_technician(technician_id: str, app: Booking) -> TechnicianOut:
    """One technician, with his profile and rating (public)."""
    return TechnicianOut.from_domain(app.technicians.get(TechnicianId(technician_id)))


@router.put(
    "/technicians/{technician_id}/profile",
    summary="Replace a technician's profile (he, his store or the platform)",
    responses=problem_responses(401, 403, 404),
)
def update_profile(
    technician_id: str, body: ProfileIn, app: Booking, actor: CurrentActor
) -> TechnicianOut:
    """Gender, skills, own prices, service area (FEATURES T2); the whole profile is replaced.

    The technician himself, the store named in his profile, or the platform; anyone else
    gets 403. Only the platform sets ``rating`` and ``store_id``: for the others the stored
    rating is kept and a different store is refused (403).
    """
    changed = app.technicians.update_profile(TechnicianId(technician_id), body.to_domain(), actor)
    return TechnicianOut.from_domain(changed)


@router.get(
    "/technicians/{technician_id}/slots",
    summary="Free slots of a technician on a day",
    responses=problem_responses(404),
)
def free_slots(
    technician_id: str,
    app: Booking,
    service_id: Annotated[str, Query(max_length=128, description="The service to book.")],
    date: Annotated[
        Day, Query(description="The technician's local day, YYYY-MM-DD (years 2000–2100).")
    ],
    page: Page,
) -> SlotsOut:
    """The starts a customer can book, computed by the same rules that accept a booking.

    Times are in the technician's zone; past the notice and inside the booking window only;
    by start, a page at a time.
    """
    technician = app.technicians.get(TechnicianId(technician_id))
    day = pendulum.Date(date.year, date.month, date.day)
    slots = app.availability.free_slots(technician.id, ServiceId(service_id), day)
    shown, next_cursor = page.of(slots, by_start)
    return SlotsOut(
        technician_id=technician.id,
        service_id=service_id,
        date=date,
        time_zone=technician.time_zone,
        items=[SlotOut.from_domain(s, technician.time_zone) for s in shown],
        next_cursor=next_cursor,
    )
