"""Slot grids (docs/availability.md, "Slot grid"): where starts count from, what a restart
after a busy block does under each alignment, and hours given with seconds or overnight."""

from __future__ import annotations

from collections.abc import Sequence

import pendulum
import pytest
from pendulum import Date, DateTime

from booking_core.errors import InvalidSchedule
from booking_core.ids import BookingId, StoreId, TechnicianId
from booking_core.scheduling import Booking, SlotAlignment, Technician, WeeklyHours
from booking_core.scheduling.alignment import clock_grid
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    from_epoch_minutes,
)
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkSchedule
from booking_core.scheduling.weekly_hours import parse_clock, parse_ranges
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
MONDAY = pendulum.date(2026, 3, 2)
NOW = pendulum.datetime(2026, 3, 1, tz=ZONE)  # the day before: notice never bites
TECH = TechnicianId("tec_1")
STRETCH, CLOCK, MIDNIGHT = SlotAlignment.STRETCH, SlotAlignment.CLOCK, SlotAlignment.MIDNIGHT


def at(clock: str, day: Date = MONDAY) -> DateTime:
    hour, minute = map(int, clock.split(":"))
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=ZONE)


def busy_from(start: str, minutes: int) -> Booking:
    slot = TimeRange(at(start), at(start).add(minutes=minutes))
    return Booking(BookingId("bkg_1"), TECH, None, slot, slot)


def slots(
    hours: dict[str, list[str]],
    timing: ServiceTiming,
    alignment: SlotAlignment | None = None,
    *,
    restart: bool = True,
    bookings: Sequence[Booking] = (),
    schedule: WorkSchedule | None = None,
    day: Date = MONDAY,
) -> list[str]:
    policy = (
        BookingPolicy(notice_minutes=0, window_days=60, restart_after_busy=restart)
        if alignment is None  # the default alignment
        else BookingPolicy(
            notice_minutes=0, window_days=60, restart_after_busy=restart, slot_alignment=alignment
        )
    )
    technician = Technician(TECH, "Li", ZONE, WeeklyHours.parse(hours))
    agenda = TechnicianAgenda(technician, schedule, BusyIndex(list(bookings)))
    found = agenda.offered(timing, day, now_minute=NOW.int_timestamp // 60, policy=policy)
    return [from_epoch_minutes(m, ZONE).format("ddd HH:mm") for m in found]


# -- where the grid counts from ---------------------------------------------------------------


def test_the_default_alignment_is_the_working_stretch() -> None:
    assert BookingPolicy().slot_alignment is STRETCH


@pytest.mark.parametrize(
    ("alignment", "expected"),
    [
        (None, ["Mon 09:30", "Mon 10:15", "Mon 11:00"]),
        (STRETCH, ["Mon 09:30", "Mon 10:15", "Mon 11:00"]),
        (CLOCK, ["Mon 09:30", "Mon 10:15", "Mon 11:00"]),  # 09:30 is on the quarter-hours
        (MIDNIGHT, ["Mon 09:45", "Mon 10:30", "Mon 11:15"]),  # 09:00 + 45 min …
    ],
)
def test_a_0930_opening_with_a_45_minute_step(
    alignment: SlotAlignment | None, expected: list[str]
) -> None:
    assert slots({"mon": ["09:30-12:00"]}, ServiceTiming(45, 45), alignment) == expected


@pytest.mark.parametrize(
    ("alignment", "expected"),
    [
        (STRETCH, ["Mon 09:10", "Mon 09:55", "Mon 10:40"]),
        (CLOCK, ["Mon 09:15", "Mon 10:00", "Mon 10:45"]),  # the first quarter-hour from 09:10
        (MIDNIGHT, ["Mon 09:45", "Mon 10:30", "Mon 11:15"]),
    ],
)
def test_an_opening_off_the_clock_puts_each_alignment_elsewhere(
    alignment: SlotAlignment, expected: list[str]
) -> None:
    assert slots({"mon": ["09:10-12:00"]}, ServiceTiming(45, 45), alignment) == expected


@pytest.mark.parametrize(
    ("alignment", "expected"), [(STRETCH, ["Mon 09:00"]), (CLOCK, ["Mon 09:00"]), (MIDNIGHT, [])]
)
def test_an_eight_hour_service_on_an_eight_hour_day(
    alignment: SlotAlignment, expected: list[str]
) -> None:
    # From midnight the 8-hour grid is 00:00 / 08:00 / 16:00: nothing fits 09:00–17:00.
    assert slots({"mon": ["09:00-17:00"]}, ServiceTiming(480, 480), alignment) == expected


@pytest.mark.parametrize(
    ("step", "grid"), [(45, 15), (480, 60), (90, 30), (40, 20), (50, 10), (25, 5), (7, 1)]
)
def test_the_clock_grid_is_the_largest_of_60_30_20_15_10_5_that_divides_the_step(
    step: int, grid: int
) -> None:
    assert clock_grid(step) == grid


def test_the_clock_takes_the_largest_grid_that_divides_the_step() -> None:
    # A 40-minute step lies on the 20-minute grid: from 09:05, 09:20 (not 09:10 or 09:05).
    result = slots({"mon": ["09:05-11:00"]}, ServiceTiming(40, 40), CLOCK)

    assert result == ["Mon 09:20", "Mon 10:00"]


def test_a_step_no_clock_grid_divides_counts_from_the_stretch() -> None:
    result = slots({"mon": ["09:03-09:30"]}, ServiceTiming(7, 7), CLOCK)

    assert result == ["Mon 09:03", "Mon 09:10", "Mon 09:17"]


def test_time_off_starts_a_new_stretch() -> None:
    dentist = TimeOff(TimeRange(at("10:00"), at("10:20")), "dentist")
    schedule = WorkSchedule(TECH, time_off=[dentist])
    hours = {"mon": ["09:00-13:00"]}

    stretch = slots(hours, ServiceTiming(60, 60), STRETCH, schedule=schedule)
    midnight = slots(hours, ServiceTiming(60, 60), MIDNIGHT, schedule=schedule)

    assert stretch == ["Mon 09:00", "Mon 10:20", "Mon 11:20"]
    assert midnight == ["Mon 09:00", "Mon 11:00", "Mon 12:00"]


def test_touching_ranges_of_one_day_are_one_stretch() -> None:
    split = slots({"mon": ["09:10-10:00", "10:00-12:00"]}, ServiceTiming(45, 45), STRETCH)

    assert split == slots({"mon": ["09:10-12:00"]}, ServiceTiming(45, 45), STRETCH)


def test_the_next_days_part_of_a_stretch_across_midnight_counts_from_its_own_start() -> None:
    # Monday 23:00–24:00 and Tuesday 00:00–01:30: Monday's starts may run on into Tuesday,
    # and Tuesday's count from 00:00, its own first minute (not from Monday's 23:00).
    hours = {"mon": ["23:00-24:00"], "tue": ["00:00-01:30"]}
    timing = ServiceTiming(45, 45)

    monday = slots(hours, timing, STRETCH)
    tuesday = slots(hours, timing, STRETCH, day=MONDAY.add(days=1))

    assert monday == ["Mon 23:00", "Mon 23:45"]
    assert tuesday == ["Tue 00:00", "Tue 00:45"]


def test_a_range_past_midnight_is_one_stretch_from_its_start() -> None:
    result = slots({"mon": ["22:10-01:10"]}, ServiceTiming(45, 45), STRETCH)

    assert result == ["Mon 22:10", "Mon 22:55", "Mon 23:40", "Tue 00:25"]


# -- after a busy block --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alignment", "restart", "expected"),
    [
        # Busy 09:05–10:02 on 09:05–13:00, a 45-minute service every 45 minutes.
        (STRETCH, True, ["Mon 10:02", "Mon 10:47", "Mon 11:32"]),  # the first free minute
        (STRETCH, False, ["Mon 10:35", "Mon 11:20", "Mon 12:05"]),  # 09:05 + k × 45
        (CLOCK, True, ["Mon 10:15", "Mon 11:00", "Mon 11:45"]),  # the next quarter-hour
        (CLOCK, False, ["Mon 10:45", "Mon 11:30", "Mon 12:15"]),  # 09:15 + k × 45
        (MIDNIGHT, True, ["Mon 10:02", "Mon 10:47", "Mon 11:32"]),
        (MIDNIGHT, False, ["Mon 10:30", "Mon 11:15", "Mon 12:00"]),  # 00:00 + k × 45
    ],
)
def test_after_a_busy_block_the_grid_restarts_or_stays_under_each_alignment(
    alignment: SlotAlignment, restart: bool, expected: list[str]
) -> None:
    result = slots(
        {"mon": ["09:05-13:00"]},
        ServiceTiming(45, 45),
        alignment,
        restart=restart,
        bookings=[busy_from("09:05", 57)],
    )

    assert result == expected


# -- the setting -------------------------------------------------------------------------------


def test_the_alignment_is_taken_by_value_and_anything_else_is_refused() -> None:
    assert BookingPolicy(slot_alignment="clock").slot_alignment is CLOCK

    with pytest.raises(InvalidSchedule) as refused:
        BookingPolicy(slot_alignment="quarter")

    assert refused.value.code == "invalid_schedule"
    assert "'stretch', 'clock', 'midnight'" in refused.value.message
    assert refused.value.details == {"slot_alignment": "quarter"}


# -- hours with seconds, and overnight ranges --------------------------------------------------


def test_seconds_round_a_start_up_and_an_end_down() -> None:
    assert parse_ranges(["09:00:30-17:59:59"], "mon") == ((9 * 60 + 1, 17 * 60 + 59),)
    assert parse_ranges(["09:00:00-17:00:00"], "mon") == ((9 * 60, 17 * 60),)
    assert parse_ranges(["22:00:01-02:00:59"], "mon") == ((22 * 60 + 1, 26 * 60),)
    assert parse_ranges(["22:00-24:00:00"], "mon") == ((22 * 60, 24 * 60),)
    assert parse_clock("09:00:30") == 9 * 60
    assert parse_clock("09:00:30", round_up=True) == 9 * 60 + 1


def test_hours_with_seconds_never_offer_time_not_given() -> None:
    result = slots({"mon": ["09:00:30-11:00:00"]}, ServiceTiming(60, 60))

    assert result == ["Mon 09:01"]  # 09:00 would start before he does


def test_overrides_and_shifts_take_seconds_too() -> None:
    override = DateOverride.parse(MONDAY, ["15:00:10-17:00:50"])
    shift = Shift.parse("sh_1", StoreId("sto_1"), MONDAY, "08:00:00-12:00:30")

    assert override.ranges == ((15 * 60 + 1, 17 * 60),)
    assert (shift.start, shift.end) == (8 * 60, 12 * 60)


def test_the_day_of_the_end_is_decided_on_the_exact_times() -> None:
    # 09:00:30–09:00:45 is 15 seconds, not an overnight shift from 09:01 to 09:00.
    with pytest.raises(InvalidSchedule, match="no whole minute"):
        parse_ranges(["09:00:30-09:00:45"], "mon")


@pytest.mark.parametrize(
    "text", ["23:59:30-23:59:50", "24:00:01-25:00", "09:00:60-10:00", "9:00:00-10:00"]
)
def test_times_with_seconds_that_leave_nothing_or_are_not_times_are_refused(text: str) -> None:
    with pytest.raises(InvalidSchedule) as refused:
        parse_ranges([text], "mon")

    assert refused.value.code == "invalid_schedule"


def test_an_end_before_the_start_is_an_overnight_shift() -> None:
    hours = WeeklyHours.parse({"mon": ["08:00-07:00"]})

    offered = slots({"mon": ["08:00-07:00"]}, ServiceTiming(60, 60))

    assert hours.days[0] == ((8 * 60, 31 * 60),)  # 23 hours, ending Tuesday 07:00
    assert (offered[0], offered[-1], len(offered)) == ("Mon 08:00", "Tue 06:00", 23)
    assert hours.to_spec() == {"mon": ["08:00-07:00"]}


def test_an_overnight_shift_running_into_the_next_days_hours_is_refused() -> None:
    with pytest.raises(InvalidSchedule, match="runs past midnight into the first range"):
        WeeklyHours.parse({"mon": ["08:00-07:00"], "tue": ["06:30-09:00"]})


def test_in_minutes_a_range_ends_after_it_starts() -> None:
    # The text form decides the day of the end; the minute form says it (1860 = 07:00 next day).
    with pytest.raises(InvalidSchedule, match="must end after it starts"):
        WeeklyHours((((8 * 60, 7 * 60),), (), (), (), (), (), ()))
