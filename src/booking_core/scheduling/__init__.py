"""Scheduling: technicians, their working hours, bookings and availability.

Also the values the scheduling services take: a technician's profile, date overrides,
time off, shifts and work status, where the slot grid counts from, and the points and areas
travel is measured between.
"""

from booking_core.scheduling.alignment import SlotAlignment
from booking_core.scheduling.area import PolygonArea
from booking_core.scheduling.booking import Booking
from booking_core.scheduling.busy_block import BusyBlock, ExternalBusy
from booking_core.scheduling.calendar_feed import CalendarFeed
from booking_core.scheduling.dispatch_settings import DispatchSettings
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkSchedule, WorkStatus
from booking_core.scheduling.technician import Technician
from booking_core.scheduling.weekly_hours import WeeklyHours

__all__ = [
    "Booking",
    "BusyBlock",
    "CalendarFeed",
    "DateOverride",
    "DispatchSettings",
    "ExternalBusy",
    "Gender",
    "GeoPoint",
    "PolygonArea",
    "ServiceArea",
    "Shift",
    "SlotAlignment",
    "Technician",
    "TechnicianProfile",
    "TimeOff",
    "WeeklyHours",
    "WorkSchedule",
    "WorkStatus",
]
