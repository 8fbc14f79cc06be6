"""Busy time from outside the platform: a technician's own calendar, pushed or imported.

A :class:`BusyBlock` is time the technician is not free for reasons the platform did not
book (a dentist's appointment in his own calendar, a job from another platform). The engine
treats it like a booking (docs/calendars.md): its blocked range — the span widened by its
own buffers — is never offered and is refused at booking, by the one rule engine (I2).
Unlike a booking it does not count towards the daily cap, has no address (no travel time
to or from it) and its ``summary`` is never shown to customers.
"""

from __future__ import annotations

import datetime as _dt

import attrs
import pendulum

from booking_core.errors import InvalidCalendar
from booking_core.ids import TechnicianId
from booking_core.timerange import TimeRange

__all__ = ["BusyBlock", "ExternalBusy", "feed_source"]

#: The source of blocks pushed one by one through the API.
API_SOURCE = "api"
#: The source of blocks brought in by a bulk import.
IMPORT_SOURCE = "import"
#: The longest buffer a busy block may have before or after it (a day).
MAX_BUFFER_MINUTES = 24 * 60
_MAX_UID = 255
_MAX_SOURCE = 100
_MAX_SUMMARY = 500
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def feed_source(feed_id: str) -> str:
    """The source name of the blocks read from the calendar feed ``feed_id``."""
    return f"ical:{feed_id}"


def _text(value: str, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidCalendar(f"A busy block needs a {what}; got {value!r}.", details={what: value})
    if len(value) > limit or any(ord(c) < 32 for c in value):
        raise InvalidCalendar(
            f"A busy block's {what} is at most {limit} printable characters; got {value!r}.",
            details={what: value[:limit]},
        )
    return value


def _buffer(value: int, what: str) -> None:
    if type(value) is not int or not 0 <= value <= MAX_BUFFER_MINUTES:
        raise InvalidCalendar(
            f"A busy block's {what} is 0 to {MAX_BUFFER_MINUTES} whole minutes; got {value!r}.",
            details={"field": what},
        )


def _minute_floor(instant: _dt.datetime) -> int:
    delta = instant - _EPOCH
    return (delta.days * 86400 + delta.seconds) // 60


def _minute_ceil(instant: _dt.datetime) -> int:
    delta = instant - _EPOCH
    seconds = delta.days * 86400 + delta.seconds + (1 if delta.microseconds else 0)
    return -(-seconds // 60)


@attrs.frozen
class BusyBlock:
    """A technician's time taken outside the platform, stored per technician.

    ``(technician_id, source, uid)`` identifies it: pushing a block with the same uid
    again replaces it (upsert). Times need not fall on whole minutes: the engine rounds
    the blocked range *out* to whole minutes (a block from 09:00:30 blocks from 09:00).

    Attributes:
        technician_id: Whose time it takes.
        source: Where it came from: ``"api"`` (pushed), ``"import"`` (bulk import) or
            ``"ical:<feed id>"`` (read from a registered calendar feed).
        uid: The outside calendar's id for it (an iCalendar UID, with the instant of a
            recurring event's occurrence).
        span: ``[start, end)``, aware.
        buffer_before_minutes: Minutes blocked before the span (the source's setting).
        buffer_after_minutes: Minutes blocked after the span (the source's setting).
        summary: What the technician wrote; for him and staff only, never for customers.
    """

    technician_id: TechnicianId
    source: str
    uid: str
    span: TimeRange
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    summary: str | None = None
    _minutes: tuple[int, int] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        _text(self.technician_id, "technician_id", _MAX_UID)
        _text(self.source, "source", _MAX_SOURCE)
        _text(self.uid, "uid", _MAX_UID)
        _buffer(self.buffer_before_minutes, "buffer_before_minutes")
        _buffer(self.buffer_after_minutes, "buffer_after_minutes")
        if self.summary is not None and (
            len(self.summary) > _MAX_SUMMARY or "\x00" in self.summary
        ):
            raise InvalidCalendar(
                f"A busy block's summary is at most {_MAX_SUMMARY} characters without NUL.",
                details={"field": "summary"},
            )
        blocked = self.blocked
        # Rounded out: a block never frees a minute it touches.
        object.__setattr__(
            self, "_minutes", (_minute_floor(blocked.start), _minute_ceil(blocked.end))
        )

    @property
    def key(self) -> tuple[TechnicianId, str, str]:
        """``(technician_id, source, uid)``: what identifies it."""
        return (self.technician_id, self.source, self.uid)

    @property
    def blocked(self) -> TimeRange:
        """The whole time it takes: the span widened by its buffers."""
        if not (self.buffer_before_minutes or self.buffer_after_minutes):
            return self.span
        return self.span.expand(
            pendulum.duration(minutes=self.buffer_before_minutes),
            pendulum.duration(minutes=self.buffer_after_minutes),
        )

    @property
    def minutes(self) -> tuple[int, int]:
        """``(blocked start, blocked end)`` in epoch minutes, rounded out."""
        return self._minutes


@attrs.frozen
class ExternalBusy:
    """One busy interval an outside calendar reports (what a
    :class:`~booking_core.ports.calendars.CalendarSource` returns).

    Attributes:
        uid: Stable across fetches: the event's UID, with the occurrence's start for a
            recurring event (``"UID/20260302T090000Z"``).
        span: ``[start, end)``, aware.
        summary: The event's summary, if any.
    """

    uid: str
    span: TimeRange
    summary: str | None = None
