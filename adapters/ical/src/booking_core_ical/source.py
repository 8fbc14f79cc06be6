"""The :class:`~booking_core.ports.calendars.CalendarSource` over HTTP(S) iCalendar feeds."""

from __future__ import annotations

import httpx

from booking_core.errors import CalendarUnavailable
from booking_core.scheduling.busy_block import ExternalBusy
from booking_core.scheduling.calendar_feed import CalendarFeed
from booking_core.timerange import TimeRange
from booking_core_ical.parse import busy_intervals

__all__ = ["IcalCalendarSource"]


class IcalCalendarSource:
    """Reads a feed's URL with ``httpx`` and parses it (:func:`busy_intervals`).

    Args:
        timeout: Seconds for connecting and for each read.
        max_bytes: The largest feed read (a bigger one is ``CalendarUnavailable``).
        client: An ``httpx.Client`` of your own (proxies, a mock transport in tests).
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        max_bytes: int = 5_000_000,
        client: httpx.Client | None = None,
    ) -> None:
        self._timeout = timeout
        self._max = max_bytes
        self._client = client

    def fetch(self, feed: CalendarFeed, within: TimeRange, *, time_zone: str) -> list[ExternalBusy]:
        """The feed's busy intervals overlapping ``within``.

        Raises:
            CalendarUnavailable: a network error, a timeout, a status other than 2xx, or a
                feed larger than ``max_bytes``.
            InvalidCalendar: the answer is not iCalendar.
        """
        text = self._read(feed)
        return busy_intervals(text, within, time_zone=feed.time_zone or time_zone)

    def _read(self, feed: CalendarFeed) -> bytes:
        client = self._client or httpx.Client(timeout=self._timeout, follow_redirects=True)
        try:
            with client.stream("GET", feed.url, headers={"Accept": "text/calendar"}) as answer:
                if not answer.is_success:
                    raise CalendarUnavailable(
                        f"The calendar host answered {answer.status_code} for feed {feed.id}.",
                        details={"feed_id": feed.id, "status": answer.status_code},
                    )
                body = bytearray()
                for chunk in answer.iter_bytes():
                    body += chunk
                    if len(body) > self._max:
                        raise CalendarUnavailable(
                            f"Feed {feed.id} is larger than {self._max} bytes.",
                            details={"feed_id": feed.id, "max_bytes": self._max},
                        )
                return bytes(body)
        except httpx.HTTPError as exc:
            raise CalendarUnavailable(
                f"Feed {feed.id} could not be read: {type(exc).__name__}.",
                details={"feed_id": feed.id},
            ) from exc
        finally:
            if self._client is None:
                client.close()
