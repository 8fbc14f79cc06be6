"""TimeRange: aware, half-open, non-empty."""

import datetime as dt

import pendulum
import pytest

from booking_core import TimeRange
from booking_core.errors import InvalidTimeRange, InvalidTimeZone
from booking_core.timerange import zone

NINE = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")


def test_end_must_follow_start() -> None:
    with pytest.raises(InvalidTimeRange) as caught:
        TimeRange(NINE, NINE)

    assert caught.value.code == "invalid_time_range"
    with pytest.raises(InvalidTimeRange):
        TimeRange(NINE, NINE.subtract(minutes=1))


def test_naive_times_are_refused_and_aware_stdlib_times_are_accepted() -> None:
    with pytest.raises(InvalidTimeRange):
        TimeRange(dt.datetime(2026, 3, 2, 9), NINE.add(hours=1))  # noqa: DTZ001

    aware = TimeRange(dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC), NINE.add(hours=1))
    assert aware.start == NINE
    assert isinstance(aware.start, pendulum.DateTime)


def test_half_open_semantics() -> None:
    morning = TimeRange(NINE, NINE.add(hours=1))

    assert morning.contains(NINE)
    assert not morning.contains(NINE.add(hours=1))
    assert not morning.overlaps(TimeRange(NINE.add(hours=1), NINE.add(hours=2)))
    assert morning.covers(TimeRange(NINE.add(minutes=10), NINE.add(minutes=20)))
    assert morning.expand(pendulum.duration(minutes=10), pendulum.duration(minutes=5)) == (
        TimeRange(NINE.subtract(minutes=10), NINE.add(minutes=65))
    )
    assert morning.duration.in_minutes() == 60
    assert morning.in_utc() == morning


@pytest.mark.parametrize("name", ["Mars/Olympus", "", " Asia/Shanghai", "+08:00", 8])
def test_unknown_zones_are_refused(name: object) -> None:
    with pytest.raises(InvalidTimeZone):
        zone(name)  # type: ignore[arg-type]


def test_ranges_are_equal_by_instant_even_at_an_ambiguous_local_time() -> None:
    # 01:00 BST on 2026-10-25 is repeated; PEP 495 makes inter-zone == False there.
    start = pendulum.datetime(2026, 10, 24, 1, tz="Europe/London")
    end = pendulum.datetime(2026, 10, 25, 1, tz="Europe/London")
    same_instants = TimeRange(
        start.in_timezone("UTC"), end.in_timezone(pendulum.fixed_timezone(3600))
    )

    assert TimeRange(start, end) == same_instants
    assert hash(TimeRange(start, end)) == hash(same_instants)
