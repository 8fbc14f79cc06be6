"""A technician's outside calendar, registered as an iCalendar feed the platform reads."""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidCalendar
from booking_core.ids import TechnicianId
from booking_core.scheduling.busy_block import MAX_BUFFER_MINUTES, feed_source
from booking_core.timerange import zone

__all__ = ["CalendarFeed"]

#: The shortest period between two reads of one feed (calendar hosts throttle more).
MIN_REFRESH_MINUTES = 5
#: The longest period between two reads of one feed (a week).
MAX_REFRESH_MINUTES = 7 * 24 * 60
_MAX_URL = 2048


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url) if isinstance(url, str) and url.isascii() else None
    except ValueError:  # e.g. an unbalanced "[" in the host
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or len(url) > _MAX_URL
        or any(ord(c) <= 32 or ord(c) == 127 for c in url)
    ):
        raise InvalidCalendar(
            f"A calendar feed's URL is an http(s) address of at most {_MAX_URL} ASCII "
            f"characters (webcal:// feeds: write https://; other characters percent-encoded); "
            f"got {url!r}.",
            details={"field": "url"},
        )


@attrs.frozen
class CalendarFeed:
    """An iCalendar feed of one technician's own calendar, read by the refresh job.

    The feed's buffers are the setting of its *source*: every block read from it is
    stored with them (a change applies to the blocks at the next refresh).

    Attributes:
        id: The feed's id.
        technician_id: Whose calendar it is.
        url: Where to read it (http or https; a ``webcal://`` address is its https one).
        refresh_minutes: How often the job reads it while it answers.
        buffer_before_minutes: Minutes blocked before each of its events.
        buffer_after_minutes: Minutes blocked after each of its events.
        time_zone: The zone of its all-day and floating events (None: the technician's).
        last_refreshed_at: When it was last read successfully.
        failures: Reads failed in a row since then (the retry waits back off with them).
        last_error: Why the last read failed (None after a success).
    """

    id: str
    technician_id: TechnicianId
    url: str
    refresh_minutes: int = 60
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    time_zone: str | None = None
    last_refreshed_at: DateTime | None = None
    failures: int = 0
    last_error: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or len(self.id) > 64:
            raise InvalidCalendar(
                f"A calendar feed id is 1 to 64 characters; got {self.id!r}.",
                details={"field": "id"},
            )
        _check_url(self.url)
        minutes = self.refresh_minutes
        if type(minutes) is not int or not MIN_REFRESH_MINUTES <= minutes <= MAX_REFRESH_MINUTES:
            raise InvalidCalendar(
                f"A feed is read every {MIN_REFRESH_MINUTES} to {MAX_REFRESH_MINUTES} minutes; "
                f"got {minutes!r}.",
                details={"field": "refresh_minutes"},
            )
        for name in ("buffer_before_minutes", "buffer_after_minutes"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= MAX_BUFFER_MINUTES:
                raise InvalidCalendar(
                    f"A feed's {name} is 0 to {MAX_BUFFER_MINUTES} whole minutes; got {value!r}.",
                    details={"field": name},
                )
        if self.time_zone is not None:
            zone(self.time_zone)  # InvalidTimeZone for a name that is not a zone

    @property
    def source(self) -> str:
        """The source name its blocks are stored under (``"ical:<id>"``)."""
        return feed_source(self.id)
