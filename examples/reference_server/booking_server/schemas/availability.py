"""Free slots, checkout holds and rescheduling (FEATURES C4–C6, C9).

Times of one technician are shown in his zone; searches across technicians, holds and
bookings in UTC, each with the technician's zone and the local time beside
(docs/availability.md, "Time zones in answers").
"""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, Field

from booking_core.scheduling import Booking as BookingValue
from booking_core.timerange import TimeRange
from booking_server.paging import NextCursor
from booking_server.schemas.common import ID_PATTERN, InModel, Instant, OutModel, in_zone

__all__ = [
    "Address",
    "AnySlotOut",
    "AnySlotsOut",
    "BookingOut",
    "HoldIn",
    "RangeOut",
    "RescheduleIn",
    "SlotOut",
    "SlotsOut",
    "TechnicianOfferOut",
    "TechnicianSlotsOut",
]


class SlotOut(OutModel):
    """A half-open time range ``[start, end)``."""

    start: AwareDatetime
    end: AwareDatetime

    @classmethod
    def from_domain(cls, slot: TimeRange, time_zone: str) -> SlotOut:
        """From a domain TimeRange, shown in ``time_zone``."""
        return cls(start=in_zone(slot.start, time_zone), end=in_zone(slot.end, time_zone))


class SlotsOut(OutModel):
    """The free slots of a technician for a service on one of his local days."""

    technician_id: str
    service_id: str
    date: dt.date
    time_zone: str
    items: list[SlotOut]
    next_cursor: NextCursor = None


class RangeOut(OutModel):
    """A half-open time range ``[start, end)``."""

    start: AwareDatetime
    end: AwareDatetime

    @classmethod
    def of(cls, value: TimeRange, time_zone: str) -> RangeOut:
        """From a domain range, shown in ``time_zone``."""
        return cls(start=in_zone(value.start, time_zone), end=in_zone(value.end, time_zone))


class TechnicianSlotsOut(OutModel):
    """Free slots of one technician over his local days ``first_day``…``last_day``."""

    technician_id: str
    service_id: str
    first_day: dt.date
    last_day: dt.date
    time_zone: str
    items: list[RangeOut]
    next_cursor: NextCursor = None


class TechnicianOfferOut(OutModel):
    """A technician who can take a slot, at his price (minor units), and the slot in his
    zone (the time to show a person booking him)."""

    technician_id: str
    price_amount: int
    price_currency: str
    time_zone: str = Field(description="His IANA zone.")
    local_start: AwareDatetime = Field(description="The slot's start in his zone.")
    local_end: AwareDatetime = Field(description="The slot's end in his zone.")


class AnySlotOut(OutModel):
    """One start, and every technician who can take it."""

    start: AwareDatetime
    end: AwareDatetime
    technicians: list[TechnicianOfferOut]


class AnySlotsOut(OutModel):
    """Slots for a service across technicians; times in UTC."""

    service_id: str
    items: list[AnySlotOut]
    next_cursor: NextCursor = None


class Address(InModel):
    """Where an at-home service happens."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class HoldIn(InModel):
    """Hold an offered slot while paying."""

    technician_id: str = Field(pattern=ID_PATTERN)
    service_id: str = Field(pattern=ID_PATTERN)
    start: Instant = Field(examples=["2026-03-03T10:00:00+08:00"])
    address: Address | None = None


class BookingOut(OutModel):
    """A booking or hold: its service time, the whole blocked time, and a hold's expiry (in
    UTC); the service time again in the technician's zone, and the zone."""

    id: str
    technician_id: str
    order_id: str | None
    slot: RangeOut
    blocked: RangeOut
    hold_expires_at: AwareDatetime | None
    time_zone: str = Field(description="The technician's IANA zone.")
    local_start: AwareDatetime = Field(description="The service's start in his zone.")
    local_end: AwareDatetime = Field(description="The service's end in his zone.")

    @classmethod
    def of(cls, booking: BookingValue, time_zone: str) -> BookingOut:
        """From the domain booking (times in UTC), shown also in ``time_zone`` (his)."""
        return cls(
            id=booking.id,
            technician_id=booking.technician_id,
            order_id=booking.order_id,
            slot=RangeOut.of(booking.slot, "UTC"),
            blocked=RangeOut.of(booking.blocked, "UTC"),
            hold_expires_at=in_zone(booking.hold_expires_at, "UTC")
            if booking.hold_expires_at is not None
            else None,
            time_zone=time_zone,
            local_start=in_zone(booking.slot.start, time_zone),
            local_end=in_zone(booking.slot.end, time_zone),
        )


class RescheduleIn(InModel):
    """Move a booking to another offered start."""

    start: Instant = Field(examples=["2026-03-03T14:00:00+08:00"])
