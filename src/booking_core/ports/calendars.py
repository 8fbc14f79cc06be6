"""The outside-calendar port: reads a technician's own calendar as busy intervals.

``booking-core-sdk-ical`` (module ``booking_core_ical``) implements it over iCalendar
feeds; a test or an embedding app may implement it over anything that knows when a
technician is busy.
"""

from __future__ import annotations

from typing import Protocol

from booking_core.scheduling.busy_block import ExternalBusy
from booking_core.scheduling.calendar_feed import CalendarFeed
from booking_core.timerange import TimeRange

__all__ = ["CalendarSource"]


class CalendarSource(Protocol):
    """Fetches a registered feed and returns its busy time."""

    def fetch(self, feed: CalendarFeed, within: TimeRange, *, time_zone: str) -> list[ExternalBusy]:
        """The busy intervals of ``feed`` overlapping ``within``: every occurrence of its
        recurring events expanded, cancelled occurrences and free (transparent) events left
        out, all-day and floating events placed in ``feed.time_zone`` or else
        ``time_zone`` (the technician's). Each interval's uid is stable across fetches.

        Raises:
            CalendarUnavailable: the feed could not be read (network, HTTP status, size).
            InvalidCalendar: what it answered is not iCalendar.
        """
        ...
