"""The cheaper ways the booking path builds values: each equals the plain way it replaces."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking_core.errors import InvalidTimeRange
from booking_core.ids import BookingId, TechnicianId
from booking_core.scheduling import Booking
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.steps.reservations import _remembered, candidate_days, reach
from booking_core.timerange import TimeRange

NINE = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
# Instants from 1950 to 2060, with microseconds, so floors and ceilings are exercised.
_SECONDS = st.integers(-631_152_000, 2_840_140_800)
_ZONES = st.sampled_from(
    ["UTC", "Asia/Shanghai", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12",
     "Pacific/Chatham", "Australia/Lord_Howe", "Asia/Kathmandu"]
)  # fmt: skip


def _instant(seconds: int, microsecond: int, zone: str) -> pendulum.DateTime:
    return pendulum.from_timestamp(seconds, tz="UTC").add(microseconds=microsecond).in_tz(zone)


# -- TimeRange.of_aware -----------------------------------------------------------------------


@given(start=_SECONDS, length=st.integers(1, 10**6), zones=st.tuples(_ZONES, _ZONES))
def test_of_aware_equals_the_constructor(start: int, length: int, zones: tuple[str, str]) -> None:
    a = _instant(start, 0, zones[0])
    b = _instant(start + length, 0, zones[1])

    fast, plain = TimeRange.of_aware(a, b), TimeRange(a, b)

    assert fast == plain
    assert fast.start is a  # the converters would have kept them too
    assert fast.end is b
    assert (fast.start.tzinfo, fast.end.tzinfo) == (plain.start.tzinfo, plain.end.tzinfo)


def test_of_aware_keeps_every_check_of_the_constructor() -> None:
    with pytest.raises(InvalidTimeRange):
        TimeRange.of_aware(NINE, NINE)
    with pytest.raises(InvalidTimeRange):
        TimeRange.of_aware(NINE, NINE.subtract(minutes=1))
    with pytest.raises(InvalidTimeRange):
        TimeRange.of_aware(dt.datetime(2026, 3, 2, 9), NINE.add(hours=1))  # type: ignore[arg-type]  # noqa: DTZ001
    # An aware stdlib datetime is converted, as the constructor converts it.
    stdlib = dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)
    converted = TimeRange.of_aware(stdlib, NINE.add(hours=1))  # type: ignore[arg-type]
    assert isinstance(converted.start, pendulum.DateTime)
    assert converted == TimeRange(stdlib, NINE.add(hours=1))


# -- Booking.minutes --------------------------------------------------------------------------


@given(
    start=_SECONDS,
    micro=st.integers(0, 999_999),
    length=st.integers(1, 10**6),
    zone=_ZONES | st.just("UTC"),
)
def test_booking_minutes_equal_those_of_int_timestamp(
    start: int, micro: int, length: int, zone: str
) -> None:
    # UTC instants take the cheaper path; every zone must give int_timestamp's minutes.
    a = _instant(start, micro, zone)
    b = _instant(start + length, micro, zone)
    booking = Booking(BookingId("bkg_1"), TechnicianId("tec_1"), None, TimeRange(a, b),
                      TimeRange(a, b))  # fmt: skip

    assert booking.minutes == (
        a.int_timestamp // 60,
        -(-b.int_timestamp // 60),
        a.int_timestamp // 60,
    )


# -- reach and candidate_days -----------------------------------------------------------------


def _reach_by_pendulum(
    first: dt.date, last: dt.date
) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    start = pendulum.datetime(first.year, first.month, first.day).subtract(days=1)
    end = pendulum.datetime(last.year, last.month, last.day).add(days=4)
    return start - pendulum.duration(hours=14), end + pendulum.duration(hours=12)


@given(first=st.dates(dt.date(1950, 1, 1), dt.date(2060, 1, 1)), span=st.integers(0, 40))
def test_reach_equals_its_pendulum_arithmetic(first: dt.date, span: int) -> None:
    last = first + dt.timedelta(days=span)

    got = reach(first, last)

    assert (got.start, got.end) == _reach_by_pendulum(first, last)
    assert got.start.tzinfo is pendulum.UTC
    assert got.end.tzinfo is pendulum.UTC


@settings(max_examples=300)
@given(seconds=_SECONDS, zone=_ZONES)
def test_candidate_days_cover_the_start_and_the_day_before_in_every_zone(
    seconds: int, zone: str
) -> None:
    # What plan loads covers what listing the two candidate days loads (I2's inputs).
    start = _instant(seconds - seconds % 60, 0, zone)
    local_day = start.date()

    first, last = candidate_days(start)
    loaded = reach(first, last)

    assert loaded.covers(reach(local_day - dt.timedelta(days=1), local_day))
    # ... and never more than the four UTC days around the start it loaded before.
    utc_day = start.in_timezone("UTC").date()
    assert reach(utc_day - dt.timedelta(days=2), utc_day + dt.timedelta(days=1)).covers(loaded)


# -- travel estimates, asked once per pair ------------------------------------------------------


def test_remembered_travel_asks_once_per_pair_and_answers_the_same() -> None:
    asked: list[tuple[GeoPoint, GeoPoint]] = []

    def minutes(origin: GeoPoint, destination: GeoPoint) -> int:
        asked.append((origin, destination))
        return int(abs(origin.lat - destination.lat) * 100) + 5

    home, shop, park = GeoPoint(31.2, 121.4), GeoPoint(31.3, 121.5), GeoPoint(31.0, 121.0)
    estimate = _remembered(minutes)

    answers = [estimate(a, b) for a, b in [(home, shop), (shop, home), (home, shop), (home, park)]]

    assert answers == [minutes(home, shop), minutes(shop, home), minutes(home, shop),
                       minutes(home, park)]  # fmt: skip
    assert asked[:3] == [(home, shop), (shop, home), (home, park)]  # the repeat was not asked
    assert _remembered(minutes)(home, shop) == answers[0]  # a new request asks afresh
