"""Slot search, checkout holds and rescheduling (FEATURES C4–C6, C9).

Every endpoint goes through the core's one availability engine: the slots listed here are
exactly the starts ``POST /orders``, ``POST /holds`` and the reschedule endpoint accept.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Final

import pendulum
from fastapi import APIRouter, Depends, Query, Request, Response, Security, status

from booking_core.errors import DateOutOfRange, InvalidInput, InvalidTimeRange
from booking_core.ids import BookingId, CustomerId, ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Role
from booking_core.scheduling.geo import GeoPoint
from booking_core.scheduling.profile import Gender
from booking_core.services.availability import SlotSearch
from booking_core.services.holds import HoldSlot
from booking_core.services.rescheduling import RescheduleBooking
from booking_core.timerange import TimeRange
from booking_server.actors import CurrentActor, current_actor
from booking_server.auth.current import BEARER, Accounts
from booking_server.dependencies import Booking
from booking_server.paging import Page, by_start
from booking_server.problems import problem_responses
from booking_server.schemas import (
    ID_PATTERN,
    AnySlotOut,
    AnySlotsOut,
    BookingOut,
    Day,
    HoldIn,
    Instant,
    RangeOut,
    RescheduleIn,
    TechnicianOfferOut,
    TechnicianSlotsOut,
    in_zone,
)

__all__ = ["router"]

router = APIRouter(tags=["availability"], responses=problem_responses(422))


def _asking_customer(
    request: Request, accounts: Accounts, token: Annotated[str | None, Security(BEARER)]
) -> CustomerId | None:
    """The signed-in customer asking for slots (None: nobody signed in, or not a
    customer). Slot lists need no sign-in; a customer who sends his token sees the slots of
    his tier's booking window (docs/loyalty.md#privileges) and past his own holds."""
    stand_in = request.app.state.trust_actor_headers and "X-Actor-Id" in request.headers
    if not token and not stand_in:
        return None
    actor = current_actor(request, accounts, token)
    return CustomerId(actor.id) if actor.role is Role.CUSTOMER else None


AskingCustomer = Annotated[CustomerId | None, Depends(_asking_customer)]

#: The most days one slot search covers (first_day…last_day inclusive).
MAX_SEARCH_DAYS: Final = 31
Latitude = Annotated[float | None, Query(ge=-90, le=90, description="Address latitude (WGS 84).")]
Longitude = Annotated[
    float | None, Query(ge=-180, le=180, description="Address longitude (WGS 84).")
]


def _point(lat: float | None, lon: float | None) -> GeoPoint | None:
    if (lat is None) != (lon is None):
        raise InvalidInput("Give both lat and lon for an address, or neither.")
    return None if lat is None or lon is None else GeoPoint(lat, lon)


From = Annotated[
    Instant | None,
    Query(
        alias="from",
        description="Instead of first_day/last_day: slots starting at or after this instant "
        "(ISO 8601 with an offset), with `to`.",
    ),
]
To = Annotated[
    Instant | None,
    Query(
        alias="to",
        description="With `from`: slots starting before this instant (exclusive); at most 31 "
        "days after `from`.",
    ),
]


def _window(
    first_day: dt.date | None,
    last_day: dt.date | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> TimeRange | None:
    """The instants asked for (``from``/``to``), or None when the dates are; exactly one of
    the two, a window bounded like a date range."""
    if start is None and end is None:
        if first_day is None:
            raise InvalidInput(
                "Say what time to search: first_day (and last_day), or from and to.",
                details={"field": "first_day"},
            )
        return None
    if start is None or end is None:
        raise InvalidInput("Give both from and to, or neither.", details={"field": "from"})
    if first_day is not None or last_day is not None:
        raise InvalidInput(
            "Search either by days (first_day, last_day) or by instants (from, to), not both.",
            details={"field": "from"},
        )
    window = TimeRange(pendulum.instance(start), pendulum.instance(end))
    if window.duration.total_seconds() > MAX_SEARCH_DAYS * 86400:
        raise DateOutOfRange(
            f"A search covers at most {MAX_SEARCH_DAYS} days; {start.isoformat()}…"
            f"{end.isoformat()} is longer. Search a shorter range.",
            details={"max_days": MAX_SEARCH_DAYS},
        )
    return window


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


@router.get(
    "/technicians/{technician_id}/free-slots",
    summary="Free slots of a technician over a date range",
    responses=problem_responses(404),
)
def technician_slots(
    technician_id: str,
    app: Booking,
    page: Page,
    customer_id: AskingCustomer,
    service_id: Annotated[str, Query(pattern=ID_PATTERN)],
    first_day: Annotated[
        Day | None, Query(description="His local day, YYYY-MM-DD (or from and to).")
    ] = None,
    last_day: Annotated[
        Day | None, Query(description="Inclusive; default first_day; at most 31 days on.")
    ] = None,
    start: From = None,
    end: To = None,
    lat: Latitude = None,
    lon: Longitude = None,
) -> TechnicianSlotsOut:
    """Free slots in the technician's zone; with an address, only where he serves, with
    travel time from and to his other jobs counted. With ``from`` and ``to`` instead of
    days: the slots whose start lies in ``[from, to)``; ``first_day``/``last_day`` then
    say his local days from ``from`` to the last instant before ``to``."""
    window = _window(first_day, last_day, start, end)
    technician = app.technicians.get(TechnicianId(technician_id))
    tz = technician.time_zone
    if window is None:
        assert first_day is not None  # _window refuses neither days nor instants
        first, last_date = _days(first_day, last_day)
        slots = app.availability.free_slots_between(
            technician.id, ServiceId(service_id), first, last_date, location=_point(lat, lon),
            customer_id=customer_id,
        )  # fmt: skip
        shown_first, shown_last = first_day, last_day or first_day
    else:
        slots = app.availability.free_slots_in(
            technician.id, ServiceId(service_id), window, location=_point(lat, lon),
            customer_id=customer_id,
        )  # fmt: skip
        shown_first = window.start.in_timezone(tz).date()
        shown_last = window.end.subtract(microseconds=1).in_timezone(tz).date()
    shown, next_cursor = page.of(slots, by_start)
    return TechnicianSlotsOut(
        technician_id=technician.id,
        service_id=service_id,
        first_day=shown_first,
        last_day=shown_last,
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
    customer_id: AskingCustomer,
    service_id: Annotated[str, Query(pattern=ID_PATTERN)],
    first_day: Annotated[Day | None, Query(description="YYYY-MM-DD (or from and to).")] = None,
    last_day: Annotated[
        Day | None, Query(description="Inclusive; default first_day; at most 31 days on.")
    ] = None,
    start: From = None,
    end: To = None,
    lat: Latitude = None,
    lon: Longitude = None,
    max_distance_km: Annotated[float | None, Query(gt=0, le=1000)] = None,
    gender: Gender | None = None,
    skills: Annotated[list[str] | None, Query(max_length=20)] = None,
    min_rating: Annotated[float | None, Query(ge=0, le=5)] = None,
    min_price: Annotated[int | None, Query(ge=0, description="Minor units.")] = None,
    max_price: Annotated[int | None, Query(ge=0, description="Minor units.")] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "CNY",
    store_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> AnySlotsOut:
    """Each slot lists the technicians who can take it (filters: gender, skills, rating,
    price range, store, distance from the address within their service area). Times in
    UTC; each technician with his zone and the slot's local time there. With ``from`` and
    ``to`` instead of days: the slots whose start lies in ``[from, to)``."""
    window = _window(first_day, last_day, start, end)
    first: pendulum.Date | None = None
    last: pendulum.Date | None = None
    if window is None:
        assert first_day is not None  # _window refuses neither days nor instants
        first, last = _days(first_day, last_day)
    found = app.availability.search(
        SlotSearch(
            service_id=ServiceId(service_id),
            first_day=first,
            last_day=last,
            window=window,
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
            customer_id=customer_id,
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
                    TechnicianOfferOut(
                        technician_id=o.technician_id,
                        price_amount=o.price.amount,
                        price_currency=o.price.currency,
                        time_zone=o.time_zone,
                        local_start=in_zone(s.slot.start, o.time_zone),
                        local_end=in_zone(s.slot.end, o.time_zone),
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
            CustomerId(actor.id),
            TechnicianId(body.technician_id),
            ServiceId(body.service_id),
            pendulum.instance(body.start),
            GeoPoint(address.lat, address.lon) if address else None,
        ),
        actor,
    )
    return BookingOut.of(hold, app.technicians.get(hold.technician_id).time_zone)


@router.delete(
    "/holds/{hold_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Release a hold (its customer)",
    responses=problem_responses(401, 403, 404),
)
def release_hold(hold_id: str, app: Booking, actor: CurrentActor) -> Response:
    """Give the held time back; releasing twice is fine."""
    app.holds.release(BookingId(hold_id), actor)
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
    return BookingOut.of(moved, app.technicians.get(moved.technician_id).time_zone)
