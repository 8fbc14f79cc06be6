"""Slot search, checkout holds and rescheduling (FEATURES C4–C6, C9).

Every endpoint goes through the core's one availability engine: the slots listed here are
exactly the starts ``POST /orders``, ``POST /holds`` and the reschedule endpoint accept.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Final

import pendulum
from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from booking_core.errors import DateOutOfRange, InvalidInput, InvalidTimeRange, PermissionDenied
from booking_core.ids import BookingId, CustomerId, ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.scheduling import Booking as BookingValue
from booking_core.scheduling.geo import GeoPoint
from booking_core.scheduling.profile import Gender
from booking_core.services.availability import SlotSearch
from booking_core.services.holds import HoldSlot
from booking_core.services.rescheduling import RescheduleBooking
from booking_core.timerange import TimeRange
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import NextCursor, Page, by_start
from booking_server.problems import problem_responses
from booking_server.schemas import Day, Instant

__all__ = ["router"]

router = APIRouter(tags=["availability"], responses=problem_responses(422))

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
#: The most days one slot search covers (first_day…last_day inclusive).
MAX_SEARCH_DAYS: Final = 31
Latitude = Annotated[float | None, Query(ge=-90, le=90, description="Address latitude (WGS 84).")]
Longitude = Annotated[
    float | None, Query(ge=-180, le=180, description="Address longitude (WGS 84).")
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class RangeOut(_Out):
    """A half-open time range ``[start, end)``."""

    start: AwareDatetime
    end: AwareDatetime

    @classmethod
    def of(cls, value: TimeRange, time_zone: str) -> RangeOut:
        """From a domain range, shown in ``time_zone``."""
        return cls(start=value.start.in_timezone(time_zone), end=value.end.in_timezone(time_zone))


class TechnicianSlotsOut(_Out):
    """Free slots of one technician over his local days ``first_day``…``last_day``."""

    technician_id: str
    service_id: str
    first_day: dt.date
    last_day: dt.date
    time_zone: str
    items: list[RangeOut]
    next_cursor: NextCursor = None


class OfferOut(_Out):
    """A technician who can take a slot, at his price (minor units)."""

    technician_id: str
    price_amount: int
    price_currency: str


class AnySlotOut(_Out):
    """One start, and every technician who can take it."""

    start: AwareDatetime
    end: AwareDatetime
    technicians: list[OfferOut]


class AnySlotsOut(_Out):
    """Slots for a service across technicians; times in UTC."""

    service_id: str
    items: list[AnySlotOut]
    next_cursor: NextCursor = None


class Address(_In):
    """Where an at-home service happens."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class HoldIn(_In):
    """Hold an offered slot while paying."""

    technician_id: str = Field(pattern=_ID)
    service_id: str = Field(pattern=_ID)
    start: Instant = Field(examples=["2026-03-03T10:00:00+08:00"])
    address: Address | None = None


class BookingOut(_Out):
    """A booking or hold: its service time, the whole blocked time, and a hold's expiry."""

    id: str
    technician_id: str
    order_id: str | None
    slot: RangeOut
    blocked: RangeOut
    hold_expires_at: AwareDatetime | None

    @classmethod
    def of(cls, booking: BookingValue) -> BookingOut:
        """From the domain booking (times in UTC)."""
        return cls(
            id=booking.id,
            technician_id=booking.technician_id,
            order_id=booking.order_id,
            slot=RangeOut.of(booking.slot, "UTC"),
            blocked=RangeOut.of(booking.blocked, "UTC"),
            hold_expires_at=booking.hold_expires_at,
        )


class RescheduleIn(_In):
    """Move a booking to another offered start."""

    start: Instant = Field(examples=["2026-03-03T14:00:00+08:00"])


def _point(lat: float | None, lon: float | None) -> GeoPoint | None:
    if (lat is None) != (lon is None):
        raise InvalidInput("Give both lat and lon for an address, or neither.")
    return None if lat is None or lon is None else GeoPoint(lat, lon)


def _date(value: dt.date) -> pendulum.Date:
    return pendulum.Date(value.year, value.month, value.day)


def _days(first: dt.date, last: dt.date | None) -> tuple[pendulum.Date, pendulum.Date]:
    # Bounded so that one answer stays small (the pages then split it further).
    last = last or first
    if last < first:
        raise InvalidTimeRange(
            f"last_day {last} is before first_day {first}.",
            details={"first_day": first.isoformat(), "last_day": last.isoformat()},
        )
    if (last - first).days + 1 > MAX_SEARCH_DAYS:
        raise DateOutOfRange(
            f"A search covers at most {MAX_SEARCH_DAYS} days; {first}…{last} is "
            f"{(last - first).days + 1}. Search a shorter range.",
            details={"max_days": MAX_SEARCH_DAYS},
        )
    return _date(first), _date(last)


def _customer(actor: Actor) -> CustomerId:
    if actor.role is not Role.CUSTOMER:
        raise PermissionDenied("Only customers hold slots during checkout.")
    return CustomerId(actor.id)


@router.get(
    "/technicians/{technician_id}/free-slots",
    summary="Free slots of a technician over a date range",
    responses=problem_responses(404),
)
def technician_slots(
    technician_id: str,
    app: Booking,
    page: Page,
    service_id: Annotated[str, Query(pattern=_ID)],
    first_day: Annotated[Day, Query(description="His local day, YYYY-MM-DD.")],
    last_day: Annotated[
        Day | None, Query(description="Inclusive; default first_day; at most 31 days on.")
    ] = None,
    lat: Latitude = None,
    lon: Longitude = None,
) -> TechnicianSlotsOut:
    """Free slots in the technician's zone; with an address, only where he serves, with
    travel time from and to his other jobs counted."""
    first, last_date = _days(first_day, last_day)
    last = last_day or first_day
    technician = app.technicians.get(TechnicianId(technician_id))
    slots = app.availability.free_slots_between(
        technician.id, ServiceId(service_id), first, last_date, location=_point(lat, lon)
    )
    shown, next_cursor = page.of(slots, by_start)
    return TechnicianSlotsOut(
        technician_id=technician.id,
        service_id=service_id,
        first_day=first_day,
        last_day=last,
        time_zone=technician.time_zone,
        items=[RangeOut.of(s, technician.time_zone) for s in shown],
        next_cursor=next_cursor,
    )


@router.get(
    "/slots",
    summary="Free slots of any technician for a service",
    responses=problem_responses(404),
)
def any_technician_slots(
    app: Booking,
    page: Page,
    service_id: Annotated[str, Query(pattern=_ID)],
    first_day: Annotated[Day, Query(description="YYYY-MM-DD.")],
    last_day: Annotated[
        Day | None, Query(description="Inclusive; default first_day; at most 31 days on.")
    ] = None,
    lat: Latitude = None,
    lon: Longitude = None,
    max_distance_km: Annotated[float | None, Query(gt=0, le=1000)] = None,
    gender: Gender | None = None,
    skills: Annotated[list[str] | None, Query(max_length=20)] = None,
    min_rating: Annotated[float | None, Query(ge=0, le=5)] = None,
    min_price: Annotated[int | None, Query(ge=0, description="Minor units.")] = None,
    max_price: Annotated[int | None, Query(ge=0, description="Minor units.")] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "CNY",
    store_id: Annotated[str | None, Query(pattern=_ID)] = None,
) -> AnySlotsOut:
    """Each slot lists the technicians who can take it (filters: gender, skills, rating,
    price range, store, distance from the address within their service area)."""
    first, last = _days(first_day, last_day)
    found = app.availability.search(
        SlotSearch(
            service_id=ServiceId(service_id),
            first_day=first,
            last_day=last,
            location=_point(lat, lon),
            max_distance_km=max_distance_km,
            gender=gender,
            skills=frozenset(skills) if skills else frozenset(),
            # A number in the document (a string there could not say "a decimal"); the core
            # compares ratings as exact decimals.
            min_rating=None if min_rating is None else Decimal(str(min_rating)),
            min_price=Money(min_price, currency) if min_price is not None else None,
            max_price=Money(max_price, currency) if max_price is not None else None,
            store_id=StoreId(store_id) if store_id else None,
        )
    )
    shown, next_cursor = page.of(found, lambda s: by_start(s.slot))
    return AnySlotsOut(
        service_id=service_id,
        items=[
            AnySlotOut(
                start=s.slot.start,
                end=s.slot.end,
                technicians=[
                    OfferOut(
                        technician_id=o.technician_id,
                        price_amount=o.price.amount,
                        price_currency=o.price.currency,
                    )
                    for o in s.technicians
                ],
            )
            for s in shown
        ],
        next_cursor=next_cursor,
    )


@router.post(
    "/holds",
    status_code=status.HTTP_201_CREATED,
    summary="Hold a slot during checkout (customer)",
    responses=problem_responses(401, 403, 404, 409),
)
def hold_slot(body: HoldIn, app: Booking, actor: CurrentActor) -> BookingOut:
    """Keep an offered slot for a few minutes; others get ``slot_held`` meanwhile. Placing
    the order for the same start converts the hold."""
    address = body.address
    hold = app.holds.hold(
        HoldSlot(
            _customer(actor),
            TechnicianId(body.technician_id),
            ServiceId(body.service_id),
            pendulum.instance(body.start),
            GeoPoint(address.lat, address.lon) if address else None,
        )
    )
    return BookingOut.of(hold)


@router.delete(
    "/holds/{hold_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Release a hold (its customer)",
    responses=problem_responses(401, 403, 404),
)
def release_hold(hold_id: str, app: Booking, actor: CurrentActor) -> Response:
    """Give the held time back; releasing twice is fine."""
    app.holds.release(BookingId(hold_id), _customer(actor))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/bookings/{booking_id}/reschedule",
    summary="Move a booking to another offered start",
    responses=problem_responses(401, 403, 404, 409),
)
def reschedule(
    booking_id: str, body: RescheduleIn, app: Booking, actor: CurrentActor
) -> BookingOut:
    """Frees the old time and takes the new one in one transaction; its order follows."""
    moved = app.rescheduling.reschedule(
        RescheduleBooking(BookingId(booking_id), pendulum.instance(body.start), actor)
    )
    return BookingOut.of(moved)
