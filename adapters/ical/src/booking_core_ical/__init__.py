"""iCalendar feeds for booking_core: :class:`IcalCalendarSource` reads a technician's own
calendar over HTTP(S) and :func:`busy_intervals` turns iCalendar text into busy time."""

from booking_core_ical.parse import busy_intervals
from booking_core_ical.source import IcalCalendarSource

__all__ = ["IcalCalendarSource", "busy_intervals"]
