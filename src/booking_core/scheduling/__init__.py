"""Scheduling: technicians, their working hours, bookings and availability."""

from booking_core.scheduling.booking import Booking
from booking_core.scheduling.technician import Technician
from booking_core.scheduling.weekly_hours import WeeklyHours

__all__ = ["Booking", "Technician", "WeeklyHours"]
