"""An iCalendar (RFC 5545) feed of a technician's bookings, for his own calendar app.

Written by hand (the core depends on no iCalendar library): one ``VEVENT`` per booking,
``UID`` stable per booking, ``DTSTAMP`` the instant the feed was made, times in UTC
(``...Z``), text escaped and lines folded at 75 octets with CRLF endings. No customer data:
the summary is the service's name, nothing else about the order is written.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from pendulum import DateTime

from booking_core.timerange import TimeRange

__all__ = ["FeedEvent", "ical_feed"]

_PRODID = "-//booking-core//booking-core-sdk//EN"


@attrs.frozen
class FeedEvent:
    """One event of a feed out: a stable uid, its span and a summary without personal data."""

    uid: str
    span: TimeRange
    summary: str


def _utc(instant: DateTime) -> str:
    return instant.in_timezone("UTC").strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    # RFC 5545 3.3.11: backslash, semicolon, comma and newlines are escaped in TEXT.
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> list[str]:
    # RFC 5545 3.1: lines longer than 75 octets continue on lines starting with a space;
    # a UTF-8 character is never split.
    out: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return out


def ical_feed(name: str, events: Iterable[FeedEvent], *, stamp: DateTime) -> str:
    """The ``text/calendar`` body of a feed called ``name`` holding ``events``, each
    stamped ``stamp`` (DTSTAMP), sorted by start then uid."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for event in sorted(events, key=lambda e: (e.span.start, e.uid)):
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_escape(event.uid)}",
            f"DTSTAMP:{_utc(stamp)}",
            f"DTSTART:{_utc(event.span.start)}",
            f"DTEND:{_utc(event.span.end)}",
            f"SUMMARY:{_escape(event.summary)}",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
