"""A calendar source for tests and demos: busy time set by hand, per feed URL."""

from __future__ import annotations

from booking_core.errors import CalendarUnavailable
from booking_core.scheduling.busy_block import ExternalBusy
from booking_core.scheduling.calendar_feed import CalendarFeed
from booking_core.timerange import TimeRange

__all__ = ["ScriptedCalendarSource"]


class ScriptedCalendarSource:
    """A :class:`~booking_core.ports.calendars.CalendarSource` answering each feed URL with
    the busy intervals set for it (``busy[url]``; none for an unknown URL), or failing with
    ``CalendarUnavailable`` for the URLs in ``down``. Records what it was asked."""

    def __init__(self) -> None:
        self.busy: dict[str, list[ExternalBusy]] = {}
        self.down: set[str] = set()
        self.asked: list[tuple[str, TimeRange, str]] = []

    def fetch(self, feed: CalendarFeed, within: TimeRange, *, time_zone: str) -> list[ExternalBusy]:
        """The intervals set for ``feed.url`` that overlap ``within``."""
        self.asked.append((feed.url, within, time_zone))
        if feed.url in self.down:
            raise CalendarUnavailable(
                f"{feed.url} did not answer (scripted).", details={"feed_id": feed.id}
            )
        return [b for b in self.busy.get(feed.url, []) if b.span.overlaps(within)]
