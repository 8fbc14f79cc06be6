"""Weekly hours across midnight, DST days, and the geo defaults."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import InvalidInput, InvalidSchedule
from booking_core.ids import TechnicianId
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    from_epoch_minutes,
)
from booking_core.scheduling.geo import GeoPoint, ServiceArea, StraightLineTravel

OPEN = BookingPolicy(notice_minutes=0, window_days=400)
NOW = pendulum.datetime(2026, 1, 1, tz="UTC")


def local_slots(zone: str, hours: WeeklyHours, day: pendulum.Date, step: int = 60) -> list[str]:
    technician = Technician(TechnicianId("tec_1"), "Li", zone, hours)
    agenda = TechnicianAgenda(technician, None, BusyIndex([]))
    minutes = agenda.offered(
        ServiceTiming(60, step), day, now_minute=NOW.int_timestamp // 60, policy=OPEN
    )
    return [from_epoch_minutes(m, zone).format("HH:mm ZZ") for m in minutes]


def test_ranges_across_midnight_parse_and_round_trip() -> None:
    hours = WeeklyHours.parse({"fri": ["22:00-02:00"], "sat": ["10:00-12:00"]})

    assert hours.ranges_on(4) == ((22 * 60, 26 * 60),)
    assert hours.to_spec() == {"fri": ["22:00-02:00"], "sat": ["10:00-12:00"]}
    assert WeeklyHours.parse(hours.to_spec()) == hours


def test_a_range_running_into_the_next_days_first_range_is_refused() -> None:
    with pytest.raises(InvalidSchedule) as caught:
        WeeklyHours.parse({"sun": ["22:00-03:00"], "mon": ["02:00-05:00"]})

    assert "past midnight" in caught.value.message


@pytest.mark.parametrize("text", ["09:00", "25:00-26:00", "24:00-01:00", "9-10"])
def test_malformed_ranges_are_refused(text: str) -> None:
    with pytest.raises(InvalidSchedule):
        WeeklyHours.parse({"mon": [text]})


@pytest.mark.parametrize(
    ("zone", "day", "offsets"),
    [
        ("America/New_York", pendulum.date(2026, 3, 8), ("-0500", "-0400")),  # spring forward
        ("America/New_York", pendulum.date(2026, 11, 1), ("-0400", "-0500")),  # fall back
        ("Europe/London", pendulum.date(2026, 3, 29), ("+0000", "+0100")),
        ("Europe/London", pendulum.date(2026, 10, 25), ("+0100", "+0000")),
    ],
)
def test_working_hours_stay_local_on_dst_days(
    zone: str, day: pendulum.Date, offsets: tuple[str, str]
) -> None:
    hours = WeeklyHours.every_day("09:00", "12:00")

    result = local_slots(zone, hours, day)

    after = offsets[1]
    assert result == [f"09:00 {after}", f"10:00 {after}", f"11:00 {after}"]


def test_a_range_over_the_skipped_hour_is_shorter_in_absolute_time() -> None:
    hours = WeeklyHours.every_day("01:00", "04:00")

    result = local_slots("America/New_York", hours, pendulum.date(2026, 3, 8))

    # 01:00 EST to 04:00 EDT is two hours: 01:00 and 03:00 (02:00 does not exist).
    assert result == ["01:00 -0500", "03:00 -0400"]


def test_a_range_over_the_repeated_hour_is_longer_in_absolute_time() -> None:
    hours = WeeklyHours.every_day("00:00", "03:00")

    result = local_slots("America/New_York", hours, pendulum.date(2026, 11, 1))

    assert result == ["00:00 -0400", "01:00 -0400", "01:00 -0500", "02:00 -0500"]


def test_straight_line_travel_rounds_up_to_its_step() -> None:
    travel = StraightLineTravel(speed_kmh=20, detour_factor=1.0, round_to_minutes=5)
    a = GeoPoint(31.2304, 121.4737)  # Shanghai People's Square
    b = GeoPoint(31.2397, 121.4998)  # the Bund side of Lujiazui, ~2.7 km

    assert travel.minutes(a, a) == 0
    assert travel.minutes(a, b) == 10
    assert travel.minutes(a, b) == travel.minutes(b, a)


def test_service_area_includes_its_boundary_only() -> None:
    centre = GeoPoint(0.0, 0.0)
    area = ServiceArea(centre, 111.2)

    assert area.contains(GeoPoint(1.0, 0.0))  # ~111.19 km
    assert not area.contains(GeoPoint(1.01, 0.0))


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (-90.5, 0.0)])
def test_coordinates_out_of_range_are_refused(lat: float, lon: float) -> None:
    with pytest.raises(InvalidInput):
        GeoPoint(lat, lon)
