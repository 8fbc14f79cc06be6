"""Real iCalendar text read as busy time: recurrence with EXDATE and a moved occurrence,
all-day events in the right zone, time zones, free and cancelled events left out; over
HTTP from a local server, and a failing host kept apart from a bad feed."""

from __future__ import annotations

import pendulum
import pytest
from pytest_httpserver import HTTPServer

from booking_core.errors import CalendarUnavailable, InvalidCalendar
from booking_core.ids import TechnicianId
from booking_core.scheduling import CalendarFeed
from booking_core.timerange import TimeRange
from booking_core_ical import IcalCalendarSource, busy_intervals

SHANGHAI = "Asia/Shanghai"
WEEK = TimeRange(
    pendulum.datetime(2026, 3, 2, tz=SHANGHAI), pendulum.datetime(2026, 3, 9, tz=SHANGHAI)
)

FEED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//Calendar//EN\r
BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:STANDARD\r
DTSTART:19701025T030000\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:19700329T020000\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:gym@example\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Gym\r
DTSTART;TZID=Asia/Shanghai:20260302T070000\r
DTEND;TZID=Asia/Shanghai:20260302T080000\r
RRULE:FREQ=DAILY;COUNT=5\r
EXDATE;TZID=Asia/Shanghai:20260304T070000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:gym@example\r
DTSTAMP:20260101T000000Z\r
RECURRENCE-ID;TZID=Asia/Shanghai:20260305T070000\r
SUMMARY:Gym (late)\r
DTSTART;TZID=Asia/Shanghai:20260305T200000\r
DTEND;TZID=Asia/Shanghai:20260305T210000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:holiday@example\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Day off\r
DTSTART;VALUE=DATE:20260307\r
DTEND;VALUE=DATE:20260308\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:call@example\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Call with Berlin\r
DTSTART;TZID=Europe/Berlin:20260303T090000\r
DTEND;TZID=Europe/Berlin:20260303T093000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:reminder@example\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Free reminder\r
TRANSP:TRANSPARENT\r
DTSTART:20260303T010000Z\r
DTEND:20260303T020000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:cancelled@example\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Cancelled\r
STATUS:CANCELLED\r
DTSTART:20260303T030000Z\r
DTEND:20260303T040000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:floating@example\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Floating lunch\r
DTSTART:20260306T120000\r
DURATION:PT45M\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:next-month@example\r
DTSTAMP:20260101T000000Z\r
DTSTART:20260402T010000Z\r
DTEND:20260402T020000Z\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _local(busy: list) -> list[tuple[str, str, str, str | None]]:  # type: ignore[type-arg]
    return [
        (
            b.span.start.in_timezone(SHANGHAI).format("ddd HH:mm"),
            b.span.end.in_timezone(SHANGHAI).format("ddd HH:mm"),
            b.uid,
            b.summary,
        )
        for b in busy
    ]


def test_a_real_feed_becomes_busy_time() -> None:
    busy = busy_intervals(FEED, WEEK, time_zone=SHANGHAI)

    assert _local(busy) == [
        ("Mon 07:00", "Mon 08:00", "gym@example/20260301T230000Z", "Gym"),
        ("Tue 07:00", "Tue 08:00", "gym@example/20260302T230000Z", "Gym"),
        # Wednesday's occurrence is an EXDATE; Thursday's was moved to the evening.
        ("Tue 16:00", "Tue 16:30", "call@example/20260303T080000Z", "Call with Berlin"),
        ("Thu 20:00", "Thu 21:00", "gym@example/20260304T230000Z", "Gym (late)"),
        ("Fri 07:00", "Fri 08:00", "gym@example/20260305T230000Z", "Gym"),
        ("Fri 12:00", "Fri 12:45", "floating@example/20260306T040000Z", "Floating lunch"),
        ("Sat 00:00", "Sun 00:00", "holiday@example/20260306T160000Z", "Day off"),
    ]


def test_all_day_and_floating_events_follow_the_zone_given() -> None:
    busy = busy_intervals(FEED, WEEK, time_zone="Europe/Berlin")

    holiday = next(b for b in busy if b.uid.startswith("holiday"))
    lunch = next(b for b in busy if b.uid.startswith("floating"))
    assert holiday.span.start == pendulum.datetime(2026, 3, 7, tz="Europe/Berlin")
    assert holiday.span.end == pendulum.datetime(2026, 3, 8, tz="Europe/Berlin")
    assert lunch.span.start == pendulum.datetime(2026, 3, 6, 12, tz="Europe/Berlin")


def test_uids_are_stable_across_reads() -> None:
    first = busy_intervals(FEED, WEEK, time_zone=SHANGHAI)
    later = TimeRange(WEEK.start.add(days=3), WEEK.end)

    again = busy_intervals(FEED, later, time_zone=SHANGHAI)

    assert {b.uid: b.span for b in again}.items() <= {b.uid: b.span for b in first}.items()


def test_text_that_is_not_icalendar_is_refused() -> None:
    with pytest.raises(InvalidCalendar):
        busy_intervals("<html>login</html>", WEEK, time_zone=SHANGHAI)


def _feed(url: str, **kwargs: object) -> CalendarFeed:
    return CalendarFeed("cal_1", TechnicianId("tec_1"), url, **kwargs)  # type: ignore[arg-type]


def test_the_source_reads_a_feed_over_http(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/li.ics").respond_with_data(FEED, content_type="text/calendar")

    busy = IcalCalendarSource().fetch(
        _feed(httpserver.url_for("/li.ics"), time_zone="Europe/Berlin"), WEEK, time_zone=SHANGHAI
    )

    holiday = next(b for b in busy if b.uid.startswith("holiday"))
    assert holiday.span.start == pendulum.datetime(2026, 3, 7, tz="Europe/Berlin")  # the feed's
    assert len(busy) == 7


@pytest.mark.parametrize("status", [404, 500, 503])
def test_a_host_that_fails_is_unavailable(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/li.ics").respond_with_data("nope", status=status)

    with pytest.raises(CalendarUnavailable) as failed:
        IcalCalendarSource().fetch(_feed(httpserver.url_for("/li.ics")), WEEK, time_zone=SHANGHAI)
    assert failed.value.details["status"] == status


def test_a_feed_too_large_or_unreachable_is_unavailable(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big.ics").respond_with_data(FEED, content_type="text/calendar")

    with pytest.raises(CalendarUnavailable):
        IcalCalendarSource(max_bytes=100).fetch(
            _feed(httpserver.url_for("/big.ics")), WEEK, time_zone=SHANGHAI
        )
    with pytest.raises(CalendarUnavailable):
        IcalCalendarSource(timeout=0.5).fetch(
            _feed("http://127.0.0.1:9/none.ics"), WEEK, time_zone=SHANGHAI
        )
