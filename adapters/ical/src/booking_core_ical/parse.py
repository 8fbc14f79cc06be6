"""iCalendar text → busy intervals, with ``icalendar`` and ``recurring-ical-events``."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import icalendar
import pendulum
import recurring_ical_events  # type: ignore[import-untyped]

from booking_core.errors import InvalidCalendar
from booking_core.scheduling.busy_block import ExternalBusy
from booking_core.timerange import TimeRange, zone

__all__ = ["busy_intervals"]

_MAX_SUMMARY = 500


def _instant(value: _dt.date | _dt.datetime, time_zone: str) -> pendulum.DateTime:
    # A date (all-day) is local midnight; a floating time is local; an aware one keeps its
    # instant. Local means the feed's zone, else the technician's.
    if not isinstance(value, _dt.datetime):
        return pendulum.datetime(value.year, value.month, value.day, tz=zone(time_zone))
    if value.tzinfo is None or value.utcoffset() is None:
        return pendulum.instance(value.replace(tzinfo=None), tz=zone(time_zone))
    return pendulum.instance(value).in_timezone("UTC")


def _uid(event: Any, start: pendulum.DateTime, time_zone: str) -> str:
    # Every occurrence of a recurring event shares its UID: the occurrence's original start
    # (its RECURRENCE-ID, also when it was moved) makes it stable across fetches and unique.
    uid = str(event.get("UID") or "")
    recurrence = event.get("RECURRENCE-ID")
    anchor = start if recurrence is None else _instant(recurrence.dt, time_zone)
    stamp = anchor.in_timezone("UTC").strftime("%Y%m%dT%H%M%SZ")
    return f"{uid or 'no-uid'}/{stamp}"[:255]


def busy_intervals(text: str | bytes, within: TimeRange, *, time_zone: str) -> list[ExternalBusy]:
    """The busy time of an iCalendar document overlapping ``within``, sorted by start.

    Recurring events are expanded; events marked free (``TRANSP:TRANSPARENT``) and
    cancelled ones (``STATUS:CANCELLED``, or an occurrence removed by ``EXDATE``) are left
    out; all-day and floating events are placed in ``time_zone`` (the calendar's
    ``X-WR-TIMEZONE`` wins when it names a zone). An event without an end lasts a day when
    it is all-day and no time otherwise (left out).

    Raises:
        InvalidCalendar: the text is not an iCalendar document.
    """
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise InvalidCalendar(
            f"The feed is not iCalendar text: {exc}", details={"field": "feed"}
        ) from None
    declared = calendar.get("X-WR-TIMEZONE")
    if declared:
        try:
            zone(str(declared))
            time_zone = str(declared)
        except Exception:  # a feed's unknown zone name: keep ours
            pass
    start = within.start.in_timezone("UTC")
    end = within.end.in_timezone("UTC")
    try:
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except Exception as exc:  # the library's errors are its own tree
        raise InvalidCalendar(
            f"The feed's recurrences cannot be expanded: {exc}", details={"field": "feed"}
        ) from None
    found: list[ExternalBusy] = []
    for event in occurrences:
        if event.name != "VEVENT":
            continue
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        dtstart = event.get("DTSTART")
        if dtstart is None:
            continue
        begin = _instant(dtstart.dt, time_zone)
        dtend = event.get("DTEND")
        if dtend is not None:
            finish = _instant(dtend.dt, time_zone)
        elif event.get("DURATION") is not None:
            finish = begin + event.get("DURATION").dt
        elif not isinstance(dtstart.dt, _dt.datetime):
            finish = _instant(dtstart.dt + _dt.timedelta(days=1), time_zone)
        else:
            continue
        if finish <= begin:
            continue
        span = TimeRange(begin, finish)
        if not span.overlaps(within):
            continue
        summary = event.get("SUMMARY")
        found.append(
            ExternalBusy(
                _uid(event, begin, time_zone),
                span,
                None if summary is None else str(summary)[:_MAX_SUMMARY].replace("\x00", ""),
            )
        )
    return sorted(found, key=lambda b: (b.span.start, b.uid))
